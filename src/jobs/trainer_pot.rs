//! `run trainer-pot --year YYYY`: the year's distribution, as CSV and workbook.

use super::commit::{commit, now, Finished};
use super::staging::Staging;
use super::{load_register, JobContext, JobError, RunSummary};
use crate::billing::trainer_pot;
use crate::domain::Year;
use crate::reconcile::{pot_findings, register_findings};
use crate::report::{regional_workbook, write_pot_csv, RegionalReport};

/// Runs the trainer-pot job.
pub fn run_trainer_pot(ctx: &JobContext, year: Year) -> Result<RunSummary, JobError> {
    let started_at = now();
    let mut clock = super::stages::StageClock::start();
    let config = &ctx.config;
    let (register, inputs) = load_register(config, &ctx.inbox, &ctx.state)?;
    clock.mark("read register", register.participants.len() as u64, "rows");
    let pot = trainer_pot(&register, config, year)?;
    let mut findings = register_findings(&register);
    findings.extend(pot_findings(&pot));
    clock.mark("trainer pot", pot.days.len() as u64, "course days");

    let mut staging = Staging::new(&ctx.out)?;
    let csv = staging.path(&format!("trainer-pot-{year}.csv"))?;
    write_pot_csv(&csv, config, &pot)?;
    staging.write(
        &format!("utbildarpott-{year}.xlsx"),
        &regional_workbook(config, &RegionalReport { pot: Some(&pot), findings: &findings, ..Default::default() })?,
    )?;

    let figures = vec![
        format!("Trainer pot {year}: {} kr from {} regional course day(s).", pot.pot, pot.days.len()),
        format!("Paid out: {} kr; difference {} kr.", pot.paid(), pot.pot - pot.paid()),
    ];
    let outputs = commit(
        ctx,
        Finished { job: "trainer-pot", period: year.to_string(), started_at, inputs, findings: &findings, staging },
        |_, _| Ok(()),
    )?;
    clock.mark("pot report and commit", outputs.len() as u64, "files");
    let stages = clock.finish();
    Ok(RunSummary {
        job: "trainer-pot".into(),
        period: year.to_string(),
        outputs,
        findings,
        messages: 0,
        figures,
        stages,
    })
}
