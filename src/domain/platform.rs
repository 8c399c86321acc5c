//! The platform's records: what the Totara exports hold (accounts,
//! completions, sign-ups) as ingest produces them, and the platform view the
//! store reads back for reconciliation and the reports.

use crate::domain::{AccountList, DelresaCode, Email, KommunKod};
use chrono::{NaiveDate, NaiveDateTime};
use std::collections::BTreeMap;

/// Account roles; they overlap ("varav").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Roles(u8);

impl Roles {
    /// Medarbetare (employee).
    pub const MEDARBETARE: Roles = Roles(1);
    /// Chef / arbetsledare.
    pub const CHEF: Roles = Roles(2);
    /// Utbildare / samtalsledare.
    pub const UTBILDARE: Roles = Roles(4);
    /// K-admin / kommunadministratör.
    pub const K_ADMIN: Roles = Roles(8);

    /// Parses `Medarbetare, Utbildare` or `Chef; K-admin`; unknown positions are ignored.
    pub fn parse(s: &str) -> Roles {
        let mut r = Roles::default();
        for part in s.split([',', ';']) {
            r.0 |= match part.trim().to_lowercase().as_str() {
                "medarbetare" => 1,
                "chef" | "arbetsledare" | "chefer" => 2,
                "utbildare" | "samtalsledare" => 4,
                "k-admin" | "kadmin" | "kommunadministratör" => 8,
                _ => 0,
            };
        }
        r
    }

    /// True if every role in `other` is held.
    pub fn contains(self, other: Roles) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// The bits, for storage.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// From stored bits.
    pub fn from_bits(b: u8) -> Roles {
        Roles(b & 0x0F)
    }
}

/// An account's state on the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    /// Active.
    Active,
    /// Suspended (avstängd).
    Suspended,
    /// Deleted.
    Deleted,
    /// Not yet confirmed.
    Unconfirmed,
}

impl AccountStatus {
    /// Parses English and Swedish status words; empty = active.
    pub fn parse(s: &str) -> Result<Self, String> {
        match fold(s).as_ref() {
            "" | "active" | "aktiv" => Ok(Self::Active),
            "suspended" | "avstängd" => Ok(Self::Suspended),
            "deleted" | "borttagen" | "raderad" => Ok(Self::Deleted),
            "unconfirmed" | "obekräftad" => Ok(Self::Unconfirmed),
            other => Err(format!("'{other}' is not an account status (Active, Suspended, Deleted, Unconfirmed)")),
        }
    }

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Deleted => "deleted",
            Self::Unconfirmed => "unconfirmed",
        }
    }
}

/// Trimmed and lower-cased, borrowing when it already is (the common case).
pub(crate) fn fold(s: &str) -> std::borrow::Cow<'_, str> {
    lower(s.trim())
}

/// Lower-cased, borrowed when it already is (ASCII without capitals).
pub(crate) fn lower(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
        std::borrow::Cow::Owned(s.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// One platform account.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// Login name.
    pub username: String,
    /// Address.
    pub email: Email,
    /// Display name.
    pub name: String,
    /// The municipality, if the organisation could be resolved.
    pub kommun: Option<KommunKod>,
    /// The organisation as written (read to find the municipality; not stored).
    pub organisation: String,
    /// Roles held.
    pub roles: Roles,
    /// Delresa, if exported and known.
    pub delresa: Option<DelresaCode>,
    /// State.
    pub status: AccountStatus,
    /// Creation date (read, not stored).
    pub created: Option<NaiveDate>,
}

/// Course completion state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CompletionStatus {
    /// Not yet started (10).
    NotStarted,
    /// In progress (25).
    InProgress,
    /// Complete, also via RPL (50, 75).
    Complete,
}

impl CompletionStatus {
    /// Parses Totara's words (English, Swedish) and numeric codes.
    pub fn parse(s: &str) -> Result<Self, String> {
        // Totara's English words and the codes, matched without lower-casing a copy.
        const ASCII: [(&str, CompletionStatus); 3] = [
            ("Complete", CompletionStatus::Complete),
            ("In progress", CompletionStatus::InProgress),
            ("Not yet started", CompletionStatus::NotStarted),
        ];
        let t = s.trim();
        if let Some((_, status)) = ASCII.iter().find(|(w, _)| t.eq_ignore_ascii_case(w)) {
            return Ok(*status);
        }
        match fold(s).as_ref() {
            "not yet started" | "ännu ej påbörjad" | "ej påbörjad" | "10" => Ok(Self::NotStarted),
            "in progress" | "pågående" | "25" => Ok(Self::InProgress),
            "complete" | "completed" | "complete via rpl" | "slutfört" | "slutförd" | "genomförd" | "genomfört"
            | "50" | "75" => Ok(Self::Complete),
            other => Err(format!("'{other}' is not a completion status (Not yet started, In progress, Complete)")),
        }
    }

    /// Stored code.
    pub fn code(self) -> u8 {
        match self {
            Self::NotStarted => 10,
            Self::InProgress => 25,
            Self::Complete => 50,
        }
    }
}

/// One user's completion of one course.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// Who, for matching: the lower-cased username, else the e-mail.
    pub user_key: String,
    /// Course name.
    pub course: String,
    /// State.
    pub status: CompletionStatus,
    /// Started.
    pub started: Option<NaiveDate>,
    /// Completed.
    pub completed: Option<NaiveDate>,
    /// Municipality, if exported and resolved.
    pub kommun: Option<KommunKod>,
}

/// A seminar sign-up state (Totara's codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignupStatus(u8);

impl SignupStatus {
    /// Parses Totara's status strings or codes.
    pub fn parse(s: &str) -> Result<Self, String> {
        let code = match fold(s).as_ref() {
            "user cancelled" | "10" => 10,
            "event cancelled" | "session cancelled" | "20" => 20,
            "declined" | "30" => 30,
            "requested" | "40" => 40,
            "44" => 44,
            "45" => 45,
            "approved" | "50" => 50,
            "wait-listed" | "waitlisted" | "on waitlist" | "60" => 60,
            "booked" | "70" => 70,
            "no show" | "no-show" | "80" => 80,
            "unable to attend" | "85" => 85,
            "partially attended" | "90" => 90,
            "fully attended" | "100" => 100,
            other => return Err(format!("'{other}' is not a sign-up status (e.g. Booked, Fully attended, No show)")),
        };
        Ok(SignupStatus(code))
    }

    /// Totara's code.
    pub fn code(self) -> u8 {
        self.0
    }

    /// From a stored code.
    pub fn from_code(c: u8) -> Self {
        SignupStatus(c)
    }

    /// Fully or partially attended.
    pub fn attended(self) -> bool {
        self.0 == 90 || self.0 == 100
    }
}

/// One seminar sign-up.
#[derive(Debug, Clone, PartialEq)]
pub struct Signup {
    /// Who, for matching: the lower-cased username, else the e-mail.
    pub user_key: String,
    /// Course name.
    pub course: String,
    /// Seminar / event name.
    pub seminar: Option<String>,
    /// Session start.
    pub session_start: NaiveDateTime,
    /// State.
    pub status: SignupStatus,
}

/// A record of any export kind.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportRecord {
    /// An account.
    Account(Account),
    /// A completion.
    Completion(Completion),
    /// A sign-up.
    Signup(Signup),
}

impl ExportRecord {
    /// The course name (empty for an account).
    pub fn course(&self) -> &str {
        match self {
            ExportRecord::Account(_) => "",
            ExportRecord::Completion(c) => &c.course,
            ExportRecord::Signup(s) => &s.course,
        }
    }

    /// The key that makes two rows the same (user and course, plus session).
    pub fn duplicate_key(&self) -> String {
        match self {
            ExportRecord::Account(a) => a.username.to_lowercase(),
            ExportRecord::Completion(c) => format!("{}\u{1f}{}", c.user_key, c.course),
            ExportRecord::Signup(s) => format!("{}\u{1f}{}\u{1f}{}", s.user_key, s.course, s.session_start),
        }
    }
}

/// The three export kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExportKind {
    /// Accounts ("User" report source).
    Accounts,
    /// Course completions.
    Completions,
    /// Seminar sign-ups.
    Signups,
}

impl ExportKind {
    /// All kinds, in the order they are tried when recognising a file.
    pub const ALL: [ExportKind; 3] = [ExportKind::Signups, ExportKind::Completions, ExportKind::Accounts];

    /// The name used in reports and config.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accounts => "accounts",
            Self::Completions => "completions",
            Self::Signups => "signups",
        }
    }
}

/// One export the platform view is built from: the latest of its report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewSource {
    /// The snapshot's id in the store.
    pub id: i64,
    /// accounts, completions or signups.
    pub kind: ExportKind,
    /// The report it is an export of.
    pub report: String,
    /// The file it came from.
    pub file_name: String,
    /// When it was ingested (RFC 3339).
    pub ingested_at: String,
    /// Rows stored.
    pub rows: u64,
    /// True when it covers every delresa (an accounts export without a Delresa column).
    pub covers_all: bool,
    /// What it covers, for people: delresor, courses, sessions.
    pub coverage: String,
}

/// A stored file the current view is built from, for `status` and the
/// ingest report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewFile {
    /// `register`, `accounts`, `completions` or `signups`.
    pub kind: String,
    /// The report it is an export of.
    pub report: String,
    /// The file it came from.
    pub file_name: String,
    /// When it was ingested (RFC 3339).
    pub ingested_at: String,
    /// Rows stored (a register: participant rows).
    pub rows: u64,
    /// What it covers.
    pub coverage: String,
}

impl ViewFile {
    /// `report 'X', ingested 2026-11-20 03:15 UTC, covers …`.
    pub fn describe(&self) -> String {
        let at = chrono::DateTime::parse_from_rfc3339(&self.ingested_at)
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_else(|_| self.ingested_at.clone());
        let covers = if self.coverage.is_empty() { String::new() } else { format!(", covers {}", self.coverage) };
        format!("report '{}', ingested {at}{covers}", self.report)
    }
}

/// The same user (or user and course, or sign-up) in two current exports
/// with different values: the newer one is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    /// The export kind.
    pub kind: ExportKind,
    /// Who (and which course or session).
    pub key: String,
    /// The newer export, whose values are used.
    pub newer: String,
    /// The older export.
    pub older: String,
}

/// The platform as the current exports show it: the union of the latest
/// export of each report, a newer export replacing in older ones only what
/// it covers.
#[derive(Debug, Clone, Default)]
pub struct PlatformData {
    /// The current accounts.
    pub accounts: AccountList,
    /// Completions of the latest snapshot, for the courses asked for.
    pub completions: Vec<StoredCompletion>,
    /// Course progress per municipality and course, from all completions of the latest snapshot.
    pub progress: Vec<Progress>,
    /// Sign-ups of the latest snapshot.
    pub signups: Vec<StoredSignup>,
    /// Whether any accounts snapshot exists at all.
    pub has_accounts: bool,
    /// Whether any completions snapshot exists.
    pub has_completions: bool,
    /// Whether any sign-ups snapshot exists.
    pub has_signups: bool,
    /// The exports the view is built from, per kind, oldest first.
    pub sources: Vec<ViewSource>,
    /// Keys found in two current exports with different values.
    pub overlaps: Vec<Overlap>,
}

/// A stored completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCompletion {
    /// Lower-cased username (or e-mail).
    pub user_key: String,
    /// Course name, shared by the course's completions.
    pub course: std::sync::Arc<str>,
    /// State.
    pub status: CompletionStatus,
}

/// A stored sign-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSignup {
    /// Lower-cased username (or e-mail).
    pub user_key: String,
    /// Course name, shared by the course's sign-ups (2 000 000 of them at
    /// ten times national scale).
    pub course: std::sync::Arc<str>,
    /// Session start.
    pub session_start: NaiveDateTime,
    /// State.
    pub status: SignupStatus,
}

/// Course progress of one municipality and course.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

/// Accounts of one municipality and delresa.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AccountCount {
    /// Active accounts (konton).
    pub accounts: u64,
    /// Of which medarbetare.
    pub medarbetare: u64,
    /// Of which chefer.
    pub chefer: u64,
    /// Of which utbildare.
    pub utbildare: u64,
    /// Of which k-admin.
    pub k_admin: u64,
}

/// Accounts per (municipality, delresa), as the reports show them.
pub type AccountTable = BTreeMap<(KommunKod, Option<DelresaCode>), AccountCount>;

impl AccountCount {
    /// The sum of two counts.
    pub fn plus(&self, o: &AccountCount) -> AccountCount {
        AccountCount {
            accounts: self.accounts + o.accounts,
            medarbetare: self.medarbetare + o.medarbetare,
            chefer: self.chefer + o.chefer,
            utbildare: self.utbildare + o.utbildare,
            k_admin: self.k_admin + o.k_admin,
        }
    }
}

/// A municipality's accounts over all its delresor.
pub fn municipality_total(table: &AccountTable, k: KommunKod) -> AccountCount {
    table.iter().filter(|((kk, _), _)| *kk == k).fold(AccountCount::default(), |acc, (_, c)| acc.plus(c))
}

/// What the server said last time, for a conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// `ETag`.
    pub etag: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<String>,
}

/// A problem with one cell of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// 1-based line (CSV) or row (spreadsheet).
    pub row: u64,
    /// The column heading.
    pub column: String,
    /// The value found.
    pub value: String,
    /// What is wrong.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::CompletionStatus as S;

    #[test]
    fn completion_statuses_read_in_any_case_english_swedish_and_as_codes() {
        for (text, want) in [
            ("Complete", S::Complete),
            (" COMPLETE ", S::Complete),
            ("Complete via RPL", S::Complete),
            ("in Progress", S::InProgress),
            ("Not yet started", S::NotStarted),
            ("Pågående", S::InProgress),
            ("ÄNNU EJ PÅBÖRJAD", S::NotStarted),
            ("Genomfört", S::Complete),
            ("25", S::InProgress),
            ("75", S::Complete),
        ] {
            assert_eq!(S::parse(text), Ok(want), "{text}");
        }
        assert!(S::parse("Completed!").unwrap_err().contains("'completed!'"));
        assert!(S::parse("").is_err());
    }
}
