//! Snapshots: every ingested file, with its rows as typed records.
//!
//! A sync writes through its run's [`RunTx`]; each file inside a savepoint,
//! so a rejected file leaves no rows, and the whole run commits all its
//! snapshots or none. Duplicate rows (same user and course) are kept once by the primary
//! key and counted.

use super::{RunTx, Store, StoreError};
use crate::domain::{ExportKind, ExportRecord};
use rusqlite::{params, OptionalExtension};
use std::collections::HashSet;

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
    /// Number of snapshots stored of a kind.
    pub fn snapshot_count(&self, kind: &str) -> Result<u64, StoreError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM snapshots WHERE kind = ?1", [kind], |r| r.get::<_, i64>(0))
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
    pub fn validators(&self, source: &str) -> Result<crate::domain::Validators, StoreError> {
        self.conn
            .query_row("SELECT etag, last_modified FROM http_validators WHERE source = ?1", [source], |r| {
                Ok(crate::domain::Validators { etag: r.get(0)?, last_modified: r.get(1)? })
            })
            .optional()
            .map(|o| o.unwrap_or_default())
            .map_err(self.err())
    }
}

impl RunTx<'_> {
    /// A remembered value (e.g. the fingerprint of the findings last sent).
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.tx
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|source| StoreError { path: self.path.clone(), source })
    }

    /// Remembers a value with this run.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.tx
            .execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())
            .map_err(|source| StoreError { path: self.path.clone(), source })
    }

    pub(crate) fn connection(&self) -> &rusqlite::Connection {
        &self.tx
    }

    pub(crate) fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl RunTx<'_> {
    /// Remembers an HTTP source's validators with the run.
    pub fn remember_validators(&self, source: &str, v: &crate::domain::Validators) -> Result<(), StoreError> {
        self.tx
            .execute(
                "INSERT INTO http_validators (source, etag, last_modified, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(source) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
                 updated_at = excluded.updated_at",
                params![source, v.etag, v.last_modified, self.now()],
            )
            .map_err(self.wrap())?;
        Ok(())
    }

    /// True if a file with this checksum was already stored as this kind.
    pub fn already_stored(&self, kind: &str, sha256: &str) -> Result<bool, StoreError> {
        self.tx
            .query_row("SELECT 1 FROM snapshots WHERE kind = ?1 AND sha256 = ?2 LIMIT 1", [kind, sha256], |_| Ok(()))
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
                params![self.run_id, file_name, sha256, rows as i64, period, self.now(), content],
            )
            .map_err(self.wrap())?;
        Ok(())
    }

    // Long: the savepoint, the batched insert and its rollback belong together.
    /// Stores an export inside a savepoint: `fill` gets a writer for its rows;
    /// if `fill` fails, nothing of the file remains.
    pub fn store_export<E>(
        &mut self,
        source: &str,
        kind: ExportKind,
        file_name: &str,
        sha256: &str,
        fill: impl FnOnce(&mut dyn FnMut(&[PreparedRow]) -> Result<(), String>) -> Result<u64, E>,
    ) -> Result<Result<StoredCounts, E>, StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError { path: path.clone(), source };
        let (run_id, now) = (self.run_id, self.now());
        let sp = self.tx.savepoint().map_err(wrap)?;
        sp.execute(
            "INSERT INTO snapshots (run_id, source, kind, file_name, sha256, ingested_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![run_id, source, kind.as_str(), file_name, sha256, now],
        )
        .map_err(wrap)?;
        let snap = sp.last_insert_rowid();
        let mut counts = StoredCounts::default();
        let result = {
            let (table, columns) = match kind {
                ExportKind::Accounts => (
                    "accounts",
                    "snapshot_id, username, email, idnumber, name, kommunkod, organisation, roles, delresa, status, created",
                ),
                ExportKind::Completions => {
                    ("completions", "snapshot_id, user_key, course_idx, status, started, completed, kommunkod")
                }
                ExportKind::Signups => {
                    ("signups", "snapshot_id, user_key, course_idx, seminar, session_start, status")
                }
            };
            let width = columns.split(',').count();
            let sql = |rows: usize| {
                let tuple = format!("({})", vec!["?"; width].join(","));
                format!("INSERT INTO {table} ({columns}) VALUES {}", vec![tuple; rows].join(","))
            };
            let full_sql = sql(ROWS_PER_INSERT);
            let mut course = sp
                .prepare_cached("INSERT INTO snapshot_courses (snapshot_id, idx, name) VALUES (?1, ?2, ?3)")
                .map_err(wrap)?;
            // The row tables have no unique key in SQLite (see the schema):
            // duplicates (same account; same user and course; same user,
            // course and session) are caught here, the first row kept.
            let mut seen: HashSet<u128> = HashSet::new();
            let mut insert = |batch: &[PreparedRow]| -> Result<(), String> {
                for p in batch.iter().filter(|p| p.new_course) {
                    course.execute(params![snap, p.course_idx, p.record.course()]).map_err(|e| e.to_string())?;
                }
                let kept: Vec<&PreparedRow> = batch.iter().filter(|p| seen.insert(unique_key(p))).collect();
                counts.rows += batch.len() as u64;
                counts.duplicates += (batch.len() - kept.len()) as u64;
                for chunk in kept.chunks(ROWS_PER_INSERT) {
                    let text = if chunk.len() == ROWS_PER_INSERT { full_sql.clone() } else { sql(chunk.len()) };
                    let mut stmt = sp.prepare_cached(&text).map_err(|e| e.to_string())?;
                    let mut at = 1;
                    for p in chunk {
                        bind_record(&mut stmt, &mut at, snap, p).map_err(|e| e.to_string())?;
                    }
                    stmt.raw_execute().map_err(|e| e.to_string())?;
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
}

/// A date as the integer `yyyymmdd` (compact, sortable, cheap to write).
pub(crate) fn date_int(d: chrono::NaiveDate) -> i64 {
    use chrono::Datelike;
    i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
}

/// A time as the integer `yyyymmddHHMM`.
fn datetime_int(t: chrono::NaiveDateTime) -> i64 {
    use chrono::Timelike;
    date_int(t.date()) * 10_000 + i64::from(t.hour()) * 100 + i64::from(t.minute())
}

/// A record ready to store: its course interned (on the parsing thread).
#[derive(Debug)]
pub struct PreparedRow {
    record: ExportRecord,
    course_idx: u32,
    new_course: bool,
}

/// Numbers course names within one file, so rows store a small integer.
#[derive(Debug, Default)]
pub struct CourseInterner {
    seen: std::collections::HashMap<String, u32>,
}

impl CourseInterner {
    /// Prepares a record for [`SyncTx::store_export`].
    pub fn prepare(&mut self, record: ExportRecord) -> PreparedRow {
        let name = record.course();
        if name.is_empty() {
            return PreparedRow { record, course_idx: 0, new_course: false };
        }
        let next = self.seen.len() as u32 + 1;
        let (course_idx, new_course) = match self.seen.get(name) {
            Some(&i) => (i, false),
            None => {
                self.seen.insert(name.to_string(), next);
                (next, true)
            }
        };
        PreparedRow { record, course_idx, new_course }
    }
}

/// A 128-bit fingerprint of a row's unique key, for finding duplicates: an
/// account's lower-cased username; a completion's user and course; a
/// sign-up's user, course and session start.
fn unique_key(p: &PreparedRow) -> u128 {
    use std::hash::{Hash, Hasher};
    let half = |salt: u8| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        salt.hash(&mut h);
        match &p.record {
            ExportRecord::Account(a) => a.username.to_lowercase().hash(&mut h),
            ExportRecord::Completion(c) => (c.user_key.as_str(), p.course_idx).hash(&mut h),
            ExportRecord::Signup(s) => (s.user_key.as_str(), p.course_idx, s.session_start).hash(&mut h),
        }
        h.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

/// Rows per multi-row INSERT: fewer statements for SQLite to run.
const ROWS_PER_INSERT: usize = 64;

/// Binds one record's values at `*at`, `*at + 1`, …
fn bind_record(
    stmt: &mut rusqlite::CachedStatement,
    at: &mut usize,
    snap: i64,
    p: &PreparedRow,
) -> rusqlite::Result<()> {
    let mut bind = |v: &dyn rusqlite::ToSql| -> rusqlite::Result<()> {
        stmt.raw_bind_parameter(*at, v)?;
        *at += 1;
        Ok(())
    };
    match &p.record {
        ExportRecord::Account(a) => {
            bind(&snap)?;
            // Usernames are case-insensitive on the platform; stored lower-cased,
            // they are the key that completions and sign-ups refer to.
            bind(&a.username.to_lowercase())?;
            bind(&a.email.as_str())?;
            bind(&a.idnumber)?;
            bind(&a.name)?;
            bind(&a.kommun.map(|k| k.as_u16()))?;
            bind(&a.organisation)?;
            bind(&a.roles.bits())?;
            bind(&a.delresa.as_ref().map(|d| d.as_str()))?;
            bind(&a.status.as_str())?;
            bind(&a.created.map(date_int))
        }
        ExportRecord::Completion(c) => {
            bind(&snap)?;
            bind(&c.user_key)?;
            bind(&p.course_idx)?;
            bind(&c.status.code())?;
            bind(&c.started.map(date_int))?;
            bind(&c.completed.map(date_int))?;
            bind(&c.kommun.map(|k| k.as_u16()))
        }
        ExportRecord::Signup(s) => {
            bind(&snap)?;
            bind(&s.user_key)?;
            bind(&p.course_idx)?;
            bind(&s.seminar)?;
            bind(&datetime_int(s.session_start))?;
            bind(&s.status.code())
        }
    }
}
