//! A sheet read into rows, compactly: each row keeps its texts in one
//! string and its cells as 16-byte values pointing into it, so a register of
//! a million participant rows costs two allocations per row instead of one
//! per cell (at ten times national, its table was about 0.65 GB of
//! calamine values and the kernel's zeroing of them a quarter of the read).

use super::bounds::short;
use super::workbook::{cell_text, column_letter};
use calamine::{CellErrorType, Data, DataRef, ExcelDateTime};

/// One cell as the readers look at it, borrowed from where it lies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell<'a> {
    Empty,
    Text(&'a str),
    Float(f64),
    Int(i64),
    Bool(bool),
    DateTime(ExcelDateTime),
    /// A date or time in ISO 8601 text (ods).
    DateIso(&'a str),
    /// A duration in ISO 8601 text (ods).
    DurationIso(&'a str),
    Error(&'a CellErrorType),
}

impl<'a> From<&'a Data> for Cell<'a> {
    fn from(d: &'a Data) -> Self {
        match d {
            Data::Empty => Cell::Empty,
            Data::String(s) => Cell::Text(s),
            Data::Float(f) => Cell::Float(*f),
            Data::Int(i) => Cell::Int(*i),
            Data::Bool(b) => Cell::Bool(*b),
            Data::DateTime(t) => Cell::DateTime(*t),
            Data::DateTimeIso(s) => Cell::DateIso(s),
            Data::DurationIso(s) => Cell::DurationIso(s),
            Data::Error(e) => Cell::Error(e),
        }
    }
}

impl<'a> From<&'a DataRef<'_>> for Cell<'a> {
    fn from(d: &'a DataRef<'_>) -> Self {
        match d {
            DataRef::Empty => Cell::Empty,
            DataRef::String(s) => Cell::Text(s),
            DataRef::SharedString(s) => Cell::Text(s),
            DataRef::Float(f) => Cell::Float(*f),
            DataRef::Int(i) => Cell::Int(*i),
            DataRef::Bool(b) => Cell::Bool(*b),
            DataRef::DateTime(t) => Cell::DateTime(*t),
            DataRef::DateTimeIso(s) => Cell::DateIso(s),
            DataRef::DurationIso(s) => Cell::DurationIso(s),
            DataRef::Error(e) => Cell::Error(e),
        }
    }
}

impl Cell<'_> {
    /// The cell as calamine's owned value (texts copied as they are).
    pub(crate) fn to_data(self) -> Data {
        match self {
            Cell::Empty => Data::Empty,
            Cell::Text(s) => Data::String(s.to_string()),
            Cell::Float(f) => Data::Float(f),
            Cell::Int(i) => Data::Int(i),
            Cell::Bool(b) => Data::Bool(b),
            Cell::DateTime(t) => Data::DateTime(t),
            Cell::DateIso(s) => Data::DateTimeIso(s.to_string()),
            Cell::DurationIso(s) => Data::DurationIso(s.to_string()),
            Cell::Error(e) => Data::Error(e.clone()),
        }
    }
}

/// A kept cell: a text is a range of its row's text; a date (rare in the
/// big sheets) is boxed so every cell stays 16 bytes.
#[derive(Debug)]
enum Kept {
    Text(u32, u32),
    Float(f64),
    Int(i64),
    Bool(bool),
    DateTime(Box<ExcelDateTime>),
    DateIso(u32, u32),
    DurationIso(u32, u32),
    Error(CellErrorType),
}

/// One data row: its non-empty cells by absolute column, in column order,
/// and the texts they point into.
#[derive(Debug)]
pub(crate) struct Row {
    cells: Box<[(u32, Kept)]>,
    text: Box<str>,
    first_col: u32,
}

impl Row {
    /// The cell in table column `idx` (empty if the row has none there).
    pub(crate) fn get(&self, idx: usize) -> Cell<'_> {
        let col = self.first_col.saturating_add(u32::try_from(idx).unwrap_or(u32::MAX));
        match self.cells.binary_search_by_key(&col, |(c, _)| *c) {
            Ok(i) => self.view(&self.cells[i].1),
            Err(_) => Cell::Empty,
        }
    }

    /// The row's cells with their absolute columns, in column order.
    pub(crate) fn cells(&self) -> impl Iterator<Item = (u32, Cell<'_>)> {
        self.cells.iter().map(|(c, k)| (*c, self.view(k)))
    }

    fn view<'a>(&'a self, k: &'a Kept) -> Cell<'a> {
        let text = |start: u32, len: u32| &self.text[start as usize..(start + len) as usize];
        match k {
            Kept::Text(s, l) => Cell::Text(text(*s, *l)),
            Kept::Float(f) => Cell::Float(*f),
            Kept::Int(i) => Cell::Int(*i),
            Kept::Bool(b) => Cell::Bool(*b),
            Kept::DateTime(t) => Cell::DateTime(**t),
            Kept::DateIso(s, l) => Cell::DateIso(text(*s, *l)),
            Kept::DurationIso(s, l) => Cell::DurationIso(text(*s, *l)),
            Kept::Error(e) => Cell::Error(e),
        }
    }
}

/// Groups cells into rows as they are read. Spreadsheets store cells row
/// by row, so each cell normally ends the row being built or starts the
/// next one; a cell out of that order (allowed, but rare) makes it gather
/// every cell and sort them. Going straight to rows keeps a second list of
/// a million cells (and its sort's scratch) out of memory.
#[derive(Default)]
pub(crate) struct RowsBuilder {
    /// Finished rows by 0-based row number.
    rows: Vec<(u32, Row)>,
    /// The row being built: its number, cells and texts.
    current: Option<u32>,
    cells: Vec<(u32, Kept)>,
    text: String,
    /// Set once a cell came out of order: every cell, to be sorted.
    unordered: Option<Vec<(u32, u32, Data)>>,
    /// The smallest column seen.
    first_col: Option<u32>,
}

impl RowsBuilder {
    /// Takes the next non-blank cell as the sheet gives it.
    pub(crate) fn push(&mut self, r: u32, c: u32, d: Cell<'_>) -> Result<(), String> {
        self.first_col = Some(self.first_col.map_or(c, |f| f.min(c)));
        if let Some(cells) = &mut self.unordered {
            cells.push((r, c, d.to_data()));
            return Ok(());
        }
        let in_order = match self.current {
            None => true,
            Some(cur) if cur < r => true,
            Some(cur) => cur == r && self.cells.last().is_some_and(|(lc, _)| *lc < c),
        };
        if in_order {
            return self.append(r, c, d);
        }
        let mut all: Vec<(u32, u32, Data)> = Vec::new();
        self.end_row();
        for (row, kept) in std::mem::take(&mut self.rows) {
            all.extend(kept.cells().map(|(col, d)| (row, col, d.to_data())));
        }
        all.push((r, c, d.to_data()));
        self.unordered = Some(all);
        Ok(())
    }

    /// Adds a cell to row `r` (ending the row before it if it is a new one).
    fn append(&mut self, r: u32, c: u32, d: Cell<'_>) -> Result<(), String> {
        if self.current != Some(r) {
            self.end_row();
            self.current = Some(r);
        }
        let mut range = |s: &str| -> Result<(u32, u32), String> {
            let start = u32::try_from(self.text.len()).ok();
            let len = u32::try_from(s.len()).ok();
            match (start, len) {
                (Some(start), Some(len)) if start.checked_add(len).is_some() => {
                    self.text.push_str(s);
                    Ok((start, len))
                }
                _ => Err(format!("row {} holds more than 4 GB of text", r + 1)),
            }
        };
        let kept = match d {
            Cell::Empty => return Ok(()),
            Cell::Text(s) => {
                let (a, b) = range(s.trim())?;
                Kept::Text(a, b)
            }
            Cell::DateIso(s) => {
                let (a, b) = range(s)?;
                Kept::DateIso(a, b)
            }
            Cell::DurationIso(s) => {
                let (a, b) = range(s)?;
                Kept::DurationIso(a, b)
            }
            Cell::Float(f) => Kept::Float(f),
            Cell::Int(i) => Kept::Int(i),
            Cell::Bool(b) => Kept::Bool(b),
            Cell::DateTime(t) => Kept::DateTime(Box::new(t)),
            Cell::Error(e) => Kept::Error(e.clone()),
        };
        self.cells.push((c, kept));
        Ok(())
    }

    /// Moves the row being built into the list, at its exact size.
    fn end_row(&mut self) {
        if let Some(r) = self.current.take() {
            let cells: Box<[(u32, Kept)]> = self.cells.drain(..).collect();
            let row = Row { cells, text: Box::from(self.text.as_str()), first_col: 0 };
            self.text.clear();
            self.rows.push((r, row));
        }
    }

    /// The table, its first row the headings.
    pub(crate) fn finish(mut self, sheet: String) -> Result<Table, String> {
        if let Some(mut cells) = self.unordered.take() {
            // A stable sort: a cell given twice is kept twice, in the order given.
            cells.sort_by_key(|(r, c, _)| (*r, *c));
            let mut sorted = RowsBuilder { first_col: self.first_col, ..RowsBuilder::default() };
            for (r, c, d) in &cells {
                sorted.append(*r, *c, d.into())?;
            }
            return sorted.finish(sheet);
        }
        self.end_row();
        let first_col = self.first_col.unwrap_or(0);
        let mut rows = self.rows.into_iter().map(|(r, mut row)| {
            row.first_col = first_col;
            (r + 1, row)
        });
        let headings = match rows.next() {
            Some((_, head)) => {
                let width = head.cells.last().map(|(c, _)| c - first_col + 1).unwrap_or(0);
                (0..width as usize).map(|i| cell_text(head.get(i))).collect()
            }
            None => Vec::new(),
        };
        Ok(Table { sheet, headings, first_col, rows: rows.collect() })
    }
}

/// A sheet read as headings and sparse rows, remembering absolute positions.
pub(crate) struct Table {
    pub(crate) sheet: String,
    headings: Vec<String>,
    first_col: u32,
    rows: Vec<(u32, Row)>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::ExcelDateTimeType;

    /// A table as text: headings, then each row's number and cells.
    fn shown(t: &Table) -> Vec<String> {
        let mut out = vec![t.headings().join("|")];
        for (r, row) in t.rows() {
            let cells: Vec<String> = row.cells().map(|(c, d)| format!("{c}={}", cell_text(d))).collect();
            out.push(format!("{r}: {} (first column {})", cells.join(" "), row.first_col));
        }
        out
    }

    fn build(cells: &[(u32, u32, Data)]) -> Table {
        let mut b = RowsBuilder::default();
        for (r, c, d) in cells {
            b.push(*r, *c, d.into()).unwrap();
        }
        b.finish("Blad".into()).unwrap()
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
        let want = shown(&build(&ordered));
        assert_eq!(want[0], "|Namn|Kommun", "headings start at the first column used");
        assert_eq!(want[2], "4: 0=left 2=2080 (first column 0)");
        // The same cells out of order: late in a row, a row back, a column back.
        let mut shuffled = ordered.clone();
        shuffled.swap(4, 6);
        assert_eq!(shown(&build(&shuffled)), want);
        let mut reversed = ordered.clone();
        reversed.reverse();
        assert_eq!(shown(&build(&reversed)), want);
        let mut columns_back = ordered.clone();
        columns_back.swap(2, 3);
        assert_eq!(shown(&build(&columns_back)), want);
        // A cell given twice is kept twice in both orders, as a sort keeps it.
        let mut twice = ordered.clone();
        twice.insert(3, (1, 1, s("Anna igen")));
        assert_eq!(shown(&build(&twice))[1], "2: 1=Anna 1=Anna igen 3=x (first column 0)");
    }

    #[test]
    fn a_kept_cell_reads_back_as_the_cell_given_with_its_text_trimmed() {
        let date = ExcelDateTime::new(46082.5, ExcelDateTimeType::DateTime, false);
        let given = [
            Data::String("  Falun \t".into()),
            Data::String("Närvarande".into()),
            Data::Float(1.5),
            Data::Int(-7),
            Data::Bool(true),
            Data::DateTime(date),
            Data::DateTimeIso(" 2026-03-05".into()),
            Data::DurationIso("PT1H".into()),
            Data::Error(CellErrorType::NA),
        ];
        let head: Vec<(u32, u32, Data)> =
            (0..given.len() as u32).map(|c| (0, c + 2, Data::String(format!("H{c}")))).collect();
        let data: Vec<(u32, u32, Data)> = given.iter().enumerate().map(|(c, d)| (5, c as u32 + 2, d.clone())).collect();
        let t = build(&[head, data].concat());
        let (r, row) = t.rows().next().expect("one data row");
        assert_eq!(r, 6, "1-based row number");
        for (i, d) in given.iter().enumerate() {
            let want = match d {
                Data::String(s) => Cell::Text(s.trim()),
                other => Cell::from(other),
            };
            assert_eq!(row.get(i), want, "column {i}");
        }
        assert_eq!(row.get(given.len()), Cell::Empty, "past the last cell");
        assert_eq!(t.column_label(2), "'H2' (E)");
    }

    #[test]
    fn a_taken_row_keeps_its_cells() {
        let s = |t: &str| Data::String(t.into());
        let mut t = build(&[(0, 0, s("Namn")), (1, 0, s("Anna")), (2, 0, s("Britt"))]);
        let taken: Vec<(u32, String)> = t.take_rows().map(|(r, row)| (r, cell_text(row.get(0)))).collect();
        assert_eq!(taken, vec![(2, "Anna".to_string()), (3, "Britt".to_string())]);
        assert_eq!(t.rows().count(), 0);
        assert_eq!(t.headings(), ["Namn"]);
    }

    #[test]
    fn a_kept_cell_is_16_bytes() {
        assert_eq!(std::mem::size_of::<Kept>(), 16);
    }
}
