//! Shared workbook look: bold frozen headings, `kr` money format (US syntax,
//! shown in the reader's locale), ISO dates, autofilter and fitted columns.

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
        }
    }
}

/// Writes a heading row at `row`, freezes the panes below it.
pub(crate) fn headings(ws: &mut Worksheet, row: u32, names: &[&str], s: &Styles) -> Result<(), XlsxError> {
    for (c, n) in names.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *n, &s.header)?;
    }
    ws.set_freeze_panes(row + 1, 0)?;
    Ok(())
}

/// Adds an autofilter over a table that starts at `row` (headings) and has
/// `rows` data rows, when it has any.
pub(crate) fn filter(ws: &mut Worksheet, row: u32, rows: u32, cols: u16) -> Result<(), XlsxError> {
    if rows > 0 {
        ws.autofilter(row, 0, row + rows, cols - 1)?;
    }
    Ok(())
}

/// A date as an Excel date.
pub(crate) fn excel_date(d: chrono::NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    use chrono::Datelike;
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}
