//! Reading spreadsheet files: sniff the type, find sheets and columns by
//! heading, and turn cells into text or dates with their position for errors.

use super::bounds::{beyond_grid, check_zip, Container};
use super::table::RowsBuilder;
pub(crate) use super::table::{Cell, Row, Table};
use crate::config::IngestLimits;
use calamine::{Data, Reader, Sheets};
use chrono::NaiveDate;
use std::borrow::Cow;
use std::io::Cursor;

/// An open workbook (xlsx or ods), detected from its first bytes.
pub(crate) struct Workbook {
    sheets: Sheets<Cursor<Vec<u8>>>,
}

/// A file's type as told by its first bytes, never its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    /// A zip container: xlsx or ods.
    Zip,
    /// Legacy Excel 97–2003 (.xls).
    LegacyXls,
    /// Anything else: treated as delimited text.
    Text,
}

impl FileType {
    /// Sniffs the first bytes.
    pub fn sniff(bytes: &[u8]) -> Self {
        if bytes.starts_with(b"PK\x03\x04") {
            FileType::Zip
        } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            FileType::LegacyXls
        } else {
            FileType::Text
        }
    }
}

impl Workbook {
    /// Opens a workbook from its bytes, after checking the zip against the
    /// limits (see [`crate::ingest::bounds`]). Only xlsx and ods are opened:
    /// calamine's readers of binary workbooks (xls, xlsb) are never given a
    /// file, as their sheets would be built whole.
    pub(crate) fn from_bytes(bytes: Vec<u8>, limits: &IngestLimits) -> Result<Self, String> {
        let sheets = match check_zip(Cursor::new(&bytes), limits)? {
            Container::Ods => calamine::Ods::new(Cursor::new(bytes)).map(Sheets::Ods).map_err(|e| e.to_string()),
            Container::Xlsx => calamine::Xlsx::new(Cursor::new(bytes)).map(Sheets::Xlsx).map_err(|e| e.to_string()),
        };
        sheets.map(|sheets| Workbook { sheets }).map_err(|e| format!("not a readable spreadsheet: {e}"))
    }

    /// calamine's reader, for reading its rows as an export.
    pub(crate) fn sheets_mut(&mut self) -> &mut Sheets<Cursor<Vec<u8>>> {
        &mut self.sheets
    }

    /// The sheet names, as written.
    pub(crate) fn sheet_names(&self) -> Vec<String> {
        self.sheets.sheet_names()
    }

    /// Finds a sheet by name, case-insensitively.
    pub(crate) fn find_sheet(&self, wanted: &str) -> Option<String> {
        self.sheet_names()
            .into_iter()
            .find(|n| n.trim().eq_ignore_ascii_case(wanted) || n.trim().to_lowercase() == wanted.to_lowercase())
    }

    /// Reads a sheet cell by cell (xlsx streamed; ods after its expansion was
    /// checked) into a sparse table whose first non-empty row holds the
    /// headings: memory follows the cells the sheet really has.
    pub(crate) fn table(&mut self, sheet: &str) -> Result<Table, String> {
        let mut rows = RowsBuilder::default();
        self.each_cell(sheet, |r, c, d| rows.push(r, c, d))?;
        rows.finish(sheet.to_string())
    }

    /// A sheet's non-empty cells `(row, column, value)`, 0-based, as stored.
    pub(crate) fn cells(&mut self, sheet: &str) -> Result<Vec<(u32, u32, Data)>, String> {
        let mut cells: Vec<(u32, u32, Data)> = Vec::new();
        self.each_cell(sheet, |r, c, d| {
            cells.push((r, c, d.to_data()));
            Ok(())
        })?;
        Ok(cells)
    }

    /// Gives each non-empty cell `(row, column, value)` of a sheet, 0-based,
    /// in the order stored; a cell beyond the sheet's grid is an error.
    fn each_cell(
        &mut self,
        sheet: &str,
        mut keep: impl FnMut(u32, u32, Cell<'_>) -> Result<(), String>,
    ) -> Result<(), String> {
        let mut keep = |r: u32, c: u32, d: Cell<'_>| -> Result<(), String> {
            if let Some(e) = beyond_grid(sheet, r, c) {
                return Err(e);
            }
            if is_blank(d) {
                return Ok(());
            }
            keep(r, c, d)
        };
        match &mut self.sheets {
            Sheets::Xlsx(x) => {
                let mut reader = x.worksheet_cells_reader(sheet).map_err(|e| format!("cannot read the sheet: {e}"))?;
                while let Some(cell) = reader.next_cell().map_err(|e| format!("cannot read the sheet: {e}"))? {
                    let (r, c) = cell.get_position();
                    keep(r, c, cell.get_value().into())?;
                }
            }
            other => {
                let range = other.worksheet_range(sheet).map_err(|e| format!("cannot read the sheet: {e}"))?;
                let (r0, c0) = range.start().unwrap_or((0, 0));
                for (r, c, d) in range.used_cells() {
                    keep(r0.saturating_add(r as u32), c0.saturating_add(c as u32), d.into())?;
                }
            }
        }
        Ok(())
    }
}

/// Spreadsheet column letters: 0 → A, 26 → AA.
pub(crate) fn column_letter(mut idx: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (idx % 26) as u8);
        if idx < 26 {
            break;
        }
        idx = idx / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ascii")
}

/// Whether [`cell_text`] of the cell is empty, without making the text.
fn is_blank(c: Cell<'_>) -> bool {
    match c {
        Cell::Empty => true,
        Cell::Text(s) => s.trim().is_empty(),
        Cell::DateIso(s) | Cell::DurationIso(s) => s.is_empty(),
        Cell::Float(_) | Cell::Int(_) | Cell::Bool(_) | Cell::Error(_) => false,
        Cell::DateTime(_) => cell_text(c).is_empty(),
    }
}

/// A cell as [`cell_text`] reads it, borrowed where the cell holds text: a
/// register's 100 000 participant rows are read cell by cell and most
/// values are only looked at.
pub(crate) fn cell_str(c: Cell<'_>) -> Cow<'_, str> {
    match c {
        Cell::Text(s) => Cow::Borrowed(s.trim()),
        Cell::DateIso(s) | Cell::DurationIso(s) => Cow::Borrowed(s),
        other => Cow::Owned(cell_text(other)),
    }
}

/// A cell as trimmed text; whole numbers without `.0`.
pub(crate) fn cell_text(c: Cell<'_>) -> String {
    match c {
        Cell::Empty => String::new(),
        Cell::Text(s) => s.trim().to_string(),
        Cell::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        Cell::Float(f) => f.to_string(),
        Cell::Int(i) => i.to_string(),
        Cell::Bool(b) => b.to_string(),
        Cell::DateTime(d) => d.as_datetime().map(|d| d.date().to_string()).unwrap_or_default(),
        Cell::DateIso(s) | Cell::DurationIso(s) => s.to_string(),
        Cell::Error(e) => format!("#{e:?}"),
    }
}

/// A date from a real date cell or ISO text (`2026-03-05`, `2026-03-05 09:00`).
/// A plain number is not trusted as a date.
pub(crate) fn cell_date(c: Cell<'_>) -> Result<NaiveDate, String> {
    match c {
        Cell::DateTime(d) if d.is_datetime() => {
            d.as_datetime().map(|d| d.date()).ok_or_else(|| "a date cell out of range".to_string())
        }
        Cell::DateIso(s) => parse_iso_date(s).ok_or_else(|| format!("'{s}' is not a date")),
        Cell::Text(s) => parse_iso_date(s.trim())
            .ok_or_else(|| format!("'{}' is not a date (use a date cell or YYYY-MM-DD)", s.trim())),
        Cell::Empty => Err("the date is empty".to_string()),
        other => Err(format!("'{}' is not a date (use a date cell or YYYY-MM-DD)", cell_text(other))),
    }
}

/// An amount from a number cell or text (`1 250,50`): exact, whole öre and
/// within [`Money::MAX`](crate::domain::Money::MAX). A number cell is read
/// through `Decimal::from_f64`, which drops binary float noise.
pub(crate) fn cell_money(c: Cell<'_>) -> Result<crate::domain::Money, String> {
    use crate::domain::Money;
    let money = match c {
        Cell::Float(f) => <rust_decimal::Decimal as rust_decimal::prelude::FromPrimitive>::from_f64(f)
            .map(Money::new)
            .ok_or_else(|| format!("'{}' is not an amount", cell_text(c)))?,
        Cell::Int(i) => Money::new(rust_decimal::Decimal::from(i)),
        Cell::Empty => return Err("the amount is empty".into()),
        other => Money::parse(&cell_text(other)).map_err(|e| e.to_string())?,
    };
    money.exact_amount().map_err(|e| e.to_string())
}

fn parse_iso_date(s: &str) -> Option<NaiveDate> {
    let head = s.get(..10)?;
    let rest = &s[10..];
    if !(rest.is_empty() || rest.starts_with(' ') || rest.starts_with('T')) {
        return None;
    }
    NaiveDate::parse_from_str(head, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_spreadsheet_naming() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
    }

    #[test]
    fn iso_text_is_a_date_but_a_bare_number_is_not() {
        assert_eq!(cell_date((&Data::String("2026-03-05".into())).into()).unwrap().to_string(), "2026-03-05");
        assert_eq!(cell_date((&Data::String("2026-03-05 09:00".into())).into()).unwrap().to_string(), "2026-03-05");
        assert!(cell_date((&Data::Float(45000.0)).into()).is_err());
        assert!(cell_date((&Data::String("5/3".into())).into()).is_err());
    }

    #[test]
    fn a_blank_cell_is_one_whose_text_is_empty() {
        let cells = [
            Data::Empty,
            Data::String(String::new()),
            Data::String("  \t ".into()),
            Data::String(" x ".into()),
            Data::Float(0.0),
            Data::Float(f64::NAN),
            Data::Int(0),
            Data::Bool(false),
            Data::DateTimeIso(String::new()),
            Data::DateTimeIso("2026-03-05".into()),
            Data::DurationIso(String::new()),
            Data::DateTime(calamine::ExcelDateTime::new(45000.0, calamine::ExcelDateTimeType::DateTime, false)),
            Data::Error(calamine::CellErrorType::NA),
        ];
        for c in &cells {
            assert_eq!(is_blank(c.into()), cell_text(c.into()).is_empty(), "{c:?}");
        }
    }

    #[test]
    fn a_borrowed_look_at_a_cell_is_its_text() {
        let cells = [
            Data::Empty,
            Data::String(" Falun \t".into()),
            Data::String("Närvarande".into()),
            Data::Float(12.0),
            Data::Float(1.5),
            Data::Int(7),
            Data::Bool(true),
            Data::DateTimeIso(" 2026-03-05".into()),
            Data::DurationIso("PT1H".into()),
            Data::DateTime(calamine::ExcelDateTime::new(45000.0, calamine::ExcelDateTimeType::DateTime, false)),
            Data::Error(calamine::CellErrorType::NA),
        ];
        for c in &cells {
            assert_eq!(cell_str(c.into()), cell_text(c.into()), "{c:?}");
        }
        assert!(matches!(cell_str((&cells[1]).into()), Cow::Borrowed("Falun")));
    }
}
