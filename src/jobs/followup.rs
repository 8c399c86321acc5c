//! `run followup --year YYYY`: the follow-up tables, reconciliation against
//! the platform's latest snapshots, and the regional workbook.

use super::commit::{commit, now, Finished};
use super::regional::{finding_counts, stage_regional};
use super::staging::Staging;
use super::{load_register, JobContext, JobError, RunSummary};
use crate::billing::followup;
use crate::domain::Year;
use crate::store::Store;

/// Runs the follow-up job.
pub fn run_followup(ctx: &JobContext, year: Year) -> Result<RunSummary, JobError> {
    let started_at = now();
    let mut clock = super::stages::StageClock::start();
    let config = &ctx.config;
    let (register, inputs) = load_register(ctx, "followup")?;
    clock.mark("read register", register.participants.len() as u64, "rows");
    let store = Store::open(&ctx.state)?;
    let month_start = chrono::NaiveDate::from_ymd_opt(year.get(), 1, 1).expect("valid");
    let courses = register.rounds.iter().map(|r| r.course.to_lowercase()).collect();
    let platform = store.platform(month_start, Some(&courses))?;
    clock.mark("read platform", platform.completions.len() as u64, "completions");

    let mut staging = Staging::new(&ctx.out)?;
    let (findings, _) =
        stage_regional(&store, &mut staging, config, year, Some(&register), &platform, &platform.progress)?;
    drop(store);
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
    let outputs = commit(
        ctx,
        Finished { job: "followup", period: year.to_string(), started_at, inputs, findings: &findings, staging },
        |_, _| Ok(()),
    )?;
    clock.mark("follow-up, reconcile and regional workbook", table.sections.len() as u64, "delresor");
    let stages = clock.finish();
    Ok(RunSummary { job: "followup".into(), period: year.to_string(), outputs, findings, messages: 0, figures, stages })
}
