//! `run followup --year YYYY`: the follow-up tables and the regional workbook.

use super::commit::{commit, now, Finished};
use super::staging::Staging;
use super::{load_register, JobContext, JobError, RunSummary};
use crate::billing::{followup, trainer_pot};
use crate::domain::Year;
use crate::reconcile::{pot_findings, register_findings};
use crate::report::{regional_workbook, write_followup_csv, write_reconciliation_csv};

/// Runs the follow-up job.
pub fn run_followup(ctx: &JobContext, year: Year) -> Result<RunSummary, JobError> {
    let started_at = now();
    let config = &ctx.config;
    let (register, inputs) = load_register(config, &ctx.inbox, &ctx.state)?;
    let table = followup(&register, config, year);
    let pot = trainer_pot(&register, config, year)?;
    let mut findings = register_findings(&register);
    findings.extend(pot_findings(&pot));

    let mut staging = Staging::new(&ctx.out)?;
    let csv = staging.path(&format!("followup-{year}.csv"))?;
    write_followup_csv(&csv, &table)?;
    let rec = staging.path("reconciliation.csv")?;
    write_reconciliation_csv(&rec, &findings)?;
    staging
        .write(&format!("uppfoljning-{year}.xlsx"), &regional_workbook(config, Some(&table), Some(&pot), &findings)?)?;

    let figures = table
        .sections
        .iter()
        .map(|s| {
            format!(
                "{}: {} round(s), {} day(s), {} registered, {} approved ({}).",
                config.delresa_name(&s.delresa),
                s.total.rounds,
                s.total.days,
                s.total.registered,
                s.total.approved,
                s.total.share_swedish()
            )
        })
        .collect();
    let outputs = commit(
        ctx,
        Finished { job: "followup", period: year.to_string(), started_at, inputs, findings: &findings, staging },
        |_, _| Ok(()),
    )?;
    Ok(RunSummary { job: "followup".into(), period: year.to_string(), outputs, findings, messages: 0, figures })
}
