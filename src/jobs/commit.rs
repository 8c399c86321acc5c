//! The end of every run: log it with its effects in one transaction, then put
//! the staged files in place. Also the log line of a failed run.

use super::staging::Staging;
use super::{JobContext, JobError};
use crate::reconcile::Finding;
use crate::store::{Outcome, RunInput, RunRecord, Store};
use std::path::PathBuf;

/// What a finished computation hands over to be committed.
pub(crate) struct Finished<'a> {
    pub job: &'a str,
    pub period: String,
    pub started_at: String,
    pub inputs: Vec<RunInput>,
    pub findings: &'a [Finding],
    pub staging: Staging,
}

/// Commits a run and publishes its outputs.
pub(crate) fn commit<F>(ctx: &JobContext, done: Finished, effects: F) -> Result<Vec<PathBuf>, JobError>
where
    F: FnOnce(&rusqlite::Transaction, i64) -> rusqlite::Result<()>,
{
    // The outputs are on disk before the commit makes them current.
    done.staging.sync()?;
    let mut store = Store::open(&ctx.state)?;
    let record = RunRecord {
        job: done.job.to_string(),
        period: done.period,
        started_at: done.started_at,
        ended_at: now(),
        outcome: if done.findings.is_empty() { Outcome::Ok } else { Outcome::Findings },
        error: None,
        findings: done.findings.len() as u32,
        outputs: done.staging.len() as u32,
        inputs: done.inputs,
        scheduled_at: ctx.scheduled_at.clone(),
    };
    store.commit_run(&record, effects)?;
    done.staging.publish()
}

/// Logs a failed run (best effort: a failure to log is reported, not fatal).
pub fn record_failure(
    ctx_state: &std::path::Path,
    job: &str,
    period: &str,
    started_at: &str,
    error: &str,
    scheduled_at: Option<&str>,
) -> Option<String> {
    let record = RunRecord {
        job: job.to_string(),
        period: period.to_string(),
        started_at: started_at.to_string(),
        ended_at: now(),
        outcome: Outcome::Failed,
        error: Some(error.to_string()),
        findings: 0,
        outputs: 0,
        inputs: Vec::new(),
        scheduled_at: scheduled_at.map(str::to_string),
    };
    match Store::open(ctx_state).and_then(|mut s| s.commit_run(&record, |_, _| Ok(()))) {
        Ok(_) => None,
        Err(e) => Some(e.to_string()),
    }
}

/// Now, RFC 3339 in UTC.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
