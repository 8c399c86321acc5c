//! Where a job reads and writes, and what one run holds.
//!
//! [`JobSettings`] are what `run` and `serve` build once (config, folders,
//! delivery, the clock); a [`JobContext`] is one run: those settings, the one
//! [`Store`] the run writes through and its clock. "Today" is the clock's
//! date in the region's time zone.

use super::JobError;
use crate::config::Config;
use crate::domain::Clock;
use crate::store::Store;
use std::path::PathBuf;
use std::sync::Arc;

/// The settings every run shares.
#[derive(Debug, Clone)]
pub struct JobSettings {
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
    /// The clock runs read.
    pub clock: Arc<dyn Clock>,
}

impl JobSettings {
    /// Settings with defaults for delivery and sources, on the process clock.
    pub fn new(config: Config, inbox: PathBuf, out: PathBuf, state: PathBuf) -> Result<Self, String> {
        let clock = crate::domain::clock::from_env()?;
        Ok(JobSettings {
            config,
            inbox,
            out,
            state,
            delivery: Delivery::default(),
            scheduled_at: None,
            sources: None,
            clock,
        })
    }

    /// Whether a configured source or web service is read by this run.
    pub fn reads(&self, source: &str) -> bool {
        self.sources.as_ref().is_none_or(|s| s.iter().any(|n| n == source))
    }

    /// The default state database under the output folder.
    pub fn default_state(out: &std::path::Path) -> PathBuf {
        out.join("yrkesresan-state.sqlite")
    }

    /// Now, as the run log stamps it.
    pub fn now(&self) -> String {
        self.clock.stamp()
    }

    /// Today in the region's time zone.
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.now().with_timezone(&self.config.region.timezone).date_naive()
    }
}

/// One run: its settings and the one store it writes through.
pub struct JobContext {
    /// The settings.
    pub settings: JobSettings,
    /// The state database, opened once for the run.
    pub store: Store,
}

impl JobContext {
    /// Opens the run's store.
    pub fn open(settings: &JobSettings) -> Result<Self, JobError> {
        let store = Store::open_with_clock(&settings.state, settings.clock.clone())?;
        Ok(JobContext { settings: settings.clone(), store })
    }
}

impl std::ops::Deref for JobContext {
    type Target = JobSettings;
    fn deref(&self) -> &JobSettings {
        &self.settings
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
