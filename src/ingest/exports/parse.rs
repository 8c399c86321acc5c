//! One row of an export → one typed record, or a problem naming the column
//! and the value found (and nothing else of the row: no personal data beyond
//! the offending cell).

use super::columns::ColumnMap;
use super::dates::{parse_date, parse_datetime};
use crate::config::Config;
use crate::domain::*;
use csv::StringRecord;

/// A parsed row: the record and, for accounts, an organisation that did not resolve.
pub struct Parsed {
    pub record: ExportRecord,
    pub unresolved_municipality: Option<String>,
}

struct Row<'a> {
    rec: &'a StringRecord,
    map: &'a ColumnMap,
    line: u64,
}

impl Row<'_> {
    fn text(&self, field: &str) -> &str {
        self.map.get(field).and_then(|i| self.rec.get(i)).map(str::trim).unwrap_or("")
    }
    fn problem(&self, field: &str, message: String) -> RowProblem {
        use crate::ingest::bounds::short;
        RowProblem {
            row: self.line,
            column: short(self.map.get(field).map(|i| self.map.heading(i)).unwrap_or(field), 40),
            value: short(self.text(field), 60),
            message: short(&message, 200),
        }
    }
    fn required(&self, field: &str) -> Result<&str, RowProblem> {
        let t = self.text(field);
        if t.is_empty() {
            Err(self.problem(field, format!("{field} is empty")))
        } else {
            Ok(t)
        }
    }
    fn optional_email(&self) -> Result<Option<Email>, RowProblem> {
        let t = self.text("email");
        if t.is_empty() {
            return Ok(None);
        }
        Email::parse(t).map(Some).map_err(|e| self.problem("email", e.to_string()))
    }
    /// Who the row is about: the lower-cased username, else the (validated) e-mail.
    fn user_key(&self) -> Result<String, RowProblem> {
        let username = self.text("username");
        if !username.is_empty() {
            return Ok(lower(username));
        }
        match self.optional_email()? {
            Some(e) => Ok(e.as_str().to_string()),
            None => {
                let field = if self.map.get("username").is_some() { "username" } else { "email" };
                Err(self.problem(field, "the row has neither a username nor an e-mail address".into()))
            }
        }
    }
}

/// Lower-cases, without the Unicode tables when the text is ASCII.
fn lower(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.to_lowercase()
    }
}

/// Parses one data row.
pub fn parse_row(
    kind: ExportKind,
    config: &Config,
    map: &ColumnMap,
    line: u64,
    rec: &StringRecord,
) -> Result<Parsed, RowProblem> {
    let row = Row { rec, map, line };
    match kind {
        ExportKind::Accounts => account(&row, config),
        ExportKind::Completions => {
            let user_key = row.user_key()?;
            let course = row.required("course")?.to_string();
            let status = CompletionStatus::parse(row.text("status")).map_err(|e| row.problem("status", e))?;
            let started = parse_date(row.text("started")).map_err(|e| row.problem("started", e))?;
            let completed = parse_date(row.text("completed")).map_err(|e| row.problem("completed", e))?;
            let kommun = config.resolve_kommun(row.text("municipality"));
            Ok(Parsed {
                record: ExportRecord::Completion(Completion { user_key, course, status, started, completed, kommun }),
                unresolved_municipality: None,
            })
        }
        ExportKind::Signups => {
            let user_key = row.user_key()?;
            let course = row.required("course")?.to_string();
            let session_start = parse_datetime(row.text("session_start"))
                .map_err(|e| row.problem("session_start", e))?
                .ok_or_else(|| row.problem("session_start", "the session start is empty".into()))?;
            let status = SignupStatus::parse(row.text("status")).map_err(|e| row.problem("status", e))?;
            let seminar = Some(row.text("seminar").to_string()).filter(|s| !s.is_empty());
            Ok(Parsed {
                record: ExportRecord::Signup(Signup { user_key, course, seminar, session_start, status }),
                unresolved_municipality: None,
            })
        }
    }
}

fn account(row: &Row, config: &Config) -> Result<Parsed, RowProblem> {
    let username = row.required("username")?.to_string();
    let email = Email::parse(row.required("email")?).map_err(|e| row.problem("email", e.to_string()))?;
    let name = match row.text("full_name") {
        "" => format!("{} {}", row.text("first_name"), row.text("last_name")).trim().to_string(),
        full => full.to_string(),
    };
    let organisation = row.text("municipality").to_string();
    // Several organisations in one cell: the first that resolves.
    let kommun = organisation.split([',', ';']).find_map(|o| config.resolve_kommun(o.trim()));
    let status = AccountStatus::parse(row.text("status")).map_err(|e| row.problem("status", e))?;
    let created = parse_date(row.text("created")).map_err(|e| row.problem("created", e))?;
    let delresa = config.resolve_delresa(row.text("delresa"));
    // The region's own staff (RSS trainers) are known, not unresolved.
    let known = kommun.is_some() || organisation.split([',', ';']).any(|o| config.resolve(o.trim()).is_some());
    let unresolved = (!known).then(|| organisation.clone());
    Ok(Parsed {
        record: ExportRecord::Account(Account {
            username,
            email,
            name,
            kommun,
            organisation,
            roles: Roles::parse(row.text("roles")),
            delresa,
            status,
            created,
        }),
        unresolved_municipality: unresolved,
    })
}
