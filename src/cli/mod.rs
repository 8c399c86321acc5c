//! The command line: one file per subcommand, parsed with clap.

pub mod bench;
mod bench_peer;
pub mod check;
pub mod demo;
mod error_text;
pub mod generate;
pub mod ingest;
pub mod outbox;
pub mod privacy;
pub mod run;
pub mod serve;
pub mod status;

pub use error_text::error_text;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Yrkesresan pipeline for RSS Dalarna: invoice basis, trainer pot, follow-up
/// and e-mail to the municipalities, from the course-day register and Totara.
#[derive(Debug, Parser)]
#[command(name = "yrkesresan", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the config and pipelines/*.toml; list every problem with file and line.
    Check(check::CheckArgs),
    /// Run one job now.
    Run {
        /// The job.
        #[command(subcommand)]
        job: run::RunJob,
    },
    /// The e-mail outbox: list messages, send one again, cancel one; exit 1 if a message failed.
    Outbox {
        /// What to do.
        #[command(subcommand)]
        command: outbox::OutboxCommand,
    },
    /// Remove personal data older than the retention allows (see [retention]).
    Purge(privacy::PurgeArgs),
    /// Remove one person (e-mail or username) from what the pipeline keeps.
    Forget(privacy::ForgetArgs),
    /// Run the pipelines on their schedules until SIGTERM or Ctrl-C.
    Serve(serve::ServeArgs),
    /// The last runs and each pipeline's next run; exit 1 if a job's last run failed.
    Status(status::StatusArgs),
    /// Say what each file is recognised as, without storing anything.
    Ingest(ingest::IngestArgs),
    /// Measure the hot stages on generated data (wall time, rows/s, peak memory).
    Bench(bench::BenchArgs),
    /// Write deterministic input (config and inbox) at Dalarna or national scale.
    Generate(generate::GenerateArgs),
    /// Generate a realistic Dalarna year and run every job on it.
    Demo(demo::DemoArgs),
}

/// Flags every `run` command takes.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// The region's config file.
    #[arg(long, default_value = "config/dalarna.toml")]
    pub config: PathBuf,
    /// Folder with input files (recognised by content, not name).
    #[arg(long, default_value = "inbox")]
    pub inbox: PathBuf,
    /// Folder for outputs.
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    /// SQLite state database [default: <out>/yrkesresan-state.sqlite].
    #[arg(long)]
    pub state: Option<PathBuf>,
}
