//! Reads a register workbook into a [`Register`], collecting every problem.
//!
//! Each sheet is read into typed rows, then cross-checked (days belong to known
//! rounds, attendance only on days the round has). Any error rejects the file
//! whole; a participant listed twice is merged and noted instead.

use super::problems::{RegisterError, RegisterProblems};
use crate::config::Config;
use crate::domain::hash::HashMap;
use crate::domain::*;
use crate::domain::{Category, DayNumber, Email, Money, Organiser, Recipient, RoundId, TrainerRole};
use crate::ingest::bounds::short;
use crate::ingest::workbook::{cell_date, cell_money, cell_str, cell_text, Cell, Row, Table, Workbook};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The sheet names of the register, in the order they are read.
pub const SHEETS: [&str; 4] = ["Kursomgångar", "Kursdagar", "Utbildare", "Deltagare"];

/// The optional sheet of lines the administrator adds by hand.
pub const EXTRA_SHEET: &str = "Övriga rader";

/// Reads and checks a register file against the config's municipalities and delresor.
pub fn read_register(path: &Path, config: &Config) -> Result<Register, RegisterProblems> {
    match std::fs::read(path) {
        Ok(bytes) => read_register_bytes(path, bytes, config),
        Err(e) => {
            let mut p = Problems { file: path.to_path_buf(), list: Vec::new() };
            p.file_level(format!("cannot read the file: {e}"));
            Err(RegisterProblems(p.list))
        }
    }
}

/// Reads a register from its bytes; `path` names it in messages.
pub fn read_register_bytes(path: &Path, bytes: Vec<u8>, config: &Config) -> Result<Register, RegisterProblems> {
    match Workbook::from_bytes(bytes, &config.ingest.limits) {
        Ok(wb) => read_register_workbook(path, wb, config),
        Err(e) => {
            let mut p = Problems { file: path.to_path_buf(), list: Vec::new() };
            p.file_level(e);
            Err(RegisterProblems(p.list))
        }
    }
}

/// Reads a register from its opened workbook; `path` names it in messages.
pub(crate) fn read_register_workbook(
    path: &Path,
    mut wb: Workbook,
    config: &Config,
) -> Result<Register, RegisterProblems> {
    let mut p = Problems { file: path.to_path_buf(), list: Vec::new() };
    let mut tables = Vec::new();
    for name in SHEETS {
        match wb.find_sheet(name) {
            Some(actual) => match wb.table(&actual) {
                Ok(t) => tables.push(Some(t)),
                Err(e) => {
                    p.sheet_level(&actual, e);
                    tables.push(None);
                }
            },
            None => {
                p.file_level(format!(
                    "the sheet '{name}' is missing (sheets found: {})",
                    short(&wb.sheet_names().join(", "), 200)
                ));
                tables.push(None);
            }
        }
    }
    let t_extra = match wb.find_sheet(EXTRA_SHEET) {
        Some(actual) => wb.table(&actual).map_err(|e| p.sheet_level(&actual, e)).ok(),
        None => None,
    };
    if !p.list.is_empty() {
        return Err(RegisterProblems(p.list));
    }
    let [t_rounds, t_days, t_trainers, mut t_people]: [Table; 4] =
        tables.into_iter().map(|t| t.expect("checked")).collect::<Vec<_>>().try_into().ok().expect("four sheets");

    let rounds = read_rounds(&t_rounds, config, &mut p);
    let round_ids: HashMap<&RoundId, &Round> = rounds.iter().map(|r| (&r.id, r)).collect();
    let days = read_days(&t_days, &round_ids, &mut p);
    let day_set: BTreeSet<(RoundId, DayNumber)> = days.iter().map(|d| (d.round.clone(), d.day)).collect();
    let trainers = read_trainers(&t_trainers, config, &day_set, &mut p);
    let (participants, mut notes) = read_participants(&mut t_people, config, &round_ids, &day_set, &mut p);
    // A note about a round concerns its delresa, from its first course day.
    for n in notes.iter_mut() {
        n.date = n.round.as_ref().and_then(|r| days.iter().filter(|d| &d.round == r).map(|d| d.date).min());
        n.delresa = n.round.as_ref().and_then(|r| round_ids.get(r)).map(|r| r.delresa.clone());
    }
    let extra_lines = t_extra.map(|t| read_extra_lines(&t, config, &mut p)).unwrap_or_default();
    if !p.list.is_empty() {
        return Err(RegisterProblems(p.list));
    }
    Ok(Register {
        sources: vec![path.to_path_buf()],
        content_key: None,
        rounds,
        days,
        trainers,
        participants,
        extra_lines,
        notes,
    })
}

/// A register's file name for people: without its folder or the `stored:`
/// mark (no server paths in what municipalities read).
fn file_name_of(path: &std::path::Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    name.strip_prefix("stored:").map(str::to_string).unwrap_or(name)
}

struct Problems {
    file: PathBuf,
    list: Vec<RegisterError>,
}

impl Problems {
    fn file_level(&mut self, message: String) {
        self.list.push(RegisterError { file: self.file.clone(), sheet: None, row: None, column: None, message });
    }
    fn sheet_level(&mut self, sheet: &str, message: String) {
        self.list.push(RegisterError {
            file: self.file.clone(),
            sheet: Some(sheet.to_string()),
            row: None,
            column: None,
            message,
        });
    }
    fn cell(&mut self, t: &Table, row: u32, col: usize, message: String) {
        let at = t.at(row, col);
        self.list.push(RegisterError {
            file: self.file.clone(),
            sheet: Some(t.sheet.clone()),
            row: Some(at.row),
            column: Some(at.column),
            message,
        });
    }
    fn row(&mut self, t: &Table, row: u32, message: String) {
        self.list.push(RegisterError {
            file: self.file.clone(),
            sheet: Some(t.sheet.clone()),
            row: Some(row),
            column: None,
            message,
        });
    }
}

/// Finds required columns; reports each missing one with the headings found.
fn columns<const N: usize>(t: &Table, wanted: [&str; N], p: &mut Problems) -> Option<[usize; N]> {
    let mut out = [0usize; N];
    let mut ok = true;
    for (i, w) in wanted.iter().enumerate() {
        match t.column(w) {
            Some(c) => out[i] = c,
            None => {
                ok = false;
                p.sheet_level(
                    &t.sheet,
                    format!("the column '{w}' is missing (headings found: {})", t.headings_found()),
                );
            }
        }
    }
    ok.then_some(out)
}

fn get(row: &Row, idx: usize) -> Cell<'_> {
    row.get(idx)
}

fn text(row: &Row, idx: usize) -> String {
    cell_text(get(row, idx))
}

/// A cell's text as [`text`] gives it, for a look: borrowed where the cell holds text.
fn look(row: &Row, idx: usize) -> Cow<'_, str> {
    cell_str(get(row, idx))
}

/// `s` in lower case, copied only when it has a letter that may change.
fn lower(s: Cow<'_, str>) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
        Cow::Owned(s.to_lowercase())
    } else {
        s
    }
}

fn read_rounds(t: &Table, config: &Config, p: &mut Problems) -> Vec<Round> {
    let Some([c_id, c_course, c_delresa, c_cat, c_org]) =
        columns(t, ["Omgång", "Kurs", "Delresa", "Kategori", "Arrangör"], p)
    else {
        return Vec::new();
    };
    let c_level = t.column("Steg");
    let c_price = t.column("Pris per dag");
    let mut out: Vec<Round> = Vec::new();
    let mut seen: BTreeMap<RoundId, u32> = BTreeMap::new();
    for (r, row) in t.rows() {
        let id = match RoundId::parse(&look(row, c_id)) {
            Ok(id) => id,
            Err(e) => {
                p.cell(t, r, c_id, e.to_string());
                continue;
            }
        };
        if let Some(first) = seen.insert(id.clone(), r) {
            p.cell(t, r, c_id, format!("the round id '{id}' is used twice (also on row {first}); ids must be unique"));
            continue;
        }
        let course = text(row, c_course);
        if course.is_empty() {
            p.cell(t, r, c_course, "the course name is empty".into());
        }
        let delresa_text = look(row, c_delresa);
        let delresa = config.resolve_delresa(&delresa_text);
        if delresa.is_none() {
            p.cell(
                t,
                r,
                c_delresa,
                format!(
                    "'{}' is not a configured delresa (codes: {})",
                    short(&delresa_text, 60),
                    config.delresor.iter().map(|d| d.code.as_str()).collect::<Vec<_>>().join(", ")
                ),
            );
        }
        let category = Category::parse(&look(row, c_cat)).map_err(|e| p.cell(t, r, c_cat, e.to_string())).ok();
        let organiser = Organiser::parse(&look(row, c_org)).map_err(|e| p.cell(t, r, c_org, e.to_string())).ok();
        let level = c_level.map(|c| text(row, c)).filter(|s| !s.is_empty());
        if let (Some(l), Some(c)) = (&level, c_level) {
            if !["ny", "van", "erfaren", "chef"].contains(&l.to_lowercase().as_str()) {
                p.cell(t, r, c, format!("'{}' is not a level (ny, van, erfaren or chef)", short(l, 60)));
            }
        }
        let mut price = None;
        if organiser == Some(Organiser::Nationell) {
            match (c_price, c_price.map(|c| cell_money(get(row, c)))) {
                (None, _) | (_, None) => p.row(t, r, "a national round needs the column 'Pris per dag'".into()),
                (Some(c), Some(Err(e))) => {
                    p.cell(t, r, c, format!("{e}; a national round needs its price per participant-day in whole öre"))
                }
                (Some(c), Some(Ok(m))) if m <= Money::ZERO => {
                    p.cell(t, r, c, format!("the price {m} must be above zero"))
                }
                (_, Some(Ok(m))) => price = Some(m),
            }
        }
        if let (Some(delresa), Some(category), Some(organiser)) = (delresa, category, organiser) {
            out.push(Round {
                id,
                course,
                delresa,
                level: level.map(|l| l.to_lowercase()),
                category,
                organiser,
                price_per_day: price,
                row: r,
            });
        }
    }
    out
}

fn read_days(t: &Table, rounds: &HashMap<&RoundId, &Round>, p: &mut Problems) -> Vec<CourseDay> {
    let Some([c_round, c_day, c_date]) = columns(t, ["Omgång", "Dag", "Datum"], p) else {
        return Vec::new();
    };
    let c_form = t.column("Form");
    let c_place = t.column("Plats");
    let mut out = Vec::new();
    let mut seen: BTreeMap<(RoundId, DayNumber), u32> = BTreeMap::new();
    for (r, row) in t.rows() {
        let round = known_round(t, r, c_round, row, rounds, p);
        let day = DayNumber::parse(&look(row, c_day)).map_err(|e| p.cell(t, r, c_day, e.to_string())).ok();
        let date = cell_date(get(row, c_date)).map_err(|e| p.cell(t, r, c_date, e)).ok();
        let form = c_form.map(|c| text(row, c)).unwrap_or_default();
        if let Some(c) = c_form {
            if !form.is_empty() && !["på plats", "digitalt"].contains(&form.to_lowercase().as_str()) {
                p.cell(t, r, c, format!("'{}' is not a form (på plats or digitalt)", short(&form, 60)));
            }
        }
        if let (Some(round), Some(day), Some(date)) = (round, day, date) {
            if let Some(first) = seen.insert((round.clone(), day), r) {
                p.cell(t, r, c_day, format!("round '{round}' day {day} is listed twice (also on row {first})"));
                continue;
            }
            out.push(CourseDay { round, day, date, form, place: c_place.map(|c| text(row, c)).unwrap_or_default() });
        }
    }
    out
}

fn known_round(
    t: &Table,
    r: u32,
    col: usize,
    row: &Row,
    rounds: &HashMap<&RoundId, &Round>,
    p: &mut Problems,
) -> Option<RoundId> {
    match RoundId::parse(&look(row, col)) {
        // The round's own id, shared with it.
        Ok(id) if rounds.contains_key(&id) => rounds.get_key_value(&id).map(|(known, _)| (*known).clone()),
        Ok(id) => {
            p.cell(t, r, col, format!("the round '{id}' is not in the sheet Kursomgångar"));
            None
        }
        Err(e) => {
            p.cell(t, r, col, e.to_string());
            None
        }
    }
}

fn optional_email(t: &Table, r: u32, col: Option<usize>, row: &Row, p: &mut Problems) -> Option<Email> {
    let c = col?;
    let s = look(row, c);
    if s.is_empty() {
        return None;
    }
    Email::parse(&s).map_err(|e| p.cell(t, r, c, e.to_string())).ok()
}

fn read_trainers(
    t: &Table,
    config: &Config,
    days: &BTreeSet<(RoundId, DayNumber)>,
    p: &mut Problems,
) -> Vec<TrainerDay> {
    let Some([c_round, c_day, c_name, c_kommun, c_role]) = columns(t, ["Omgång", "Dag", "Namn", "Kommun", "Roll"], p)
    else {
        return Vec::new();
    };
    let c_email = t.column("E-post");
    let mut out = Vec::new();
    for (r, row) in t.rows() {
        let round = RoundId::parse(&look(row, c_round)).map_err(|e| p.cell(t, r, c_round, e.to_string())).ok();
        let day = DayNumber::parse(&look(row, c_day)).map_err(|e| p.cell(t, r, c_day, e.to_string())).ok();
        if let (Some(round), Some(day)) = (&round, day) {
            if !days.contains(&(round.clone(), day)) {
                p.cell(t, r, c_day, format!("round '{round}' has no day {day} in the sheet Kursdagar"));
            }
        }
        let name = text(row, c_name);
        if name.is_empty() {
            p.cell(t, r, c_name, "the trainer's name is empty".into());
        }
        let kommun_text = look(row, c_kommun);
        let employer = config.resolve(&kommun_text);
        if employer.is_none() {
            p.cell(t, r, c_kommun, unknown_municipality(&kommun_text, config, true));
        }
        let role = TrainerRole::parse(&look(row, c_role)).map_err(|e| p.cell(t, r, c_role, e.to_string())).ok();
        let email = optional_email(t, r, c_email, row, p);
        if let (Some(round), Some(day), Some(employer), Some(role)) = (round, day, employer, role) {
            out.push(TrainerDay { round, day, name, email, employer, role });
        }
    }
    out
}

fn unknown_municipality(text: &str, config: &Config, region_allowed: bool) -> String {
    let region = if region_allowed { format!(", or '{}'", config.region.name) } else { String::new() };
    format!(
        "'{}' is not a municipality of the region (use a name, alias or code from the config, e.g. '{}'{region})",
        short(text, 60),
        config.municipalities.first().map(|m| m.name.as_str()).unwrap_or("Falun")
    )
}

/// How a day cell is read: attended, absent, or not understood.
fn attendance(c: Cell<'_>) -> Result<bool, String> {
    match lower(cell_str(c)).as_ref() {
        "x" | "1" | "ja" | "närvarande" => Ok(true),
        "" | "0" | "nej" | "frånvarande" | "sjuk" => Ok(false),
        _ => Err(format!(
            "'{}' is not an attendance mark (X, 1, ja or närvarande = attended; empty, 0, nej, frånvarande or sjuk = absent)",
            cell_text(c)
        )),
    }
}

fn read_participants(
    t: &mut Table,
    config: &Config,
    rounds: &HashMap<&RoundId, &Round>,
    days: &BTreeSet<(RoundId, DayNumber)>,
    p: &mut Problems,
) -> (Vec<Participant>, Vec<RegisterNote>) {
    let Some([c_round, c_name, c_kommun]) = columns(t, ["Omgång", "Namn", "Kommun"], p) else {
        return (Vec::new(), Vec::new());
    };
    let c_email = t.column("E-post");
    let c_approved = t.column("Godkänd");
    let day_cols: Vec<(DayNumber, usize)> = t
        .headings()
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let h = h.trim().to_lowercase();
            let n = h.strip_prefix("dag")?.trim();
            DayNumber::parse(n).ok().map(|d| (d, i))
        })
        .collect();
    if day_cols.is_empty() {
        p.sheet_level(&t.sheet, "no day columns ('Dag 1', 'Dag 2', …) were found".into());
    }
    let mut days_of: HashMap<&RoundId, Vec<DayNumber>> = HashMap::default();
    for (round, day) in days {
        days_of.entry(round).or_default().push(*day);
    }
    let mut out: Vec<Participant> = Vec::new();
    let mut notes = Vec::new();
    let mut by_key: HashMap<(RoundId, String), usize> = HashMap::default();
    // Each row is dropped once read: at ten times national scale the sheet
    // (a million rows) and the participants read from it were both in
    // memory whole, on top of the ingest of the other files.
    for (r, row) in t.take_rows() {
        let row = &row;
        let round = known_round(t, r, c_round, row, rounds, p);
        let name = text(row, c_name);
        if name.is_empty() {
            p.cell(t, r, c_name, "the participant's name is empty".into());
        }
        let kommun = participant_kommun(t, r, c_kommun, row, config, p);
        let email = optional_email(t, r, c_email, row, p);
        let approved = c_approved.and_then(|c| approval(t, r, c, row, p));
        let round_days = round.as_ref().map(|id| (id, days_of.get(id).map(Vec::as_slice).unwrap_or_default()));
        let attended = attended_days(t, r, row, &day_cols, round_days, p);
        let (Some(round), Some(kommun)) = (round, kommun) else {
            continue;
        };
        let key = (round.clone(), email.as_ref().map(|e| e.to_string()).unwrap_or_else(|| name.to_lowercase()));
        if let Some(&i) = by_key.get(&key) {
            let first = &mut out[i];
            notes.push(RegisterNote {
                code: Code::DuplicateParticipant,
                kommun: Some(kommun),
                subject: format!("{name}, omgång {round}"),
                detail: format!(
                    "Bladet {} i {} har samma deltagare på rad {} och rad {r}; deltagaren faktureras en gång. \
                     Ta bort en av raderna.",
                    t.sheet,
                    file_name_of(&p.file),
                    first.row
                ),
                date: None,
                delresa: None,
                round: Some(round.clone()),
            });
            first.attended.extend(attended);
            first.approved = first.approved.or(approved);
            continue;
        }
        by_key.insert(key, out.len());
        out.push(Participant { round, name, email, kommun, approved, attended, row: r });
    }
    (out, notes)
}

/// A participant's municipality (the region itself is not one: it is not billed).
fn participant_kommun(t: &Table, r: u32, c: usize, row: &Row, config: &Config, p: &mut Problems) -> Option<KommunKod> {
    let kommun_text = look(row, c);
    let kommun = config.resolve_kommun(&kommun_text);
    if kommun.is_none() {
        let msg = if config.resolve(&kommun_text) == Some(Recipient::Region) {
            format!(
                "'{}' is the region, not a municipality; a participant is billed to a municipality",
                short(&kommun_text, 60)
            )
        } else {
            unknown_municipality(&kommun_text, config, false)
        };
        p.cell(t, r, c, msg);
    }
    kommun
}

/// `Godkänd`: ja (or x), nej, or empty while undecided.
fn approval(t: &Table, r: u32, c: usize, row: &Row, p: &mut Problems) -> Option<bool> {
    match lower(look(row, c)) {
        s if s.is_empty() => None,
        s if s == "ja" || s == "x" => Some(true),
        s if s == "nej" => Some(false),
        s => {
            p.cell(t, r, c, format!("'{}' is not ja, nej or empty", short(&s, 60)));
            None
        }
    }
}

/// The days a participant attended, each on a day the round has.
fn attended_days(
    t: &Table,
    r: u32,
    row: &Row,
    day_cols: &[(DayNumber, usize)],
    round: Option<(&RoundId, &[DayNumber])>,
    p: &mut Problems,
) -> BTreeSet<DayNumber> {
    let mut attended = BTreeSet::new();
    for &(day, col) in day_cols {
        match attendance(get(row, col)) {
            Ok(true) => {
                if let Some((round, _)) = round.filter(|(_, has)| !has.contains(&day)) {
                    p.cell(
                        t,
                        r,
                        col,
                        format!("attendance is marked on day {day}, but round '{round}' has no day {day} in the sheet Kursdagar"),
                    );
                }
                attended.insert(day);
            }
            Ok(false) => {}
            Err(e) => p.cell(t, r, col, e),
        }
    }
    attended
}

/// Reads `Övriga rader`: Typ (faktura | pott), Kommun, Datum, Beskrivning,
/// Antal, À-pris and an optional Kommentar. Every bad cell is a problem.
fn read_extra_lines(t: &Table, config: &Config, p: &mut Problems) -> Vec<ExtraLine> {
    let Some([c_kind, c_kommun, c_date, c_text, c_qty, c_price]) =
        columns(t, ["Typ", "Kommun", "Datum", "Beskrivning", "Antal", "À-pris"], p)
    else {
        return Vec::new();
    };
    let c_comment = t.column("Kommentar");
    let mut out = Vec::new();
    for (r, row) in t.rows() {
        let kind = match text(row, c_kind).to_lowercase().as_str() {
            "faktura" => Some(ExtraKind::Faktura),
            "pott" | "utbildarpott" => Some(ExtraKind::Pott),
            other => {
                p.cell(
                    t,
                    r,
                    c_kind,
                    format!(
                        "'{}' is not a line type (faktura = an invoice line, pott = an extra from the trainer pot)",
                        short(other, 60)
                    ),
                );
                None
            }
        };
        let kommun_text = look(row, c_kommun);
        let kommun = config.resolve_kommun(&kommun_text);
        if kommun.is_none() {
            p.cell(t, r, c_kommun, unknown_municipality(&kommun_text, config, false));
        }
        let date = cell_date(get(row, c_date)).map_err(|e| p.cell(t, r, c_date, e)).ok();
        let description = text(row, c_text);
        if description.is_empty() {
            p.cell(t, r, c_text, "the description is empty; say what the line is for".into());
        }
        let qty_text = text(row, c_qty);
        let quantity = match qty_text.parse::<u32>() {
            Ok(n) if (1..=1_000_000).contains(&n) => Some(n),
            _ => {
                p.cell(
                    t,
                    r,
                    c_qty,
                    format!("'{}' is not a quantity (a whole number from 1 to 1 000 000)", short(&qty_text, 60)),
                );
                None
            }
        };
        let unit_price = cell_money(get(row, c_price)).map_err(|e| p.cell(t, r, c_price, e)).ok();
        let comment = c_comment.map(|c| text(row, c)).unwrap_or_default();
        let (Some(kind), Some(kommun), Some(date), Some(quantity), Some(unit_price)) =
            (kind, kommun, date, quantity, unit_price)
        else {
            continue;
        };
        let amount = match unit_price.checked_mul(quantity.into()).map(Money::exact_amount) {
            Some(Ok(a)) => a,
            _ => {
                p.cell(
                    t,
                    r,
                    c_price,
                    format!("{quantity} × {unit_price} kr is larger than the largest amount accepted"),
                );
                continue;
            }
        };
        if kind == ExtraKind::Pott && amount <= Money::ZERO {
            p.cell(t, r, c_price, format!("an extra from the trainer pot must be above zero, not {amount} kr"));
            continue;
        }
        if amount.is_zero() {
            p.cell(t, r, c_price, "the line's amount is zero; remove the row or give its price".into());
            continue;
        }
        out.push(ExtraLine { kind, kommun, date, description, quantity, unit_price, amount, comment, row: r });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::Data;

    #[test]
    fn attendance_marks_read_in_any_case_without_changing_their_meaning() {
        for (mark, meant) in [("X", true), ("x", true), ("Ja", true), ("NÄRVARANDE", true), ("Närvarande", true)] {
            assert_eq!(attendance((&Data::String(format!(" {mark} "))).into()), Ok(meant), "{mark}");
        }
        for mark in ["", "0", "NEJ", "Frånvarande", "sjuk"] {
            assert_eq!(attendance((&Data::String(mark.into())).into()), Ok(false), "{mark}");
        }
        assert_eq!(attendance((&Data::Float(1.0)).into()), Ok(true));
        let e = attendance((&Data::String("Kanske".into())).into()).unwrap_err();
        assert!(e.starts_with("'Kanske' is not an attendance mark"), "{e}");
        assert!(matches!(lower(Cow::Borrowed("ja")), Cow::Borrowed("ja")));
        assert_eq!(lower(Cow::Borrowed("ÅSA")), "åsa");
    }
}
