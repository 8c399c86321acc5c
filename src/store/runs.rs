//! The run log: one row per run, with its inputs.

use super::{Store, StoreError};
use rusqlite::{params, Transaction, TransactionBehavior};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done, nothing to look at.
    Ok,
    /// Done, with findings someone should read.
    Findings,
    /// Failed: nothing was applied — or, for a run that rejected an input
    /// file, the other files' effects were (see [`RunTx::fail_with`]); the
    /// error says which.
    Failed,
}

impl Outcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Findings => "findings",
            Outcome::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Outcome {
        match s {
            "ok" => Outcome::Ok,
            "findings" => Outcome::Findings,
            _ => Outcome::Failed,
        }
    }
}

/// One input file of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInput {
    /// Path as given.
    pub path: String,
    /// What it was recognised as.
    pub kind: String,
    /// SHA-256, hex.
    pub sha256: String,
}

/// One run as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// The job's name.
    pub job: String,
    /// `YYYY-MM` or `YYYY`.
    pub period: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    /// RFC 3339, UTC.
    pub ended_at: String,
    /// How it ended.
    pub outcome: Outcome,
    /// The error, for a failed run.
    pub error: Option<String>,
    /// Number of findings.
    pub findings: u32,
    /// Number of files written.
    pub outputs: u32,
    /// Input files.
    pub inputs: Vec<RunInput>,
    /// The scheduled time this run was for (a run by `serve`), RFC 3339 UTC.
    pub scheduled_at: Option<String>,
    /// Input files stored (nightly sync).
    pub files: u64,
    /// Input rows stored (nightly sync).
    pub rows: u64,
}

/// A run's write transaction. Opened by [`Store::begin_run`] with the run's
/// row; every effect of the run (snapshots, the invoice basis, a closed
/// month, a frozen pot, messages in the outbox) is written through it, and
/// [`RunTx::finish`] logs how the run ended and commits: all or nothing.
pub struct RunTx<'a> {
    pub(crate) tx: Transaction<'a>,
    pub(crate) path: std::path::PathBuf,
    /// The run's row id.
    pub run_id: i64,
    pub(crate) clock: std::sync::Arc<dyn crate::domain::Clock>,
    /// Set by [`RunTx::fail_with`]: the run commits, logged as failed.
    failure: Option<String>,
    /// The accounts this run stored, by snapshot, as reading them back would
    /// give them: the reconciliation takes them from here instead of from
    /// SQLite (see [`super::kept_accounts`]).
    pub(crate) kept_accounts: super::kept_accounts::KeptAccounts,
    checkpointer: std::sync::Arc<super::checkpoint::Checkpointer>,
}

impl RunTx<'_> {
    pub(crate) fn wrap(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError { path: self.path.clone(), source }
    }

    /// Now, as the run stamps it.
    pub(crate) fn now(&self) -> String {
        self.clock.stamp()
    }

    /// Writes what the run has written so far to the write-ahead log (not
    /// committed: a rollback still drops it) and frees the page cache it
    /// held. A sync's bulk rows otherwise stay in memory, as dirty pages,
    /// through the reports built after them.
    /// The log's new pages also start for the disk now, while the job
    /// computes, so the commit's sync has little left to wait for.
    pub fn write_out(&self) -> Result<(), StoreError> {
        self.tx.cache_flush().map_err(self.wrap())?;
        self.tx.release_memory().map_err(self.wrap())?;
        start_log_write_back(&self.path);
        Ok(())
    }

    /// Logs the run as failed with `error` when it finishes, though its
    /// effects still commit: one bad export must not hold back the rest, and
    /// the run log (and so `status`, which exits 1) still says the run
    /// failed, until a later run of the job succeeds.
    pub fn fail_with(&mut self, error: String) {
        self.failure = Some(error);
    }

    /// Logs the run's end (outcome, counts, inputs) on its row and commits everything.
    pub fn finish(self, run: &RunRecord) -> Result<i64, StoreError> {
        let (outcome, error) = match &self.failure {
            Some(e) => (Outcome::Failed, Some(e.as_str())),
            None => (run.outcome, run.error.as_deref()),
        };
        let path = self.path.clone();
        let wrap = |source| StoreError { path: path.clone(), source };
        self.tx
            .execute(
                "UPDATE runs SET job = ?2, period = ?3, started_at = ?4, ended_at = ?5, outcome = ?6, error = ?7,
                 findings = ?8, outputs = ?9, scheduled_at = ?10, files = ?11, rows = ?12 WHERE id = ?1",
                params![
                    self.run_id,
                    run.job,
                    run.period,
                    run.started_at,
                    run.ended_at,
                    outcome.as_str(),
                    error,
                    run.findings,
                    run.outputs,
                    run.scheduled_at,
                    run.files as i64,
                    run.rows as i64
                ],
            )
            .map_err(wrap)?;
        for i in &run.inputs {
            self.tx
                .execute(
                    "INSERT INTO run_inputs (run_id, path, kind, sha256) VALUES (?1, ?2, ?3, ?4)",
                    params![self.run_id, i.path, i.kind, i.sha256],
                )
                .map_err(wrap)?;
        }
        let id = self.run_id;
        self.tx.commit().map_err(wrap)?;
        // The log is checkpointed beside what follows the commit (see `checkpoint`).
        self.checkpointer.start();
        Ok(id)
    }
}

impl Store {
    /// Starts a run: its row is written in a new write transaction and
    /// becomes visible only when [`RunTx::finish`] commits it.
    pub fn begin_run(&mut self, job: &str, period: &str, started_at: &str) -> Result<RunTx<'_>, StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError { path: path.clone(), source };
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(wrap)?;
        tx.execute(
            "INSERT INTO runs (job, period, started_at, ended_at, outcome) VALUES (?1, ?2, ?3, ?3, 'failed')",
            params![job, period, started_at],
        )
        .map_err(wrap)?;
        let run_id = tx.last_insert_rowid();
        Ok(RunTx {
            tx,
            path: self.path.clone(),
            run_id,
            clock: self.clock.clone(),
            failure: None,
            kept_accounts: Default::default(),
            checkpointer: self.checkpointer.clone(),
        })
    }

    /// Logs a run and applies its other effects in the same transaction: all
    /// or nothing. `effects` gets the run's transaction.
    pub fn commit_run<F>(&mut self, run: &RunRecord, effects: F) -> Result<i64, StoreError>
    where
        F: FnOnce(&RunTx) -> Result<(), StoreError>,
    {
        let tx = self.begin_run(&run.job, &run.period, &run.started_at)?;
        effects(&tx)?;
        tx.finish(run)
    }

    /// The most recent runs, newest first.
    pub fn recent_runs(&self, limit: usize) -> Result<Vec<RunRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, job, period, started_at, ended_at, outcome, error, findings, outputs, scheduled_at, files, rows
                 FROM runs ORDER BY id DESC LIMIT ?1",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([limit as i64], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    RunRecord {
                        job: r.get(1)?,
                        period: r.get(2)?,
                        started_at: r.get(3)?,
                        ended_at: r.get(4)?,
                        outcome: Outcome::parse(&r.get::<_, String>(5)?),
                        error: r.get(6)?,
                        findings: r.get(7)?,
                        outputs: r.get(8)?,
                        inputs: Vec::new(),
                        scheduled_at: r.get(9)?,
                        files: r.get::<_, i64>(10)? as u64,
                        rows: r.get::<_, i64>(11)? as u64,
                    },
                ))
            })
            .map_err(self.err())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err())?;
        let mut out = Vec::new();
        for (id, mut run) in rows {
            let mut s = self
                .conn
                .prepare("SELECT path, kind, sha256 FROM run_inputs WHERE run_id = ?1 ORDER BY path")
                .map_err(self.err())?;
            run.inputs = s
                .query_map([id], |r| Ok(RunInput { path: r.get(0)?, kind: r.get(1)?, sha256: r.get(2)? }))
                .map_err(self.err())?
                .collect::<Result<Vec<_>, _>>()
                .map_err(self.err())?;
            out.push(run);
        }
        Ok(out)
    }
}

impl Store {
    /// Records how many messages a run sent (sending comes after the run's commit).
    pub fn record_messages(&self, job: &str, period: &str, messages: usize) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE runs SET messages = ?3 WHERE id = (SELECT MAX(id) FROM runs WHERE job = ?1 AND period = ?2)",
                rusqlite::params![job, period, messages as i64],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Files, rows and messages of the most recent runs, newest first: (job, period, files, rows, messages).
    pub fn recent_counts(&self, limit: usize) -> Result<Vec<(u64, u64, u64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT files, rows, messages FROM runs ORDER BY id DESC LIMIT ?1")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([limit as i64], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64, r.get::<_, i64>(2)? as u64))
            })
            .map_err(self.err())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err())?;
        Ok(rows)
    }

    /// The latest scheduled time a job has a run for (any outcome).
    pub fn last_scheduled(&self, job: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT MAX(scheduled_at) FROM runs WHERE job = ?1", [job], |r| r.get(0))
            .map_err(self.err())
    }

    /// The latest run of each job, newest first.
    pub fn last_run_per_job(&self) -> Result<Vec<RunRecord>, StoreError> {
        let all = self.recent_runs(10_000)?;
        let mut seen = std::collections::BTreeSet::new();
        Ok(all.into_iter().filter(|r| seen.insert(r.job.clone())).collect())
    }
}

/// Starts writing the write-ahead log of the database at `db` to disk (see
/// [`crate::safe_fs::start_write_back`]), on a thread of its own: starting
/// the write of a sync's 80 MB of rows takes the kernel a twentieth of a
/// second. Opening the log read-only and closing it again is harmless to
/// SQLite: its locks are on the database and its shared-memory index,
/// never on the log.
fn start_log_write_back(db: &std::path::Path) {
    let mut log = db.as_os_str().to_owned();
    log.push("-wal");
    if let Ok(f) = std::fs::File::open(log) {
        // Without a thread the hint is only skipped: the commit syncs as before.
        let _ =
            std::thread::Builder::new().name("write-back".into()).spawn(move || crate::safe_fs::start_write_back(&f));
    }
}
