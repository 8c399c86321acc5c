//! Shared workbook look: bold frozen headings (repeated on every printed
//! page), `kr` money format (US syntax, shown in the reader's locale), ISO
//! dates, autofilter and fitted columns.

use super::sheet::{col, TextCells, MAX_ROWS, STREAMED_FROM_ROWS};
use rust_xlsxwriter::{ExcelDateTime, Format, Worksheet, XlsxError};

/// Formats used by every workbook.
pub(crate) struct Styles {
    pub header: Format,
    pub money: Format,
    pub money_bold: Format,
    pub date: Format,
    pub bold: Format,
    pub percent: Format,
    pub decimal: Format,
    /// Long text (explanations, what to do) wrapped in a column of capped
    /// width, so that the table still prints one page wide in a readable size.
    pub wrap: Format,
    /// Rows per sheet, heading included, before a long table continues on
    /// the next sheet: Excel's limit, smaller in tests.
    pub max_rows: u32,
    /// Data rows from which a table filled at once is streamed
    /// (`sheet::STREAMED_FROM_ROWS`, smaller in tests).
    pub streamed_from: usize,
}

impl Styles {
    pub(crate) fn new() -> Self {
        Styles {
            header: Format::new().set_bold().set_background_color(0xDDEBF7),
            money: Format::new().set_num_format("#,##0.00 \"kr\""),
            money_bold: Format::new().set_num_format("#,##0.00 \"kr\"").set_bold(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            bold: Format::new().set_bold(),
            percent: Format::new().set_num_format("0.0%"),
            decimal: Format::new().set_num_format("0.00"),
            wrap: Format::new().set_text_wrap().set_align(rust_xlsxwriter::FormatAlign::Top),
            max_rows: MAX_ROWS,
            streamed_from: STREAMED_FROM_ROWS,
        }
    }
}

/// Writes a heading row at `row`, freezes the panes below it and repeats the
/// rows down to it on every printed page (landscape when wide: `print::table`).
pub(crate) fn headings(ws: &mut Worksheet, row: u32, names: &[&str], s: &Styles) -> Result<(), XlsxError> {
    for (c, n) in names.iter().enumerate() {
        ws.write_text_with_format(row, col(c), n, &s.header)?;
    }
    ws.set_freeze_panes(row + 1, 0)?;
    super::print::table(ws, row, names.len())
}

/// Adds an autofilter over a table that starts at `row` (headings) and has
/// `rows` data rows, when it has any.
pub(crate) fn filter(ws: &mut Worksheet, row: u32, rows: u32, cols: u16) -> Result<(), XlsxError> {
    if rows > 0 {
        ws.autofilter(row, 0, row.saturating_add(rows), cols.saturating_sub(1))?;
    }
    Ok(())
}

/// A date as an Excel date; an error for a year Excel cannot show.
fn excel_date(d: chrono::NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    use chrono::Datelike;
    let year = u16::try_from(d.year()).map_err(|_| XlsxError::DateTimeRangeError(d.to_string()))?;
    // Month (1–12) and day (1–31) always fit.
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8)
}

/// Writes `d` as a date cell, or as ISO text when Excel's calendar (1900–9999)
/// cannot hold it.
pub(crate) fn write_date(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    d: chrono::NaiveDate,
    s: &Styles,
) -> Result<(), XlsxError> {
    match excel_date(d) {
        Ok(date) => ws.write_datetime_with_format(row, col, date, &s.date)?,
        Err(_) => ws.write_text(row, col, d.to_string())?,
    };
    Ok(())
}
