//! Snapshots: every ingested file, with its rows as typed records.
//!
//! A sync writes through its run's [`RunTx`]; each file inside a savepoint,
//! so a rejected file leaves no rows, and the whole run commits all its
//! snapshots or none. Duplicate rows (same user and course) are kept once by the primary
//! key and counted.

use super::completion_keys::CompletionKeys;
use super::completion_runs::{Entry, RunWriter};
use super::{RunTx, Store, StoreError};
use crate::domain::hash::{HashMap, HashSet};
use crate::domain::{ExportKind, ExportRecord};
use rusqlite::{params, OptionalExtension};

/// A current stored register file: the latest of its report and year.
#[derive(Debug, Clone)]
pub struct StoredRegister {
    /// Its snapshot.
    pub id: i64,
    /// The file name it had.
    pub file_name: String,
    /// Its report (the file name without a Totara-style date and id, or its stem).
    pub report: String,
    /// The year of its first course day.
    pub period: Option<String>,
    /// SHA-256 of the workbook bytes (read them with
    /// [`Reader::register_content`](super::Reader::register_content), only
    /// when the parsed form kept with them does not do).
    pub sha256: String,
}

/// What filling an export's snapshot gave ([`RunTx::store_export`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filled {
    /// Rows skipped as bad.
    pub skipped: u64,
    /// The file's SHA-256, when it was learnt while the file was read (its
    /// snapshot was stored without one): the snapshot takes it, unless a
    /// file of the same kind and content is stored already.
    pub sha256: Option<String>,
}

impl From<u64> for Filled {
    fn from(skipped: u64) -> Filled {
        Filled { skipped, sha256: None }
    }
}

/// An export as [`RunTx::store_export`] left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Stored as a new snapshot.
    New(StoredCounts),
    /// Its content, hashed while it was read, was stored already as the
    /// same kind: nothing of it was kept.
    Identical,
}

impl Stored {
    /// The counts of a new snapshot (none for an identical file).
    pub fn counts(self) -> Option<StoredCounts> {
        match self {
            Stored::New(c) => Some(c),
            Stored::Identical => None,
        }
    }
}

/// Counts of one stored export.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoredCounts {
    /// The snapshot's id.
    pub snapshot: i64,
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

    /// Rows of the latest snapshot of each kind and report, together: the
    /// size of what a job reads back (it chooses its memory pages by it).
    pub fn latest_snapshot_rows(&self) -> Result<u64, StoreError> {
        self.conn
            .query_row(
                "SELECT COALESCE(SUM(rows), 0) FROM snapshots
                 WHERE id IN (SELECT MAX(id) FROM snapshots WHERE purged_at IS NULL GROUP BY kind, report)",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as u64)
            .map_err(self.err())
    }

    /// Rows of the latest snapshot of a kind (`accounts`, `completions`, `signups`).
    pub fn latest_row_count(&self, kind: ExportKind) -> Result<u64, StoreError> {
        let table = kind.as_str();
        let count = if kind == ExportKind::Completions { super::completion_runs::COUNT } else { "COUNT(*)" };
        self.conn
            .query_row(
                &format!(
                    "SELECT {count} FROM {table} WHERE snapshot_id =
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

    /// Whether a file with this content is stored, as any kind.
    pub fn content_stored(&self, sha256: &str) -> Result<bool, StoreError> {
        self.tx
            .query_row("SELECT 1 FROM snapshots WHERE sha256 = ?1 LIMIT 1", [sha256], |_| Ok(()))
            .optional()
            .map(|o| o.is_some())
            .map_err(self.wrap())
    }

    /// Stores a register file (its bytes; other jobs read it from here). It
    /// replaces the stored register of the same report and year. Returns
    /// its snapshot.
    pub fn store_register(
        &self,
        file: &ExportFile,
        period: Option<&str>,
        rows: u64,
        coverage: &str,
        content: &[u8],
    ) -> Result<i64, StoreError> {
        self.tx
            .execute(
                "INSERT INTO snapshots (run_id, source, kind, file_name, sha256, rows, period, ingested_at, content,
                                        report, coverage)
                 VALUES (?1, ?2, 'register', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    self.run_id,
                    file.source,
                    file.file_name,
                    file.sha256,
                    rows as i64,
                    period,
                    self.now(),
                    content,
                    file.report,
                    coverage
                ],
            )
            .map_err(self.wrap())?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Records what a stored export covers: every delresa (an accounts
    /// export without a Delresa column) or the keys in its rows.
    pub fn set_coverage(&self, snapshot: i64, kind: ExportKind, covers_all: bool) -> Result<(), StoreError> {
        if covers_all {
            self.tx.execute("DELETE FROM snapshot_coverage WHERE snapshot_id = ?1", [snapshot]).map_err(self.wrap())?;
        }
        let coverage = describe_coverage(&self.tx, snapshot, kind, covers_all).map_err(self.wrap())?;
        self.tx
            .execute(
                "UPDATE snapshots SET covers_all = ?2, coverage = ?3 WHERE id = ?1",
                params![snapshot, covers_all, coverage],
            )
            .map_err(self.wrap())?;
        Ok(())
    }

    // Long: the savepoint, the batched insert and its rollback belong together.
    /// Stores an export inside a savepoint: `fill` gets a writer for its rows;
    /// if `fill` fails, nothing of the file remains (`Ok(Err(_))`: the file
    /// is rejected). If the store fails while the rows go in (a full disk),
    /// the error is the store's (`Err`): the run must fail and commit
    /// nothing, and the file is not to blame. A file whose hash `fill`
    /// learnt while reading it ([`Filled::sha256`]; `file.sha256` is then
    /// empty) and whose content is stored already as `kind` leaves nothing
    /// either ([`Stored::Identical`]).
    pub fn store_export<E, F: Into<Filled>>(
        &mut self,
        file: &ExportFile,
        kind: ExportKind,
        fill: impl FnOnce(&mut dyn FnMut(&mut [PreparedRow]) -> Result<(), String>) -> Result<F, E>,
    ) -> Result<Result<Stored, E>, StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError { path: path.clone(), source };
        let (run_id, now) = (self.run_id, self.now());
        let sp = self.tx.savepoint().map_err(wrap)?;
        sp.execute(
            "INSERT INTO snapshots (run_id, source, kind, file_name, sha256, ingested_at, report)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![run_id, file.source, kind.as_str(), file.file_name, file.sha256, now, file.report],
        )
        .map_err(wrap)?;
        let snap = sp.last_insert_rowid();
        let mut counts = StoredCounts { snapshot: snap, ..StoredCounts::default() };
        let mut coverage = Coverage::default();
        // Completions go in as runs (see `completion_runs`), the others a row each.
        let mut runs = (kind == ExportKind::Completions).then(|| RunWriter::new(snap));
        let mut accounts = crate::domain::AccountList::default();
        let mut store_failed: Option<rusqlite::Error> = None;
        let result = {
            let (table, columns) = match kind {
                ExportKind::Accounts => (
                    "accounts",
                    "snapshot_id, username, email, idnumber, name, kommunkod, organisation, roles, delresa, status, created",
                ),
                ExportKind::Completions => ("completions", "snapshot_id, user_key, entries"),
                ExportKind::Signups => {
                    ("signups", "snapshot_id, user_key, course_idx, seminar, session_start, status")
                }
            };
            let width = columns.split(',').count();
            // OR FAIL, with the snapshot's key checked at commit (see the
            // schema): many rows per statement without a statement journal.
            // A failed file's savepoint is rolled back whole in any case.
            let sql = |rows: usize| {
                let tuple = format!("({})", vec!["?"; width].join(","));
                format!("INSERT OR FAIL INTO {table} ({columns}) VALUES {}", vec![tuple; rows].join(","))
            };
            let full_sql = sql(ROWS_PER_INSERT);
            let mut course = sp
                .prepare_cached("INSERT INTO snapshot_courses (snapshot_id, idx, name) VALUES (?1, ?2, ?3)")
                .map_err(wrap)?;
            // The row tables have no unique key in SQLite (see the schema):
            // duplicates (same account; same user and course; same user,
            // course and session) were marked by the preparer, the first row kept.
            let coverage = &mut coverage;
            let runs = &mut runs;
            let accounts = &mut accounts;
            let mut put = |batch: &mut [PreparedRow]| -> rusqlite::Result<()> {
                for p in batch.iter().filter(|p| p.new_course) {
                    course.execute(params![snap, p.course_idx, p.record.course()])?;
                }
                batch.iter().for_each(|p| coverage.add(p));
                let kept: Vec<&PreparedRow> = batch.iter().filter(|p| !p.duplicate).collect();
                counts.rows += batch.len() as u64;
                counts.duplicates += (batch.len() - kept.len()) as u64;
                if let Some(runs) = runs.as_mut() {
                    for p in kept {
                        if let ExportRecord::Completion(c) = &p.record {
                            let entry = Entry {
                                course_idx: p.course_idx,
                                status: c.status.code(),
                                kommun: c.kommun.map(|k| k.as_u16()),
                            };
                            runs.push(&sp, &c.user_key, entry)?;
                        }
                    }
                    return Ok(());
                }
                // Accounts are stored from their stored form, which the run
                // also keeps: copied once from the rows into the packed list,
                // and bound to the statement from there.
                if kind == ExportKind::Accounts {
                    let first = accounts.len();
                    for p in kept {
                        if let ExportRecord::Account(a) = &p.record {
                            super::kept_accounts::push_stored(accounts, a);
                        }
                    }
                    let stored: Vec<_> = (first..accounts.len()).map(|i| accounts.get(i)).collect();
                    return insert_chunked(&sp, (&full_sql, &sql), &stored, |stmt, at, a| {
                        bind_account(stmt, at, snap, a)
                    });
                }
                insert_chunked(&sp, (&full_sql, &sql), &kept, |stmt, at, p| bind_record(stmt, at, snap, p))
            };
            // The file's reading stops with the store's message; the run
            // then fails with the store's error (below).
            let mut insert = |batch: &mut [PreparedRow]| {
                put(batch).map_err(|e| {
                    let text = e.to_string();
                    store_failed = Some(e);
                    text
                })
            };
            fill(&mut insert)
        };
        // The store failed (a full disk, say), not the file: nothing of the
        // run may commit, and the file stays for the next run instead of
        // being rejected. (SQLite may already have rolled the whole
        // transaction back.)
        if let Some(e) = store_failed {
            drop(sp);
            return Err(wrap(e));
        }
        match result.map(Into::into) {
            Ok(Filled { skipped, sha256 }) => {
                if let Some(sha256) = sha256 {
                    let stored: Option<i64> = sp
                        .query_row(
                            "SELECT 1 FROM snapshots WHERE kind = ?1 AND sha256 = ?2 AND id <> ?3 LIMIT 1",
                            params![kind.as_str(), sha256, snap],
                            |r| r.get(0),
                        )
                        .optional()
                        .map_err(wrap)?;
                    if stored.is_some() {
                        drop(sp); // rolls back to the savepoint
                        return Ok(Ok(Stored::Identical));
                    }
                    sp.execute("UPDATE snapshots SET sha256 = ?2 WHERE id = ?1", params![snap, sha256])
                        .map_err(wrap)?;
                }
                if let Some(runs) = runs {
                    runs.finish(&sp).map_err(wrap)?;
                }
                sp.execute(
                    "UPDATE snapshots SET rows = ?2, skipped_rows = ?3, duplicates = ?4 WHERE id = ?1",
                    params![snap, (counts.rows - counts.duplicates) as i64, skipped as i64, counts.duplicates as i64],
                )
                .map_err(wrap)?;
                let mut key = sp
                    .prepare("INSERT OR IGNORE INTO snapshot_coverage (snapshot_id, key) VALUES (?1, ?2)")
                    .map_err(wrap)?;
                for k in coverage.keys(kind) {
                    key.execute(params![snap, k]).map_err(wrap)?;
                }
                drop(key);
                sp.commit().map_err(wrap)?;
                if kind == ExportKind::Accounts {
                    self.kept_accounts.keep(snap, accounts);
                }
                Ok(Ok(Stored::New(counts)))
            }
            Err(e) => {
                drop(sp); // rolls back to the savepoint
                Ok(Err(e))
            }
        }
    }
}

/// A file to store as a snapshot: where it came from and which report it is.
#[derive(Debug, Clone, Copy)]
pub struct ExportFile<'a> {
    /// `inbox`, or the HTTP source it was downloaded from.
    pub source: &'a str,
    /// The file's name.
    pub file_name: &'a str,
    /// The report it is an export of (see [`crate::domain::totara::report_identity`]).
    pub report: &'a str,
    /// Its SHA-256; empty for a file hashed while it is read (the hash
    /// then comes with [`Filled::sha256`]).
    pub sha256: &'a str,
}

/// The keys an export covers, gathered as its rows are stored: an accounts
/// export's delresor, a completions export's courses, a sign-ups export's
/// sessions (course and start).
#[derive(Debug, Default)]
struct Coverage {
    delresor: HashSet<String>,
    courses: HashMap<u32, String>,
    sessions: HashSet<(u32, i64)>,
}

impl Coverage {
    fn add(&mut self, p: &PreparedRow) {
        if p.new_course {
            self.courses.insert(p.course_idx, p.record.course().to_lowercase());
        }
        match &p.record {
            ExportRecord::Account(a) => {
                let d = a.delresa.as_ref().map(|d| d.as_str()).unwrap_or("");
                if !self.delresor.contains(d) {
                    self.delresor.insert(d.to_string());
                }
            }
            ExportRecord::Completion(_) => {}
            ExportRecord::Signup(s) => {
                self.sessions.insert((p.course_idx, datetime_int(s.session_start)));
            }
        }
    }

    /// The keys as stored in `snapshot_coverage`.
    fn keys(self, kind: ExportKind) -> Vec<String> {
        match kind {
            ExportKind::Accounts => self.delresor.into_iter().collect(),
            ExportKind::Completions => self.courses.into_values().collect(),
            ExportKind::Signups => self
                .sessions
                .into_iter()
                .map(|(idx, start)| format!("{}|{start}", self.courses.get(&idx).map(String::as_str).unwrap_or("")))
                .collect(),
        }
    }
}

/// What an export covers, for people: its delresor, courses or sessions.
fn describe_coverage(
    conn: &rusqlite::Connection,
    snap: i64,
    kind: ExportKind,
    covers_all: bool,
) -> rusqlite::Result<String> {
    let list = |sql: &str| -> rusqlite::Result<Vec<String>> {
        conn.prepare(sql)?.query_map([snap], |r| r.get::<_, String>(0))?.collect()
    };
    let named = |what: &str, names: Vec<String>| {
        let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
        let more = names.len().saturating_sub(shown.len());
        let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
        format!("{} {what}: {}{tail}", names.len(), shown.join(", "))
    };
    let courses = "SELECT name FROM snapshot_courses WHERE snapshot_id = ?1 ORDER BY name";
    Ok(match kind {
        ExportKind::Accounts if covers_all => "every delresa".into(),
        ExportKind::Accounts => {
            let d = list("SELECT key FROM snapshot_coverage WHERE snapshot_id = ?1 ORDER BY key")?;
            let d: Vec<String> = d.into_iter().map(|k| if k.is_empty() { "(none)".into() } else { k }).collect();
            format!("delresa {}", d.join(", "))
        }
        ExportKind::Completions => named("course(s)", list(courses)?),
        ExportKind::Signups => {
            let sessions: i64 =
                conn.query_row("SELECT COUNT(*) FROM snapshot_coverage WHERE snapshot_id = ?1", [snap], |r| r.get(0))?;
            format!("{sessions} session(s) of {}", named("course(s)", list(courses)?))
        }
    })
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

/// A record ready to store: its course interned and its duplicates marked
/// (by [`CourseInterner::prepare_in_place`], on the storing thread).
#[derive(Debug)]
pub struct PreparedRow {
    record: ExportRecord,
    course_idx: u32,
    new_course: bool,
    /// An earlier row of the file has the same unique key: counted, not stored.
    duplicate: bool,
}

/// A record not yet prepared (no course number, not a duplicate).
impl From<ExportRecord> for PreparedRow {
    fn from(record: ExportRecord) -> Self {
        PreparedRow { record, course_idx: 0, new_course: false, duplicate: false }
    }
}

/// Prepares one file's rows for storing: numbers course names, so rows
/// store a small integer, and marks rows that repeat an earlier row's
/// unique key.
#[derive(Debug, Default)]
pub struct CourseInterner {
    seen: HashMap<String, u32>,
    /// Accounts' and sign-ups' keys seen.
    keys: HashSet<u128>,
    hashers: (foldhash::quality::RandomState, foldhash::quality::RandomState),
    /// Completions: each user numbered once (an export lists a user's
    /// courses together), their courses checked per user. Users are known
    /// by the same 128-bit fingerprint as accounts' keys ([`Self::fingerprint`]): not a copy of
    /// every user's name (3 million of them at ten times national scale).
    users: HashMap<u128, u32>,
    completions: CompletionKeys,
    last_user: Option<(String, u32)>,
}

impl CourseInterner {
    /// Prepares a record for [`super::RunTx::store_export`] (in tests; the
    /// ingest prepares rows where they lie, [`Self::prepare_in_place`]).
    #[cfg(test)]
    pub(crate) fn prepare(&mut self, record: ExportRecord) -> PreparedRow {
        let mut row = PreparedRow::from(record);
        self.prepare_in_place(&mut row);
        row
    }

    /// Prepares a row where it lies: its course numbered, its duplicate
    /// marked. (Rows are wrapped where they are parsed and prepared in the
    /// batch that carries them: moving each record into a new row cost a
    /// copy of every record and a fresh batch of pages.)
    pub fn prepare_in_place(&mut self, row: &mut PreparedRow) {
        let name = row.record.course();
        let (course_idx, new_course) = if name.is_empty() {
            (0, false)
        } else {
            let next = self.seen.len() as u32 + 1;
            match self.seen.get(name) {
                Some(&i) => (i, false),
                None => {
                    self.seen.insert(name.to_string(), next);
                    (next, true)
                }
            }
        };
        let duplicate = match &row.record {
            ExportRecord::Completion(c) => {
                let user = self.user_number(&c.user_key);
                !self.completions.insert(user, course_idx)
            }
            record => !self.keys.insert(self.unique_key(record, course_idx)),
        };
        row.course_idx = course_idx;
        row.new_course = new_course;
        row.duplicate = duplicate;
    }

    /// The unique key of an account (its lower-cased username) or a sign-up
    /// (user, course and session start), for finding duplicates (see
    /// [`Self::fingerprint`]; completions' courses are checked exactly, per
    /// user: [`CompletionKeys`]).
    fn unique_key(&self, record: &ExportRecord, course_idx: u32) -> u128 {
        match record {
            ExportRecord::Account(a) => self.fingerprint(&a.username.to_lowercase()),
            ExportRecord::Signup(s) => self.fingerprint(&(s.user_key.as_str(), course_idx, s.session_start)),
            ExportRecord::Completion(_) => self.fingerprint(&()),
        }
    }

    /// A 128-bit fingerprint of `value`: two independently and randomly
    /// seeded hashes. A collision, which would count a row as a duplicate
    /// (or two completions' users as one), is as unlikely as with any
    /// 128-bit digest and cannot be chosen by whoever writes the file.
    fn fingerprint(&self, value: &impl std::hash::Hash) -> u128 {
        use std::hash::BuildHasher;
        (u128::from(self.hashers.0.hash_one(value)) << 64) | u128::from(self.hashers.1.hash_one(value))
    }

    /// The number of a completion's user (the same key, as written, the same number).
    fn user_number(&mut self, user: &str) -> u32 {
        if let Some((last, n)) = &self.last_user {
            if last == user {
                return *n;
            }
        }
        let next = self.users.len() as u32;
        let n = *self.users.entry(self.fingerprint(&user)).or_insert(next);
        // The last user's name kept in one reused buffer.
        match &mut self.last_user {
            Some((last, m)) => {
                last.clear();
                last.push_str(user);
                *m = n;
            }
            None => self.last_user = Some((user.to_string(), n)),
        }
        n
    }
}

/// Rows per multi-row INSERT: fewer statements for SQLite to run.
const ROWS_PER_INSERT: usize = 64;

/// Inserts `rows` in statements of [`ROWS_PER_INSERT`] rows (the last one
/// fewer), binding each row's values with `bind`. `sql` is the statement
/// for a full chunk and the maker of one for `n` rows.
fn insert_chunked<T>(
    sp: &rusqlite::Savepoint,
    sql: (&str, &dyn Fn(usize) -> String),
    rows: &[T],
    mut bind: impl FnMut(&mut rusqlite::CachedStatement, &mut usize, &T) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let (full, of) = sql;
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let partial;
        let text = if chunk.len() == ROWS_PER_INSERT {
            full
        } else {
            partial = of(chunk.len());
            partial.as_str()
        };
        let mut stmt = sp.prepare_cached(text)?;
        let mut at = 1;
        for row in chunk {
            bind(&mut stmt, &mut at, row)?;
        }
        stmt.raw_execute()?;
    }
    Ok(())
}

/// Binds one account, in its stored form ([`super::kept_accounts::push_stored`]:
/// the username lower-cased, as the key completions and sign-ups refer to),
/// at `*at`, `*at + 1`, …
fn bind_account(
    stmt: &mut rusqlite::CachedStatement,
    at: &mut usize,
    snap: i64,
    a: &crate::domain::AccountRef,
) -> rusqlite::Result<()> {
    let mut bind = |v: &dyn rusqlite::ToSql| -> rusqlite::Result<()> {
        stmt.raw_bind_parameter(*at, v)?;
        *at += 1;
        Ok(())
    };
    bind(&snap)?;
    bind(&a.username)?;
    bind(&a.email)?;
    // Not stored: the ID number, the organisation as written and the
    // creation date (no stage uses them).
    bind(&rusqlite::types::Null)?;
    bind(&a.name)?;
    bind(&a.kommun.map(|k| k.as_u16()))?;
    bind(&"")?;
    bind(&a.roles.bits())?;
    bind(&a.delresa.map(|d| d.as_str()))?;
    bind(&a.status.as_str())?;
    bind(&rusqlite::types::Null)
}

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
        // Stored from their stored form by `bind_account`.
        ExportRecord::Account(_) => Err(rusqlite::Error::InvalidQuery),
        // Stored as runs by `completion_runs::RunWriter`, never a row each.
        ExportRecord::Completion(_) => Err(rusqlite::Error::InvalidQuery),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Account, AccountStatus, Email, Roles};
    use crate::store::Store;

    fn account(i: u32) -> Account {
        Account {
            username: format!("user{i:06}"),
            email: Email::parse(&format!("user{i:06}@falun.example")).unwrap(),
            name: format!("Namn Namnsson {i}"),
            kommun: None,
            organisation: String::new(),
            roles: Roles::parse("participant"),
            delresa: None,
            status: AccountStatus::Active,
            created: None,
        }
    }

    /// A file hashed while it was read takes its hash; the same content
    /// again, as the same kind, leaves nothing (not even its rows); as
    /// another kind it is stored.
    #[test]
    fn a_hash_learnt_while_reading_is_kept_and_the_same_content_again_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("state.sqlite")).unwrap();
        let mut tx = store.begin_run("nightly-sync", "2026-11-24", "2026-11-24T03:00:00Z").unwrap();
        let file = ExportFile { source: "inbox", file_name: "users.csv", report: "users", sha256: "" };
        let mut store_as = |kind: ExportKind, n: u32| {
            let mut interner = CourseInterner::default();
            let mut rows: Vec<_> = (0..n).map(|i| interner.prepare(ExportRecord::Account(account(i)))).collect();
            tx.store_export(&file, kind, |insert| {
                insert(&mut rows)?;
                Ok::<_, String>(Filled { skipped: 0, sha256: Some("c0ffee".into()) })
            })
            .unwrap()
            .unwrap()
        };
        let first = store_as(ExportKind::Accounts, 3).counts().expect("new");
        assert_eq!(first.rows, 3);
        assert_eq!(store_as(ExportKind::Accounts, 5), Stored::Identical);
        assert!(matches!(store_as(ExportKind::Signups, 0), Stored::New(_)), "another kind is another file");
        assert!(tx.already_stored("accounts", "c0ffee").unwrap());
        let accounts: i64 = tx.connection().query_row("SELECT count(*) FROM accounts", [], |r| r.get(0)).unwrap();
        assert_eq!(accounts, 3, "the identical file's rows were rolled back");
        let shas: Vec<String> = tx
            .connection()
            .prepare("SELECT sha256 FROM snapshots ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(shas, ["c0ffee", "c0ffee"]);
    }

    /// A database that cannot grow (here `max_page_count`; in operation a
    /// full disk) while a file's rows go in is the store's failure, not the
    /// file's: the store's error comes back, so the run fails and commits
    /// nothing, and the file is not rejected.
    #[test]
    fn a_store_that_cannot_grow_fails_the_run_instead_of_rejecting_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("state.sqlite")).unwrap();
        let mut tx = store.begin_run("nightly-sync", "2026-11-24", "2026-11-24T03:00:00Z").unwrap();
        let pages: i64 = tx.connection().query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
        let _: i64 =
            tx.connection().query_row(&format!("PRAGMA max_page_count = {}", pages + 4), [], |r| r.get(0)).unwrap();
        let mut interner = CourseInterner::default();
        let mut rows: Vec<_> = (0..5000).map(|i| interner.prepare(ExportRecord::Account(account(i)))).collect();
        let file = ExportFile { source: "inbox", file_name: "users.csv", report: "users", sha256: "ab" };
        let stored = tx.store_export(&file, ExportKind::Accounts, |insert| insert(&mut rows).map(|_| 0u64));
        match stored {
            Err(e) => assert!(e.to_string().contains("full"), "{e}"),
            Ok(file) => panic!("the file was blamed: {:?}", file.map(|s| s.counts())),
        }
    }
}
