//! `yrkesresan run <job>`: one job now, with its run logged.

use super::CommonArgs;
use crate::config::load;
use crate::domain::{Month, Year};
use crate::jobs::{execute, Delivery, JobError, JobSettings, JobSpec, RunSummary};
use anyhow::Context;
use clap::Subcommand;

/// The jobs `run` can execute.
#[derive(Debug, Subcommand)]
pub enum RunJob {
    /// Ingest every file in the inbox into snapshots; move them to processed/ or rejected/.
    NightlySync {
        #[command(flatten)]
        common: CommonArgs,
    },
    /// The invoice basis of a month, municipality workbooks and e-mails.
    MonthlyInvoice {
        /// The month, YYYY-MM.
        #[arg(long, value_parser = parse_month)]
        month: Month,
        /// Write the e-mails to <out>/outbox as .eml files and send nothing.
        #[arg(long)]
        dry_run: bool,
        /// Send this month's already-sent message again: a municipality (code or name), or `all`. Repeatable.
        #[arg(long, value_name = "KOMMUN")]
        resend: Vec<String>,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// The trainer-pot distribution of a year: delivered (and frozen) unless --dry-run.
    TrainerPot {
        /// The year, YYYY.
        #[arg(long, value_parser = parse_year)]
        year: Year,
        /// Write everything (e-mails as .eml files) but deliver nothing: the pot is not frozen.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// The follow-up tables of a year.
    Followup {
        /// The year, YYYY.
        #[arg(long, value_parser = parse_year)]
        year: Year,
        #[command(flatten)]
        common: CommonArgs,
    },
}

pub(crate) fn parse_month(s: &str) -> Result<Month, String> {
    Month::parse(s).map_err(|e| e.to_string())
}

pub(crate) fn parse_year(s: &str) -> Result<Year, String> {
    Year::parse(s).map_err(|e| e.to_string())
}

/// Builds the job settings from the shared flags (config validated first).
pub fn context(common: &CommonArgs) -> anyhow::Result<JobSettings> {
    let config = load(&common.config).map_err(|e| anyhow::anyhow!("{e}"))?;
    let state = common.state.clone().unwrap_or_else(|| JobSettings::default_state(&common.out));
    JobSettings::new(config, common.inbox.clone(), common.out.clone(), state).map_err(|e| anyhow::anyhow!("{e}"))
}

/// Runs the job, prints its summary and returns the exit code (0 clean, 1 findings).
pub fn run(job: &RunJob) -> anyhow::Result<u8> {
    let common = match job {
        RunJob::NightlySync { common }
        | RunJob::MonthlyInvoice { common, .. }
        | RunJob::TrainerPot { common, .. }
        | RunJob::Followup { common, .. } => common,
    };
    let mut ctx = context(common)?;
    match job {
        RunJob::MonthlyInvoice { dry_run, resend, .. } => ctx.delivery = delivery(&ctx, *dry_run, resend)?,
        RunJob::TrainerPot { dry_run, .. } => ctx.delivery.dry_run = *dry_run,
        _ => {}
    }
    let spec = match job {
        RunJob::NightlySync { .. } => JobSpec::NightlySync,
        RunJob::MonthlyInvoice { month, .. } => JobSpec::MonthlyInvoice(*month),
        RunJob::TrainerPot { year, .. } => JobSpec::TrainerPot(*year),
        RunJob::Followup { year, .. } => JobSpec::Followup(*year),
    };
    let (name, period) = (spec.name(), spec.period(&ctx));
    crate::jobs::reading::forget_marker_on_termination(&ctx.state);
    match execute(&ctx, spec) {
        Ok(summary) => {
            let code = report(&summary);
            // The process ends now and its memory goes back whole: freeing
            // a national run's 95 000 findings one by one only delayed the
            // exit (0.01 s). `serve` drops its summaries as ever.
            std::mem::forget(summary);
            Ok(code)
        }
        Err(e @ JobError::Busy { .. }) => Err(e).with_context(|| format!("{name} {period} did not start")),
        Err(e) => Err(e).with_context(|| format!("{name} {period} failed; nothing was written")),
    }
}

/// Prints a summary and gives its exit code.
pub fn report(summary: &RunSummary) -> u8 {
    print!("{summary}");
    summary.exit_code()
}

/// `--dry-run` and `--resend` as delivery settings; names are resolved to codes.
fn delivery(ctx: &JobSettings, dry_run: bool, resend: &[String]) -> anyhow::Result<Delivery> {
    let resend = if resend.is_empty() {
        None
    } else if resend.iter().any(|r| r.eq_ignore_ascii_case("all")) {
        Some(Vec::new())
    } else {
        let codes = resend
            .iter()
            .map(|r| {
                ctx.config.resolve_kommun(r).map(|k| k.to_string()).ok_or_else(|| {
                    anyhow::anyhow!("--resend {r}: not a municipality of the region (use a code, a name or `all`)")
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Some(codes)
    };
    Ok(Delivery { dry_run, resend, recipients: None })
}
