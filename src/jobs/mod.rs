//! The job runner: what `yrkesresan run <job>` executes.
//!
//! A job reads its inputs (ingest), computes everything in memory (billing,
//! reconcile), writes every output into a staging folder (report, deliver),
//! records the run and its stored effects in one SQLite transaction, and only
//! then moves the staged files into place. Any error before that leaves the
//! output folder and the database as they were.

mod commit;
mod context;
mod error;
mod execute;
mod followup;
mod forget;
mod inputs;
mod lock;
mod memory;
mod monthly_invoice;
mod municipality_messages;
mod nightly_sync;
mod outbox;
mod outbox_admin;
mod platform_summary;
mod pot;
mod purge;
pub mod reading;
mod regional;
mod stages;
mod staging;
mod summary;
mod trainer_pot;

pub use commit::record_failure;
pub use context::{Delivery, JobContext, JobSettings};
pub use error::JobError;
pub use execute::{execute, JobSpec};
pub use followup::run_followup;
pub use forget::{forget, ForgetReport};
pub use inputs::load_register;
pub use lock::StateLock;
pub use memory::keep_freed_memory_for_reuse;
pub use monthly_invoice::run_monthly_invoice;
pub use nightly_sync::run_nightly_sync;
pub use outbox_admin::{cancel, drain_waiting, resend, ResendTarget, Resent};
pub use stages::StageTime;
pub use summary::RunSummary;
pub use trainer_pot::run_trainer_pot;
