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

/// Which report a file is an export of: Totara's scheduled-report name
/// (`<report name>_<date>_<schedule id>.<ext>` without the date and the id),
/// the source or web service a download of ours came from
/// (`<source>-<yyyymmddThhmmssmmm>.<ext>`), else the file's stem. A newer
/// export of the same report replaces the older.
pub fn report_identity(file_name: &str) -> String {
    let stem =
        std::path::Path::new(file_name).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    if let Some((source, stamp)) = stem.rsplit_once('-') {
        let b = stamp.as_bytes();
        let ours = b.len() == 18 && b[8] == b'T' && b.iter().enumerate().all(|(i, c)| i == 8 || c.is_ascii_digit());
        if ours && !source.is_empty() {
            return source.to_string();
        }
    }
    let scheduled = stem.rsplit_once('_').and_then(|(rest, id)| {
        let (name, date) = rest.rsplit_once('_')?;
        let digits = date.chars().filter(char::is_ascii_digit).count();
        let id_ok = !id.is_empty() && id.chars().all(|c| c.is_ascii_digit());
        let date_ok = digits >= 8 && date.chars().all(|c| c.is_ascii_digit() || c == '-' || c == 'T');
        (id_ok && date_ok && !name.trim().is_empty()).then(|| name.trim().to_string())
    });
    scheduled.unwrap_or(stem)
}

#[cfg(test)]
mod identity_tests {
    use super::report_identity;

    #[test]
    fn a_scheduled_report_is_named_without_its_date_and_schedule_id() {
        assert_eq!(report_identity("Konton Barn och unga_20261120_12.csv"), "Konton Barn och unga");
        assert_eq!(report_identity("Kursstatus_2026-11-20_7.xlsx"), "Kursstatus");
        assert_eq!(report_identity("report.csv"), "report");
        assert_eq!(report_identity("konton_bou.csv"), "konton_bou");
        assert_eq!(report_identity("a_b_c.csv"), "a_b_c");
        assert_eq!(report_identity("totara-konton-20261120T031500123.csv"), "totara-konton");
        assert_eq!(report_identity("ws-accounts-20261120T031500123.csv"), "ws-accounts");
        assert_eq!(report_identity("konton-2026.csv"), "konton-2026");
    }
}
