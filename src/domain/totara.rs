//! The one home of Totara's headings (FORMATS.md §1–3): which fields each
//! export kind has, which headings Totara writes for them in English and
//! Swedish, and which a reader accepts. Ingest maps files with it; the
//! generators and the web-service writer write their files with it.

use super::ExportKind;

/// One field of an export and the headings accepted for it.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// The field's name (as in config `[ingest.<kind>.columns]`).
    pub name: &'static str,
    /// Whether the file is rejected without it.
    pub required: bool,
    /// Default headings, Totara's English one first.
    pub headings: &'static [&'static str],
    /// The heading of a Swedish report owner's export.
    pub swedish: &'static str,
}

pub const USERNAME: &[&str] = &["Username", "Användarnamn"];
pub const EMAIL: &[&str] = &["User's Email", "E-postadress", "E-post", "Email", "E-mail"];
pub(crate) const MUNICIPALITY: &[&str] = &["User's Organisation Name(s)", "Organisation", "Kommun"];

const fn field(
    name: &'static str,
    required: bool,
    headings: &'static [&'static str],
    swedish: &'static str,
) -> FieldSpec {
    FieldSpec { name, required, headings, swedish }
}

/// The fields of each export kind (FORMATS.md §1–3).
pub fn fields(kind: ExportKind) -> &'static [FieldSpec] {
    const ACCOUNTS: &[FieldSpec] = &[
        field("username", true, USERNAME, "Användarnamn"),
        field("email", true, EMAIL, "E-postadress"),
        field("idnumber", false, &["User ID Number", "ID-nummer"], "ID-nummer"),
        field("first_name", false, &["User First Name", "Förnamn"], "Förnamn"),
        field("last_name", false, &["User Last Name", "Efternamn"], "Efternamn"),
        field("full_name", false, &["User's Fullname", "Fullständigt namn", "Namn"], "Fullständigt namn"),
        field("municipality", true, MUNICIPALITY, "Kommun"),
        field("roles", true, &["User's Position Name(s)", "Position", "Roll"], "Roll"),
        field("delresa", false, &["Yrkesresa", "Delresa", "Audience"], "Delresa"),
        field("status", false, &["User Status", "Status"], "Status"),
        field("created", false, &["User Creation Time", "Skapad"], "Skapad"),
    ];
    const COMPLETIONS: &[FieldSpec] = &[
        field("username", false, USERNAME, "Användarnamn"),
        field("email", false, EMAIL, "E-postadress"),
        field("course", true, &["Course Name", "Course Shortname", "Kurs", "Kursnamn"], "Kursnamn"),
        field("status", true, &["Completion Status", "Slutförandestatus", "Status"], "Slutförandestatus"),
        field("started", false, &["Date Started", "Påbörjad"], "Påbörjad"),
        field("completed", false, &["Completion Date", "Date Completed", "Slutförd"], "Slutförd"),
        field("municipality", false, MUNICIPALITY, "Kommun"),
    ];
    const SIGNUPS: &[FieldSpec] = &[
        field("username", false, USERNAME, "Användarnamn"),
        field("email", false, EMAIL, "E-postadress"),
        field("course", true, &["Course Name", "Kurs", "Kursnamn"], "Kursnamn"),
        field("seminar", false, &["Seminar Name", "Event Name"], "Seminar Name"),
        field("session_start", true, &["Session Start Date/Time", "Sessionens starttid"], "Sessionens starttid"),
        field("status", true, &["Signup status", "Status"], "Status"),
    ];
    match kind {
        ExportKind::Accounts => ACCOUNTS,
        ExportKind::Completions => COMPLETIONS,
        ExportKind::Signups => SIGNUPS,
    }
}

/// The heading Totara writes in English for a field of a kind.
pub fn english(kind: ExportKind, field: &str) -> &'static str {
    spec(kind, field).headings[0]
}

/// The heading a Swedish report owner's export has for a field of a kind.
pub fn swedish(kind: ExportKind, field: &str) -> &'static str {
    spec(kind, field).swedish
}

fn spec(kind: ExportKind, field: &str) -> &'static FieldSpec {
    fields(kind).iter().find(|f| f.name == field).unwrap_or_else(|| panic!("no field {field} in {}", kind.as_str()))
}

/// English headings of several fields, for a writer's heading row.
pub fn english_row<const N: usize>(kind: ExportKind, fields: [&str; N]) -> [&'static str; N] {
    fields.map(|f| english(kind, f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_written_heading_is_one_the_reader_accepts() {
        for kind in ExportKind::ALL {
            for f in fields(kind) {
                assert!(f.headings.contains(&f.swedish), "{} {}", kind.as_str(), f.name);
                assert_eq!(english(kind, f.name), f.headings[0]);
            }
        }
        assert_eq!(swedish(ExportKind::Signups, "course"), "Kursnamn");
    }
}
