//! The state store: an embedded SQLite database (rusqlite, bundled).
//!
//! It records every run (job, period, times, outcome, input checksums) and the
//! invoice basis of each month, so the finance workbook can show the months
//! already computed. A run's effects are written in one transaction.

mod invoices;
mod outbox;
mod platform;
mod pot;
mod runs;
mod schema;
mod snapshots;

pub use outbox::{NewMessage, OutboxEntry};
pub use platform::{PlatformData, Progress, StoredCompletion, StoredSignup};
pub use runs::{Outcome, RunInput, RunRecord};
pub use snapshots::{CourseInterner, PreparedRow, StoredCounts, StoredRegister, SyncTx};

use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// Why the state database could not be used.
#[derive(Debug, thiserror::Error)]
#[error("state database {path}: {source}")]
pub struct StoreError {
    /// The database file.
    pub path: PathBuf,
    /// What SQLite said.
    #[source]
    pub source: rusqlite::Error,
}

/// An open state database.
pub struct Store {
    path: PathBuf,
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        let wrap = |source| StoreError { path: path.to_path_buf(), source };
        let conn = Connection::open(path).map_err(wrap)?;
        // WAL; a 64 MB page cache
        // for bulk loads (constant, whatever the file size).
        conn.pragma_update(None, "journal_mode", "WAL").map_err(wrap)?;
        // FULL: a commit that closes a month, freezes a pot or records a sent
        // message is on disk when it returns (a run commits once; cheap).
        conn.pragma_update(None, "synchronous", "FULL").map_err(wrap)?;
        conn.pragma_update(None, "cache_size", -524_288).map_err(wrap)?;
        conn.pragma_update(None, "temp_store", "FILE").map_err(wrap)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(wrap)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(wrap)?;
        schema::migrate(&conn).map_err(wrap)?;
        Ok(Store { path: path.to_path_buf(), conn })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError { path: self.path.clone(), source }
    }
}
