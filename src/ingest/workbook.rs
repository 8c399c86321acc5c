//! Reading spreadsheet files: sniff the type, find sheets and columns by
//! heading, and turn cells into text or dates with their position for errors.

use super::bounds::{beyond_grid, check_zip, short, Container};
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
        Ok(rows.finish(sheet.to_string()))
    }

    /// A sheet's non-empty cells `(row, column, value)`, 0-based, as stored.
    pub(crate) fn cells(&mut self, sheet: &str) -> Result<Vec<(u32, u32, Data)>, String> {
        let mut cells: Vec<(u32, u32, Data)> = Vec::new();
        self.each_cell(sheet, |r, c, d| cells.push((r, c, d)))?;
        Ok(cells)
    }

    /// Gives each non-empty cell `(row, column, value)` of a sheet, 0-based,
    /// in the order stored; a cell beyond the sheet's grid is an error.
    fn each_cell(&mut self, sheet: &str, mut keep: impl FnMut(u32, u32, Data)) -> Result<(), String> {
        let mut keep = |r: u32, c: u32, d: Data| -> Result<(), String> {
            if let Some(e) = beyond_grid(sheet, r, c) {
                return Err(e);
            }
            if !is_blank(&d) {
                keep(r, c, d);
            }
            Ok(())
        };
        match &mut self.sheets {
            Sheets::Xlsx(x) => {
                let mut reader = x.worksheet_cells_reader(sheet).map_err(|e| format!("cannot read the sheet: {e}"))?;
                while let Some(cell) = reader.next_cell().map_err(|e| format!("cannot read the sheet: {e}"))? {
                    let (r, c) = cell.get_position();
                    keep(r, c, Data::from(cell.get_value().clone()))?;
                }
            }
            other => {
                let range = other.worksheet_range(sheet).map_err(|e| format!("cannot read the sheet: {e}"))?;
                let (r0, c0) = range.start().unwrap_or((0, 0));
                for (r, c, d) in range.used_cells() {
                    keep(r0.saturating_add(r as u32), c0.saturating_add(c as u32), d.clone())?;
                }
            }
        }
        Ok(())
    }
}

/// Groups cells into rows as they are read. Spreadsheets store cells row
/// by row, so each cell normally ends the row being built or starts the
/// next one; a cell out of that order (allowed, but rare) makes it gather
/// every cell and sort them, as before. Going straight to rows keeps a
/// second list of a million cells (and its sort's scratch) out of memory.
#[derive(Default)]
struct RowsBuilder {
    /// Rows by 0-based row number, cells in column order.
    rows: Vec<(u32, Vec<(u32, Data)>)>,
    /// Set once a cell came out of order: every cell, to be sorted.
    unordered: Option<Vec<(u32, u32, Data)>>,
    /// The smallest column seen.
    first_col: Option<u32>,
}

impl RowsBuilder {
    fn push(&mut self, r: u32, c: u32, d: Data) {
        self.first_col = Some(self.first_col.map_or(c, |f| f.min(c)));
        if let Some(cells) = &mut self.unordered {
            cells.push((r, c, d));
            return;
        }
        let width = match self.rows.last_mut() {
            Some((last, cells)) if *last == r && cells.last().is_some_and(|(lc, _)| *lc < c) => {
                cells.push((c, d));
                return;
            }
            Some((last, cells)) if *last < r => cells.len(),
            None => 1,
            Some(_) => {
                let mut all: Vec<(u32, u32, Data)> = Vec::new();
                for (row, cells) in std::mem::take(&mut self.rows) {
                    all.extend(cells.into_iter().map(|(col, d)| (row, col, d)));
                }
                all.push((r, c, d));
                self.unordered = Some(all);
                return;
            }
        };
        let mut cells = Vec::with_capacity(width);
        cells.push((c, d));
        self.rows.push((r, cells));
    }

    fn finish(self, sheet: String) -> Table {
        let first_col = self.first_col.unwrap_or(0);
        let rows = match self.unordered {
            None => self.rows,
            Some(mut cells) => {
                cells.sort_by_key(|(r, c, _)| (*r, *c));
                let mut rows: Vec<(u32, Vec<(u32, Data)>)> = Vec::new();
                for (r, c, d) in cells {
                    match rows.last_mut() {
                        Some((last, row)) if *last == r => row.push((c, d)),
                        _ => rows.push((r, vec![(c, d)])),
                    }
                }
                rows
            }
        };
        let mut rows = rows.into_iter().map(|(r, cells)| (r + 1, Row { cells, first_col }));
        let headings = match rows.next() {
            Some((_, head)) => {
                let width = head.cells.last().map(|(c, _)| c - first_col + 1).unwrap_or(0);
                (0..width as usize).map(|i| cell_text(head.get(i))).collect()
            }
            None => Vec::new(),
        };
        Table { sheet, headings, first_col, rows: rows.collect() }
    }
}

/// A sheet read as headings and sparse rows, remembering absolute positions.
pub(crate) struct Table {
    pub(crate) sheet: String,
    headings: Vec<String>,
    first_col: u32,
    rows: Vec<(u32, Row)>,
}

/// One data row: its non-empty cells by absolute column, in column order.
pub(crate) struct Row {
    cells: Vec<(u32, Data)>,
    first_col: u32,
}

impl Row {
    /// The cell in table column `idx` (empty if the row has none there).
    pub(crate) fn get(&self, idx: usize) -> &Data {
        let col = self.first_col.saturating_add(u32::try_from(idx).unwrap_or(u32::MAX));
        match self.cells.binary_search_by_key(&col, |(c, _)| *c) {
            Ok(i) => &self.cells[i].1,
            Err(_) => &Data::Empty,
        }
    }
}

/// Where a cell is: for error messages.
#[derive(Debug, Clone)]
pub(crate) struct CellRef {
    pub(crate) row: u32,
    pub(crate) column: String,
}

impl Table {
    /// The headings, as written.
    pub(crate) fn headings(&self) -> &[String] {
        &self.headings
    }

    /// The headings as a message lists them: each cut to a readable length, at most 30.
    pub(crate) fn headings_found(&self) -> String {
        let shown: Vec<String> =
            self.headings.iter().filter(|h| !h.is_empty()).take(30).map(|h| short(h, 40)).collect();
        let more = self.headings.iter().filter(|h| !h.is_empty()).count().saturating_sub(shown.len());
        if more > 0 {
            format!("{} and {more} more", shown.join(", "))
        } else {
            shown.join(", ")
        }
    }

    /// The index of a heading (case-insensitive, trimmed).
    pub(crate) fn column(&self, heading: &str) -> Option<usize> {
        self.headings.iter().position(|h| h.trim().to_lowercase() == heading.to_lowercase())
    }

    /// The heading and spreadsheet letter of a column, e.g. `'Kommun' (D)`.
    pub(crate) fn column_label(&self, idx: usize) -> String {
        format!(
            "'{}' ({})",
            short(self.headings.get(idx).map(String::as_str).unwrap_or(""), 40),
            column_letter(self.first_col.saturating_add(idx as u32))
        )
    }

    /// The data rows with their 1-based spreadsheet row numbers (blank rows are not kept).
    pub(crate) fn rows(&self) -> impl Iterator<Item = (u32, &Row)> {
        self.rows.iter().map(|(r, row)| (*r, row))
    }

    /// The data rows as [`Table::rows`] gives them, taken out: a reader
    /// that drops each row once read holds no more of the sheet than it
    /// has yet to read. The table keeps its headings (for messages).
    pub(crate) fn take_rows(&mut self) -> impl Iterator<Item = (u32, Row)> {
        std::mem::take(&mut self.rows).into_iter()
    }

    /// A cell position for a message.
    pub(crate) fn at(&self, row: u32, idx: usize) -> CellRef {
        CellRef { row, column: self.column_label(idx) }
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
fn is_blank(c: &Data) -> bool {
    match c {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.is_empty(),
        Data::Float(_) | Data::Int(_) | Data::Bool(_) | Data::Error(_) => false,
        Data::DateTime(_) => cell_text(c).is_empty(),
    }
}

/// A cell as [`cell_text`] reads it, borrowed where the cell holds text: a
/// register's 100 000 participant rows are read cell by cell and most
/// values are only looked at.
pub(crate) fn cell_str(c: &Data) -> Cow<'_, str> {
    match c {
        Data::String(s) => Cow::Borrowed(s.trim()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cow::Borrowed(s),
        other => Cow::Owned(cell_text(other)),
    }
}

/// A cell as trimmed text; whole numbers without `.0`.
pub(crate) fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.as_datetime().map(|d| d.date().to_string()).unwrap_or_default(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// A date from a real date cell or ISO text (`2026-03-05`, `2026-03-05 09:00`).
/// A plain number is not trusted as a date.
pub(crate) fn cell_date(c: &Data) -> Result<NaiveDate, String> {
    match c {
        Data::DateTime(d) if d.is_datetime() => {
            d.as_datetime().map(|d| d.date()).ok_or_else(|| "a date cell out of range".to_string())
        }
        Data::DateTimeIso(s) => parse_iso_date(s).ok_or_else(|| format!("'{s}' is not a date")),
        Data::String(s) => parse_iso_date(s.trim())
            .ok_or_else(|| format!("'{}' is not a date (use a date cell or YYYY-MM-DD)", s.trim())),
        Data::Empty => Err("the date is empty".to_string()),
        other => Err(format!("'{}' is not a date (use a date cell or YYYY-MM-DD)", cell_text(other))),
    }
}

/// An amount from a number cell or text (`1 250,50`): exact, whole öre and
/// within [`Money::MAX`](crate::domain::Money::MAX). A number cell is read
/// through `Decimal::from_f64`, which drops binary float noise.
pub(crate) fn cell_money(c: &Data) -> Result<crate::domain::Money, String> {
    use crate::domain::Money;
    let money = match c {
        Data::Float(f) => <rust_decimal::Decimal as rust_decimal::prelude::FromPrimitive>::from_f64(*f)
            .map(Money::new)
            .ok_or_else(|| format!("'{}' is not an amount", cell_text(c)))?,
        Data::Int(i) => Money::new(rust_decimal::Decimal::from(*i)),
        Data::Empty => return Err("the amount is empty".into()),
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

    /// A table as text: headings, then each row's number and cells.
    fn shown(t: &Table) -> Vec<String> {
        let mut out = vec![t.headings().join("|")];
        for (r, row) in t.rows() {
            let cells: Vec<String> = row.cells.iter().map(|(c, d)| format!("{c}={}", cell_text(d))).collect();
            out.push(format!("{r}: {} (first column {})", cells.join(" "), row.first_col));
        }
        out
    }

    #[test]
    fn rows_built_as_cells_arrive_equal_rows_of_the_sorted_cells() {
        let s = |t: &str| Data::String(t.into());
        // Row by row as a spreadsheet stores them, with gaps, a row that
        // starts left of the headings and a blank row skipped.
        let ordered = vec![
            (0, 1, s("Namn")),
            (0, 2, s("Kommun")),
            (1, 1, s("Anna")),
            (1, 3, s("x")),
            (3, 0, s("left")),
            (3, 2, s("2080")),
            (4, 2, s("2021")),
        ];
        let build = |cells: &[(u32, u32, Data)]| {
            let mut b = RowsBuilder::default();
            for (r, c, d) in cells.iter().cloned() {
                b.push(r, c, d);
            }
            shown(&b.finish("Blad".into()))
        };
        let want = build(&ordered);
        assert_eq!(want[0], "|Namn|Kommun", "headings start at the first column used");
        assert_eq!(want[2], "4: 0=left 2=2080 (first column 0)");
        // The same cells out of order: late in a row, a row back, a column back.
        let mut shuffled = ordered.clone();
        shuffled.swap(4, 6);
        assert_eq!(build(&shuffled), want);
        let mut reversed = ordered.clone();
        reversed.reverse();
        assert_eq!(build(&reversed), want);
        let mut columns_back = ordered.clone();
        columns_back.swap(2, 3);
        assert_eq!(build(&columns_back), want);
        // A cell given twice is kept twice in both orders, as a sort keeps it.
        let mut twice = ordered.clone();
        twice.insert(3, (1, 1, s("Anna igen")));
        assert_eq!(build(&twice)[1], "2: 1=Anna 1=Anna igen 3=x (first column 0)");
    }

    #[test]
    fn column_letters_follow_spreadsheet_naming() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
    }

    #[test]
    fn iso_text_is_a_date_but_a_bare_number_is_not() {
        assert_eq!(cell_date(&Data::String("2026-03-05".into())).unwrap().to_string(), "2026-03-05");
        assert_eq!(cell_date(&Data::String("2026-03-05 09:00".into())).unwrap().to_string(), "2026-03-05");
        assert!(cell_date(&Data::Float(45000.0)).is_err());
        assert!(cell_date(&Data::String("5/3".into())).is_err());
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
            assert_eq!(is_blank(c), cell_text(c).is_empty(), "{c:?}");
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
            assert_eq!(cell_str(c), cell_text(c), "{c:?}");
        }
        assert!(matches!(cell_str(&cells[1]), Cow::Borrowed("Falun")));
    }
}
