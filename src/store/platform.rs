//! Reading the platform's latest snapshots back as typed records, for
//! reconciliation and the reports. Aggregates that grow with the number of
//! completions (progress per municipality) are computed in SQL.

use super::completion_runs::{entries, Entry};
use super::{Store, StoreError};
use crate::domain::hash::HashMap;
use crate::domain::{AccountList, AccountRef, DelresaCode, Email, KommunKod};
use crate::domain::{
    AccountStatus, CompletionStatus, ExportKind, Overlap, PlatformData, Progress, Roles, SignupStatus,
    StoredCompletion, StoredSignup, ViewSource,
};
use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::types::ValueRef;
use std::collections::BTreeSet;

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

/// Read access to the state, through a plain connection or inside a run's
/// transaction (which sees what the run has written so far).
pub struct Reader<'a> {
    pub(crate) conn: &'a rusqlite::Connection,
    pub(crate) path: &'a std::path::Path,
    /// In a run: the accounts it stored, taken instead of read back.
    pub(crate) kept: Option<&'a super::kept_accounts::KeptAccounts>,
}

/// The current registers, one rule for every reader: per report and year
/// (`period`), the latest stored register with its content, in year and
/// report order.
pub(super) const CURRENT_REGISTERS: &str = "FROM snapshots s
     WHERE kind = 'register' AND content IS NOT NULL
       AND id = (SELECT MAX(id) FROM snapshots t
                 WHERE t.kind = 'register' AND t.report IS s.report AND t.period IS s.period)
     ORDER BY period, report, id";
impl Reader<'_> {
    pub(crate) fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError { path: self.path.to_path_buf(), source }
    }

    /// The current registers: the latest stored file of each report and
    /// year (the year of its first course day), by year and report.
    /// Their bytes are not read here: a job mostly takes the parsed form
    /// kept with them, and reading a national register's 5.6 MB from the
    /// store took 0.02 s of every job.
    pub fn latest_registers(&self) -> Result<Vec<super::StoredRegister>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT file_name, sha256, report, period, id {CURRENT_REGISTERS}"))
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(super::StoredRegister {
                    file_name: r.get(0)?,
                    sha256: r.get(1)?,
                    report: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    period: r.get(3)?,
                    id: r.get(4)?,
                })
            })
            .map_err(self.err())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err())?;
        Ok(rows)
    }

    /// The workbook bytes of the stored register `id` (see [`Reader::latest_registers`]).
    pub fn register_content(&self, id: i64) -> Result<Vec<u8>, StoreError> {
        self.conn
            .query_row("SELECT content FROM snapshots WHERE id = ?1 AND kind = 'register'", [id], |r| r.get(0))
            .map_err(self.err())
    }

    /// One snapshot's accounts, in the order stored.
    pub(crate) fn accounts_of(&self, snap: &ViewSource) -> Result<AccountList, StoreError> {
        if let Some(kept) = self.kept.and_then(|k| k.take(snap.id)) {
            return Ok(kept);
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT username, email, name, kommunkod, roles, delresa, status FROM accounts WHERE snapshot_id = ?1",
            )
            .map_err(self.err())?;
        let mut rows = stmt.query([snap.id]).map_err(self.err())?;
        // The snapshot's stored count sizes the list at once: growing it by
        // doubling copied 300 000 accounts several times into fresh pages.
        let mut accounts = AccountList::with_capacity(capacity_hint(snap.rows));
        // Texts are read where SQLite holds them and copied once, into the
        // list; each delresa's text is parsed once.
        let mut delresor: HashMap<String, Option<DelresaCode>> = HashMap::default();
        while let Some(r) = rows.next().map_err(self.err())? {
            let kommun: Option<u16> = r.get(3).map_err(self.err())?;
            let d = text(r, 5).map_err(self.err())?;
            if !delresor.contains_key(d) {
                delresor.insert(d.to_string(), DelresaCode::parse(d).ok());
            }
            let delresa = delresor[d].as_ref();
            let Ok(email) = Email::parse(text(r, 1).map_err(self.err())?) else { continue };
            accounts.push(AccountRef {
                username: text(r, 0).map_err(self.err())?,
                email: email.as_str(),
                name: text(r, 2).map_err(self.err())?,
                kommun: kommun.and_then(KommunKod::from_u16),
                roles: Roles::from_bits(r.get::<_, u8>(4).unwrap_or(0)),
                delresa,
                status: AccountStatus::parse(text(r, 6).map_err(self.err())?).unwrap_or(AccountStatus::Active),
            });
        }
        Ok(accounts)
    }

    /// The platform data as the current exports show it: accounts,
    /// sign-ups, and completions of the given courses (all if `courses` is
    /// `None`), with the exports used and the overlaps between them.
    pub fn platform(&self, courses: Option<&BTreeSet<String>>) -> Result<PlatformData, StoreError> {
        let mut data = PlatformData::default();
        let mut overlaps = Vec::new();
        let accounts = self.current(ExportKind::Accounts, None)?;
        let mut unsorted = AccountList::default();
        if !accounts.is_empty() {
            data.has_accounts = true;
            unsorted = self.accounts_view_unsorted(&accounts, &mut overlaps)?;
        }
        let completions = self.current(ExportKind::Completions, None)?;
        let signups = self.current(ExportKind::Signups, None)?;
        // A second thread sorts the accounts (and gathers their rows in that
        // order) and a third maps users to their municipality (in the order
        // the accounts lie in memory) while this one reads the sign-ups back;
        // then it reads the completions with that map. (Their overlaps are
        // listed before the sign-ups', as ever.)
        let mut signup_overlaps = Vec::new();
        let (sorted, read) = std::thread::scope(|scope| {
            let sorted = scope.spawn(|| unsorted.gathered(&username_order(&unsorted)));
            let mapped = (!completions.is_empty()).then(|| scope.spawn(|| KommunOf::new(&unsorted)));
            let read = (|| {
                let signups_read =
                    if signups.is_empty() { None } else { Some(self.signups_view(&signups, &mut signup_overlaps)?) };
                let completions_read = match mapped {
                    None => None,
                    Some(mapped) => {
                        // A panic there is the reader's, not the thread's: raise it here.
                        let kommun_of = mapped.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
                        Some(self.completions_and_progress(&completions, courses, &kommun_of, &mut overlaps)?)
                    }
                };
                Ok((completions_read, signups_read))
            })();
            (sorted.join().unwrap_or_else(|p| std::panic::resume_unwind(p)), read)
        });
        let (completions_read, signups_read) = read?;
        unsorted.reorder(sorted);
        data.accounts = unsorted;
        if let Some((list, progress)) = completions_read {
            data.has_completions = true;
            data.completions = list;
            data.progress = progress;
        }
        if let Some(list) = signups_read {
            data.has_signups = true;
            data.signups = list;
        }
        overlaps.extend(signup_overlaps);
        data.sources = accounts.into_iter().chain(completions).chain(signups).collect();
        data.overlaps = overlaps;
        Ok(data)
    }

    /// The accounts as the exports ingested before `before` (an RFC 3339
    /// time) showed them; `None` when there were none.
    pub fn accounts_as_of(&self, before: &str) -> Result<Option<AccountList>, StoreError> {
        let earlier = self.current(ExportKind::Accounts, Some(before))?;
        if earlier.is_empty() {
            return Ok(None);
        }
        Ok(Some(self.accounts_view(&earlier, &mut Vec::new())?))
    }

    /// The current sign-ups: a newer export replaces in older ones the
    /// seminar sessions it covers.
    fn signups_view(
        &self,
        sources: &[ViewSource],
        overlaps: &mut Vec<Overlap>,
    ) -> Result<Vec<StoredSignup>, StoreError> {
        let mut out = Vec::new();
        let mut union = (sources.len() > 1).then(|| super::platform_view::Union::<(String, i64)>::new(sources));
        let mut stmt = self
            .conn
            .prepare_cached("SELECT user_key, course_idx, session_start, status FROM signups WHERE snapshot_id = ?1")
            .map_err(self.err())?;
        for (i, source) in sources.iter().enumerate().rev() {
            // Course names are interned per snapshot: read once, not joined to every row.
            // Lower-cased once per course too, for the sessions a newer export covers.
            let names: Vec<std::sync::Arc<str>> =
                self.course_names(source.id)?.into_iter().map(std::sync::Arc::from).collect();
            let lower: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
            let rows = stmt
                .query_map([source.id], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, u8>(3)?))
                })
                .map_err(self.err())?;
            let mut sessions = Vec::new();
            for row in rows {
                let (user_key, idx, start, status) = row.map_err(self.err())?;
                // A row whose course is not named (none is) is left out, as the join left it.
                let Some(at) = usize::try_from(idx).ok().filter(|&i| names.get(i).is_some_and(|n| !n.is_empty()))
                else {
                    continue;
                };
                let course = names[at].clone();
                if let Some(u) = union.as_mut() {
                    let session = (lower[at].clone(), start);
                    let describe = || format!("{user_key}, {course} {start}");
                    if !u.take(i, &user_key, &session, status, describe) {
                        continue;
                    }
                    sessions.push(session);
                }
                if let Some(session_start) = int_datetime(start) {
                    out.push(StoredSignup { user_key, course, session_start, status: SignupStatus::from_code(status) });
                }
            }
            if let Some(u) = union.as_mut() {
                u.covered.extend(sessions);
            }
        }
        overlaps.extend(union.map(|u| u.overlaps).unwrap_or_default());
        Ok(out)
    }

    /// The course names of a snapshot, by their index.
    fn course_names(&self, snap: i64) -> Result<Vec<String>, StoreError> {
        let mut stmt =
            self.conn.prepare("SELECT idx, name FROM snapshot_courses WHERE snapshot_id = ?1").map_err(self.err())?;
        let mut names = Vec::new();
        let mut rows = stmt.query([snap]).map_err(self.err())?;
        while let Some(r) = rows.next().map_err(self.err())? {
            let idx = r.get::<_, i64>(0).map_err(self.err())? as usize;
            if names.len() <= idx {
                names.resize(idx + 1, String::new());
            }
            names[idx] = r.get(1).map_err(self.err())?;
        }
        Ok(names)
    }

    /// One pass over the current completions exports (newest first when
    /// there are several): the completions of the wanted courses (all if
    /// `courses` is `None`), and course progress per municipality and
    /// course, the municipality taken from the completion row or else its
    /// account (by username, then by e-mail). Linear: the accounts are in a
    /// hash map, where a join per row was not.
    fn completions_and_progress(
        &self,
        sources: &[ViewSource],
        courses: Option<&BTreeSet<String>>,
        kommun_of: &KommunOf,
        overlaps: &mut Vec<Overlap>,
    ) -> Result<(Vec<StoredCompletion>, Vec<Progress>), StoreError> {
        let mut completions = Vec::new();
        // (kommun, course name) → counts of not started, in progress, complete.
        let mut counts: HashMap<(u16, String), [u64; 3]> = HashMap::default();
        let mut union = (sources.len() > 1).then(|| super::platform_view::Union::<String>::new(sources));
        for (i, source) in sources.iter().enumerate().rev() {
            // Course names are interned per snapshot: pick the wanted indices
            // first, then stream the rows without a join.
            let names: Vec<std::sync::Arc<str>> =
                self.course_names(source.id)?.into_iter().map(std::sync::Arc::from).collect();
            let lower: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
            let wanted: Vec<bool> = lower.iter().map(|n| courses.is_none_or(|set| set.contains(n))).collect();
            let mut local: HashMap<(u16, usize), [u64; 3]> = HashMap::default();
            let mut stmt = self
                .conn
                .prepare_cached("SELECT user_key, entries FROM completions WHERE snapshot_id = ?1")
                .map_err(self.err())?;
            let mut rows = stmt.query([source.id]).map_err(self.err())?;
            // Rows are taken a batch at a time and their users looked up
            // together: each lookup is a few cache misses in a map of the
            // whole country's users, and a loop of only lookups lets the
            // processor wait for several at once.
            let mut batch = RunBatch::default();
            let mut kommuns: Vec<Option<u16>> = Vec::with_capacity(RUN_BATCH);
            loop {
                batch.clear();
                while batch.len() < RUN_BATCH {
                    let Some(r) = rows.next().map_err(self.err())? else { break };
                    let user = match r.get_ref(0).map_err(self.err())? {
                        rusqlite::types::ValueRef::Text(t) => t,
                        _ => &[],
                    };
                    let blob = match r.get_ref(1).map_err(self.err())? {
                        rusqlite::types::ValueRef::Blob(b) => b,
                        _ => &[],
                    };
                    batch.push(user, blob);
                }
                if batch.len() == 0 {
                    break;
                }
                let whos: Vec<_> = (0..batch.len()).map(|n| String::from_utf8_lossy(batch.user(n))).collect();
                // A run is one user's: look the user up once.
                kommuns.clear();
                kommuns.extend(whos.iter().map(|who| kommun_of.get(who.as_ref())));
                for (n, (who, &run_kommun)) in whos.iter().zip(&kommuns).enumerate() {
                    for Entry { course_idx, status: code, kommun: own } in entries(batch.blob(n)) {
                        let idx = course_idx as usize;
                        let status = completion_status(code);
                        if let Some(u) = union.as_mut() {
                            let name = lower.get(idx).cloned().unwrap_or_default();
                            let describe = || format!("{who}, {}", names.get(idx).map(|n| &**n).unwrap_or(""));
                            if !u.take(i, who, &name, code, describe) {
                                continue;
                            }
                        }
                        if let Some(kommun) = own.or(run_kommun) {
                            let slot = match status {
                                CompletionStatus::NotStarted => 0,
                                CompletionStatus::InProgress => 1,
                                CompletionStatus::Complete => 2,
                            };
                            local.entry((kommun, idx)).or_default()[slot] += 1;
                        }
                        if wanted.get(idx).copied().unwrap_or(false) {
                            completions.push(StoredCompletion {
                                user_key: who.clone().into_owned(),
                                course: names[idx].clone(),
                                status,
                            });
                        }
                    }
                }
            }
            for ((k, idx), c) in local {
                let total = counts.entry((k, names.get(idx).map(|n| n.to_string()).unwrap_or_default())).or_default();
                (0..3).for_each(|s| total[s] += c[s]);
            }
            if let Some(u) = union.as_mut() {
                u.covered.extend(lower);
            }
        }
        overlaps.extend(union.map(|u| u.overlaps).unwrap_or_default());
        Ok((completions, progress_list(counts)))
    }
}

/// Completion runs taken from the store per batch ([`Reader::completions_and_progress`]).
const RUN_BATCH: usize = 512;

/// The users and entries of a batch of completion runs, in one buffer.
#[derive(Default)]
struct RunBatch {
    bytes: Vec<u8>,
    /// Per run: where its user ends and its entries end in `bytes`.
    ends: Vec<(usize, usize)>,
}

impl RunBatch {
    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn push(&mut self, user: &[u8], entries: &[u8]) {
        self.bytes.extend_from_slice(user);
        let user_end = self.bytes.len();
        self.bytes.extend_from_slice(entries);
        self.ends.push((user_end, self.bytes.len()));
    }

    fn start(&self, n: usize) -> usize {
        n.checked_sub(1).map_or(0, |p| self.ends[p].1)
    }

    fn user(&self, n: usize) -> &[u8] {
        &self.bytes[self.start(n)..self.ends[n].0]
    }

    fn blob(&self, n: usize) -> &[u8] {
        &self.bytes[self.ends[n].0..self.ends[n].1]
    }
}

/// The accounts in username order (a stable sort).
pub(super) fn by_username(mut accounts: AccountList) -> AccountList {
    let mut order = username_order(&accounts);
    accounts.permute(&mut order);
    accounts
}

/// The positions of `accounts` in username order, equal usernames in
/// their order in the list. Sorted eight bytes at a time, held in a flat
/// list beside each position, so that comparisons read no string: only
/// the accounts whose first eight bytes tie are sorted again by the next
/// eight, and so on. Usernames share long beginnings
/// (`fatima.magnusson12`): sorted by comparing whole usernames, the ties
/// of the first eight bytes read two usernames at random places in memory
/// for every comparison (2.4 s of CPU for 3 million accounts; README,
/// Speed, change 74). The ranges still to sort wait on a list, not on the
/// call stack: a username may be as long as a line.
fn username_order(accounts: &AccountList) -> Vec<usize> {
    let chunk = |i: usize, depth: usize| {
        let name = accounts.get(i).username.as_bytes();
        let at = (depth * 8).min(name.len());
        let part = &name[at..name.len().min(at + 8)];
        let mut b = [0u8; 8];
        b[..part.len()].copy_from_slice(part);
        u64::from_be_bytes(b)
    };
    let mut order: Vec<(u64, usize)> = (0..accounts.len()).map(|i| (chunk(i, 0), i)).collect();
    let mut todo = vec![(0..order.len(), 0usize)];
    while let Some((range, depth)) = todo.pop() {
        let part = &mut order[range.clone()];
        if depth > 0 {
            for e in part.iter_mut() {
                e.0 = chunk(e.1, depth);
            }
        }
        part.sort_unstable();
        // Each run of equal keys: sorted further by its next eight bytes,
        // or, once every username in it has ended, by whole username
        // (zero bytes pad a short one) and position.
        let mut start = 0;
        while start < part.len() {
            let end = start + part[start..].iter().take_while(|e| e.0 == part[start].0).count();
            if end - start > 1 {
                let run = &mut part[start..end];
                if run.iter().any(|e| accounts.get(e.1).username.len() > (depth + 1) * 8) {
                    todo.push((range.start + start..range.start + end, depth + 1));
                } else {
                    run.sort_unstable_by(|x, y| {
                        accounts.get(x.1).username.cmp(accounts.get(y.1).username).then(x.1.cmp(&y.1))
                    });
                }
            }
            start = end;
        }
    }
    order.into_iter().map(|(_, i)| i).collect()
}

/// Column `i`'s text as SQLite holds it, not copied (empty where it holds
/// none, or no UTF-8).
fn text<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
    Ok(match r.get_ref(i)? {
        ValueRef::Text(t) => std::str::from_utf8(t).unwrap_or_default(),
        _ => "",
    })
}

/// A list's starting capacity from a count the store keeps: bounded, so a
/// damaged count cannot ask for more memory than the machine has.
fn capacity_hint(rows: u64) -> usize {
    rows.min(1 << 24) as usize
}

/// Each account's municipality by username, and by e-mail where no username
/// claims the same text (a completion row names its user by either). Where
/// several accounts share an e-mail, the one first in username order gives
/// it (as when the accounts were mapped in that order): built in the order
/// the accounts lie in memory, while a second thread sorts them, each
/// e-mail keeps the account with the smallest username seen so far.
pub(crate) struct KommunOf<'a> {
    /// The municipality, and the account whose e-mail the key is ([`USERNAME`] for a username).
    map: HashMap<&'a str, (u16, u32)>,
}

/// The owner of a key that is a username.
const USERNAME: u32 = u32::MAX;

impl<'a> KommunOf<'a> {
    /// Maps the users of `accounts` (fewer than `u32::MAX`).
    pub(crate) fn new(accounts: &'a AccountList) -> Self {
        let mut map: HashMap<&str, (u16, u32)> =
            HashMap::with_capacity_and_hasher(accounts.len() * 2, Default::default());
        for a in accounts.iter() {
            if let Some(k) = a.kommun {
                map.insert(a.username, (k.as_u16(), USERNAME));
            }
        }
        for (i, a) in accounts.iter().enumerate() {
            let Some(k) = a.kommun else { continue };
            let i = u32::try_from(i).ok().filter(|&i| i != USERNAME).expect("fewer accounts than u32::MAX");
            match map.entry(a.email) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert((k.as_u16(), i));
                }
                std::collections::hash_map::Entry::Occupied(mut o) => {
                    let owner = o.get().1;
                    if owner != USERNAME && a.username < accounts.get(owner as usize).username {
                        o.insert((k.as_u16(), i));
                    }
                }
            }
        }
        KommunOf { map }
    }

    /// The municipality of the user named `user` (a username or an e-mail).
    pub(crate) fn get(&self, user: &str) -> Option<u16> {
        self.map.get(user).map(|&(k, _)| k)
    }
}

/// Progress counts as rows, in municipality and course order.
fn progress_list(counts: HashMap<(u16, String), [u64; 3]>) -> Vec<Progress> {
    let mut progress: Vec<Progress> = counts
        .into_iter()
        .filter_map(|((k, course), [not_started, in_progress, complete])| {
            Some(Progress { kommun: KommunKod::from_u16(k)?, course, not_started, in_progress, complete })
        })
        .collect();
    progress.sort_by(|a, b| (a.kommun, &a.course).cmp(&(b.kommun, &b.course)));
    progress
}

impl Store {
    /// Reads through the store's connection.
    pub fn reader(&self) -> Reader<'_> {
        Reader { conn: &self.conn, path: &self.path, kept: None }
    }

    /// See [`Reader::platform`].
    pub fn platform(&self, courses: Option<&BTreeSet<String>>) -> Result<PlatformData, StoreError> {
        self.reader().platform(courses)
    }

    /// See [`Reader::latest_registers`].
    pub fn latest_registers(&self) -> Result<Vec<super::StoredRegister>, StoreError> {
        self.reader().latest_registers()
    }

    /// See [`Reader::view_files`].
    pub fn view_files(&self) -> Result<Vec<crate::domain::ViewFile>, StoreError> {
        self.reader().view_files()
    }
}

impl super::RunTx<'_> {
    /// Reads through the run's transaction.
    pub fn reader(&self) -> Reader<'_> {
        Reader { conn: self.connection(), path: self.path(), kept: Some(&self.kept_accounts) }
    }

    /// The platform data as this sync will commit it.
    pub fn platform(&self, courses: Option<&BTreeSet<String>>) -> Result<PlatformData, StoreError> {
        self.reader().platform(courses)
    }

    /// The latest register of each year, as this sync will commit them.
    pub fn latest_registers(&self) -> Result<Vec<super::StoredRegister>, StoreError> {
        self.reader().latest_registers()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Account;

    /// A batch gives back each run's user and entries as pushed, empty ones included.
    #[test]
    fn a_run_batch_gives_back_what_was_pushed() {
        let runs: [(&[u8], &[u8]); 4] =
            [(b"anna", b"\x01\x02"), (b"", b"\x03"), (b"bo", b""), (b"cecilia", b"\x04\x05\x06")];
        let mut batch = RunBatch::default();
        for _ in 0..2 {
            batch.clear();
            for (user, entries) in runs {
                batch.push(user, entries);
            }
            assert_eq!(batch.len(), 4);
            for (n, (user, entries)) in runs.iter().enumerate() {
                assert_eq!((batch.user(n), batch.blob(n)), (*user, *entries), "run {n}");
            }
        }
    }

    fn account(username: &str, name: &str) -> Account {
        Account {
            username: username.into(),
            email: Email::parse("a@example.se").unwrap(),
            name: name.into(),
            kommun: None,
            organisation: String::new(),
            roles: Roles::from_bits(0),
            delresa: None,
            status: AccountStatus::Active,
            created: None,
        }
    }

    /// The map as first built: the accounts in username order, usernames
    /// first, then each e-mail from the first account in that order.
    fn kommun_by_user_in_username_order(accounts: &[Account]) -> std::collections::HashMap<String, u16> {
        let mut sorted: Vec<&Account> = accounts.iter().collect();
        sorted.sort_by(|a, b| a.username.cmp(&b.username));
        let mut map = std::collections::HashMap::new();
        for a in &sorted {
            if let Some(k) = a.kommun {
                map.insert(a.username.clone(), k.as_u16());
            }
        }
        for a in &sorted {
            if let Some(k) = a.kommun {
                map.entry(a.email.as_str().to_string()).or_insert(k.as_u16());
            }
        }
        map
    }

    #[test]
    fn users_map_to_the_municipality_the_username_order_gives_in_any_memory_order() {
        use rand::{seq::SliceRandom, Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(4);
        let kommuner: Vec<KommunKod> = ["2080", "2081", "2021"].iter().map(|c| KommunKod::parse(c).unwrap()).collect();
        for _ in 0..300 {
            let n = rng.gen_range(0..30);
            let mut accounts: Vec<Account> = (0..n)
                .map(|_| {
                    // Few names and addresses: shared e-mails, repeated
                    // usernames and usernames that are someone's e-mail.
                    let username = match rng.gen_range(0..4) {
                        0 => format!("u{}@x.se", rng.gen_range(0..4)),
                        _ => format!("user{}", rng.gen_range(0..12)),
                    };
                    let mut a = account(&username, "");
                    a.email = Email::parse(&format!("u{}@x.se", rng.gen_range(0..6))).unwrap();
                    a.kommun = (rng.gen_range(0..5) > 0).then(|| kommuner[rng.gen_range(0..3)]);
                    a
                })
                .collect();
            accounts.shuffle(&mut rng);
            let want = kommun_by_user_in_username_order(&accounts);
            let list: AccountList = accounts.iter().cloned().collect();
            let got = KommunOf::new(&list);
            let keys: BTreeSet<&str> =
                accounts.iter().flat_map(|a| [a.username.as_str(), a.email.as_str()]).chain(["nobody"]).collect();
            for key in keys {
                assert_eq!(
                    got.get(key),
                    want.get(key).copied(),
                    "{key} in {:?}",
                    accounts.iter().map(|a| (&a.username, a.email.as_str(), a.kommun)).collect::<Vec<_>>()
                );
            }
        }
    }

    #[test]
    fn accounts_sort_by_username_as_a_plain_stable_sort_does() {
        let names = [
            "anna.andersson",
            "anna.andersson2",
            "anna",
            "",
            "anna.anderss",
            "b",
            "anna.andersson",
            "åsa",
            "anna\0",
            "anna.andersson10",
            "zz",
            "anna.and",
            "anna.ander",
            "Bo",
        ];
        let accounts: Vec<Account> = names.iter().enumerate().map(|(i, n)| account(n, &i.to_string())).collect();
        sorts_as_a_stable_sort(accounts);
    }

    /// `by_username` orders `accounts` (each named by its position) as a
    /// plain stable sort by username does.
    fn sorts_as_a_stable_sort(accounts: Vec<Account>) {
        let mut want = accounts.clone();
        want.sort_by(|a, b| a.username.cmp(&b.username));
        let got = by_username(accounts.into_iter().collect());
        let got: Vec<(&str, &str)> = got.iter().map(|a| (a.username, a.name)).collect();
        let want: Vec<(&str, &str)> = want.iter().map(|a| (a.username.as_str(), a.name.as_str())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn many_usernames_sharing_long_beginnings_sort_as_a_plain_stable_sort_does() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(74);
        let stems = ["fatima.magnusson", "fatima.m", "sofia.mohammed", "anna", "", "a\0b", "x".repeat(40).leak()];
        for _ in 0..200 {
            let n = rng.gen_range(0..60);
            let accounts: Vec<Account> = (0..n)
                .map(|i| {
                    let stem = stems[rng.gen_range(0..stems.len())];
                    let tail = match rng.gen_range(0..4) {
                        0 => String::new(),
                        1 => "\0".repeat(rng.gen_range(1..10)),
                        _ => rng.gen_range(0..30).to_string(),
                    };
                    account(&format!("{stem}{tail}"), &i.to_string())
                })
                .collect();
            sorts_as_a_stable_sort(accounts);
        }
    }
}
