//! The state store: an embedded SQLite database (rusqlite, bundled).
//!
//! It records every run (job, period, times, outcome, input checksums) and the
//! invoice basis of each month, so the finance workbook can show the months
//! already computed. A run's effects are written in one transaction.

mod checkpoint;
mod completion_keys;
mod completion_runs;
mod invoices;
mod kept_accounts;
mod outbox;
pub mod packed;
mod platform;
mod platform_summary;
mod platform_view;
mod pot;
mod register_cache;
mod retention;
mod runs;
mod schema;
mod snapshots;

pub use outbox::{MailState, NewMessage, OutboxEntry, RecipientOutcome, TryEnd};
pub use platform::Reader;
pub use platform_summary::unpack_platform_summary;
pub use retention::{Forgotten, PurgePlan, Purged};
pub use runs::{Outcome, RunInput, RunRecord, RunTx};
pub use snapshots::{CourseInterner, ExportFile, Filled, PreparedRow, Stored, StoredCounts, StoredRegister};

use crate::domain::Clock;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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

/// An open state database, with the clock that stamps what it records.
pub struct Store {
    path: PathBuf,
    conn: Connection,
    clock: Arc<dyn Clock>,
    checkpointer: Arc<checkpoint::Checkpointer>,
}

/// The page size of a new state database: 64 KB, SQLite's largest. A
/// national sync writes 90 MB in one transaction; with SQLite's default of
/// 4 KB that is 22 000 pages, and each goes through the write-ahead log as
/// its own writes: spilled, its checksum written again at the commit
/// (pages spilled and changed again make SQLite rewrite every frame's
/// checksum from the first of them), and copied into the database by the
/// checkpoint; 108 000 `pwrite` calls in all. With 64 KB pages, 1 400.
/// The nightly sync took 0.24 s less (3.20 → 2.96 s), the invoice the same
/// within its spread. SQLite sets the page size only when it creates the
/// file: an existing database keeps its own (changing it would need a
/// `VACUUM` outside WAL mode).
pub(crate) const PAGE_SIZE: i64 = 65_536;

impl Store {
    /// Opens (creating if needed) the database and brings its schema up to
    /// date; times are stamped by the process clock (see [`crate::domain::clock`]).
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let clock = crate::domain::clock::from_env().unwrap_or_else(|_| Arc::new(crate::domain::SystemClock));
        Store::open_with_clock(path, clock)
    }

    /// Opens the database with the run's clock.
    pub fn open_with_clock(path: &Path, clock: Arc<dyn Clock>) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        let wrap = |source| StoreError { path: path.to_path_buf(), source };
        let conn = Connection::open(path).map_err(wrap)?;
        // A new database gets pages of PAGE_SIZE (an existing one keeps its own).
        conn.pragma_update(None, "page_size", PAGE_SIZE).map_err(wrap)?;
        // WAL; a 32 MB page cache. Bulk rows are appended (rowid tables), so
        // a bigger cache only holds their dirty pages until they are spilled
        // to the log anyway: 512 MB made the 10 × national sync slower and
        // 480 MB bigger, and the read-back filled it again.
        conn.pragma_update(None, "journal_mode", "WAL").map_err(wrap)?;
        // Checkpoints run on a thread of their own after each run's commit (see `checkpoint`).
        conn.pragma_update(None, "wal_autocheckpoint", 0).map_err(wrap)?;
        // FULL: a commit that closes a month, freezes a pot or records a sent
        // message is on disk when it returns (a run commits once; cheap).
        conn.pragma_update(None, "synchronous", "FULL").map_err(wrap)?;
        conn.pragma_update(None, "cache_size", -32_768).map_err(wrap)?;
        conn.pragma_update(None, "temp_store", "FILE").map_err(wrap)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(wrap)?;
        // What is deleted is overwritten, so purged personal data does not
        // linger in free pages.
        conn.pragma_update(None, "secure_delete", "ON").map_err(wrap)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(wrap)?;
        schema::migrate(&conn).map_err(wrap)?;
        schema::name_reports(&conn).map_err(wrap)?;
        let checkpointer = Arc::new(checkpoint::Checkpointer::new(path));
        Ok(Store { path: path.to_path_buf(), conn, clock, checkpointer })
    }

    /// Now, as the store stamps it.
    pub(crate) fn now(&self) -> String {
        self.clock.stamp()
    }

    /// Moves the write-ahead log into the database and empties it (after a
    /// purge: the removed rows leave the log file too).
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.checkpointer.wait();
        self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).map_err(self.err())
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError { path: self.path.clone(), source }
    }
}

impl Drop for Store {
    /// A checkpoint still running ends before the connection closes.
    fn drop(&mut self) {
        self.checkpointer.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_size(path: &Path) -> i64 {
        let conn = Connection::open(path).unwrap();
        conn.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn a_new_database_has_large_pages() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.sqlite");
        drop(Store::open(&path).unwrap());
        assert_eq!(page_size(&path), PAGE_SIZE);
    }

    /// A database made before keeps its 4 KB pages, and its contents.
    #[test]
    fn an_existing_database_keeps_its_pages_and_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch("PRAGMA page_size = 4096; PRAGMA journal_mode = WAL;").unwrap();
        }
        let store = Store::open(&path).unwrap();
        store.conn.execute("INSERT INTO settings (key, value) VALUES ('kept', 'yes')", []).unwrap();
        drop(store);
        assert_eq!(page_size(&path), 4096);
        let store = Store::open(&path).unwrap();
        let kept: String =
            store.conn.query_row("SELECT value FROM settings WHERE key = 'kept'", [], |r| r.get(0)).unwrap();
        assert_eq!(kept, "yes");
    }
}
