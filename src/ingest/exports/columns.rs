//! Which heading holds which field: FORMATS.md's English and Swedish defaults
//! plus the headings a region adds in config, matched case-insensitively
//! after trimming.

use super::ExportKind;
use std::collections::BTreeMap;

/// One field of an export and the headings accepted for it.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// The field's name (as in config `[ingest.<kind>.columns]`).
    pub name: &'static str,
    /// Whether the file is rejected without it.
    pub required: bool,
    /// Default headings.
    pub headings: &'static [&'static str],
}

const USERNAME: &[&str] = &["Username", "Användarnamn"];
const EMAIL: &[&str] = &["User's Email", "E-postadress", "E-post", "Email", "E-mail"];
const MUNICIPALITY: &[&str] = &["User's Organisation Name(s)", "Organisation", "Kommun"];

const fn field(name: &'static str, required: bool, headings: &'static [&'static str]) -> FieldSpec {
    FieldSpec { name, required, headings }
}

/// The fields of each export kind (FORMATS.md §1–3).
pub fn fields(kind: ExportKind) -> &'static [FieldSpec] {
    const ACCOUNTS: &[FieldSpec] = &[
        field("username", true, USERNAME),
        field("email", true, EMAIL),
        field("idnumber", false, &["User ID Number", "ID-nummer"]),
        field("first_name", false, &["User First Name", "Förnamn"]),
        field("last_name", false, &["User Last Name", "Efternamn"]),
        field("full_name", false, &["User's Fullname", "Fullständigt namn", "Namn"]),
        field("municipality", true, MUNICIPALITY),
        field("roles", true, &["User's Position Name(s)", "Position", "Roll"]),
        field("delresa", false, &["Yrkesresa", "Delresa", "Audience"]),
        field("status", false, &["User Status", "Status"]),
        field("created", false, &["User Creation Time", "Skapad"]),
    ];
    const COMPLETIONS: &[FieldSpec] = &[
        field("username", false, USERNAME),
        field("email", false, EMAIL),
        field("course", true, &["Course Name", "Course Shortname", "Kurs", "Kursnamn"]),
        field("status", true, &["Completion Status", "Slutförandestatus", "Status"]),
        field("started", false, &["Date Started", "Påbörjad"]),
        field("completed", false, &["Completion Date", "Date Completed", "Slutförd"]),
        field("municipality", false, MUNICIPALITY),
    ];
    const SIGNUPS: &[FieldSpec] = &[
        field("username", false, USERNAME),
        field("email", false, EMAIL),
        field("course", true, &["Course Name", "Kurs", "Kursnamn"]),
        field("seminar", false, &["Seminar Name", "Event Name"]),
        field("session_start", true, &["Session Start Date/Time", "Sessionens starttid"]),
        field("status", true, &["Signup status", "Status"]),
    ];
    match kind {
        ExportKind::Accounts => ACCOUNTS,
        ExportKind::Completions => COMPLETIONS,
        ExportKind::Signups => SIGNUPS,
    }
}

/// Column positions of the fields found in a heading row.
#[derive(Debug, Clone)]
pub struct ColumnMap {
    idx: BTreeMap<&'static str, usize>,
    headings: Vec<String>,
}

impl ColumnMap {
    /// Maps headings to fields; returns the missing required fields' messages.
    pub fn new(kind: ExportKind, headings: &[String], extra: &BTreeMap<String, Vec<String>>) -> Result<Self, String> {
        let norm: Vec<String> = headings.iter().map(|h| h.trim().to_lowercase()).collect();
        let mut idx = BTreeMap::new();
        let mut missing = Vec::new();
        for f in fields(kind) {
            let wanted: Vec<String> = extra
                .get(f.name)
                .into_iter()
                .flatten()
                .map(String::as_str)
                .chain(f.headings.iter().copied())
                .map(|h| h.trim().to_lowercase())
                .collect();
            match wanted.iter().find_map(|w| norm.iter().position(|h| h == w)) {
                Some(i) => {
                    idx.insert(f.name, i);
                }
                None if f.required => missing.push(format!("{} (any of: {})", f.name, f.headings.join(", "))),
                None => {}
            }
        }
        if kind != ExportKind::Accounts && !idx.contains_key("username") && !idx.contains_key("email") {
            missing.push(format!("username or email (any of: {}, {})", USERNAME.join(", "), EMAIL.join(", ")));
        }
        if missing.is_empty() {
            Ok(ColumnMap { idx, headings: headings.to_vec() })
        } else {
            Err(format!(
                "required column(s) missing: {}; headings found: {}",
                missing.join("; "),
                headings
                    .iter()
                    .take(30)
                    .map(|h| format!("'{}'", crate::ingest::bounds::short(h, 40)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
    }

    /// The column of a field, if present.
    pub fn get(&self, field: &str) -> Option<usize> {
        self.idx.get(field).copied()
    }

    /// The heading of a column, for messages.
    pub fn heading(&self, col: usize) -> &str {
        self.headings.get(col).map(String::as_str).unwrap_or("")
    }

    /// `field ← 'Heading'` pairs, for `yrkesresan ingest`.
    pub fn describe(&self) -> Vec<String> {
        self.idx.iter().map(|(f, &i)| format!("{f} ← '{}'", self.heading(i))).collect()
    }
}
