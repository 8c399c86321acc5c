//! `run trainer-pot --year YYYY`: the year's distribution, as CSV and
//! workbook; each municipality's statement; under settlement `payout` the
//! payout list for finance. A run that is not `--dry-run` delivers the pot and
//! freezes it: later runs reproduce the delivered figures, and register changes
//! made after delivery are adjusted in the next year's distribution.

use super::commit::{commit, Finished};
use super::outbox::{enqueue_all, send_after_commit};
use super::pot::year_pot;
use super::staging::Staging;
use super::{load_register, JobContext, JobError, RunSummary};
use crate::config::{Config, Settlement};
use crate::deliver::{build_statement, compose, csv, xlsx, Draft, OutgoingMessage, Statement};
use crate::domain::PotDistribution;
use crate::domain::{Audience, Recipient, Year};
use crate::reconcile::{pot_findings, register_findings};
use crate::report::RegionalReport;
use crate::report::{payout_workbook, pot_statement, regional_workbook, write_payout_csv, write_pot_csv};

/// The job's name in the run log and the outbox.
const JOB: &str = "trainer-pot";

/// Runs the trainer-pot job.
pub fn run_trainer_pot(ctx: &mut JobContext, year: Year) -> Result<RunSummary, JobError> {
    let started_at = ctx.now();
    let mut clock = super::stages::StageClock::start();
    let config = &ctx.config;
    let (register, inputs) = load_register(ctx, JOB)?;
    clock.mark("read register", register.participants.len() as u64, "rows");
    let computed = year_pot(&ctx.store.reader(), config, &register, year)?;
    let pot = &computed.pot;
    let mut findings = register_findings(&register);
    findings.extend(pot_findings(pot));
    findings.extend(computed.findings.iter().cloned());
    clock.mark("trainer pot", pot.days.len() as u64, "course days");

    let mut staging = Staging::new(&ctx.out)?;
    let outgoing = stage(ctx, &mut staging, pot, &findings)?;
    clock.mark("pot reports and statements", outgoing.len() as u64, "messages");

    let delivering = !ctx.delivery.dry_run;
    let mut figures = pot_figures(pot, computed.frozen, delivering);
    let sending = super::outbox::sending(ctx);
    let freeze = (delivering && !computed.frozen).then_some(pot);
    let done = Finished { inputs, ..Finished::new(JOB, year.to_string(), started_at, findings.len(), staging) };
    let outputs = commit(ctx, done, |tx| {
        if let Some(pot) = freeze {
            tx.freeze_pot(pot)?;
        }
        if sending {
            enqueue_all(tx, JOB, &year.to_string(), &outgoing)?;
        }
        Ok(())
    })?;
    clock.mark("commit", outputs.len() as u64, "files");
    let messages = if sending {
        let n = send_after_commit(ctx, &mut figures)?;
        ctx.store.record_messages(JOB, &year.to_string(), n)?;
        n
    } else {
        outgoing.len()
    };
    let stages = clock.finish();
    Ok(RunSummary {
        job: JOB.into(),
        period: year.to_string(),
        outputs,
        findings,
        messages,
        figures,
        stages,
        waiting: 0,
    })
}

/// Stages the pot's CSV and workbook, under `payout` the list for finance
/// (and its message), and each municipality's statement; returns the messages.
fn stage(
    ctx: &JobContext,
    staging: &mut Staging,
    pot: &PotDistribution,
    findings: &[crate::domain::Finding],
) -> Result<Vec<OutgoingMessage>, JobError> {
    let (config, year) = (&ctx.config, pot.year);
    let csv = staging.path(&format!("trainer-pot-{year}.csv"))?;
    write_pot_csv(&csv, config, pot)?;
    staging.write(
        &format!("utbildarpott-{year}.xlsx"),
        &regional_workbook(config, &RegionalReport { pot: Some(pot), findings, ..Default::default() })?,
    )?;
    let mut outgoing: Vec<OutgoingMessage> = Vec::new();
    if config.trainer_pot.settlement == Settlement::Payout {
        let csv_path = staging.path(&format!("utbetalning-utbildarpott-{year}.csv"))?;
        write_payout_csv(&csv_path, config, pot)?;
        let workbook = payout_workbook(config, pot)?;
        staging.write(&format!("utbetalning-utbildarpott-{year}.xlsx"), &workbook)?;
        if config.email.finance.is_some() && ctx.delivery.includes("finance") {
            let bytes = std::fs::read(&csv_path).map_err(JobError::io(&csv_path))?;
            let msg = finance_message(config, pot, workbook, bytes)?;
            staging.write(&format!("outbox/{}.eml", msg.stem), &msg.bytes)?;
            outgoing.push(msg);
        }
    }
    outgoing.extend(stage_statements(ctx, staging, pot)?);
    Ok(outgoing)
}

/// The run summary's figures: the pot, what is paid out, and whether it is frozen.
fn pot_figures(pot: &PotDistribution, frozen: bool, delivering: bool) -> Vec<String> {
    let year = pot.year;
    vec![
        format!("Trainer pot {year}: {} kr from {} regional course day(s).", pot.pot, pot.days.len()),
        format!(
            "Paid out: {} kr (adjustments for earlier years {} kr); difference {} kr.",
            pot.paid(),
            pot.adjustments_total(),
            pot.total() - pot.paid()
        ),
        match (frozen, delivering) {
            (true, _) => format!("{year} was delivered before: the frozen distribution is reproduced unchanged."),
            (false, true) => format!("{year} is delivered now and frozen."),
            (false, false) => format!("{year} is not delivered (--dry-run): nothing is frozen."),
        },
    ]
}

/// Each municipality with a payout: its statement workbook and message.
fn stage_statements(
    ctx: &JobContext,
    staging: &mut Staging,
    pot: &PotDistribution,
) -> Result<Vec<OutgoingMessage>, JobError> {
    let (config, year) = (&ctx.config, pot.year);
    let mut outgoing = Vec::new();
    for m in &config.municipalities {
        let Some(row) = pot.row(Recipient::Kommun(m.code)).filter(|r| !r.amount.is_zero()) else { continue };
        let workbook = pot_statement(config, pot, m)?;
        staging.write(&format!("kommuner/utbildarpott-{}-{year}.xlsx", m.slug()), &workbook)?;
        let statement = Statement { year, amount: row.amount, days: row.days, workbook };
        let msg = build_statement(config, m, statement)?;
        staging.write(&format!("outbox/{}.eml", msg.stem), &msg.bytes)?;
        if ctx.delivery.includes("contacts") {
            outgoing.push(msg);
        }
    }
    Ok(outgoing)
}

/// The payout list for finance: the workbook and the CSV, each payout in the body.
fn finance_message(
    config: &Config,
    pot: &PotDistribution,
    workbook: Vec<u8>,
    csv_bytes: Vec<u8>,
) -> Result<OutgoingMessage, JobError> {
    let year = pot.year;
    let mut body = format!(
        "Hej!\n\nHär är utbetalningen av utbildarpotten för Yrkesresan {year} till de kommuner som ställt upp med \
         utbildare. Den betalas ut i december.\n\n"
    );
    for r in crate::report::published_rows_of(pot) {
        body += &format!(
            "  {} {}: {} kr\n",
            config.recipient_code(r.recipient),
            config.recipient_name(r.recipient),
            r.amount.to_swedish()
        );
    }
    body += &format!("\nTotalt: {} kr exkl. moms.\n\nHälsningar\n{}\n", pot.paid().to_swedish(), config.region.name);
    let draft = Draft {
        stem: format!("yrkesresan-utbetalning-utbildarpott-{year}"),
        audience: Audience::Finance,
        subject: format!("Yrkesresan: utbetalning av utbildarpott {year}"),
        body,
        attachments: vec![xlsx(workbook), csv(csv_bytes)],
    };
    Ok(compose(config, "ekonomi", draft)?)
}
