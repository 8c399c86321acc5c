//! `run monthly-invoice --month YYYY-MM`: the month's invoice basis for
//! finance, each municipality's workbook, and the e-mails to contact persons.
//!
//! The run goes through its stages in order: compute (register → basis,
//! late changes, the platform and findings), stage (CSV, workbooks, messages
//! into the staging folder), commit (basis, closed month, frozen pot, outbox
//! in one transaction), publish and send.

use super::commit::{commit, Finished};
use super::municipality_messages::{municipality_messages, Messages};
use super::outbox::{enqueue_all, send_after_commit, sending};
use super::platform_summary::{accounts_before, platform_summary, unpack_kept, Unpacking};
use super::pot::{year_pot, YearPot};
use super::staging::{StagedWriter, Staging};
use super::{load_register, JobContext, JobError, RunSummary};
use crate::billing::{invoice_basis, participant_days, trainer_days, InvoiceInputs};
use crate::billing::{late_adjustments, ClosedMonth};
use crate::config::{Config, Municipality, Settlement};
use crate::deliver::{compose, csv, xlsx, Draft, OutgoingMessage};
use crate::domain::{
    AccountTable, Adjustment, Audience, Code, Finding, InvoiceBasis, KommunKod, Month, ParticipantDay, PlatformSummary,
    Recipient, Register, TrainerDayRow,
};
use crate::parallel::parallel_map;
use crate::reconcile::pot_findings;
use crate::report::{finance_workbook, write_invoice_csv, MunicipalityReport, Part};
use crate::store::Store;
use std::collections::HashMap;

/// The job's name in the run log and the outbox.
const JOB: &str = "monthly-invoice";

/// A municipality's messages, their files staged (none if it has nothing
/// this month), and the findings about delresor nobody is contact for.
type Built = Result<(Vec<OutgoingMessage>, Vec<Finding>), JobError>;

/// Everything the month's outputs are made from.
struct Computed {
    days: Vec<ParticipantDay>,
    trainers: Vec<TrainerDayRow>,
    pot: Option<YearPot>,
    basis: InvoiceBasis,
    late: Vec<Adjustment>,
    platform: PlatformSummary,
    accounts_before: Option<AccountTable>,
    findings: Vec<Finding>,
}

/// Runs the monthly invoice job.
pub fn run_monthly_invoice(ctx: &mut JobContext, month: Month) -> Result<RunSummary, JobError> {
    let started_at = ctx.now();
    let mut clock = super::stages::StageClock::start();
    if let Some(closed_at) = ctx.store.month_closed(month)? {
        return closed_month(ctx, month, &closed_at);
    }
    // The kept summary is unpacked on a second thread while the register is read and billed.
    let (inputs, c) = std::thread::scope(|scope| {
        let early = unpack_kept(scope, &ctx.store.reader())?;
        let (register, inputs) = load_register(ctx, JOB)?;
        clock.mark("read register", register.participants.len() as u64, "rows");
        let c = compute(ctx, &register, month, &mut clock, early)?;
        Ok::<_, JobError>((inputs, c))
    })?;

    let mut staging = Staging::new(&ctx.out)?;
    let (outgoing, unsent) = stage(ctx, &mut staging, month, &c)?;
    let mut c = c;
    c.findings.extend(unsent);
    clock.mark("municipality workbooks and messages", outgoing.len() as u64, "messages");

    let mut figures = vec![
        format!("Invoice basis {month}: {} line(s), total {} kr.", c.basis.lines.len(), c.basis.total()),
        format!("Participant-days attended: {}.", c.days.iter().filter(|d| d.attended).count()),
    ];
    let sending = sending(ctx);
    let closing = !ctx.delivery.dry_run;
    let freeze = c.pot.as_ref().filter(|p| closing && !p.frozen).map(|p| &p.pot);
    let done = Finished { inputs, ..Finished::new(JOB, month.to_string(), started_at, c.findings.len(), staging) };
    let outputs = commit(ctx, done, |tx| {
        tx.save_invoice_basis(&c.basis)?;
        tx.save_adjustments_and_close(month, &c.late, closing)?;
        if let Some(pot) = freeze {
            tx.freeze_pot(pot)?;
        }
        if sending {
            enqueue_all(tx, JOB, &month.to_string(), &outgoing)?;
        }
        Ok(())
    })?;
    clock.mark("commit", outputs.len() as u64, "files");
    let findings = c.findings;
    let messages = if sending {
        let n = send_after_commit(ctx, &mut figures)?;
        ctx.store.record_messages(JOB, &month.to_string(), n)?;
        clock.mark("send e-mail (SMTP)", n as u64, "messages");
        n
    } else {
        figures.push(format!(
            "{} message(s) written to the outbox folder only ({}).",
            outgoing.len(),
            if ctx.delivery.dry_run { "--dry-run" } else { "no [smtp] relay is configured" }
        ));
        outgoing.len()
    };
    let stages = clock.finish();
    Ok(RunSummary {
        job: JOB.into(),
        period: month.to_string(),
        outputs,
        findings,
        messages,
        figures,
        stages,
        waiting: 0,
    })
}

/// The month's basis (refused if it would deliver an undecided amount), the
/// late changes to closed months, the platform and every finding.
fn compute(
    ctx: &JobContext,
    register: &Register,
    month: Month,
    clock: &mut super::stages::StageClock,
    early: Option<Unpacking>,
) -> Result<Computed, JobError> {
    let config = &ctx.config;
    let days = participant_days(register, config, month)?;
    let trainers = trainer_days(register, config, month)?;
    // Under settlement `credit` the year's pot is credited in its month: the
    // frozen distribution if it was delivered, else computed now.
    let crediting =
        config.trainer_pot.settlement == Settlement::Credit && month.number() == config.billing.pot_credit_month;
    let pot = if crediting { Some(year_pot(&ctx.store.reader(), config, register, month.year())?) } else { None };
    let inputs = InvoiceInputs { days: &days, extra_lines: &register.extra_lines, pot: pot.as_ref().map(|p| &p.pot) };
    let mut basis = invoice_basis(config, month, inputs)?;
    // Late register changes to closed months become adjustment lines here;
    // an adjustment recomputed from an undecided amount is refused like the rest.
    let late = late_adjustments(config, register, &closed_months(&ctx.store, month)?)?;
    basis.lines.extend(late.iter().map(Adjustment::line));
    refuse_undecided(ctx, &basis)?;
    crate::billing::sort_lines(&mut basis.lines);
    clock.mark("invoice basis", days.len() as u64, "participant-days");

    // The platform as its latest snapshots show it (the summary the sync
    // kept, if it is for this state): findings against the register,
    // accounts (and those before the month began), course progress.
    let month_start = chrono::NaiveDate::from_ymd_opt(month.year().get(), month.number(), 1).expect("valid");
    let reader = ctx.store.reader();
    let mut platform = platform_summary(&reader, config, register, early)?;
    let accounts_before = accounts_before(&reader, config, month_start)?;
    clock.mark("platform summary", platform.findings.len() as u64, "findings");
    let mut findings: Vec<Finding> = late.iter().map(|a| late_finding(a, month)).collect();
    findings.append(&mut platform.findings);
    if let Some(p) = &pot {
        findings.extend(pot_findings(&p.pot));
        findings.extend(p.findings.iter().cloned());
    }
    Ok(Computed { days, trainers, pot, basis, late, platform, accounts_before, findings })
}

/// The closed months before `month`, as the store holds them.
fn closed_months(store: &Store, month: Month) -> Result<Vec<ClosedMonth>, JobError> {
    let mut out = Vec::new();
    for closed in store.closed_months_before(month)? {
        let Some(invoiced) = store.invoice_basis(closed)? else { continue };
        out.push(ClosedMonth {
            invoiced,
            earlier: store.adjustments_for(closed, month)?,
            frozen_pot: store.frozen_pot(closed.year())?,
        });
    }
    Ok(out)
}

fn late_finding(a: &Adjustment, month: Month) -> Finding {
    Finding::new(
        Code::LateChangeAdjusted,
        Some(a.kommun),
        format!("{} {}", a.for_month, a.description),
        format!(
            "Kursdagsregistret har ändrats för {} efter att månaden fakturerades. Fakturan för {} ändras inte; \
             skillnaden {} kr läggs som justering på {month}.",
            a.for_month, a.for_month, a.delta
        ),
    )
}

/// Stages the CSV, the finance workbook and each municipality's workbook and
/// messages; returns the messages to put in the outbox and the findings
/// about delresor nobody is contact for.
fn stage(
    ctx: &JobContext,
    staging: &mut Staging,
    month: Month,
    c: &Computed,
) -> Result<(Vec<OutgoingMessage>, Vec<Finding>), JobError> {
    let config = &ctx.config;
    let mut findings = Vec::new();
    let csv_path = staging.path(&format!("invoice-basis-{month}.csv"))?;
    write_invoice_csv(&csv_path, config, &c.basis)?;
    // The finance workbook shows the year's months computed so far, this one replaced.
    let mut months: Vec<InvoiceBasis> =
        ctx.store.invoice_bases(month.year())?.into_iter().filter(|b| b.month != month).collect();
    months.push(c.basis.clone());
    months.sort_by_key(|b| b.month);
    let finance_xlsx = finance_workbook(config, &months)?;
    staging.write(&format!("fakturaunderlag-{}.xlsx", month.year()), &finance_xlsx)?;

    let mut outgoing = Vec::new();
    // Each worker writes its municipalities' files; they are listed here in the config's order.
    for built in municipality_outputs(ctx, month, c, &staging.writer()) {
        let (messages, found) = built?;
        findings.extend(found);
        for msg in messages {
            staging.adopt(&workbook_file(&msg));
            staging.adopt(&message_file(&msg));
            if ctx.delivery.includes("contacts") {
                outgoing.push(msg);
            }
        }
    }
    if config.email.finance.is_some() && ctx.delivery.includes("finance") {
        let bytes = std::fs::read(&csv_path).map_err(JobError::io(&csv_path))?;
        let msg = finance_message(config, &c.basis, finance_xlsx, bytes)?;
        staging.write(&format!("outbox/{}.eml", msg.stem), &msg.bytes)?;
        outgoing.push(msg);
    }
    Ok((outgoing, findings))
}

/// Where a municipality message's workbook is staged.
fn workbook_file(msg: &OutgoingMessage) -> String {
    format!("kommuner/{}.xlsx", msg.stem)
}

/// Where a message is staged.
fn message_file(msg: &OutgoingMessage) -> String {
    format!("outbox/{}.eml", msg.stem)
}

/// Each municipality's rows grouped once, its report built, its workbook
/// and message made and staged — on every core, in the config's order.
fn municipality_outputs(ctx: &JobContext, month: Month, c: &Computed, files: &StagedWriter) -> Vec<Built> {
    let config = &ctx.config;
    let own = Own::group(c);
    let counts = c.platform.accounts.as_ref();
    let before = c.accounts_before.as_ref();
    let build = |m: &Municipality| -> Built {
        let report = MunicipalityReport {
            part: Part::Whole,
            municipality: m,
            month,
            lines: c.basis.lines_of(m.code).collect(),
            days: own.days.get(&m.code).cloned().unwrap_or_default(),
            trainer_days: own.trainers.get(&m.code).cloned().unwrap_or_default(),
            pot_payout: c.pot.as_ref().map(|p| (p.pot.year, p.pot.payout(Recipient::Kommun(m.code)))),
            findings: open_in(own.findings.get(&m.code), month),
            accounts: counts.map(|now| accounts_of(m.code, now, before)),
            progress: c.platform.progress.is_some().then(|| own.progress.get(&m.code).cloned().unwrap_or_default()),
        };
        if report.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        let Messages { built, findings } = municipality_messages(config, m, &report)?;
        let mut messages = Vec::with_capacity(built.len());
        for (workbook, msg) in built {
            files.write(&workbook_file(&msg), &workbook)?;
            files.write(&message_file(&msg), &msg.bytes)?;
            messages.push(msg);
        }
        Ok((messages, findings))
    };
    parallel_map(&config.municipalities, build)
}

/// A municipality's findings its workbook of `month` shows: those about
/// no day, and those about days of the month's year up to its end (still
/// open, since findings are computed from the current state); never other
/// years or later months.
fn open_in<'a>(findings: Option<&Vec<&'a Finding>>, month: Month) -> Vec<&'a Finding> {
    let end = month.last_day();
    let year = month.year();
    findings.into_iter().flatten().filter(|f| f.date.is_none_or(|d| year.contains(d) && d <= end)).copied().collect()
}

/// The month's rows of each municipality, grouped once.
struct Own<'a> {
    days: HashMap<KommunKod, Vec<&'a ParticipantDay>>,
    trainers: HashMap<KommunKod, Vec<&'a TrainerDayRow>>,
    findings: HashMap<KommunKod, Vec<&'a Finding>>,
    progress: HashMap<KommunKod, Vec<&'a crate::domain::Progress>>,
}

impl<'a> Own<'a> {
    fn group(c: &'a Computed) -> Self {
        let mut own =
            Own { days: HashMap::new(), trainers: HashMap::new(), findings: HashMap::new(), progress: HashMap::new() };
        for d in &c.days {
            own.days.entry(d.kommun).or_default().push(d);
        }
        for t in &c.trainers {
            if let Recipient::Kommun(k) = t.employer {
                own.trainers.entry(k).or_default().push(t);
            }
        }
        for f in &c.findings {
            if let Some(k) = f.kommun {
                own.findings.entry(k).or_default().push(f);
            }
        }
        for p in c.platform.progress.iter().flatten() {
            own.progress.entry(p.kommun).or_default().push(p);
        }
        own
    }
}

/// A municipality's accounts per delresa now, and at the last snapshot before the month.
fn accounts_of(k: KommunKod, now: &AccountTable, before: Option<&AccountTable>) -> Vec<crate::report::AccountsRow> {
    now.iter()
        .filter(|((kk, _), _)| *kk == k)
        .map(|((kk, d), count)| {
            let then = before.map(|b| b.get(&(*kk, d.clone())).cloned().unwrap_or_default());
            (d.clone(), count.clone(), then)
        })
        .collect()
}

/// Refuses to deliver a basis with undecided amounts (a dry run shows them marked).
fn refuse_undecided(ctx: &JobContext, basis: &InvoiceBasis) -> Result<(), JobError> {
    let open = basis.undecided();
    if ctx.delivery.dry_run || open.is_empty() {
        return Ok(());
    }
    let file = ctx.config.source.display();
    let known = ctx.config.undecided();
    let settings = open
        .iter()
        .map(|setting| match known.iter().find(|u| u.setting == *setting) {
            Some(u) => format!("  {file}:{}: {} has no decided = \"…\" ({})\n", u.line, u.setting, u.bills),
            None => format!("  {file}: {setting} has no decided = \"…\"\n"),
        })
        .collect();
    Err(JobError::Undecided { month: basis.month, settings })
}

/// A closed month is not computed again: its basis stays as delivered. What
/// is still due in its outbox (or named by `--resend`) is sent.
fn closed_month(ctx: &mut JobContext, month: Month, closed_at: &str) -> Result<RunSummary, JobError> {
    let mut figures = vec![format!(
        "{month} was closed at {closed_at}: its invoice basis is not changed. \
         Later register changes for it are adjusted in the next open month."
    )];
    let findings = Vec::new();
    let messages = if sending(ctx) {
        if let Some(codes) = &ctx.delivery.resend {
            let ids = ctx.store.ids_of(JOB, &month.to_string(), if codes.is_empty() { None } else { Some(codes) })?;
            let n = ctx.store.resend_ids(&ids)?;
            figures.push(format!("{n} message(s) marked to be sent again (--resend)."));
        }
        send_after_commit(ctx, &mut figures)?
    } else {
        0
    };
    Ok(RunSummary {
        job: JOB.into(),
        period: month.to_string(),
        outputs: Vec::new(),
        findings,
        messages,
        figures,
        stages: Vec::new(),
        waiting: 0,
    })
}

/// The invoice basis for finance: the workbook and the CSV, totals per municipality in the body.
fn finance_message(
    config: &Config,
    basis: &InvoiceBasis,
    workbook: Vec<u8>,
    csv_bytes: Vec<u8>,
) -> Result<OutgoingMessage, JobError> {
    let month = basis.month;
    let mut body = format!(
        "Hej!\n\nHär är fakturaunderlaget för Yrkesresan {}: att fakturera per kommun, exklusive moms.\n\n",
        month.swedish()
    );
    for k in basis.municipalities() {
        let name = config.municipality(k).map(|m| m.name.as_str()).unwrap_or("");
        body += &format!("  {k} {name}: {}\n", basis.total_of(k).kr_text());
    }
    body += &format!(
        "\nTotalt: {} exklusive moms.\n\nRaderna finns i bilagorna: arbetsboken för att läsa, CSV-filen för \
         ekonomisystemet.\n\nHälsningar\n{}\n",
        basis.total().kr_text(),
        config.region.name
    );
    let draft = Draft {
        stem: format!("yrkesresan-fakturaunderlag-{month}"),
        audience: Audience::Finance,
        subject: format!("Yrkesresan: fakturaunderlag {}", month.swedish()),
        body,
        attachments: vec![xlsx(workbook), csv(csv_bytes)],
    };
    Ok(compose(config, "ekonomi", draft)?)
}
