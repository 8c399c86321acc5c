//! Snapshots: every ingested file, with its rows as typed records.
//!
//! A sync opens one [`SyncTx`]; each file is written inside a savepoint, so a
//! rejected file leaves no rows, and the whole run commits all its snapshots
//! or none. Duplicate rows (same user and course) are kept once by the primary
//! key and counted.

use super::{Store, StoreError};
use crate::ingest::exports::{ExportKind, ExportRecord};
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

/// An open sync: one transaction for the whole run.
pub struct SyncTx<'a> {
    tx: Transaction<'a>,
    path: std::path::PathBuf,
    run_id: i64,
}

/// The latest stored register files, newest first per period.
#[derive(Debug, Clone)]
pub struct StoredRegister {
    /// The file name it had.
    pub file_name: String,
    /// The workbook bytes.
    pub content: Vec<u8>,
    /// SHA-256.
    pub sha256: String,
}

/// Counts of one stored export.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoredCounts {
    /// Rows stored.
    pub rows: u64,
    /// Rows that repeated an earlier (user, course).
    pub duplicates: u64,
}

impl Store {
    /// Starts a sync run: the run row is written now and finished by [`SyncTx::finish`].
    pub fn begin_sync(
        &mut self,
        job: &str,
        period: &str,
        started_at: &str,
    ) -> Result<SyncTx<'_>, StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(wrap)?;
        tx.execute(
            "INSERT INTO runs (job, period, started_at, ended_at, outcome) VALUES (?1, ?2, ?3, ?3, 'ok')",
            params![job, period, started_at],
        )
        .map_err(wrap)?;
        let run_id = tx.last_insert_rowid();
        Ok(SyncTx {
            tx,
            path: self.path.clone(),
            run_id,
        })
    }

    /// The latest register snapshot of each period (the year of its first course day).
    pub fn latest_registers(&self) -> Result<Vec<StoredRegister>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT file_name, content, sha256 FROM snapshots s
                 WHERE kind = 'register' AND content IS NOT NULL
                   AND id = (SELECT MAX(id) FROM snapshots t WHERE t.kind = 'register' AND t.period IS s.period)
                 ORDER BY period",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(StoredRegister {
                    file_name: r.get(0)?,
                    content: r.get(1)?,
                    sha256: r.get(2)?,
                })
            })
            .map_err(self.err())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err())?;
        Ok(rows)
    }

    /// Number of snapshots stored of a kind.
    pub fn snapshot_count(&self, kind: &str) -> Result<u64, StoreError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM snapshots WHERE kind = ?1",
                [kind],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(self.err())
    }

    /// Rows of the latest snapshot of a kind (`accounts`, `completions`, `signups`).
    pub fn latest_row_count(&self, kind: ExportKind) -> Result<u64, StoreError> {
        let table = kind.as_str();
        self.conn
            .query_row(
                &format!(
                    "SELECT COUNT(*) FROM {table} WHERE snapshot_id =
                     (SELECT MAX(id) FROM snapshots WHERE kind = ?1)"
                ),
                [table],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(self.err())
    }
}

impl Store {
    /// The validators remembered for an HTTP source.
    pub fn validators(&self, source: &str) -> Result<crate::ingest::http::Validators, StoreError> {
        self.conn
            .query_row(
                "SELECT etag, last_modified FROM http_validators WHERE source = ?1",
                [source],
                |r| {
                    Ok(crate::ingest::http::Validators {
                        etag: r.get(0)?,
                        last_modified: r.get(1)?,
                    })
                },
            )
            .optional()
            .map(|o| o.unwrap_or_default())
            .map_err(self.err())
    }
}

impl SyncTx<'_> {
    /// Remembers an HTTP source's validators with the run.
    pub fn remember_validators(
        &self,
        source: &str,
        v: &crate::ingest::http::Validators,
    ) -> Result<(), StoreError> {
        self.tx
            .execute(
                "INSERT INTO http_validators (source, etag, last_modified, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(source) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
                 updated_at = excluded.updated_at",
                params![source, v.etag, v.last_modified, crate::jobs::now()],
            )
            .map_err(self.wrap())?;
        Ok(())
    }

    fn wrap(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError {
            path: self.path.clone(),
            source,
        }
    }

    /// True if a file with this checksum was already stored as this kind.
    pub fn already_stored(&self, kind: &str, sha256: &str) -> Result<bool, StoreError> {
        self.tx
            .query_row(
                "SELECT 1 FROM snapshots WHERE kind = ?1 AND sha256 = ?2 LIMIT 1",
                [kind, sha256],
                |_| Ok(()),
            )
            .optional()
            .map(|o| o.is_some())
            .map_err(self.wrap())
    }

    /// Stores a register file (its bytes; other jobs read it from here).
    pub fn store_register(
        &self,
        file_name: &str,
        sha256: &str,
        period: Option<&str>,
        rows: u64,
        content: &[u8],
    ) -> Result<(), StoreError> {
        self.tx
            .execute(
                "INSERT INTO snapshots (run_id, source, kind, file_name, sha256, rows, period, ingested_at, content)
                 VALUES (?1, 'inbox', 'register', ?2, ?3, ?4, ?5, ?6, ?7)",
                params![self.run_id, file_name, sha256, rows as i64, period, crate::jobs::now(), content],
            )
            .map_err(self.wrap())?;
        Ok(())
    }

    /// Stores an export inside a savepoint: `fill` gets a writer for its rows;
    /// if `fill` fails, nothing of the file remains.
    pub fn store_export<E>(
        &mut self,
        source: &str,
        kind: ExportKind,
        file_name: &str,
        sha256: &str,
        fill: impl FnOnce(&mut dyn FnMut(&ExportRecord) -> Result<(), String>) -> Result<u64, E>,
    ) -> Result<Result<StoredCounts, E>, StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError {
            path: path.clone(),
            source,
        };
        let sp = self.tx.savepoint().map_err(wrap)?;
        sp.execute(
            "INSERT INTO snapshots (run_id, source, kind, file_name, sha256, ingested_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![self.run_id, source, kind.as_str(), file_name, sha256, crate::jobs::now()],
        )
        .map_err(wrap)?;
        let snap = sp.last_insert_rowid();
        let mut counts = StoredCounts::default();
        let result = {
            let sql = match kind {
                ExportKind::Accounts => {
                    "INSERT OR IGNORE INTO accounts (snapshot_id, username, email, idnumber, name, kommunkod, organisation, roles, delresa, status, created)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                }
                ExportKind::Completions => {
                    "INSERT OR IGNORE INTO completions (snapshot_id, user_key, username, email, course, status, started, completed, kommunkod)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                }
                ExportKind::Signups => {
                    "INSERT OR IGNORE INTO signups (snapshot_id, user_key, username, email, course, seminar, session_start, status)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                }
            };
            let mut stmt = sp.prepare_cached(sql).map_err(wrap)?;
            let mut insert = |r: &ExportRecord| -> Result<(), String> {
                let changed = insert_record(&mut stmt, snap, r).map_err(|e| e.to_string())?;
                counts.rows += 1;
                if changed == 0 {
                    counts.duplicates += 1;
                }
                Ok(())
            };
            fill(&mut insert)
        };
        match result {
            Ok(skipped) => {
                sp.execute(
                    "UPDATE snapshots SET rows = ?2, skipped_rows = ?3, duplicates = ?4 WHERE id = ?1",
                    params![snap, (counts.rows - counts.duplicates) as i64, skipped as i64, counts.duplicates as i64],
                )
                .map_err(wrap)?;
                sp.commit().map_err(wrap)?;
                Ok(Ok(counts))
            }
            Err(e) => {
                drop(sp); // rolls back to the savepoint
                Ok(Err(e))
            }
        }
    }

    /// Finishes the run row and commits everything.
    pub fn finish(
        self,
        outcome: &str,
        findings: u32,
        outputs: u32,
        inputs: &[super::RunInput],
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError {
            path: path.clone(),
            source,
        };
        self.tx
            .execute(
                "UPDATE runs SET ended_at = ?2, outcome = ?3, findings = ?4, outputs = ?5 WHERE id = ?1",
                params![self.run_id, crate::jobs::now(), outcome, findings, outputs],
            )
            .map_err(wrap)?;
        for i in inputs {
            self.tx
                .execute(
                    "INSERT INTO run_inputs (run_id, path, kind, sha256) VALUES (?1, ?2, ?3, ?4)",
                    params![self.run_id, i.path, i.kind, i.sha256],
                )
                .map_err(wrap)?;
        }
        self.tx.commit().map_err(wrap)
    }
}

fn user_key(u: &Option<String>, e: &Option<crate::domain::Email>) -> String {
    u.as_ref()
        .map(|u| u.to_lowercase())
        .or_else(|| e.as_ref().map(|e| e.to_string()))
        .unwrap_or_default()
}

fn insert_record(
    stmt: &mut rusqlite::CachedStatement,
    snap: i64,
    r: &ExportRecord,
) -> rusqlite::Result<usize> {
    match r {
        ExportRecord::Account(a) => stmt.execute(params![
            snap,
            a.username,
            a.email.as_str(),
            a.idnumber,
            a.name,
            a.kommun.map(|k| k.as_u16()),
            a.organisation,
            a.roles.bits(),
            a.delresa.as_ref().map(|d| d.as_str()),
            a.status.as_str(),
            a.created.map(|d| d.to_string()),
        ]),
        ExportRecord::Completion(c) => stmt.execute(params![
            snap,
            user_key(&c.username, &c.email),
            c.username,
            c.email.as_ref().map(|e| e.as_str()),
            c.course,
            c.status.code(),
            c.started.map(|d| d.to_string()),
            c.completed.map(|d| d.to_string()),
            c.kommun.map(|k| k.as_u16()),
        ]),
        ExportRecord::Signup(s) => stmt.execute(params![
            snap,
            user_key(&s.username, &s.email),
            s.username,
            s.email.as_ref().map(|e| e.as_str()),
            s.course,
            s.seminar,
            s.session_start.format("%Y-%m-%d %H:%M").to_string(),
            s.status.code(),
        ]),
    }
}
