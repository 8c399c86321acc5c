//! `run monthly-invoice --month YYYY-MM`: the month's invoice basis for
//! finance, each municipality's workbook, and the e-mails to contact persons.

use super::commit::{commit, now, Finished};
use super::outbox::{enqueue_all, send_due};
use super::parallel::parallel_map;
use super::pot::year_pot;
use super::staging::Staging;
use super::{load_register, JobContext, JobError, RunSummary};
use crate::billing::{account_counts, adjustments, Adjustment, PotDistribution};
use crate::billing::{invoice_basis, participant_days, trainer_days, InvoiceBasis, InvoiceInputs};
use crate::config::Settlement;
use crate::deliver::{build_message, compose, recipients_for, Attached, Draft, Letter, OutgoingMessage};
use crate::domain::{DelresaCode, KommunKod, Month, Recipient};
use crate::reconcile::Severity;
use crate::reconcile::{pot_findings, reconcile, Finding};
use crate::report::{finance_workbook, municipality_workbook, write_invoice_csv, MunicipalityReport};
use crate::store::Store;
use std::collections::HashMap;

/// Runs the monthly invoice job.
pub fn run_monthly_invoice(ctx: &JobContext, month: Month) -> Result<RunSummary, JobError> {
    let started_at = now();
    let mut clock = super::stages::StageClock::start();
    let config = &ctx.config;
    if let Some(closed_at) = Store::open(&ctx.state)?.month_closed(month)? {
        return closed_month(ctx, month, &closed_at);
    }
    let (register, inputs) = load_register(ctx, JOB)?;
    clock.mark("read register", register.participants.len() as u64, "rows");

    let days = participant_days(&register, config, month)?;
    let trainers = trainer_days(&register, config, month)?;
    // Under settlement `credit` the year's pot is credited in its month: the
    // frozen distribution if it was delivered, else computed now.
    let crediting =
        config.trainer_pot.settlement == Settlement::Credit && month.number() == config.billing.pot_credit_month;
    let store = Store::open(&ctx.state)?;
    let year_pot = if crediting { Some(year_pot(&store, config, &register, month.year())?) } else { None };
    let pot = year_pot.as_ref().map(|p| &p.pot);
    let inputs_of_basis = InvoiceInputs { days: &days, extra_lines: &register.extra_lines, pot };
    let mut basis = invoice_basis(config, month, inputs_of_basis)?;
    refuse_undecided(ctx, &basis)?;
    // Late register changes to closed months become adjustment lines here.
    let late = late_changes(ctx, &store, &register, month)?;
    drop(store);
    basis.lines.extend(late.iter().map(Adjustment::line));
    crate::billing::sort_lines(&mut basis.lines);
    clock.mark("invoice basis", days.len() as u64, "participant-days");
    // The platform as its latest snapshots show it: accounts (and those
    // before the month began), course progress, findings against the register.
    let store = Store::open(&ctx.state)?;
    let month_start = chrono::NaiveDate::from_ymd_opt(month.year().get(), month.number(), 1).expect("valid");
    let courses = register.rounds.iter().map(|r| r.course.to_lowercase()).collect();
    let platform = store.platform(month_start, Some(&courses))?;
    drop(store);
    clock.mark("read platform", platform.completions.len() as u64, "completions");
    let mut findings: Vec<Finding> = late
        .iter()
        .map(|a| Finding {
            severity: Severity::Warning,
            code: "late-change-adjusted".into(),
            kommun: Some(a.kommun),
            subject: format!("{} {}", a.for_month, a.description),
            detail: format!(
                "Kursdagsregistret har ändrats för {} efter att månaden fakturerades. Fakturan för {} ändras inte; \
                 skillnaden {} kr läggs som justering på {month}.",
                a.for_month, a.for_month, a.delta
            ),
        })
        .collect();
    findings.extend(reconcile(&register, &platform, config));
    if let Some(p) = &year_pot {
        findings.extend(pot_findings(&p.pot));
        findings.extend(p.findings.iter().cloned());
    }
    clock.mark("reconcile", register.participants.len() as u64, "rows");
    let counts = platform.has_accounts.then(|| account_counts(config, &platform.accounts));
    let before = platform.accounts_before.as_ref().map(|b| account_counts(config, b));

    let mut staging = Staging::new(&ctx.out)?;
    let csv_path = staging.path(&format!("invoice-basis-{month}.csv"))?;
    write_invoice_csv(&csv_path, config, &basis)?;

    // The finance workbook shows the year's months computed so far, this one replaced.
    let mut months: Vec<InvoiceBasis> =
        Store::open(&ctx.state)?.invoice_bases(month.year())?.into_iter().filter(|b| b.month != month).collect();
    months.push(basis.clone());
    months.sort_by_key(|b| b.month);
    let finance_xlsx = finance_workbook(config, &months)?;
    staging.write(&format!("fakturaunderlag-{}.xlsx", month.year()), &finance_xlsx)?;

    // Each municipality's share, grouped once; then workbooks and messages
    // are built on every core and staged in the config's order.
    let mut own_days: HashMap<KommunKod, Vec<_>> = HashMap::new();
    for d in &days {
        own_days.entry(d.kommun).or_default().push(d);
    }
    let mut own_trainers: HashMap<KommunKod, Vec<_>> = HashMap::new();
    for t in &trainers {
        if let Recipient::Kommun(k) = t.employer {
            own_trainers.entry(k).or_default().push(t);
        }
    }
    let mut own_findings: HashMap<KommunKod, Vec<&Finding>> = HashMap::new();
    for f in &findings {
        if let Some(k) = f.kommun {
            own_findings.entry(k).or_default().push(f);
        }
    }
    let mut own_progress: HashMap<KommunKod, Vec<_>> = HashMap::new();
    for p in &platform.progress {
        own_progress.entry(p.kommun).or_default().push(p);
    }
    let cc = config.smtp.as_ref().map(|s| s.cc.clone()).unwrap_or_default();
    let build = |m: &crate::config::Municipality| -> Result<Option<(Vec<u8>, OutgoingMessage)>, JobError> {
        let report = MunicipalityReport {
            municipality: m,
            month,
            lines: basis.lines_of(m.code).collect(),
            days: own_days.get(&m.code).cloned().unwrap_or_default(),
            trainer_days: own_trainers.get(&m.code).cloned().unwrap_or_default(),
            pot_payout: pot.map(|p| (p.year, p.payout(Recipient::Kommun(m.code)))),
            findings: own_findings.get(&m.code).cloned().unwrap_or_default(),
            accounts: counts.as_ref().map(|c| {
                c.iter()
                    .filter(|((k, _), _)| *k == m.code)
                    .map(|((k, d), now)| {
                        let then = before.as_ref().map(|b| b.get(&(*k, d.clone())).cloned().unwrap_or_default());
                        (d.clone(), now.clone(), then)
                    })
                    .collect()
            }),
            progress: platform.has_completions.then(|| own_progress.get(&m.code).cloned().unwrap_or_default()),
        };
        if report.is_empty() {
            return Ok(None);
        }
        let workbook = municipality_workbook(config, &report)?;
        let mut delresor: Vec<DelresaCode> = report.days.iter().map(|d| d.delresa.clone()).collect();
        delresor.sort();
        delresor.dedup();
        let to = recipients_for(m, &delresor);
        let lines: Vec<String> = report
            .lines
            .iter()
            .map(|l| format!("{}: {} × {} kr = {} kr", l.description, l.quantity, l.unit_price, l.amount))
            .collect();
        let letter = Letter { to: &to, cc: &cc, total: report.total(), lines: &lines, workbook: workbook.clone() };
        Ok(Some((workbook, build_message(config, m, month, letter)?)))
    };
    let mut outgoing: Vec<(String, OutgoingMessage)> = Vec::new();
    for (m, built) in config.municipalities.iter().zip(parallel_map(&config.municipalities, build)) {
        let Some((workbook, msg)) = built? else { continue };
        staging.write(&format!("kommuner/{}.xlsx", msg.stem), &workbook)?;
        staging.write(&format!("outbox/{}.eml", msg.stem), &msg.bytes)?;
        if ctx.delivery.includes("contacts") {
            outgoing.push((m.code.to_string(), msg));
        }
    }
    if let Some(finance) = config.email.finance.as_ref().filter(|_| ctx.delivery.includes("finance")) {
        let msg = finance_message(
            config,
            month,
            &basis,
            finance,
            finance_xlsx,
            std::fs::read(&csv_path).map_err(JobError::io(&csv_path))?,
        )?;
        staging.write(&format!("outbox/{}.eml", msg.stem), &msg.bytes)?;
        outgoing.push(("finance".to_string(), msg));
    }
    let sending = !ctx.delivery.dry_run && config.smtp.is_some();
    clock.mark("municipality workbooks and messages", outgoing.len() as u64, "messages");

    let total = basis.total();
    let mut figures = vec![
        format!("Invoice basis {month}: {} line(s), total {total} kr.", basis.lines.len()),
        format!("Participant-days attended: {}.", days.iter().filter(|d| d.attended).count()),
    ];
    let closing = !ctx.delivery.dry_run;
    let freeze: Option<&PotDistribution> = year_pot.as_ref().filter(|p| closing && !p.frozen).map(|p| &p.pot);
    let outputs = commit(
        ctx,
        Finished { job: JOB, period: month.to_string(), started_at, inputs, findings: &findings, staging },
        |tx, run_id| {
            Store::save_invoice_basis(tx, run_id, &basis)?;
            Store::save_adjustments_and_close(tx, month, &late, closing)?;
            if let Some(pot) = freeze {
                Store::freeze_pot(tx, run_id, pot)?;
            }
            if sending {
                enqueue_all(tx, JOB, &month.to_string(), &outgoing)?;
            }
            Ok(())
        },
    )?;
    clock.mark("commit", outputs.len() as u64, "files");
    let messages = if sending {
        let n = send_due(ctx, JOB, &month.to_string(), &mut figures, &mut findings)?;
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
    Ok(RunSummary { job: JOB.into(), period: month.to_string(), outputs, findings, messages, figures, stages })
}

/// The differences between each closed month before `month` as the register
/// says now and as it was invoiced (with earlier adjustments).
fn late_changes(
    ctx: &JobContext,
    store: &Store,
    register: &crate::ingest::Register,
    month: Month,
) -> Result<Vec<Adjustment>, JobError> {
    let config = &ctx.config;
    let mut out = Vec::new();
    for closed in store.closed_months_before(month)? {
        let Some(invoiced) = store.invoice_basis(closed)? else { continue };
        let days = participant_days(register, config, closed)?;
        // A credited pot is frozen when its month closes: recomputing uses the frozen figures.
        let pot = store.frozen_pot(closed.year())?;
        let inputs = InvoiceInputs { days: &days, extra_lines: &register.extra_lines, pot: pot.as_ref() };
        let now = invoice_basis(config, closed, inputs)?;
        out.extend(adjustments(&now, &invoiced, &store.adjustments_for(closed, month)?));
    }
    Ok(out)
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
fn closed_month(ctx: &JobContext, month: Month, closed_at: &str) -> Result<RunSummary, JobError> {
    let mut figures = vec![format!(
        "{month} was closed at {closed_at}: its invoice basis is not changed. \
         Later register changes for it are adjusted in the next open month."
    )];
    let mut findings = Vec::new();
    let messages = if !ctx.delivery.dry_run && ctx.config.smtp.is_some() {
        send_due(ctx, JOB, &month.to_string(), &mut figures, &mut findings)?
    } else {
        0
    };
    let stages = Vec::new();
    Ok(RunSummary {
        job: JOB.into(),
        period: month.to_string(),
        outputs: Vec::new(),
        findings,
        messages,
        figures,
        stages,
    })
}

/// The invoice basis for finance: the workbook and the CSV, totals per municipality in the body.
fn finance_message(
    config: &crate::config::Config,
    month: Month,
    basis: &InvoiceBasis,
    finance: &crate::domain::Email,
    workbook: Vec<u8>,
    csv: Vec<u8>,
) -> Result<OutgoingMessage, JobError> {
    let mut body = format!("Hej!\n\nHär är fakturaunderlaget för Yrkesresan {month}.\n\n");
    for k in basis.municipalities() {
        let name = config.municipality(k).map(|m| m.name.as_str()).unwrap_or("");
        body += &format!("  {k} {name}: {} kr\n", basis.total_of(k));
    }
    body += &format!("\nTotalt: {} kr exkl. moms.\n\nHälsningar\n{}\n", basis.total(), config.region.name);
    let draft = Draft {
        stem: format!("yrkesresan-fakturaunderlag-{month}"),
        to: std::slice::from_ref(finance),
        cc: &[],
        subject: format!("Yrkesresan: fakturaunderlag {month}"),
        body,
        attachments: vec![Attached::xlsx(workbook), Attached { suffix: ".csv".into(), mime: "text/csv", bytes: csv }],
    };
    Ok(compose(config, "ekonomi", draft)?)
}

/// The job's name in the run log and the outbox.
const JOB: &str = "monthly-invoice";
