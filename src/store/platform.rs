//! Reading the platform's latest snapshots back as typed records, for
//! reconciliation and the reports. Aggregates that grow with the number of
//! completions (progress per municipality) are computed in SQL.

use super::{Store, StoreError};
use crate::domain::{DelresaCode, Email, KommunKod};
use crate::ingest::exports::{Account, AccountStatus, CompletionStatus, Roles, SignupStatus};
use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::OptionalExtension;
use std::collections::BTreeSet;

/// The platform as the latest snapshots show it.
#[derive(Debug, Clone, Default)]
pub struct PlatformData {
    /// Accounts of the latest accounts snapshot.
    pub accounts: Vec<Account>,
    /// Accounts of the latest snapshot taken before the current month (for "change since last month").
    pub accounts_before: Option<Vec<Account>>,
    /// Completions of the latest snapshot, for the courses asked for.
    pub completions: Vec<StoredCompletion>,
    /// Sign-ups of the latest snapshot.
    pub signups: Vec<StoredSignup>,
    /// Whether any accounts snapshot exists at all.
    pub has_accounts: bool,
    /// Whether any completions snapshot exists.
    pub has_completions: bool,
    /// Whether any sign-ups snapshot exists.
    pub has_signups: bool,
}

/// A stored completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCompletion {
    /// Lower-cased username (or e-mail).
    pub user_key: String,
    /// Course name.
    pub course: String,
    /// State.
    pub status: CompletionStatus,
}

/// A stored sign-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSignup {
    /// Lower-cased username (or e-mail).
    pub user_key: String,
    /// Course name.
    pub course: String,
    /// Session start.
    pub session_start: NaiveDateTime,
    /// State.
    pub status: SignupStatus,
}

/// Course progress of one municipality and course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The municipality.
    pub kommun: KommunKod,
    /// The course.
    pub course: String,
    /// Not yet started.
    pub not_started: u64,
    /// In progress (pågående).
    pub in_progress: u64,
    /// Complete (genomfört).
    pub complete: u64,
}

fn int_date(n: i64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt((n / 10_000) as i32, ((n / 100) % 100) as u32, (n % 100) as u32)
}

fn int_datetime(n: i64) -> Option<NaiveDateTime> {
    int_date(n / 10_000)?.and_hms_opt(((n / 100) % 100) as u32, (n % 100) as u32, 0)
}

fn completion_status(code: u8) -> CompletionStatus {
    match code {
        10 => CompletionStatus::NotStarted,
        25 => CompletionStatus::InProgress,
        _ => CompletionStatus::Complete,
    }
}

/// Read access to the snapshots, in a plain connection or inside a sync transaction.
pub(crate) struct Reader<'a> {
    pub(crate) conn: &'a rusqlite::Connection,
    pub(crate) path: &'a std::path::Path,
}

impl Reader<'_> {
    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError { path: self.path.to_path_buf(), source }
    }

    /// The latest register snapshot of each period (the year of its first course day).
    pub fn latest_registers(&self) -> Result<Vec<super::StoredRegister>, StoreError> {
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
                Ok(super::StoredRegister { file_name: r.get(0)?, content: r.get(1)?, sha256: r.get(2)? })
            })
            .map_err(self.err())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err())?;
        Ok(rows)
    }

    fn latest_snapshot(&self, kind: &str, before: Option<&str>) -> Result<Option<i64>, StoreError> {
        match before {
            None => self.conn.query_row("SELECT MAX(id) FROM snapshots WHERE kind = ?1", [kind], |r| r.get(0)),
            Some(b) => self.conn.query_row(
                "SELECT MAX(id) FROM snapshots WHERE kind = ?1 AND ingested_at < ?2",
                [kind, b],
                |r| r.get(0),
            ),
        }
        .optional()
        .map(|o| o.flatten())
        .map_err(self.err())
    }

    fn accounts_of(&self, snap: i64) -> Result<Vec<Account>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT username, email, idnumber, name, kommunkod, organisation, roles, delresa, status, created
                 FROM accounts WHERE snapshot_id = ?1 ORDER BY username",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([snap], |r| {
                let email: String = r.get(1)?;
                let kommun: Option<u16> = r.get(4)?;
                let delresa: Option<String> = r.get(7)?;
                let status: String = r.get(8)?;
                let created: Option<i64> = r.get(9)?;
                Ok(Email::parse(&email).ok().map(|email| Account {
                    username: r.get(0).unwrap_or_default(),
                    email,
                    idnumber: r.get(2).unwrap_or_default(),
                    name: r.get(3).unwrap_or_default(),
                    kommun: kommun.and_then(KommunKod::from_u16),
                    organisation: r.get(5).unwrap_or_default(),
                    roles: Roles::from_bits(r.get::<_, u8>(6).unwrap_or(0)),
                    delresa: delresa.and_then(|d| DelresaCode::parse(&d).ok()),
                    status: AccountStatus::parse(&status).unwrap_or(AccountStatus::Active),
                    created: created.and_then(int_date),
                }))
            })
            .map_err(self.err())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err())?;
        Ok(rows.into_iter().flatten().collect())
    }

    /// The platform data: latest accounts (and those before `month_start`),
    /// sign-ups, and completions of the given courses (all if `courses` is `None`).
    pub fn platform(
        &self,
        month_start: NaiveDate,
        courses: Option<&BTreeSet<String>>,
    ) -> Result<PlatformData, StoreError> {
        let mut data = PlatformData::default();
        if let Some(snap) = self.latest_snapshot("accounts", None)? {
            data.has_accounts = true;
            data.accounts = self.accounts_of(snap)?;
            let before = format!("{month_start}T00:00:00Z");
            if let Some(prev) = self.latest_snapshot("accounts", Some(&before))? {
                data.accounts_before = Some(self.accounts_of(prev)?);
            }
        }
        if let Some(snap) = self.latest_snapshot("completions", None)? {
            data.has_completions = true;
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT c.user_key, k.name, c.status FROM completions c
                     JOIN snapshot_courses k ON k.snapshot_id = c.snapshot_id AND k.idx = c.course_idx
                     WHERE c.snapshot_id = ?1",
                )
                .map_err(self.err())?;
            let mut rows = stmt.query([snap]).map_err(self.err())?;
            while let Some(r) = rows.next().map_err(self.err())? {
                let course: String = r.get(1).map_err(self.err())?;
                if courses.is_some_and(|set| !set.contains(&course.to_lowercase())) {
                    continue;
                }
                data.completions.push(StoredCompletion {
                    user_key: r.get(0).map_err(self.err())?,
                    course,
                    status: completion_status(r.get(2).map_err(self.err())?),
                });
            }
        }
        if let Some(snap) = self.latest_snapshot("signups", None)? {
            data.has_signups = true;
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT s.user_key, k.name, s.session_start, s.status FROM signups s
                     JOIN snapshot_courses k ON k.snapshot_id = s.snapshot_id AND k.idx = s.course_idx
                     WHERE s.snapshot_id = ?1",
                )
                .map_err(self.err())?;
            let rows = stmt
                .query_map([snap], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, u8>(3)?))
                })
                .map_err(self.err())?;
            for row in rows {
                let (user_key, course, start, status) = row.map_err(self.err())?;
                if let Some(session_start) = int_datetime(start) {
                    data.signups.push(StoredSignup {
                        user_key,
                        course,
                        session_start,
                        status: SignupStatus::from_code(status),
                    });
                }
            }
        }
        Ok(data)
    }

    /// Course progress per municipality and course from the latest completions,
    /// the municipality taken from the completion row or else its account.
    pub fn progress(&self) -> Result<Vec<Progress>, StoreError> {
        let Some(snap) = self.latest_snapshot("completions", None)? else { return Ok(Vec::new()) };
        let accounts = self.latest_snapshot("accounts", None)?.unwrap_or(-1);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT COALESCE(c.kommunkod, a.kommunkod, e.kommunkod) AS k, n.name, c.status, COUNT(*)
                 FROM completions c
                 JOIN snapshot_courses n ON n.snapshot_id = c.snapshot_id AND n.idx = c.course_idx
                 LEFT JOIN accounts a ON a.snapshot_id = ?2 AND a.username = c.user_key
                 LEFT JOIN accounts e ON e.snapshot_id = ?2 AND e.email = c.user_key
                 WHERE c.snapshot_id = ?1
                 GROUP BY k, n.name, c.status
                 ORDER BY k, n.name",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([snap, accounts], |r| {
                Ok((r.get::<_, Option<u16>>(0)?, r.get::<_, String>(1)?, r.get::<_, u8>(2)?, r.get::<_, i64>(3)?))
            })
            .map_err(self.err())?;
        let mut out: Vec<Progress> = Vec::new();
        for row in rows {
            let (k, course, status, n) = row.map_err(self.err())?;
            let Some(kommun) = k.and_then(KommunKod::from_u16) else { continue };
            if out.last().is_none_or(|p| p.kommun != kommun || p.course != course) {
                out.push(Progress { kommun, course: course.clone(), not_started: 0, in_progress: 0, complete: 0 });
            }
            let p = out.last_mut().expect("pushed");
            match completion_status(status) {
                CompletionStatus::NotStarted => p.not_started += n as u64,
                CompletionStatus::InProgress => p.in_progress += n as u64,
                CompletionStatus::Complete => p.complete += n as u64,
            }
        }
        Ok(out)
    }
}

impl Store {
    fn reader(&self) -> Reader<'_> {
        Reader { conn: &self.conn, path: &self.path }
    }

    /// See [`Reader::platform`].
    pub fn platform(
        &self,
        month_start: NaiveDate,
        courses: Option<&BTreeSet<String>>,
    ) -> Result<PlatformData, StoreError> {
        self.reader().platform(month_start, courses)
    }

    /// See [`Reader::progress`].
    pub fn progress(&self) -> Result<Vec<Progress>, StoreError> {
        self.reader().progress()
    }

    /// See [`Reader::latest_registers`].
    pub fn latest_registers(&self) -> Result<Vec<super::StoredRegister>, StoreError> {
        self.reader().latest_registers()
    }
}

impl super::SyncTx<'_> {
    fn reader(&self) -> Reader<'_> {
        Reader { conn: self.connection(), path: self.path() }
    }

    /// The platform data as this sync will commit it.
    pub fn platform(
        &self,
        month_start: NaiveDate,
        courses: Option<&BTreeSet<String>>,
    ) -> Result<PlatformData, StoreError> {
        self.reader().platform(month_start, courses)
    }

    /// The latest register of each year, as this sync will commit them.
    pub fn latest_registers(&self) -> Result<Vec<super::StoredRegister>, StoreError> {
        self.reader().latest_registers()
    }

    /// Course progress as this sync will commit it.
    pub fn progress(&self) -> Result<Vec<Progress>, StoreError> {
        self.reader().progress()
    }
}
