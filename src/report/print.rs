//! Printing on A4: what people receive is often printed (or printed to PDF)
//! before it is read, so every sheet of every workbook carries a print setup.
//!
//! - A4 paper, fitted to one page wide (as many pages down as it needs);
//!   summaries on exactly one page.
//! - Tables wider than [`PORTRAIT_COLUMNS`] columns in landscape, the rest
//!   in portrait.
//! - A table's heading row, and the title rows above it, repeated at the top
//!   of every page ([`table`], called by `style::headings` for every table).
//! - A header naming who, what and the period, and the footer "Sida x av y"
//!   ([`PrintSetup`], applied once per workbook to every sheet, continuation
//!   sheets included).
//! - Number and date columns wide enough for what they show, so that no cell
//!   prints as `###` ([`min_widths`] with [`MONEY_WIDTH`], [`DECIMAL_WIDTH`]
//!   and [`DATE_WIDTH`]), and no column wider than about 50 characters
//!   ([`fit`]): long text wraps instead of shrinking the page.

use super::sheet::TextCells;
use crate::domain::{Money, Month};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

/// A4 in Excel's paper-size codes.
const A4: u8 = 9;

/// Tables with more columns than this print in landscape.
pub(crate) const PORTRAIT_COLUMNS: usize = 5;

/// Summaries with at most this many rows print on one page.
pub(crate) const ONE_PAGE_ROWS: usize = 50;

/// The footer of every page, centred: "Sida 3 av 7".
const FOOTER: &str = "&CSida &P av &N";

/// The longest part of the page header, in characters: three parts and the
/// section codes stay under Excel's limit of 255 even with every `&` doubled.
const HEADER_PART: usize = 40;

/// A column that shows dates (`yyyy-mm-dd`, 10 characters) is at least this
/// wide, so that a date never shows as `###`.
pub(crate) const DATE_WIDTH: f64 = 11.0;

/// A column that shows money (`#,##0.00 "kr"`, Swedish Excel: "-99 999 999,00 kr")
/// is at least this wide: every amount below 100 million kr fits. Autofit
/// measures a number without its format ("5200" for "5 200,00 kr"), so it
/// alone leaves money cells showing `###`.
pub(crate) const MONEY_WIDTH: f64 = 17.0;

/// A column that shows decimals (`0.00`, e.g. points: "9999999,00") is at
/// least this wide, for the same reason as [`MONEY_WIDTH`].
pub(crate) const DECIMAL_WIDTH: f64 = 10.0;

/// The width a money column needs for amounts up to `largest` either side
/// of zero ("-1 234 567,00 kr"): for a sheet of many money columns, where
/// [`MONEY_WIDTH`] each would shrink the printed page.
pub(crate) fn money_width(largest: Money) -> f64 {
    let largest = if largest.is_negative() { -largest } else { largest };
    // The sign, the grouped digits with two decimals, " kr".
    (1 + largest.round_to_ore().to_swedish().chars().count() + 3) as f64
}

/// The page header and footer of a workbook, and which of its sheets print
/// on one page. Built once per workbook and applied to every sheet at the
/// end, so that no sheet (a continuation sheet "<blad> (2)" included) can be
/// left without a print setup.
#[derive(Debug, Clone)]
pub(crate) struct PrintSetup {
    header: String,
    one_page: Vec<String>,
}

impl PrintSetup {
    /// A header with `who` (the municipality or the region) on the left,
    /// `what` (the workbook's title) in the centre and `period` on the right;
    /// each part is cut to fit Excel's limit and its `&` kept as text.
    pub(crate) fn new(who: &str, what: &str, period: &str) -> Self {
        let header = format!("&L{}&C{}&R{}", header_text(who), header_text(what), header_text(period));
        PrintSetup { header, one_page: Vec::new() }
    }

    /// Prints the sheet named `sheet` (a summary) on exactly one page; the
    /// other sheets are one page wide and as long as they need.
    pub(crate) fn one_page(mut self, sheet: &str) -> Self {
        self.one_page.push(sheet.to_string());
        self
    }

    /// Sets up every sheet of `wb` for printing: A4, fitted to the page
    /// width (one page for the summaries), header and footer. Orientation
    /// and repeated rows are the table's own ([`table`]); call this last,
    /// when every sheet has been added.
    pub(crate) fn apply(&self, wb: &mut Workbook) {
        for ws in wb.worksheets_mut() {
            let pages_down = if self.one_page.contains(&ws.name()) { 1 } else { 0 };
            ws.set_paper_size(A4)
                .set_print_fit_to_pages(1, pages_down)
                .set_header(self.header.as_str())
                .set_footer(FOOTER);
        }
    }
}

/// Prints a table whose heading row is `heading_row` and which is `columns`
/// wide: the rows from the top down to the heading row (titles and
/// headings) are repeated on every page, and a table wider than
/// [`PORTRAIT_COLUMNS`] prints in landscape.
pub(crate) fn table(ws: &mut Worksheet, heading_row: u32, columns: usize) -> Result<(), XlsxError> {
    ws.set_repeat_rows(0, heading_row)?;
    orientation(ws, columns);
    Ok(())
}

/// Prints a sheet `columns` wide in landscape when it is wider than
/// [`PORTRAIT_COLUMNS`], else in portrait: for a sheet of several tables
/// with no single heading to repeat.
pub(crate) fn orientation(ws: &mut Worksheet, columns: usize) {
    if columns > PORTRAIT_COLUMNS {
        ws.set_landscape();
    } else {
        ws.set_portrait();
    }
}

/// Makes each `(column, width)` at least `width` characters wide, so that a
/// number or date in it never shows as `###`. Call it before `autofit`, which
/// only widens a column set here (a column set to a fixed width afterwards
/// takes that width).
pub(crate) fn min_widths(ws: &mut Worksheet, widths: &[(u16, f64)]) -> Result<(), XlsxError> {
    for &(col, width) in widths {
        ws.set_column_width(col, width)?;
    }
    Ok(())
}

/// The widest a column grows to fit its text, in pixels (about 50
/// characters): a title or note in a column overflows into the empty cells
/// beside it, and long values in a table (descriptions, comments,
/// explanations) wrap (`Styles::wrap`), so that one long sentence does not
/// shrink the whole printed page.
pub(crate) const TEXT_WIDTH_PIXELS: u32 = 350;

/// Fits a sheet's columns to what they show, none wider than
/// [`TEXT_WIDTH_PIXELS`]; call it last, after [`min_widths`].
pub(crate) fn fit(ws: &mut Worksheet) {
    ws.set_autofit_max_width(TEXT_WIDTH_PIXELS);
    ws.autofit();
}

/// [`fit`], then the sheet's title in A1: written after fitting, the title
/// overflows over the table's columns instead of widening the first one.
pub(crate) fn fit_with_title(ws: &mut Worksheet, title: &str, format: &Format) -> Result<(), XlsxError> {
    fit(ws);
    ws.write_text_with_format(0, 0, title, format)?;
    Ok(())
}

/// The months from `first` to `last` as people read them: "mars 2026",
/// "januari–december 2026", "december 2025–januari 2026".
pub(crate) fn months_text(first: Month, last: Month) -> String {
    if first == last {
        first.swedish()
    } else if first.year() == last.year() {
        format!("{}–{} {}", first.swedish_name(), last.swedish_name(), last.year())
    } else {
        format!("{}–{}", first.swedish(), last.swedish())
    }
}

/// `text` for a header section: cut to [`HEADER_PART`] characters, and with
/// `&` doubled so that Excel prints it instead of reading a code.
fn header_text(text: &str) -> String {
    let cut: String = if text.chars().count() > HEADER_PART {
        text.chars().take(HEADER_PART - 1).chain(std::iter::once('…')).collect()
    } else {
        text.to_string()
    };
    cut.replace('&', "&&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_read_in_swedish() {
        let m = |s| Month::parse(s).unwrap();
        assert_eq!(months_text(m("2026-03"), m("2026-03")), "mars 2026");
        assert_eq!(months_text(m("2026-01"), m("2026-12")), "januari–december 2026");
        assert_eq!(months_text(m("2025-12"), m("2026-01")), "december 2025–januari 2026");
    }

    #[test]
    fn a_money_column_is_as_wide_as_its_largest_amount_shows() {
        assert_eq!(money_width(Money::parse("5200").unwrap()), "-5 200,00 kr".len() as f64);
        assert_eq!(money_width(-Money::parse("1528300.5").unwrap()), "-1 528 300,50 kr".len() as f64);
        assert_eq!(money_width(Money::parse("99999999.99").unwrap()), MONEY_WIDTH);
    }

    #[test]
    fn the_header_names_who_what_and_when_and_keeps_an_ampersand_as_text() {
        let p = PrintSetup::new("Falun", "Yrkesresan – fakturaunderlag", "mars 2026");
        assert_eq!(p.header.as_str(), "&LFalun&CYrkesresan – fakturaunderlag&Rmars 2026");
        let p = PrintSetup::new("Smedjebacken & Co", "x", "");
        assert_eq!(p.header.as_str(), "&LSmedjebacken && Co&Cx&R");
    }

    #[test]
    fn a_long_header_is_cut_to_fit_excels_limit() {
        let long = "&".repeat(300);
        let p = PrintSetup::new(&long, &"ä".repeat(300), &"😀".repeat(300));
        assert!(p.header.as_str().encode_utf16().count() <= 255, "{}", p.header.as_str().encode_utf16().count());
        assert!(p.header.as_str().contains('…'));
    }

    /// The workbook part and the first `sheets` sheets' XML as rust_xlsxwriter writes them.
    fn parts(wb: &mut Workbook, sheets: usize) -> Vec<String> {
        use std::io::Read;
        let bytes = wb.save_to_buffer().unwrap();
        let mut zip = zip9::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let names = std::iter::once("xl/workbook.xml".to_string())
            .chain((1..=sheets).map(|n| format!("xl/worksheets/sheet{n}.xml")));
        names
            .map(|name| {
                let mut text = String::new();
                zip.by_name(&name).unwrap().read_to_string(&mut text).unwrap();
                text
            })
            .collect()
    }

    /// A long table's continuation sheets print like its first sheet.
    #[test]
    fn every_sheet_of_a_long_table_repeats_its_heading_and_gets_the_setup() {
        use super::super::sheet::LongTable;
        use super::super::style::Styles;
        let s = Styles { max_rows: 3, ..Styles::new() };
        let mut wb = Workbook::new();
        let head = ["Datum", "Omgång", "Kurs", "Dag", "Namn", "Roll", "Poäng"];
        let mut t = LongTable::new(&mut wb, "Utbildare", &head, &s).unwrap();
        t.min_widths(&[(6, MONEY_WIDTH)]);
        for _ in 0..5 {
            let (ws, row) = t.row(&mut wb, &s).unwrap();
            ws.write_number(row, 6, 1.5).unwrap();
        }
        t.finish(&mut wb).unwrap();
        PrintSetup::new("Falun", "Yrkesresan", "mars 2026").apply(&mut wb);
        let parts = parts(&mut wb, 3);
        for (i, (sheet, name)) in parts[1..].iter().zip(["Utbildare", "'Utbildare (2)'", "'Utbildare (3)'"]).enumerate()
        {
            assert!(sheet.contains(r#"paperSize="9" fitToHeight="0" orientation="landscape""#), "{sheet}");
            assert!(sheet.contains("<oddFooter>&amp;CSida &amp;P av &amp;N</oddFooter>"), "{sheet}");
            assert!(sheet.contains(r#"<col min="7" max="7" width="17.71"#), "{sheet}");
            let titles =
                format!(r#"<definedName name="_xlnm.Print_Titles" localSheetId="{i}">{name}!$1:$1</definedName>"#);
            assert!(parts[0].contains(&titles), "{titles} in {}", parts[0]);
        }
    }

    #[test]
    fn every_sheet_gets_a4_the_header_and_footer_and_the_summary_one_page() {
        let mut wb = Workbook::new();
        wb.add_worksheet().set_name("Sammanfattning").unwrap();
        let ws = wb.add_worksheet();
        ws.set_name("Kursdagar").unwrap();
        table(ws, 0, 11).unwrap();
        PrintSetup::new("Falun", "Yrkesresan", "mars 2026").one_page("Sammanfattning").apply(&mut wb);
        let [book, summary, days] = <[String; 3]>::try_from(parts(&mut wb, 2)).unwrap();
        for sheet in [&summary, &days] {
            assert!(sheet.contains(r#"<pageSetUpPr fitToPage="1"/>"#), "{sheet}");
            assert!(sheet.contains(r#"paperSize="9""#), "{sheet}");
            assert!(sheet.contains("<oddHeader>&amp;LFalun&amp;CYrkesresan&amp;Rmars 2026</oddHeader>"), "{sheet}");
            assert!(sheet.contains("<oddFooter>&amp;CSida &amp;P av &amp;N</oddFooter>"), "{sheet}");
        }
        assert!(!summary.contains("fitToHeight"), "one page down: {summary}");
        assert!(summary.contains(r#"orientation="portrait""#), "{summary}");
        assert!(days.contains(r#"fitToHeight="0""#), "as many pages down as needed: {days}");
        assert!(days.contains(r#"orientation="landscape""#), "{days}");
        assert!(
            book.contains(r#"<definedName name="_xlnm.Print_Titles" localSheetId="1">Kursdagar!$1:$1</definedName>"#),
            "{book}"
        );
        assert!(!book.contains(r#"localSheetId="0">Sammanfattning"#), "{book}");
    }
}
