//! `run followup --year YYYY`: the follow-up tables, reconciliation against
//! the platform's latest snapshots, and the regional workbook.

use super::commit::{commit, Finished};
use super::platform_summary::platform_summary;
use super::pot::year_pot;
use super::regional::{finding_counts, stage_regional};
use super::staging::Staging;
use super::{load_register, JobContext, JobError, RunSummary};
use crate::billing::followup;
use crate::domain::Year;

/// Runs the follow-up job.
pub fn run_followup(ctx: &mut JobContext, year: Year) -> Result<RunSummary, JobError> {
    let started_at = ctx.now();
    let mut clock = super::stages::StageClock::start();
    let config = &ctx.config;
    let (register, inputs) = load_register(ctx, "followup")?;
    clock.mark("read register", register.participants.len() as u64, "rows");
    let summary = platform_summary(&ctx.store.reader(), config, &register, None)?;
    clock.mark("platform summary", summary.findings.len() as u64, "findings");

    let mut staging = Staging::new(&ctx.out)?;
    let pot = year_pot(&ctx.store.reader(), config, &register, year)?;
    let (findings, ..) = stage_regional(&mut staging, config, year, Some((&register, pot)), summary, |_| ())?;
    let table = followup(&register, config, year);
    let mut figures: Vec<String> = table
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
    figures.extend(finding_counts(config, &findings));
    let done = Finished { inputs, ..Finished::new("followup", year.to_string(), started_at, findings.len(), staging) };
    let outputs = commit(ctx, done, |_| Ok(()))?;
    clock.mark("follow-up, reconcile and regional workbook", table.sections.len() as u64, "delresor");
    let stages = clock.finish();
    Ok(RunSummary {
        job: "followup".into(),
        period: year.to_string(),
        outputs,
        findings,
        messages: 0,
        figures,
        stages,
        waiting: 0,
    })
}
