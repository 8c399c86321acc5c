//! The end of every run: log it with its effects in one transaction, then put
//! the staged files in place. Also the log line of a failed run.
//!
//! Every job ends here the same way: [`commit`] opens the run's transaction,
//! writes the job's effects and [`close`]s it; the nightly sync opens its
//! transaction early (its snapshots are written as files are read) and
//! closes it with the same [`close`].

use super::staging::Staging;
use super::{JobContext, JobError, JobSettings};
use crate::store::{Outcome, RunInput, RunRecord, RunTx, Store, StoreError};
use std::path::PathBuf;

/// What a finished computation hands over to be committed.
pub(crate) struct Finished<'a> {
    pub job: &'a str,
    pub period: String,
    pub started_at: String,
    pub inputs: Vec<RunInput>,
    /// How many findings the run had (the run log keeps the count; the
    /// findings themselves are in `findings.csv`).
    pub findings: usize,
    pub staging: Staging,
    /// Input files and rows stored (the nightly sync).
    pub files: u64,
    pub rows: u64,
}

impl<'a> Finished<'a> {
    /// A run with its staged outputs and findings (no inputs stored).
    pub fn new(job: &'a str, period: String, started_at: String, findings: usize, staging: Staging) -> Self {
        Finished { job, period, started_at, inputs: Vec::new(), findings, staging, files: 0, rows: 0 }
    }
}

/// Commits a run (its effects written through the run's transaction) and publishes its outputs.
pub(crate) fn commit<F>(ctx: &mut JobContext, done: Finished, effects: F) -> Result<Vec<PathBuf>, JobError>
where
    F: FnOnce(&RunTx) -> Result<(), StoreError>,
{
    let tx = ctx.store.begin_run(done.job, &done.period, &done.started_at)?;
    effects(&tx)?;
    close(tx, &ctx.settings, done)
}

/// Syncs the staged outputs to disk, logs the run and commits, then moves the outputs into place.
pub(crate) fn close(tx: RunTx, settings: &JobSettings, done: Finished) -> Result<Vec<PathBuf>, JobError> {
    done.staging.sync()?;
    let record = RunRecord {
        job: done.job.to_string(),
        period: done.period,
        started_at: done.started_at,
        ended_at: settings.now(),
        outcome: if done.findings == 0 { Outcome::Ok } else { Outcome::Findings },
        error: None,
        findings: done.findings as u32,
        outputs: done.staging.len() as u32,
        inputs: done.inputs,
        scheduled_at: settings.scheduled_at.clone(),
        files: done.files,
        rows: done.rows,
    };
    tx.finish(&record)?;
    done.staging.publish()
}

/// Logs a failed run (best effort: a failure to log is reported, not fatal).
pub fn record_failure(
    settings: &JobSettings,
    job: &str,
    period: &str,
    started_at: &str,
    error: &str,
) -> Option<String> {
    let record = RunRecord {
        job: job.to_string(),
        period: period.to_string(),
        started_at: started_at.to_string(),
        ended_at: settings.now(),
        outcome: Outcome::Failed,
        error: Some(error.to_string()),
        findings: 0,
        outputs: 0,
        inputs: Vec::new(),
        scheduled_at: settings.scheduled_at.clone(),
        files: 0,
        rows: 0,
    };
    match Store::open_with_clock(&settings.state, settings.clock.clone())
        .and_then(|mut s| s.commit_run(&record, |_| Ok(())))
    {
        Ok(_) => None,
        Err(e) => Some(e.to_string()),
    }
}
