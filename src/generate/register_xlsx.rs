//! Writes register workbooks (FORMATS.md §4) from rows of cells.

use chrono::NaiveDate;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
use std::path::Path;

/// One cell as a person would type it into the register.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// A real date cell.
    Date(NaiveDate),
    /// Nothing.
    Empty,
}

impl Cell {
    /// The `Godkänd` cell: `ja`, `nej`, or empty while undecided.
    pub fn approval(approved: Option<bool>) -> Cell {
        match approved {
            Some(true) => "ja".into(),
            Some(false) => "nej".into(),
            None => Cell::Empty,
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<NaiveDate> for Cell {
    fn from(d: NaiveDate) -> Self {
        Cell::Date(d)
    }
}

impl From<u32> for Cell {
    fn from(n: u32) -> Self {
        Cell::Number(f64::from(n))
    }
}

/// The register's sheets as rows of cells, first row the headings.
#[derive(Debug, Clone, Default)]
pub struct RegisterSheets {
    /// `(sheet name, rows)` in workbook order.
    pub sheets: Vec<(String, Vec<Vec<Cell>>)>,
}

impl RegisterSheets {
    /// The four sheets with their standard headings and no rows; `days` is the
    /// number of `Dag N` columns in Deltagare.
    pub fn empty(days: u8) -> Self {
        let mut people: Vec<Cell> =
            ["Omgång", "Namn", "E-post", "Kommun", "Godkänd"].iter().map(|&s| Cell::from(s)).collect();
        people.extend((1..=days).map(|d| Cell::Text(format!("Dag {d}"))));
        RegisterSheets {
            sheets: vec![
                (
                    "Kursomgångar".into(),
                    vec![["Omgång", "Kurs", "Delresa", "Steg", "Kategori", "Arrangör", "Pris per dag"]
                        .iter()
                        .map(|&s| Cell::from(s))
                        .collect()],
                ),
                (
                    "Kursdagar".into(),
                    vec![["Omgång", "Dag", "Datum", "Form", "Plats"].iter().map(|&s| Cell::from(s)).collect()],
                ),
                (
                    "Utbildare".into(),
                    vec![["Omgång", "Dag", "Namn", "E-post", "Kommun", "Roll"]
                        .iter()
                        .map(|&s| Cell::from(s))
                        .collect()],
                ),
                ("Deltagare".into(), vec![people]),
            ],
        }
    }

    /// Appends a row to a sheet (created if missing).
    pub fn push(&mut self, sheet: &str, row: Vec<Cell>) {
        match self.sheets.iter_mut().find(|(n, _)| n == sheet) {
            Some((_, rows)) => rows.push(row),
            None => self.sheets.push((sheet.to_string(), vec![row])),
        }
    }

    /// The rows of a sheet, for tests that break one on purpose.
    pub fn rows_mut(&mut self, sheet: &str) -> Option<&mut Vec<Vec<Cell>>> {
        self.sheets.iter_mut().find(|(n, _)| n == sheet).map(|(_, r)| r)
    }

    /// Removes a sheet.
    pub fn remove(&mut self, sheet: &str) {
        self.sheets.retain(|(n, _)| n != sheet);
    }

    /// Writes the workbook.
    pub fn write(&self, path: &Path) -> Result<(), XlsxError> {
        let mut wb = Workbook::new();
        wb.set_properties(&fixed_properties());
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let bold = Format::new().set_bold();
        for (name, rows) in &self.sheets {
            let ws = wb.add_worksheet();
            ws.set_name(name)?;
            for (r, row) in rows.iter().enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    let (r, c) = (r as u32, c as u16);
                    match cell {
                        Cell::Text(s) if r == 0 => {
                            ws.write_string_with_format(r, c, s, &bold)?;
                        }
                        Cell::Text(s) => {
                            ws.write_string(r, c, s)?;
                        }
                        Cell::Number(n) => {
                            ws.write_number(r, c, *n)?;
                        }
                        Cell::Date(d) => {
                            let dt = ExcelDateTime::from_ymd(
                                chrono::Datelike::year(d) as u16,
                                chrono::Datelike::month(d) as u8,
                                chrono::Datelike::day(d) as u8,
                            )?;
                            ws.write_datetime_with_format(r, c, &dt, &date)?;
                        }
                        Cell::Empty => {}
                    }
                }
            }
            ws.autofit();
        }
        wb.save(path)
    }
}

/// Document properties with a fixed creation date, so a seed gives the same bytes.
pub(super) fn fixed_properties() -> rust_xlsxwriter::DocProperties {
    let created = ExcelDateTime::from_ymd(2026, 1, 1).expect("a valid date");
    rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created)
}
