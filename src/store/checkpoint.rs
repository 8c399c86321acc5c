//! The write-ahead log moved into the database beside the work that follows
//! a run's commit, instead of inside it.
//!
//! A national sync commits about 100 MB of pages to the log; SQLite's
//! automatic checkpoint then copied them into the database inside the
//! commit, on the job's only busy thread, while the second core waited
//! (0.1 s). The commit itself is durable once the log is synced
//! (`synchronous = FULL`); the copy can come later. So a run's commit
//! leaves the log as it is, and a thread of its own, on its own connection,
//! checkpoints it while the job writes `findings.csv` and reports. The
//! store's own connection never checkpoints by itself
//! (`wal_autocheckpoint = 0`): the small commits outside a run wait in the
//! log for the next run's checkpoint, or for the close, where SQLite
//! checkpoints what is left. The store waits for the thread before it
//! closes, before an explicit checkpoint (purge, forget) and before
//! starting another.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;

/// The checkpoint thread of one database, if one is running.
pub(crate) struct Checkpointer {
    path: PathBuf,
    running: Mutex<Option<JoinHandle<()>>>,
}

impl Checkpointer {
    /// No checkpoint running yet.
    pub(crate) fn new(path: &Path) -> Checkpointer {
        Checkpointer { path: path.to_path_buf(), running: Mutex::new(None) }
    }

    /// Starts checkpointing the log on a thread of its own (after waiting
    /// for the one before). A checkpoint that fails only leaves the pages in
    /// the log, where SQLite reads them and the next checkpoint moves them.
    pub(crate) fn start(&self) {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(before) = running.take() {
            let _ = before.join();
        }
        let path = self.path.clone();
        let spawned = std::thread::Builder::new().name("checkpoint".into()).spawn(move || {
            if let Err(e) = checkpoint(&path) {
                tracing::warn!("The state database's log was not checkpointed ({e}); the next checkpoint will.");
            }
        });
        *running = spawned.ok();
    }

    /// Waits for a running checkpoint to end.
    pub(crate) fn wait(&self) {
        let handle = self.running.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}

/// One passive checkpoint on a connection of its own: it copies what no
/// reader still needs and never blocks a writer.
fn checkpoint(path: &Path) -> rusqlite::Result<()> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
}

#[cfg(test)]
mod tests {
    use crate::store::{Outcome, RunRecord, Store};

    fn record() -> RunRecord {
        RunRecord {
            job: "nightly-sync".into(),
            period: "2026-11-24".into(),
            started_at: "2026-11-24T03:00:00Z".into(),
            ended_at: "2026-11-24T03:00:01Z".into(),
            outcome: Outcome::Ok,
            error: None,
            findings: 0,
            outputs: 0,
            inputs: Vec::new(),
            scheduled_at: None,
            files: 0,
            rows: 0,
        }
    }

    /// A run's commit leaves its pages in the log (the store's connection
    /// does not checkpoint by itself), and the checkpoint thread moves them
    /// into the database while the store is still open.
    #[test]
    fn a_runs_pages_reach_the_database_on_the_checkpoint_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.sqlite");
        let mut store = Store::open(&path).unwrap();
        let autocheckpoint: i64 = store.conn.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0)).unwrap();
        assert_eq!(autocheckpoint, 0, "the store's own connection leaves checkpoints to the thread");
        let before = std::fs::metadata(&path).unwrap().len();
        store
            .commit_run(&record(), |tx| {
                tx.tx
                    .execute_batch(
                        "CREATE TABLE bulk (b BLOB);
                         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
                         INSERT INTO bulk SELECT randomblob(4000) FROM n;",
                    )
                    .map_err(tx.wrap())
            })
            .unwrap();
        store.checkpointer.wait();
        let after = std::fs::metadata(&path).unwrap().len();
        assert!(after >= before + 8_000_000, "the database grew from {before} to {after} bytes only");
        // The rows read back, and the store closes cleanly after its checkpoint.
        let rows: i64 = store.conn.query_row("SELECT count(*) FROM bulk", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 2000);
        drop(store);
        assert!(!dir.path().join("state.sqlite-wal").exists(), "the last close removes the log");
    }

    /// What a run writes out before its commit starts for the disk at once
    /// (on a thread of its own), so the commit's sync finds little to wait
    /// for: after `write_out`, the log's pages stop being dirty well before
    /// the kernel's own pass (half a minute) would write them. Skipped where
    /// the file system keeps no dirty pages or the kernel cannot tell.
    #[test]
    fn the_log_written_out_is_on_its_way_to_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.sqlite");
        let mut store = Store::open(&path).unwrap();
        let tx = store.begin_run("nightly-sync", "2026-11-24", "2026-11-24T03:00:00Z").unwrap();
        tx.tx
            .execute_batch(
                "CREATE TABLE bulk (b BLOB);
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
                 INSERT INTO bulk SELECT randomblob(4000) FROM n;",
            )
            .unwrap();
        tx.tx.cache_flush().unwrap();
        let log = std::fs::File::open(dir.path().join("state.sqlite-wal")).unwrap();
        let Some(dirty) = crate::safe_fs::dirty_pages(&log).filter(|&n| n > 1000) else {
            eprintln!("skipped: this file system or kernel shows no dirty pages");
            return;
        };
        tx.write_out().unwrap();
        let start = std::time::Instant::now();
        let mut left = dirty;
        while start.elapsed() < std::time::Duration::from_secs(5) {
            left = crate::safe_fs::dirty_pages(&log).unwrap();
            if left < 16 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(left < 16, "{left} of {dirty} pages of the log still dirty after 5 s");
    }
}
