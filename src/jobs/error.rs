//! Why a job did not run; each variant tells the user what to fix.

use crate::billing::BillingError;
use crate::deliver::DeliverError;
use crate::ingest::RegisterProblems;
use crate::report::ReportError;
use crate::store::StoreError;
use std::path::PathBuf;

/// A job failure. Nothing of the run was applied.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The inbox holds no register.
    #[error(
        "no course-day register was found in {inbox}: put the register workbook there \
         (an .xlsx with the sheets Kursomgångar, Kursdagar, Utbildare and Deltagare)"
    )]
    NoRegister {
        /// The inbox searched.
        inbox: PathBuf,
    },
    /// Two register files use the same round id.
    #[error(
        "the round id '{round}' is used in both {} (Kursomgångar row {first_row}) and {} (Kursomgångar row \
         {second_row}); round ids must be unique across register files. If {} replaces {}, give it the same \
         file name so it replaces it; otherwise give one of the rounds another id",
        first.display(), second.display(), second.display(), first.display()
    )]
    RoundInTwoFiles {
        /// The id.
        round: String,
        /// The file read first (a stored one is `stored:<name>`).
        first: PathBuf,
        /// Its row on the sheet Kursomgångar.
        first_row: u32,
        /// The other file.
        second: PathBuf,
        /// Its row.
        second_row: u32,
    },
    /// The invoice basis holds amounts nobody has decided.
    #[error(
        "the invoice basis of {month} holds amounts nobody has decided, so nothing was delivered or closed:\n{settings}\
         Record who decided each amount in the config (e.g. decided = \"Styrgruppen 2026-01-15 §4\"), \
         or run with --dry-run to see the basis with these lines marked preliminary."
    )]
    Undecided {
        /// The month.
        month: crate::domain::Month,
        /// One line per setting: `file:line: setting (what it bills)`.
        settings: String,
    },
    /// The register has errors.
    #[error(transparent)]
    Register(#[from] RegisterProblems),
    /// The config does not cover the data.
    #[error(transparent)]
    Billing(#[from] BillingError),
    /// An output could not be written.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// A message could not be built or written.
    #[error(transparent)]
    Deliver(#[from] DeliverError),
    /// Another run holds the state.
    #[error("the state is in use ({holder}; lock {lock}): wait until that has finished and try again")]
    Busy {
        /// The lock file.
        lock: PathBuf,
        /// Who holds it, as its note says.
        holder: String,
    },
    /// `outbox resend` or `cancel` named no message it can act on.
    #[error("{0}")]
    NothingToResend(String),
    /// A bug: the job panicked. Caught, logged as a failed run.
    #[error("internal error (the run was stopped and nothing of it applied): {0}")]
    Internal(String),
    /// The state database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl JobError {
    pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> JobError + '_ {
        move |source| JobError::Io { path: path.to_path_buf(), source }
    }
}
