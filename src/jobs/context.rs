//! Where a job reads and writes.

use crate::config::Config;
use std::path::PathBuf;

/// The settings every `run` command shares.
#[derive(Debug, Clone)]
pub struct JobContext {
    /// The validated config.
    pub config: Config,
    /// Where input files are found (recognised by content).
    pub inbox: PathBuf,
    /// Where outputs go.
    pub out: PathBuf,
    /// The SQLite state database.
    pub state: PathBuf,
    /// How e-mail goes out.
    pub delivery: Delivery,
    /// The scheduled time this run is for, when `serve` started it.
    pub scheduled_at: Option<String>,
    /// The sources a sync reads (`None` = every configured one).
    pub sources: Option<Vec<String>>,
}

impl JobContext {
    /// Whether a configured source or web service is read by this run.
    pub fn reads(&self, source: &str) -> bool {
        self.sources.as_ref().is_none_or(|s| s.iter().any(|n| n == source))
    }
}

/// Whether and what to send.
#[derive(Debug, Clone, Default)]
pub struct Delivery {
    /// Write the messages to the outbox folder only; send nothing.
    pub dry_run: bool,
    /// Send these already-sent messages again: municipality codes, or all (`Some(empty)`).
    pub resend: Option<Vec<String>>,
    /// Who gets messages; `None` = everyone configured (a manual run).
    pub recipients: Option<Vec<String>>,
}

impl Delivery {
    /// Whether a group (`contacts`, `finance`, `project_lead`) gets this run's messages.
    pub fn includes(&self, group: &str) -> bool {
        self.recipients.as_ref().is_none_or(|r| r.iter().any(|g| g == group))
    }
}

impl JobContext {
    /// The default state database under the output folder.
    pub fn default_state(out: &std::path::Path) -> PathBuf {
        out.join("yrkesresan-state.sqlite")
    }
}
