//! Excel's limits, kept so that no data can fail a job: text longer than a
//! cell holds is cut with "…", a table longer than a sheet continues on the
//! next sheet ([`LongTable`]), and counts become row and column numbers
//! without wrapping.
//!
//! Every text cell of the report workbooks is written through [`TextCells`]:
//! a string cell (never a formula) that fits.

use super::style::{filter, headings, Styles};
use super::tables::Value;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use std::borrow::Cow;

/// The longest text a cell holds (Excel counts UTF-16 code units).
pub(crate) const MAX_TEXT: usize = 32_767;

/// Rows on a sheet, the heading row included.
pub(crate) const MAX_ROWS: u32 = 1_048_576;

/// Columns on a sheet.
pub(crate) const MAX_COLUMNS: usize = 16_384;

/// What ends a text that was cut.
const CUT_MARK: char = '…';

/// From this many data rows a table filled by [`LongTable::fill`] is
/// streamed: each row is written out to a temporary file as soon as it is
/// complete (rust_xlsxwriter's constant-memory sheet), instead of every cell
/// being held until the workbook is saved. The regional findings sheet at
/// ten times national scale (929 000 findings, 6.5 M cells) held 2.7 GB
/// that way; its texts are written inline, not into the shared-string
/// table, which would hold each of 929 000 distinct subjects until the
/// save (about 0.2 GB). Twice the national findings (95 000): tables of the
/// sizes measured at national scale and below keep today's bytes exactly,
/// since a streamed sheet's XML differs in form (inline strings, no row
/// `spans`, styles numbered in the order of first use) though not in what a
/// reader sees.
pub(crate) const STREAMED_FROM_ROWS: usize = 200_000;

/// `text` as a cell holds it: unchanged when it fits, else cut so that it
/// ends with "…" and is exactly [`MAX_TEXT`] long (or one shorter, when the
/// last character would be split).
pub(crate) fn fit_text(text: &str) -> Cow<'_, str> {
    // A UTF-8 byte count is never below the UTF-16 count: the quick check.
    if text.len() <= MAX_TEXT || text.encode_utf16().count() <= MAX_TEXT {
        return Cow::Borrowed(text);
    }
    let room = MAX_TEXT - CUT_MARK.len_utf16();
    let mut used = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if used + c.len_utf16() > room {
            break;
        }
        used += c.len_utf16();
        end = i + c.len_utf8();
    }
    Cow::Owned(format!("{}{CUT_MARK}", &text[..end]))
}

/// Text cells that always fit ([`fit_text`]) and are always strings.
pub(crate) trait TextCells {
    /// Writes `text` as a string cell, cut to fit.
    fn write_text(&mut self, row: u32, col: u16, text: impl AsRef<str>) -> Result<&mut Worksheet, XlsxError>;

    /// Writes `text` as a formatted string cell, cut to fit.
    fn write_text_with_format(
        &mut self,
        row: u32,
        col: u16,
        text: impl AsRef<str>,
        format: &Format,
    ) -> Result<&mut Worksheet, XlsxError>;
}

impl TextCells for Worksheet {
    fn write_text(&mut self, row: u32, col: u16, text: impl AsRef<str>) -> Result<&mut Worksheet, XlsxError> {
        self.write_string(row, col, fit_text(text.as_ref()))
    }

    fn write_text_with_format(
        &mut self,
        row: u32,
        col: u16,
        text: impl AsRef<str>,
        format: &Format,
    ) -> Result<&mut Worksheet, XlsxError> {
        self.write_string_with_format(row, col, fit_text(text.as_ref()), format)
    }
}

/// A column number from a count. It saturates rather than wraps: a column
/// beyond Excel's is refused by rust_xlsxwriter, never written elsewhere.
pub(crate) fn col(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// A row number or row count from a count, saturating like [`col`].
pub(crate) fn rows(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// How many groups of `width` columns fit on a sheet beside `fixed` others.
pub(crate) fn groups_that_fit(fixed: usize, width: usize) -> usize {
    MAX_COLUMNS.saturating_sub(fixed) / width.max(1)
}

/// One sheet of a [`LongTable`]: its index in the workbook and its data rows.
#[derive(Debug, Clone)]
struct Part {
    sheet: usize,
    rows: u32,
    /// A wrapped text has been written on it (so its sheet knows `Styles::wrap`).
    wraps: bool,
    /// The first row whose wrapped texts of fixed-width columns wait for
    /// the fitting ([`LongTable::fill`]).
    waiting_from: Option<u32>,
    /// A streamed table's autofit widths in pixels per column, measured as
    /// its rows are written, since autofit can no longer see them (empty
    /// for a held table).
    measured: Vec<u32>,
}

/// A table whose length depends on the data: a heading row at the top, then
/// data rows; when a sheet is full the table continues on a new sheet named
/// "<name> (2)", "<name> (3)", … with the heading row repeated.
///
/// Rows after the data (totals) go on the last part via [`LongTable::tail`];
/// a total there sums every part. [`LongTable::finish`] adds an autofilter
/// over each part's data and fits the columns, each at least as wide as
/// [`LongTable::min_widths`] says.
#[derive(Debug)]
pub(crate) struct LongTable {
    name: String,
    headings: Vec<String>,
    max_rows: u32,
    parts: Vec<Part>,
    next: u32,
    min_widths: Vec<(u16, f64)>,
    wrapped: Vec<(u16, f64)>,
    /// Parts are constant-memory sheets written row by row ([`STREAMED_FROM_ROWS`]).
    streamed: bool,
}

impl LongTable {
    /// Adds the first sheet, named `name`, with its heading row; the sheet
    /// size is `s.max_rows` (Excel's, smaller in tests).
    pub(crate) fn new(wb: &mut Workbook, name: &str, head: &[&str], s: &Styles) -> Result<Self, XlsxError> {
        Self::with_parts(wb, name, head, s, false)
    }

    /// A table of `rows` data rows, to be written by [`LongTable::fill`]:
    /// streamed from `s.streamed_from` rows on ([`STREAMED_FROM_ROWS`]),
    /// else as [`LongTable::new`].
    pub(crate) fn for_rows(
        wb: &mut Workbook,
        name: &str,
        head: &[&str],
        s: &Styles,
        rows: usize,
    ) -> Result<Self, XlsxError> {
        Self::with_parts(wb, name, head, s, rows >= s.streamed_from)
    }

    fn with_parts(wb: &mut Workbook, name: &str, head: &[&str], s: &Styles, streamed: bool) -> Result<Self, XlsxError> {
        let mut t = LongTable {
            name: name.to_string(),
            headings: head.iter().map(|h| h.to_string()).collect(),
            max_rows: s.max_rows.clamp(2, MAX_ROWS),
            parts: Vec::new(),
            next: 0,
            min_widths: Vec::new(),
            wrapped: Vec::new(),
            streamed,
        };
        t.add_part(wb, s)?;
        Ok(t)
    }

    /// True if the table's sheets are written row by row.
    #[cfg(test)]
    pub(crate) fn is_streamed(&self) -> bool {
        self.streamed
    }

    /// The number of sheets the table has used so far.
    #[cfg(test)]
    pub(crate) fn sheets(&self) -> usize {
        self.parts.len()
    }

    /// The sheet and row of the next data row, on a new sheet when the last is full.
    pub(crate) fn row<'w>(&mut self, wb: &'w mut Workbook, s: &Styles) -> Result<(&'w mut Worksheet, u32), XlsxError> {
        if self.next >= self.max_rows {
            self.add_part(wb, s)?;
        }
        let row = self.next;
        self.next += 1;
        let part = self.parts.last_mut().expect("a table has a sheet");
        part.rows += 1;
        Ok((wb.worksheet_from_index(part.sheet)?, row))
    }

    /// The sheet and first row of `count` rows right after the data (totals),
    /// on a new sheet when the last has no room for them.
    pub(crate) fn tail<'w>(
        &mut self,
        wb: &'w mut Workbook,
        s: &Styles,
        count: u32,
    ) -> Result<(&'w mut Worksheet, u32), XlsxError> {
        if self.next.saturating_add(count) > self.max_rows {
            self.add_part(wb, s)?;
        }
        let sheet = self.parts.last().expect("a table has a sheet").sheet;
        Ok((wb.worksheet_from_index(sheet)?, self.next))
    }

    /// Makes each `(column, width)` at least `width` wide on every part, for
    /// money and date columns that autofit alone leaves showing `###`
    /// (`print::min_widths`).
    pub(crate) fn min_widths(&mut self, widths: &[(u16, f64)]) {
        self.min_widths.extend_from_slice(widths);
    }

    /// Gives each `(column, width)` exactly `width` on every part, for long
    /// text written with `Styles::wrap`: autofit would make such a column as
    /// wide as its longest sentence and the printed page unreadably small.
    /// With [`LongTable::fill`], it also spares autofit those columns' texts.
    pub(crate) fn wrapped(&mut self, widths: &[(u16, f64)]) {
        self.wrapped.extend_from_slice(widths);
    }

    /// Writes a data row of `fields` (from column 0, as
    /// [`tables::write_row`](super::tables::write_row) does) for each of
    /// `items`, then finishes the table ([`LongTable::finish`]). A wrapped
    /// text in a column of fixed width ([`LongTable::wrapped`]) is written
    /// after the columns are fitted, in a second pass over `items`:
    /// autofit measured every character of those texts (the longest of a
    /// findings sheet) for a width then replaced. The workbook is the same:
    /// cells, shared strings and column widths do not depend on the order
    /// of writing, and each part writes its first rows whole until a
    /// wrapped text is written, so its formats are numbered in the same
    /// order. Returns how many texts waited for the fitting.
    pub(crate) fn fill<'v, I, F>(
        mut self,
        wb: &mut Workbook,
        s: &Styles,
        fields: &[F],
        items: I,
        value: impl Fn(I::Item, F) -> Value<'v>,
    ) -> Result<usize, XlsxError>
    where
        I: Iterator + Clone,
        I::Item: Copy,
        F: Copy,
    {
        let fixed: Vec<bool> =
            (0..fields.len()).map(|i| self.wrapped.iter().any(|(w, _)| usize::from(*w) == i)).collect();
        if self.streamed {
            // Each row written whole, in order, and every column's autofit
            // width measured on the way (`Value::autofit_pixels`), except
            // the wrapped columns of fixed width: no text waits, and their
            // texts take the wrap format from their column (the parts made
            // before `wrapped` was called get it here, later ones in `add_part`).
            for p in &self.parts {
                self.wrap_columns(wb.worksheet_from_index(p.sheet)?, s)?;
            }
            for item in items {
                let (ws, row) = self.row(wb, s)?;
                let part = self.parts.last_mut().expect("a table has a sheet");
                for (i, f) in fields.iter().enumerate() {
                    let v = value(item, *f);
                    if fixed[i] {
                        write_in_wrapped_column(ws, row, col(i), &v, s)?;
                        continue;
                    }
                    if let Some(m) = part.measured.get_mut(i) {
                        *m = (*m).max(v.autofit_pixels());
                    }
                    v.write(ws, row, col(i), s)?;
                }
            }
            self.fit(wb)?;
            return Ok(0);
        }
        let waits = |v: &Value, i: usize| matches!(v, Value::Wrapped(_)) && fixed[i];
        for item in items.clone() {
            let (ws, row) = self.row(wb, s)?;
            let part = self.parts.last_mut().expect("a table has a sheet");
            let wait = part.wraps;
            if wait && part.waiting_from.is_none() {
                part.waiting_from = Some(row);
            }
            for (i, f) in fields.iter().enumerate() {
                let v = value(item, *f);
                if wait && waits(&v, i) {
                    continue;
                }
                part.wraps |= matches!(v, Value::Wrapped(_));
                v.write(ws, row, col(i), s)?;
            }
        }
        self.fit(wb)?;
        let mut waited = 0;
        let mut items = items;
        for p in &self.parts {
            let ws = wb.worksheet_from_index(p.sheet)?;
            for row in 1..=p.rows {
                let Some(item) = items.next() else { break };
                if p.waiting_from.is_none_or(|from| row < from) {
                    continue;
                }
                for (i, f) in fields.iter().enumerate() {
                    let v = value(item, *f);
                    if waits(&v, i) {
                        v.write(ws, row, col(i), s)?;
                        waited += 1;
                    }
                }
            }
        }
        Ok(waited)
    }

    /// Adds an autofilter over each part's data and fits each part's columns.
    pub(crate) fn finish(self, wb: &mut Workbook) -> Result<(), XlsxError> {
        self.fit(wb)
    }

    fn fit(&self, wb: &mut Workbook) -> Result<(), XlsxError> {
        for p in &self.parts {
            let ws = wb.worksheet_from_index(p.sheet)?;
            filter(ws, 0, p.rows, col(self.headings.len()))?;
            super::print::min_widths(ws, &self.min_widths)?;
            if self.streamed {
                self.fit_measured(ws, p)?;
            } else {
                super::print::fit(ws);
            }
            for &(c, width) in &self.wrapped {
                ws.set_column_width(c, width)?;
            }
        }
        Ok(())
    }

    /// What `print::fit` (rust_xlsxwriter's autofit capped at
    /// `TEXT_WIDTH_PIXELS`) makes of a streamed part's columns, from the
    /// widths measured as its rows were written: the heading, 16 pixels
    /// wider for the filter's button when the part has rows, and each cell,
    /// each padded by 7 pixels and capped.
    fn fit_measured(&self, ws: &mut Worksheet, p: &Part) -> Result<(), XlsxError> {
        let cap = super::print::TEXT_WIDTH_PIXELS;
        let padded = |w: u32| if w == 0 { 0 } else { (w + 7).min(cap) };
        for (i, h) in self.headings.iter().enumerate() {
            let head = Value::Text(h.as_str().into()).autofit_pixels();
            let head = if head > 0 && p.rows > 0 { head + 16 } else { head };
            let width = padded(head).max(padded(p.measured.get(i).copied().unwrap_or(0)));
            if width > 0 {
                ws.set_column_autofit_width(col(i), width)?;
            }
        }
        Ok(())
    }

    /// Gives a streamed part's wrapped columns the wrap format, which
    /// their texts then take without naming it ([`write_in_wrapped_column`]):
    /// looking a cell's format up costs a hash of the whole `Format`, a
    /// sixth of the time a streamed findings sheet took to fill (10 ×
    /// national). A held sheet keeps its formats per cell, so that its
    /// bytes stay as they were.
    fn wrap_columns(&self, ws: &mut Worksheet, s: &Styles) -> Result<(), XlsxError> {
        for &(c, _) in &self.wrapped {
            ws.set_column_format(c, &s.wrap)?;
        }
        Ok(())
    }

    fn add_part(&mut self, wb: &mut Workbook, s: &Styles) -> Result<(), XlsxError> {
        let sheet = wb.worksheets().len();
        let ws = if self.streamed { wb.add_worksheet_with_constant_memory()? } else { wb.add_worksheet() };
        match self.parts.len() {
            0 => ws.set_name(&self.name)?,
            n => ws.set_name(format!("{} ({})", self.name, n + 1))?,
        };
        let head: Vec<&str> = self.headings.iter().map(String::as_str).collect();
        headings(ws, 0, &head, s)?;
        if self.streamed {
            self.wrap_columns(ws, s)?;
        }
        let measured = if self.streamed { vec![0; self.headings.len()] } else { Vec::new() };
        self.parts.push(Part { sheet, rows: 0, wraps: false, waiting_from: None, measured });
        self.next = 1;
        Ok(())
    }
}

/// A cell of a streamed part's wrapped column ([`LongTable::wrap_columns`]):
/// its text written without a format takes the column's, as a held sheet's
/// text written with `Styles::wrap` has it; an empty text is a blank cell
/// in that format, as rust_xlsxwriter makes of a held one. The wrapped
/// columns hold wrapped texts only (a findings sheet's do): another value
/// there would take the wrap format too.
fn write_in_wrapped_column(ws: &mut Worksheet, row: u32, c: u16, v: &Value, s: &Styles) -> Result<(), XlsxError> {
    match v {
        Value::Wrapped(t) if t.is_empty() => ws.write_blank(row, c, &s.wrap).map(|_| ()),
        Value::Wrapped(t) => ws.write_text(row, c, t).map(|_| ()),
        Value::Empty => Ok(()),
        other => {
            debug_assert!(false, "a wrapped column of a streamed table holds wrapped texts: {other:?}");
            other.write(ws, row, c, s)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};

    fn read(bytes: Vec<u8>) -> Xlsx<std::io::Cursor<Vec<u8>>> {
        open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("a workbook")
    }

    #[test]
    fn short_text_is_unchanged() {
        assert!(matches!(fit_text("Anna Andersson"), Cow::Borrowed("Anna Andersson")));
        let exactly = "x".repeat(MAX_TEXT);
        assert_eq!(fit_text(&exactly), exactly);
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis_to_excels_limit() {
        let cut = fit_text(&"a".repeat(40_000)).into_owned();
        assert_eq!(cut.chars().count(), MAX_TEXT);
        assert!(cut.ends_with("a…"), "{}", &cut[cut.len() - 10..]);
        // One over the limit is cut too.
        assert!(fit_text(&"b".repeat(MAX_TEXT + 1)).ends_with('…'));
    }

    #[test]
    fn text_is_cut_by_excels_count_not_by_bytes_or_chars() {
        // 'ä' is two UTF-8 bytes but one unit: 20 000 of them fit.
        let swedish = "ä".repeat(20_000);
        assert_eq!(fit_text(&swedish), swedish);
        // An emoji is two UTF-16 units: 20 000 of them do not, and none is split.
        let cut = fit_text(&"😀".repeat(20_000)).into_owned();
        assert!(cut.encode_utf16().count() <= MAX_TEXT);
        assert!(cut.ends_with("😀…"));
    }

    #[test]
    fn a_cut_text_is_written_where_a_plain_write_string_fails() {
        let long = "n".repeat(40_000);
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        assert!(ws.write_string(0, 0, long.as_str()).is_err(), "rust_xlsxwriter refuses the text");
        ws.write_text(0, 0, &long).expect("cut to fit");
        let mut back = read(wb.save_to_buffer().unwrap());
        let range = back.worksheet_range("Sheet1").unwrap();
        let Some(Data::String(s)) = range.get_value((0, 0)) else { panic!("a string cell") };
        assert_eq!(s.chars().count(), MAX_TEXT);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn counts_saturate_instead_of_wrapping() {
        assert_eq!(col(3), 3);
        assert_eq!(col(70_000), u16::MAX);
        assert_eq!(rows(5), 5);
        assert_eq!(groups_that_fit(3, 2), 8_190);
        assert_eq!(groups_that_fit(20_000, 2), 0);
    }

    /// Five data rows and a total on sheets of three rows: heading + 2 rows,
    /// heading + 2 rows, heading + 1 row + the total.
    #[test]
    fn a_long_table_continues_on_new_sheets_with_the_heading_repeated() {
        let s = Styles { max_rows: 3, ..Styles::new() };
        let mut wb = Workbook::new();
        let mut t = LongTable::new(&mut wb, "Avvikelser", &["Kod", "Antal"], &s).unwrap();
        for i in 1..=5 {
            let (ws, row) = t.row(&mut wb, &s).unwrap();
            ws.write_text(row, 0, format!("k{i}")).unwrap();
            ws.write_number(row, 1, f64::from(i)).unwrap();
        }
        let (ws, row) = t.tail(&mut wb, &s, 1).unwrap();
        ws.write_text(row, 0, "Totalt").unwrap();
        ws.write_number(row, 1, 15.0).unwrap();
        assert_eq!(t.sheets(), 3);
        t.finish(&mut wb).unwrap();

        let mut back = read(wb.save_to_buffer().unwrap());
        assert_eq!(back.sheet_names(), ["Avvikelser", "Avvikelser (2)", "Avvikelser (3)"]);
        let cells = |back: &mut Xlsx<_>, name: &str| -> Vec<String> {
            let r = back.worksheet_range(name).unwrap();
            r.rows().map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("|")).collect()
        };
        assert_eq!(cells(&mut back, "Avvikelser"), ["Kod|Antal", "k1|1", "k2|2"]);
        assert_eq!(cells(&mut back, "Avvikelser (2)"), ["Kod|Antal", "k3|3", "k4|4"]);
        assert_eq!(cells(&mut back, "Avvikelser (3)"), ["Kod|Antal", "k5|5", "Totalt|15"]);
    }

    /// Every part of a workbook but its creation time, by name.
    fn parts(bytes: Vec<u8>) -> Vec<(String, Vec<u8>)> {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = Vec::new();
        for i in 0..zip.len() {
            let mut part = zip.by_index(i).unwrap();
            let mut content = Vec::new();
            part.read_to_end(&mut content).unwrap();
            if part.name() != "docProps/core.xml" {
                out.push((part.name().to_string(), content));
            }
        }
        out
    }

    /// Wrapped texts of fixed-width columns written after the fitting give
    /// the workbook that writing them in place gives: cells, shared strings,
    /// formats (one first used in a later row included), widths; over two
    /// parts, each writing its first row whole.
    #[test]
    fn wrapped_texts_written_after_fitting_give_the_same_workbook() {
        let s = Styles { max_rows: 4, ..Styles::new() };
        let rows: [(&str, &str, Option<i64>); 5] = [
            ("a", "Kort förklaring.", None),
            ("bb", "En längre förklaring som autofit annars skulle mäta tecken för tecken.", Some(1200)),
            ("c", "", None),
            ("dddd", "Ännu en förklaring, den längsta av dem alla, med å, ä och ö i.", Some(5)),
            ("e", "Sista.", None),
        ];
        let value = |(code, text, amount): (&'static str, &'static str, Option<i64>), f: usize| match f {
            0 => Value::Text(code.into()),
            1 => Value::Wrapped(text.into()),
            _ => amount.map_or(Value::Empty, |a| Value::Money(crate::domain::Money::new(a.into()))),
        };
        let waited = std::cell::Cell::new(0);
        let build = |filled: bool| {
            let mut wb = Workbook::new();
            let mut t = LongTable::new(&mut wb, "Avvikelser", &["Kod", "Förklaring", "Belopp"], &s).unwrap();
            t.wrapped(&[(1, 30.0)]);
            if filled {
                waited.set(t.fill(&mut wb, &s, &[0, 1, 2], rows.iter().copied(), value).unwrap());
            } else {
                for r in rows {
                    let (ws, row) = t.row(&mut wb, &s).unwrap();
                    crate::report::tables::write_row(ws, row, &[0, 1, 2], |f| value(r, f), &s).unwrap();
                }
                t.finish(&mut wb).unwrap();
            }
            parts(wb.save_to_buffer().unwrap())
        };
        let (after, in_place) = (build(true), build(false));
        // Two parts (three rows, two rows): each writes its first row whole.
        assert_eq!(waited.get(), 3);
        assert_eq!(after.len(), in_place.len());
        for ((name, a), (_, b)) in after.iter().zip(&in_place) {
            assert!(a == b, "{name} differs:\n{}\n{}", String::from_utf8_lossy(a), String::from_utf8_lossy(b));
        }
    }

    /// How a sheet part of a workbook looks to a reader.
    struct SheetLook {
        name: String,
        /// Each cell's reference and the `<xf>` of `styles.xml` its style number points at.
        cells: Vec<(String, String)>,
        /// The `<col>` elements without their `style`: the widths.
        widths: Vec<String>,
        /// The columns that have a style: their first column and its `<xf>`.
        col_styles: Vec<(String, String)>,
        /// The `<autoFilter>` element.
        filter: String,
        /// Whether its rows carry `spans` (a sheet held until the save does, a streamed one not).
        spans: bool,
    }

    /// The sheet parts of a workbook, in order.
    fn sheet_looks(parts: &[(String, Vec<u8>)]) -> Vec<SheetLook> {
        use quick_xml::events::Event;
        let text = |name: &str| {
            let part = parts.iter().find(|(n, _)| n == name).expect(name);
            String::from_utf8(part.1.clone()).unwrap()
        };
        let between = |xml: &str, open: &str, close: &str| -> String {
            xml.find(open).map_or(String::new(), |a| {
                let b = xml[a..].find(close).expect(close) + a + close.len();
                xml[a..b].to_string()
            })
        };
        let styles = text("xl/styles.xml");
        let cell_xfs = between(&styles, "<cellXfs", "</cellXfs>");
        let xfs: Vec<String> = cell_xfs.split("<xf ").skip(1).map(|x| format!("<xf {x}")).collect();
        let mut out = Vec::new();
        for (name, _) in parts.iter().filter(|(n, _)| n.starts_with("xl/worksheets/sheet")) {
            let xml = text(name);
            let mut look = SheetLook {
                name: name.clone(),
                cells: Vec::new(),
                widths: Vec::new(),
                col_styles: Vec::new(),
                filter: between(&xml, "<autoFilter", "/>"),
                spans: xml.contains(" spans=\""),
            };
            let mut reader = quick_xml::Reader::from_str(&xml);
            loop {
                match reader.read_event().unwrap() {
                    Event::Start(e) | Event::Empty(e) if matches!(e.name().as_ref(), "c" | "col") => {
                        let attrs: Vec<(String, String)> = e
                            .attributes()
                            .flatten()
                            .map(|a| (a.key.as_ref().to_string(), a.value.to_string()))
                            .collect();
                        let attr = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
                        let style = attr("s").or(attr("style")).map(|n| xfs[n.parse::<usize>().unwrap()].clone());
                        if e.name().as_ref() == "c" {
                            look.cells.push((attr("r").unwrap(), style.unwrap_or_else(|| xfs[0].clone())));
                            continue;
                        }
                        let width = attrs.iter().filter(|(k, _)| k != "style").map(|(k, v)| format!("{k}={v}"));
                        look.widths.push(width.collect::<Vec<_>>().join(" "));
                        if let Some(xf) = style {
                            look.col_styles.push((attr("min").unwrap(), xf));
                        }
                    }
                    Event::Eof => break,
                    _ => {}
                }
            }
            out.push(look);
        }
        out
    }

    /// A table streamed row by row ([`LongTable::for_rows`] from
    /// `streamed_from` rows) gives the workbook a held one gives, as a reader
    /// sees it: the same sheets and cells, each cell in the same look, the
    /// same column widths (autofit's, measured on the way: headings with the
    /// filter's button, multi-line and over-long texts, numbers, empty
    /// cells; the wrapped columns at their fixed width) and filters, over
    /// two parts.
    #[test]
    fn a_streamed_table_reads_and_looks_as_a_held_one() {
        use crate::domain::Money;
        let long = "en mycket lång förklaring ".repeat(12);
        let rows: Vec<(String, String, Option<i64>, u64)> = vec![
            ("a".into(), "Kort.".into(), None, 7),
            ("Kommunkod 2080 Falun".into(), long.clone(), Some(123_456_700), 1_000_000),
            (String::new(), String::new(), Some(-5), 0),
            ("två\nrader, den andra längre än den första".into(), "Rad ett\nrad två".into(), None, 12),
            ("e".into(), long, Some(99), 3),
        ];
        let value = |r: &(String, String, Option<i64>, u64), f: usize| -> Value<'static> {
            match f {
                0 => Value::Text(r.0.clone().into()),
                1 => Value::Wrapped(r.1.clone().into()),
                2 => r.2.map_or(Value::Empty, |a| Value::Money(Money::new(a.into()))),
                _ => Value::Count(r.3),
            }
        };
        let build = |streamed_from: usize| {
            let s = Styles { max_rows: 4, streamed_from, ..Styles::new() };
            let mut wb = Workbook::new();
            let head = ["Gäller", "Förklaring", "Belopp", "Antal deltagare i kursen"];
            let mut t = LongTable::for_rows(&mut wb, "Avvikelser", &head, &s, rows.len()).unwrap();
            assert_eq!(t.is_streamed(), streamed_from <= rows.len());
            t.wrapped(&[(1, 30.0)]);
            t.fill(&mut wb, &s, &[0, 1, 2, 3], rows.iter(), value).unwrap();
            let bytes = wb.save_to_buffer().unwrap();
            let names = read(bytes.clone()).sheet_names();
            let mut back = read(bytes.clone());
            let cells: Vec<Vec<String>> = names
                .iter()
                .map(|n| {
                    let range = back.worksheet_range(n).unwrap();
                    range.rows().map(|r| r.iter().map(|c| format!("{c:?}")).collect::<Vec<_>>().join("|")).collect()
                })
                .collect();
            let parts = parts(bytes);
            // Text as inline strings (`t="inlineStr"`) in a streamed sheet, shared (`t="s"`) in a held one.
            let inline = parts
                .iter()
                .filter(|(n, _)| n.starts_with("xl/worksheets/sheet"))
                .map(|(_, xml)| String::from_utf8_lossy(xml).contains("t=\"inlineStr\""))
                .collect::<Vec<bool>>();
            let shared = parts
                .iter()
                .filter(|(n, _)| n.starts_with("xl/worksheets/sheet"))
                .any(|(_, xml)| String::from_utf8_lossy(xml).contains("t=\"s\""));
            (names, cells, sheet_looks(&parts), inline, shared)
        };
        let (held, streamed) = (build(usize::MAX), build(1));
        assert_eq!(streamed.0, ["Avvikelser", "Avvikelser (2)"]);
        assert_eq!(held.0, streamed.0, "sheets");
        assert_eq!(held.1, streamed.1, "cells as read back");
        let wrap_xf = held.2[0].cells.iter().find(|(r, _)| r == "B2").expect("a wrapped text").1.clone();
        assert!(wrap_xf.contains("wrapText=\"1\""), "{wrap_xf}");
        for (h, st) in held.2.iter().zip(&streamed.2) {
            assert_eq!(h.cells, st.cells, "{}: each cell's look", h.name);
            assert_eq!(h.widths, st.widths, "{}: column widths", h.name);
            assert_eq!(h.filter, st.filter, "{}: filter", h.name);
            assert!(h.spans && !st.spans, "{}: held rows carry spans, streamed rows do not", h.name);
            // The wrapped column of a streamed part has the wrap format its texts take.
            assert!(h.col_styles.is_empty(), "{}: {:?}", h.name, h.col_styles);
            assert_eq!(st.col_styles, [("2".to_string(), wrap_xf.clone())], "{}", st.name);
        }
        assert!(held.2[0].widths.iter().any(|w| w.contains("bestFit")), "autofit widths: {:?}", held.2[0].widths);
        // The empty wrapped text is a blank cell in the wrap format in both.
        let blank = |looks: &[SheetLook]| looks[0].cells.iter().find(|(r, _)| r == "B4").map(|(_, xf)| xf.clone());
        assert_eq!((blank(&held.2), blank(&streamed.2)), (Some(wrap_xf.clone()), Some(wrap_xf)));
        assert_eq!((held.3, held.4), (vec![false, false], true), "held sheets share their strings");
        assert_eq!((streamed.3, streamed.4), (vec![true, true], false), "streamed sheets write them inline");
    }

    #[test]
    fn a_total_that_does_not_fit_after_a_full_sheet_starts_the_next() {
        let s = Styles { max_rows: 3, ..Styles::new() };
        let mut wb = Workbook::new();
        let mut t = LongTable::new(&mut wb, "Kursdagar", &["Dag"], &s).unwrap();
        for _ in 0..2 {
            t.row(&mut wb, &s).unwrap();
        }
        assert_eq!(t.sheets(), 1, "exactly full");
        let (_, row) = t.tail(&mut wb, &s, 1).unwrap();
        assert_eq!((t.sheets(), row), (2, 1), "the total goes under the heading of a new sheet");
        t.finish(&mut wb).unwrap();
        assert_eq!(wb.worksheets()[1].name(), "Kursdagar (2)");
    }
}

/// The rule that every text cell goes through [`TextCells`] is checked on the
/// sources, so that a new sheet cannot forget it.
#[cfg(test)]
mod sources {
    const REPORT_SOURCES: [(&str, &str); 7] = [
        ("style.rs", include_str!("style.rs")),
        ("tables/mod.rs", include_str!("tables/mod.rs")),
        ("municipality_workbook.rs", include_str!("municipality_workbook.rs")),
        ("regional_workbook.rs", include_str!("regional_workbook.rs")),
        ("finance_workbook.rs", include_str!("finance_workbook.rs")),
        ("pot_tables.rs", include_str!("pot_tables.rs")),
        ("csv_out.rs", include_str!("csv_out.rs")),
    ];

    #[test]
    fn no_workbook_writes_text_without_cutting_it_to_fit() {
        for (file, text) in REPORT_SOURCES {
            assert!(!text.contains(".write_string"), "{file}: write text with write_text (sheet.rs)");
            for line in text.lines().filter(|l| l.contains(".merge_range(")) {
                assert!(line.contains("fit_text("), "{file}: a merged cell's text must go through fit_text: {line}");
            }
        }
    }
}
