//! Running one job the way both `run` and `serve` do: take the state's job
//! lock, run, and log a failure so `status` can report it.

use super::commit::record_failure;
use super::{
    run_followup, run_monthly_invoice, run_nightly_sync, run_trainer_pot, JobContext, JobError, JobSettings,
    RunSummary, StateLock,
};
use crate::config::JobKind;
use crate::domain::{Month, Year};
use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

/// A job with its period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobSpec {
    /// The nightly sync.
    NightlySync,
    /// The invoice basis of a month.
    MonthlyInvoice(Month),
    /// The trainer pot of a year.
    TrainerPot(Year),
    /// The follow-up of a year.
    Followup(Year),
    /// Removing personal data the retention no longer allows (or, dry, counting it).
    Purge {
        /// Only count what would go.
        dry_run: bool,
    },
}

impl JobSpec {
    /// The job's name.
    pub fn name(self) -> &'static str {
        match self {
            JobSpec::NightlySync => "nightly-sync",
            JobSpec::MonthlyInvoice(_) => "monthly-invoice",
            JobSpec::TrainerPot(_) => "trainer-pot",
            JobSpec::Followup(_) => "followup",
            JobSpec::Purge { .. } => "purge",
        }
    }

    /// The period as the run log shows it (a sync's is today's date in the region's time zone).
    pub fn period(self, settings: &JobSettings) -> String {
        match self {
            JobSpec::NightlySync | JobSpec::Purge { .. } => settings.today().to_string(),
            JobSpec::MonthlyInvoice(m) => m.to_string(),
            JobSpec::TrainerPot(y) | JobSpec::Followup(y) => y.to_string(),
        }
    }

    /// What a scheduled run at `at` (local time `tz`) is for: the monthly
    /// invoice covers the month before; the yearly jobs the current year.
    pub fn for_schedule(kind: JobKind, at: DateTime<Utc>, tz: Tz) -> JobSpec {
        let local = at.with_timezone(&tz).date_naive();
        let year = Year::new(local.year()).expect("a current year");
        match kind {
            JobKind::NightlySync => JobSpec::NightlySync,
            JobKind::MonthlyInvoice => {
                let first = local.with_day(1).expect("day 1");
                let prev = first.pred_opt().expect("a day before");
                JobSpec::MonthlyInvoice(Month::of(prev))
            }
            JobKind::TrainerPot => JobSpec::TrainerPot(year),
            JobKind::Followup => JobSpec::Followup(year),
            JobKind::Purge => JobSpec::Purge { dry_run: false },
        }
    }
}

/// Runs a job under the state lock; a failure is logged before it is
/// returned. First it clears up after a run that died while reading a file
/// (see [`super::reading`]); the run gets one [`JobContext`] (one store, the
/// settings' clock) and first sends what is due in the outbox; what the
/// outbox could not deliver is added to its findings; a panic anywhere in
/// the job is caught and logged as that run's failure, so `serve` goes on.
pub fn execute(settings: &JobSettings, job: JobSpec) -> Result<RunSummary, JobError> {
    let _lock = StateLock::job(&settings.state, job.name(), &settings.now())?;
    if let Some(note) = super::reading::recover(settings) {
        eprintln!("{note}");
    }
    let started = settings.now();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        fault_injection(job);
        let mut ctx = JobContext::open(settings)?;
        super::memory::choose_pages(&ctx);
        // What earlier runs left in the outbox goes first, whatever job made it.
        let first = super::outbox::drain_due(&ctx, None)?;
        let mut summary = match job {
            JobSpec::NightlySync => run_nightly_sync(&mut ctx),
            JobSpec::MonthlyInvoice(m) => run_monthly_invoice(&mut ctx, m),
            JobSpec::TrainerPot(y) => run_trainer_pot(&mut ctx, y),
            JobSpec::Followup(y) => run_followup(&mut ctx, y),
            JobSpec::Purge { dry_run } => super::purge::run_purge(&mut ctx, dry_run),
        }?;
        if !first.is_empty() {
            summary.figures.insert(0, format!("Outbox, before the job: {}", first.figure()));
        }
        super::outbox::add_problems(&ctx, &mut summary.findings)?;
        write_findings(&ctx, &summary.findings)?;
        if super::outbox::sending(&ctx) {
            summary.waiting = ctx.store.entries(&[crate::store::MailState::Pending])?.len();
            if summary.waiting > 0 {
                summary.figures.push(format!(
                    "{} message(s) wait in the outbox for their next try (see `yrkesresan outbox list`).",
                    summary.waiting
                ));
            }
        }
        Ok(summary)
    }))
    .unwrap_or_else(|p| Err(JobError::Internal(super::reading::panic_text(&p))));
    // What the job freed goes back to the system (`serve` waits for the next job).
    super::memory::give_back_freed();
    if let Err(e) = &result {
        if let Some(log_err) = record_failure(settings, job.name(), &job.period(settings), &started, &e.to_string()) {
            tracing::warn!("The failed run could not be logged: {log_err}.");
        }
    }
    result
}

/// The run's findings, with names, in `<out>/findings.csv` (the summary
/// printed and logged carries counts only). Replaced by each run. Written
/// like every other output: created exclusively and without following a
/// link ([`crate::safe_fs::create_new`]) in a fresh staging folder, synced,
/// then renamed into place, so a link planted at `findings.csv` is replaced,
/// never written through.
fn write_findings(ctx: &JobContext, findings: &[crate::domain::Finding]) -> Result<(), JobError> {
    crate::safe_fs::ensure_dir(&ctx.out).map_err(JobError::io(&ctx.out))?;
    let mut staging = super::staging::Staging::new(&ctx.out)?;
    let part = staging.path(super::summary::FINDINGS_FILE)?;
    crate::report::write_reconciliation_csv(&part, findings)?;
    staging.sync()?;
    staging.publish().map(|_| ())
}

/// Tests make a job panic by name (debug builds only).
fn fault_injection(job: JobSpec) {
    #[cfg(debug_assertions)]
    if std::env::var("YRKESRESAN_FAULT_PANIC").is_ok_and(|j| j == job.name()) {
        panic!("a fault injected by YRKESRESAN_FAULT_PANIC in {}", job.name());
    }
    let _ = job;
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Stockholm;

    #[test]
    fn the_run_on_the_first_invoices_the_month_before_even_across_the_year() {
        let at = DateTime::parse_from_rfc3339("2027-01-01T05:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(
            JobSpec::for_schedule(JobKind::MonthlyInvoice, at, Stockholm),
            JobSpec::MonthlyInvoice(Month::parse("2026-12").unwrap())
        );
        let at = DateTime::parse_from_rfc3339("2026-12-10T05:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(
            JobSpec::for_schedule(JobKind::TrainerPot, at, Stockholm),
            JobSpec::TrainerPot(Year::new(2026).unwrap())
        );
    }
}
