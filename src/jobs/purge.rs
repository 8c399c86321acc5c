//! `yrkesresan purge [--dry-run]` (and the weekly pipeline `purge`): removes
//! personal data the retention (`[retention]`) no longer allows, and says
//! how much of each kind went.
//!
//! What stays is what is still needed: the current platform view and
//! registers, the account views open months compare with (the change since
//! last month), and everything that names nobody — closed months' invoice
//! bases, frozen pots, the run log, who got which message when. A closed
//! month and a delivered pot are stored as delivered, so they stay
//! reproducible without the rows behind them.

use super::commit::{commit, Finished};
use super::staging::Staging;
use super::{JobContext, JobError, RunSummary};
use crate::domain::Month;
use crate::store::{PurgePlan, Purged};
use chrono::{DateTime, Months, Utc};
use std::path::{Path, PathBuf};

/// The job's name in the run log.
const JOB: &str = "purge";

/// Runs the purge (`dry`: only count).
pub fn run_purge(ctx: &mut JobContext, dry: bool) -> Result<RunSummary, JobError> {
    let started_at = ctx.now();
    let now = ctx.clock.now();
    let r = ctx.config.retention;
    let ago = |months: u32| stamp(now.checked_sub_months(Months::new(months)).unwrap_or(now));
    let plan = PurgePlan {
        snapshots_before: ago(r.snapshots_months),
        messages_before: ago(r.messages_months),
        run_log_before: ago(r.run_log_months),
        keep: ctx.store.reader().needed_snapshots(&open_month_starts(ctx)?)?,
    };
    let inbox_cutoff = now - chrono::Duration::days(i64::from(r.inbox_days));
    let output_cutoff = now.checked_sub_months(Months::new(r.outputs_months)).unwrap_or(now);
    let mut old = old_files(&[ctx.inbox.join("processed"), ctx.inbox.join("rejected")], inbox_cutoff);
    let inbox_files = old.len();
    old.extend(old_files(&[ctx.out.join("kommuner"), ctx.out.join("outbox")], output_cutoff));
    let output_files = old.len() - inbox_files;

    let staging = Staging::new(&ctx.out)?;
    let period = ctx.today().to_string();
    let mut purged = Purged::default();
    let done = Finished::new(JOB, period.clone(), started_at, 0, staging);
    commit(ctx, done, |tx| {
        purged = tx.purge(&plan, dry)?;
        Ok(())
    })?;
    if !dry {
        for f in &old {
            if let Err(e) = std::fs::remove_file(f) {
                tracing::warn!("Could not remove {}: {e}.", f.display());
            }
        }
        ctx.store.checkpoint()?;
    }
    let verb = if dry { "Would remove (--dry-run)" } else { "Removed" };
    let figures = vec![
        format!(
            "{verb}: {} snapshot(s) older than {} months with {} account, {} completion and {} sign-up row(s); \
             {} replaced register copy(ies).",
            purged.snapshots, r.snapshots_months, purged.accounts, purged.completions, purged.signups, purged.registers
        ),
        format!(
            "{verb}: {} message body(ies) delivered more than {} months ago (who, when and the Message-ID stay); \
             the details of {} run(s) older than {} months.",
            purged.messages, r.messages_months, purged.runs, r.run_log_months
        ),
        format!(
            "{verb}: {inbox_files} file(s) in inbox/processed and inbox/rejected older than {} days; \
             {output_files} copy(ies) in kommuner/ and outbox/ older than {} months.",
            r.inbox_days, r.outputs_months
        ),
    ];
    Ok(RunSummary {
        job: JOB.into(),
        period,
        outputs: Vec::new(),
        findings: Vec::new(),
        messages: 0,
        figures,
        stages: Vec::new(),
        waiting: 0,
    })
}

/// Now as the state database stamps times.
fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The first days of the months that may still be invoiced: from the month
/// after the last closed one (at most two years back) to this month.
fn open_month_starts(ctx: &JobContext) -> Result<Vec<chrono::NaiveDate>, JobError> {
    let today = ctx.today();
    let this = Month::of(today);
    let next = Month::of(today.checked_add_months(Months::new(1)).unwrap_or(today));
    let closed = ctx.store.closed_months_before(next)?;
    let floor = Month::of(today.checked_sub_months(Months::new(24)).unwrap_or(today));
    let mut m = closed.iter().max().map(|c| Month::of(c.last_day().succ_opt().unwrap_or(today))).unwrap_or(floor);
    m = m.max(floor);
    let mut out = Vec::new();
    while m <= this {
        let first = chrono::NaiveDate::from_ymd_opt(m.year().get(), m.number(), 1).expect("a valid month");
        out.push(first);
        m = Month::of(m.last_day().succ_opt().unwrap_or(first));
        if out.len() > 30 {
            break;
        }
    }
    Ok(out)
}

/// Regular files (never links) in `dirs` last modified before `cutoff`.
fn old_files(dirs: &[PathBuf], cutoff: DateTime<Utc>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            if is_old_file(&path, cutoff) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn is_old_file(path: &Path, cutoff: DateTime<Utc>) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else { return false };
    if !meta.file_type().is_file() {
        return false;
    }
    meta.modified().map(|m| DateTime::<Utc>::from(m) < cutoff).unwrap_or(false)
}
