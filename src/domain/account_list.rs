//! The platform's accounts as a view holds them: every account's texts in
//! one buffer, and a small fixed row per account pointing into it.
//!
//! An [`Account`] is 136 bytes of fields and three or four strings each in
//! its own allocation. At ten times national scale the 3 000 000 accounts a
//! sync keeps for its reconciliation were about 0.8 GB that way; packed they
//! are a third of that, and the username, which is most often the e-mail
//! address or its local part, is not held twice. The stages read an account
//! through [`AccountRef`], which borrows from the list.

use super::hash::HashMap;
use super::{Account, AccountStatus, DelresaCode, KommunKod, Roles};
use std::fmt;

/// One account: where its texts lie in the buffer, and its small fields.
#[derive(Debug, Clone, Copy)]
struct Row {
    /// Where its texts start: the e-mail, then the username (unless it is
    /// the e-mail's first bytes), then the name.
    at: usize,
    email: u32,
    username: u32,
    name: u32,
    /// The username is the e-mail's first `username` bytes.
    shared: bool,
    kommun: Option<KommunKod>,
    roles: Roles,
    status: AccountStatus,
    /// 0: none; else one more than its place in `delresor`.
    delresa: u32,
}

/// Accounts, packed (see the module's documentation), in the order pushed
/// until [`AccountList::permute`] reorders them.
#[derive(Clone, Default)]
pub struct AccountList {
    text: String,
    rows: Vec<Row>,
    delresor: Vec<DelresaCode>,
    delresa_at: HashMap<DelresaCode, u32>,
}

/// An [`AccountList`]'s rows in a new order, for [`AccountList::reorder`].
pub struct Reordered {
    rows: Vec<Row>,
    /// The length of the list's texts, to check it is the same list.
    text: usize,
}

/// One account of an [`AccountList`], borrowed: the fields the stages after
/// storing read (the stored form: no organisation, ID number or date).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountRef<'a> {
    /// Login name.
    pub username: &'a str,
    /// Address (trimmed and lower-cased, as an `Email` is).
    pub email: &'a str,
    /// Display name.
    pub name: &'a str,
    /// The municipality, if the organisation could be resolved.
    pub kommun: Option<KommunKod>,
    /// Roles held.
    pub roles: Roles,
    /// Delresa, if exported and known.
    pub delresa: Option<&'a DelresaCode>,
    /// State.
    pub status: AccountStatus,
}

impl Account {
    /// The account as an [`AccountList`] holds it (see [`AccountRef`]).
    pub fn view(&self) -> AccountRef<'_> {
        AccountRef {
            username: &self.username,
            email: self.email.as_str(),
            name: &self.name,
            kommun: self.kommun,
            roles: self.roles,
            delresa: self.delresa.as_ref(),
            status: self.status,
        }
    }
}

/// A text's length as a row holds it: a text longer than 4 GiB (no reader
/// lets one through: lines and cells are capped far below) is cut there, at
/// a character's boundary, rather than stopping the run.
fn fitted(s: &str) -> &str {
    if s.len() <= u32::MAX as usize {
        return s;
    }
    let mut end = u32::MAX as usize;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

impl AccountList {
    /// An empty list with room for `rows` accounts (a bounded count, not one a file declares).
    pub fn with_capacity(rows: usize) -> Self {
        AccountList { rows: Vec::with_capacity(rows), ..AccountList::default() }
    }

    /// Adds an account at the end.
    pub fn push(&mut self, a: AccountRef<'_>) {
        let (email, username, name) = (fitted(a.email), fitted(a.username), fitted(a.name));
        let at = self.text.len();
        let shared = email.as_bytes().starts_with(username.as_bytes());
        self.text.push_str(email);
        if !shared {
            self.text.push_str(username);
        }
        self.text.push_str(name);
        let delresa = match a.delresa {
            None => 0,
            Some(d) => match self.delresa_at.get(d) {
                Some(&n) => n,
                None => {
                    self.delresor.push(d.clone());
                    let n = self.delresor.len() as u32;
                    self.delresa_at.insert(d.clone(), n);
                    n
                }
            },
        };
        self.rows.push(Row {
            at,
            email: email.len() as u32,
            username: username.len() as u32,
            name: name.len() as u32,
            shared,
            kommun: a.kommun,
            roles: a.roles,
            status: a.status,
            delresa,
        });
    }

    /// How many accounts it holds.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The account at `i` (below [`AccountList::len`]).
    pub fn get(&self, i: usize) -> AccountRef<'_> {
        let r = &self.rows[i];
        let email_end = r.at + r.email as usize;
        let (username, name_at) = if r.shared {
            (&self.text[r.at..r.at + r.username as usize], email_end)
        } else {
            (&self.text[email_end..email_end + r.username as usize], email_end + r.username as usize)
        };
        AccountRef {
            username,
            email: &self.text[r.at..email_end],
            name: &self.text[name_at..name_at + r.name as usize],
            kommun: r.kommun,
            roles: r.roles,
            delresa: r.delresa.checked_sub(1).map(|n| &self.delresor[n as usize]),
            status: r.status,
        }
    }

    /// The accounts in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = AccountRef<'_>> + '_ {
        (0..self.rows.len()).map(|i| self.get(i))
    }

    /// The rows in the order `order` gives (a permutation of the
    /// positions), gathered while the list may still be borrowed elsewhere;
    /// [`AccountList::reorder`] puts them in place. (At ten times national
    /// scale [`AccountList::permute`] took half a second of the thread the
    /// read-back waits for; this runs on the thread that sorted.)
    pub fn gathered(&self, order: &[usize]) -> Reordered {
        Reordered { rows: order.iter().map(|&i| self.rows[i]).collect(), text: self.text.len() }
    }

    /// Takes the rows [`AccountList::gathered`] gathered from this list.
    ///
    /// # Panics
    /// If they were gathered from another list (a bug, not bad input).
    pub fn reorder(&mut self, r: Reordered) {
        assert!(r.rows.len() == self.rows.len() && r.text == self.text.len(), "rows gathered from another list");
        self.rows = r.rows;
    }

    /// Puts the account at `source[p]` at position `p` for every `p`, in
    /// place and in linear time, one cycle of the permutation at a time
    /// (`source`, a permutation of the positions, is used up). Only the
    /// rows move; the texts stay where they are.
    pub fn permute(&mut self, source: &mut [usize]) {
        permute_in_place(&mut self.rows, source);
    }
}

/// Puts `items[source[p]]` at position `p` for every `p`, in place and in
/// linear time (`source` is used up).
fn permute_in_place<T>(items: &mut [T], source: &mut [usize]) {
    const DONE: usize = usize::MAX;
    for start in 0..source.len() {
        let mut at = start;
        while source[at] != DONE {
            let from = std::mem::replace(&mut source[at], DONE);
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

impl<'a> FromIterator<AccountRef<'a>> for AccountList {
    fn from_iter<I: IntoIterator<Item = AccountRef<'a>>>(iter: I) -> Self {
        let mut list = AccountList::default();
        iter.into_iter().for_each(|a| list.push(a));
        list
    }
}

impl FromIterator<Account> for AccountList {
    fn from_iter<I: IntoIterator<Item = Account>>(iter: I) -> Self {
        let mut list = AccountList::default();
        iter.into_iter().for_each(|a| list.push(a.view()));
        list
    }
}

impl fmt::Debug for AccountList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Email;

    fn account(username: &str, email: &str, name: &str, delresa: Option<&str>) -> Account {
        Account {
            username: username.into(),
            email: Email::parse(email).unwrap(),
            name: name.into(),
            kommun: KommunKod::from_u16(2080),
            organisation: String::new(),
            roles: Roles::parse("trainer"),
            delresa: delresa.map(|d| DelresaCode::parse(d).unwrap()),
            status: AccountStatus::Suspended,
            created: None,
        }
    }

    #[test]
    fn every_account_reads_back_as_pushed() {
        // A username that is the e-mail, its local part, a prefix of it,
        // another text, an empty one; empty and non-ASCII names; repeated delresor.
        let accounts = [
            account("anna@falun.se", "anna@falun.se", "Anna A", Some("bou")),
            account("anna", "anna@falun.se", "", None),
            account("an", "anna@falun.se", "Ån Ö", Some("funk-u")),
            account("bo.berg", "b@borlange.se", "Bo Berg", Some("bou")),
            account("", "c@mora.se", "Cecilia", None),
            account("åsa", "åsa@mora.se", "Åsa", Some("funk-u")),
        ];
        let list: AccountList = accounts.iter().cloned().collect();
        assert_eq!(list.len(), accounts.len());
        let got: Vec<AccountRef> = list.iter().collect();
        let want: Vec<AccountRef> = accounts.iter().map(Account::view).collect();
        assert_eq!(got, want);
        assert_eq!(list.delresor.len(), 2, "each delresa held once");
        // Shared usernames take no room of their own.
        let own: usize = ["bo.berg", "Anna A", "Ån Ö", "Bo Berg", "Cecilia", "Åsa"].iter().map(|s| s.len()).sum();
        let emails: usize = accounts.iter().map(|a| a.email.as_str().len()).sum();
        assert_eq!(list.text.len(), emails + own);
    }

    /// Seven accounts `u0`…`u6` (named `N0`…`N6`), and a list of them.
    fn seven() -> (Vec<Account>, AccountList) {
        let accounts: Vec<Account> =
            (0..7).map(|i| account(&format!("u{i}"), &format!("x{i}@a.se"), &format!("N{i}"), None)).collect();
        let list = accounts.iter().cloned().collect();
        (accounts, list)
    }

    /// The order the reordering tests put the seven accounts in.
    const ORDER: [usize; 7] = [3, 0, 6, 1, 2, 5, 4];

    /// `list` holds `accounts` in `ORDER`.
    fn assert_in_order(list: &AccountList, accounts: &[Account]) {
        let got: Vec<&str> = list.iter().map(|a| a.username).collect();
        let want: Vec<&str> = ORDER.iter().map(|&i| accounts[i].username.as_str()).collect();
        assert_eq!(got, want);
        assert_eq!(list.get(0).name, "N3");
    }

    #[test]
    fn a_permuted_list_reads_in_the_new_order() {
        let (accounts, mut list) = seven();
        list.permute(&mut ORDER.clone());
        assert_in_order(&list, &accounts);
    }

    #[test]
    fn rows_gathered_in_an_order_read_in_that_order_once_put_in_place() {
        let (accounts, mut list) = seven();
        let gathered = list.gathered(&ORDER);
        // Gathering leaves the list as it was until the rows are put in place.
        assert_eq!(list.get(0).username, "u0");
        list.reorder(gathered);
        assert_in_order(&list, &accounts);
    }

    #[test]
    #[should_panic(expected = "rows gathered from another list")]
    fn rows_gathered_from_another_list_are_refused() {
        let one: AccountList = [account("a", "a@a.se", "A", None)].into_iter().collect();
        let mut other: AccountList = [account("bb", "bb@a.se", "B", None)].into_iter().collect();
        other.reorder(one.gathered(&[0]));
    }

    #[test]
    fn a_permutation_applied_in_place_equals_one_applied_by_copying() {
        // Fixed points, two-cycles, one long cycle, and a scramble with all of them.
        let sources: Vec<Vec<usize>> = vec![
            vec![],
            vec![0],
            vec![0, 1, 2, 3],
            vec![1, 0, 3, 2],
            vec![1, 2, 3, 4, 5, 0],
            vec![5, 0, 1, 2, 3, 4],
            vec![3, 7, 2, 0, 6, 1, 4, 5, 9, 8],
            (0..1000).map(|i| (i * 389 + 11) % 1000).collect(),
        ];
        for source in sources {
            let items: Vec<String> = (0..source.len()).map(|i| format!("item {i}")).collect();
            let want: Vec<String> = source.iter().map(|&i| items[i].clone()).collect();
            let mut got = items;
            permute_in_place(&mut got, &mut source.clone());
            assert_eq!(got, want, "source order {source:?}");
        }
    }
}
