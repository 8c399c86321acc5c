//! The accounts a run has just stored, kept in memory in the form reading
//! them back gives, so the same run's reconciliation need not read 300 000
//! rows back from SQLite and parse them again. Only a snapshot whose
//! savepoint committed is kept; the run's transaction and this go together.

use crate::domain::hash::HashMap;
use crate::domain::{Account, AccountList, AccountRef};
use std::sync::Mutex;

/// Accounts by snapshot id, each list in the order stored.
#[derive(Debug, Default)]
pub(crate) struct KeptAccounts(Mutex<HashMap<i64, AccountList>>);

impl KeptAccounts {
    /// Keeps a stored snapshot's accounts.
    pub(crate) fn keep(&self, snapshot: i64, accounts: AccountList) {
        if let Ok(mut kept) = self.0.lock() {
            kept.insert(snapshot, accounts);
        }
    }

    /// A snapshot's accounts, once: later reads go to the store.
    pub(crate) fn take(&self, snapshot: i64) -> Option<AccountList> {
        self.0.lock().ok()?.remove(&snapshot)
    }
}

/// Adds `a` to `list` as it is stored and read back: the username
/// lower-cased; the organisation as written, the ID number and the creation
/// date left out (no stage uses them; `snapshots::bind_account` stores this
/// form). The e-mail address reads back as itself (an `Email` is already
/// trimmed and lower-cased).
pub(crate) fn push_stored(list: &mut AccountList, a: &Account) {
    let username = crate::domain::platform::lower(&a.username);
    list.push(AccountRef { username: &username, ..a.view() });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Email;
    use crate::domain::{AccountStatus, DelresaCode, ExportKind, ExportRecord, KommunKod, Roles, ViewSource};
    use crate::store::snapshots::{CourseInterner, ExportFile};
    use crate::store::{Reader, Store};

    fn account(username: &str, email: &str, kommun: Option<u16>, delresa: Option<&str>) -> Account {
        Account {
            username: username.into(),
            email: Email::parse(email).unwrap(),
            name: format!("Namn {username}"),
            kommun: kommun.and_then(KommunKod::from_u16),
            organisation: "Socialtjänsten, Falu kommun".into(),
            roles: Roles::parse("trainer, participant"),
            delresa: delresa.map(|d| DelresaCode::parse(d).unwrap()),
            status: AccountStatus::Suspended,
            created: chrono::NaiveDate::from_ymd_opt(2026, 3, 5),
        }
    }

    #[test]
    fn kept_accounts_are_the_accounts_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("state.sqlite")).unwrap();
        let mut tx = store.begin_run("nightly-sync", "2026-11-24", "2026-11-24T03:00:00Z").unwrap();
        // Mixed case, a repeated username (a duplicate: not stored), no municipality, no delresa.
        let accounts = [
            account("Anna.Andersson", "Anna.A@Falun.se", Some(2080), Some("bou")),
            account("bo", "bo@borlange.se", None, None),
            account("ANNA.ANDERSSON", "other@falun.se", Some(2081), None),
            account("åsa", "asa@mora.se", Some(2062), Some("funk-u")),
        ];
        let mut interner = CourseInterner::default();
        let mut rows: Vec<_> = accounts.iter().map(|a| interner.prepare(ExportRecord::Account(a.clone()))).collect();
        let file = ExportFile { source: "inbox", file_name: "users.csv", report: "users", sha256: "ab" };
        let counts =
            tx.store_export(&file, ExportKind::Accounts, |insert| insert(&mut rows).map(|_| 0u64)).unwrap().unwrap();
        let counts = counts.counts().expect("stored");
        let source = ViewSource {
            id: counts.snapshot,
            kind: ExportKind::Accounts,
            report: "users".into(),
            file_name: "users.csv".into(),
            ingested_at: String::new(),
            rows: 3,
            covers_all: true,
            coverage: String::new(),
        };
        let shown = |v: &AccountList| format!("{v:?}");
        let from_sqlite = Reader { kept: None, ..tx.reader() }.accounts_of(&source).unwrap();
        assert_eq!(from_sqlite.len(), 3, "the duplicate is not stored");
        let kept = tx.reader().accounts_of(&source).unwrap();
        assert_eq!(shown(&kept), shown(&from_sqlite));
        // Taken once: a second read goes to the store, and gives the same.
        assert!(tx.kept_accounts.take(counts.snapshot).is_none());
        assert_eq!(shown(&tx.reader().accounts_of(&source).unwrap()), shown(&from_sqlite));
    }

    #[test]
    fn a_file_whose_storing_failed_leaves_nothing_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("state.sqlite")).unwrap();
        let mut tx = store.begin_run("nightly-sync", "2026-11-24", "2026-11-24T03:00:00Z").unwrap();
        let mut interner = CourseInterner::default();
        let mut rows = vec![interner.prepare(ExportRecord::Account(account("bo", "bo@borlange.se", None, None)))];
        let file = ExportFile { source: "inbox", file_name: "users.csv", report: "users", sha256: "ab" };
        let failed = tx
            .store_export(&file, ExportKind::Accounts, |insert| {
                insert(&mut rows)?;
                Err::<u64, String>("row 7: no username".into())
            })
            .unwrap();
        assert!(failed.is_err());
        // The rolled-back snapshot's id comes again; nothing may be kept under it.
        assert!(tx.kept_accounts.0.lock().unwrap().is_empty());
    }
}
