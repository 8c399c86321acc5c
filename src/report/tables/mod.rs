//! One declaration per output table that is written both as a CSV file and
//! as a workbook sheet (issue 13): its columns (the English CSV name and
//! [`Kind`](super::csv_out::Kind), the Swedish heading people read) and how a
//! row's value is read. The CSV writer (`csv_out`) and the workbooks take
//! their columns, headings and values from here, so the two cannot drift
//! apart; a sheet that shows fewer columns or another order selects fields
//! from the same declaration. (The invoice line has its own, older
//! declaration in `invoice_lines`.)
//!
//! How a value looks is decided once, by its [`Value`] kind: in the CSV
//! (FORMATS.md §5: amounts with a dot and two decimals) and in a cell (a
//! string, or a number with its format).

pub(crate) mod accounts;
pub(crate) mod findings;
pub(crate) mod followup;
pub(crate) mod payout;
pub(crate) mod pot;
pub(crate) mod progress;

use super::csv_out::{points_text, Column};
use super::sheet::{col, TextCells};
use super::style::Styles;
use crate::domain::Money;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Worksheet, XlsxError};
use std::borrow::Cow;

/// One column of a table: the field it shows, its CSV column (none: in the
/// workbooks only) and its workbook heading (none: in the CSV only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Col<F> {
    pub field: F,
    pub csv: Option<Column>,
    pub heading: Option<&'static str>,
}

/// A column of both the CSV and the workbooks.
pub(crate) const fn both<F>(field: F, csv: Column, heading: &'static str) -> Col<F> {
    Col { field, csv: Some(csv), heading: Some(heading) }
}

/// A column of the CSV only.
pub(crate) const fn csv_only<F>(field: F, csv: Column) -> Col<F> {
    Col { field, csv: Some(csv), heading: None }
}

/// A column of the workbooks only.
pub(crate) const fn sheet_only<F>(field: F, heading: &'static str) -> Col<F> {
    Col { field, csv: None, heading: Some(heading) }
}

/// The CSV columns of a table, in order.
pub(crate) fn csv_columns<F>(cols: &[Col<F>]) -> Vec<Column> {
    cols.iter().filter_map(|c| c.csv).collect()
}

/// A row as the CSV writes it: each CSV column's value (text borrowed
/// where the value borrows it: a findings file has half a million cells).
pub(crate) fn csv_row<'a, F: Copy>(cols: &[Col<F>], value: impl Fn(F) -> Value<'a>) -> Vec<Cow<'a, str>> {
    cols.iter().filter(|c| c.csv.is_some()).map(|c| value(c.field).into_csv()).collect()
}

/// Every field that has a heading, in the declaration's order: a sheet that
/// shows the whole table.
pub(crate) fn sheet_fields<F: Copy>(cols: &[Col<F>]) -> Vec<F> {
    cols.iter().filter(|c| c.heading.is_some()).map(|c| c.field).collect()
}

/// The headings of `fields`, in the order given (a field without one: "").
pub(crate) fn headings<F: PartialEq>(cols: &[Col<F>], fields: &[F]) -> Vec<&'static str> {
    fields.iter().map(|f| heading(cols, f)).collect()
}

/// The heading of one field ("" when it has none).
pub(crate) fn heading<F: PartialEq>(cols: &[Col<F>], field: &F) -> &'static str {
    cols.iter().find(|c| c.field == *field).and_then(|c| c.heading).unwrap_or("")
}

/// The column of `field` on a sheet that shows `fields` from column 0.
pub(crate) fn position<F: PartialEq>(fields: &[F], field: &F) -> u16 {
    col(fields.iter().position(|f| f == field).unwrap_or(fields.len()))
}

/// Writes a row of `fields` from column 0, each cell as its value's kind says.
pub(crate) fn write_row<'a, F: Copy>(
    ws: &mut Worksheet,
    row: u32,
    fields: &[F],
    value: impl Fn(F) -> Value<'a>,
    s: &Styles,
) -> Result<(), XlsxError> {
    for (i, f) in fields.iter().enumerate() {
        value(*f).write(ws, row, col(i), s)?;
    }
    Ok(())
}

/// A field's value, and so how it looks in the CSV and in a cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    /// Nothing: an empty CSV cell, no cell.
    Empty,
    /// Text (names, codes): as it is; a string cell.
    Text(Cow<'a, str>),
    /// Long text (comments, explanations): as it is; a wrapped string cell.
    Wrapped(Cow<'a, str>),
    /// What the CSV writes as a code (`warning`, `bou`) and a sheet as
    /// people read it (`varning`, the delresa's name): a string cell.
    Coded { code: Cow<'a, str>, shown: Cow<'a, str> },
    /// A count: a number cell.
    Count(u64),
    /// A change between two counts: a number cell.
    Change(i64),
    /// Trainer points: without trailing zeros (`1.25`, `3`); a number cell
    /// with two decimals.
    Points(Decimal),
    /// Kronor: two decimals with a dot; a number cell in `kr`.
    Money(Money),
    /// A share in percent: the CSV's text (`91.4`), a percent cell (none
    /// when there is no share).
    Percent { csv: String, percent: Option<Decimal> },
}

impl<'a> Value<'a> {
    /// The cell as the CSV writes it (`csv_out::write_rows` then makes it safe).
    #[cfg(test)]
    pub(crate) fn csv(&self) -> String {
        self.clone().into_csv().into_owned()
    }

    /// The cell as the CSV writes it, text as the value holds it (borrowed or not).
    pub(crate) fn into_csv(self) -> Cow<'a, str> {
        match self {
            Value::Empty => Cow::Borrowed(""),
            Value::Text(t) | Value::Wrapped(t) | Value::Coded { code: t, .. } => t,
            Value::Count(n) => n.to_string().into(),
            Value::Change(n) => n.to_string().into(),
            Value::Points(p) => points_text(p).into(),
            Value::Money(m) => m.to_csv().into(),
            Value::Percent { csv, .. } => csv.into(),
        }
    }

    /// Writes the cell: text as a string cell, numbers with their format.
    pub(crate) fn write(&self, ws: &mut Worksheet, row: u32, c: u16, s: &Styles) -> Result<(), XlsxError> {
        match self {
            Value::Empty | Value::Percent { percent: None, .. } => return Ok(()),
            Value::Text(t) | Value::Coded { shown: t, .. } => ws.write_text(row, c, t)?,
            Value::Wrapped(t) => ws.write_text_with_format(row, c, t, &s.wrap)?,
            Value::Count(n) => ws.write_number(row, c, *n as f64)?,
            Value::Change(n) => ws.write_number(row, c, *n as f64)?,
            Value::Points(p) => ws.write_number_with_format(row, c, p.to_f64().unwrap_or(0.0), &s.decimal)?,
            Value::Money(m) => ws.write_number_with_format(row, c, m.to_f64_for_display(), &s.money)?,
            Value::Percent { percent: Some(p), .. } => {
                ws.write_number_with_format(row, c, p.to_f64().unwrap_or(0.0) / 100.0, &s.percent)?
            }
        };
        Ok(())
    }

    /// The width in pixels rust_xlsxwriter's `autofit` measures for this
    /// cell before its padding (0 for no cell): the widest line of a text by
    /// Excel's character widths, 7 pixels per character of a number as Rust
    /// prints it. A streamed table ([`LongTable`](super::sheet::LongTable)),
    /// whose rows have left memory before autofit could see them, fits its
    /// columns with it.
    pub(crate) fn autofit_pixels(&self) -> u32 {
        let text = |t: &str| t.lines().map(|l| rust_xlsxwriter::utility::cell_autofit_width(l) - 7).max();
        let number = |n: f64| 7 * n.to_string().len() as u32;
        match self {
            Value::Empty | Value::Percent { percent: None, .. } => 0,
            Value::Text(t) | Value::Wrapped(t) | Value::Coded { shown: t, .. } => {
                text(&super::sheet::fit_text(t)).unwrap_or(0)
            }
            Value::Count(n) => number(*n as f64),
            Value::Change(n) => number(*n as f64),
            Value::Points(p) => number(p.to_f64().unwrap_or(0.0)),
            Value::Money(m) => number(m.to_f64_for_display()),
            Value::Percent { percent: Some(p), .. } => number(p.to_f64().unwrap_or(0.0) / 100.0),
        }
    }

    /// Writes the cell like [`Value::write`], with `look` (bold, for a total
    /// row) on text and counts, the cells that have no format of their own.
    pub(crate) fn write_as(
        &self,
        ws: &mut Worksheet,
        row: u32,
        c: u16,
        s: &Styles,
        look: &Format,
    ) -> Result<(), XlsxError> {
        match self {
            Value::Text(t) | Value::Coded { shown: t, .. } => ws.write_text_with_format(row, c, t, look)?,
            Value::Count(n) => ws.write_number_with_format(row, c, *n as f64, look)?,
            Value::Change(n) => ws.write_number_with_format(row, c, *n as f64, look)?,
            _ => return self.write(ws, row, c, s),
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The CSV header row of a table.
    fn csv_names<F>(cols: &[Col<F>]) -> Vec<&'static str> {
        csv_columns(cols).iter().map(|c| c.name).collect()
    }

    /// The CSV columns are FORMATS.md §5's, in English, in this order.
    #[test]
    fn the_csv_columns_are_the_documented_ones() {
        assert_eq!(
            csv_names(&payout::COLUMNS),
            ["kommunkod", "kommun", "utbildningsdagar", "poang", "belopp", "kommentar"]
        );
        assert_eq!(csv_names(&pot::COLUMNS), ["kommunkod", "kommun", "points", "exact_amount", "amount"]);
        assert_eq!(
            csv_names(&followup::COLUMNS),
            ["delresa", "kurs", "omgangar", "kursdagar", "anmalda", "godkanda", "andel"]
        );
        assert_eq!(csv_names(&findings::COLUMNS), ["severity", "code", "kommunkod", "subject", "detail"]);
        assert_eq!(
            csv_names(&accounts::COLUMNS),
            ["kommunkod", "kommun", "delresa", "konton", "medarbetare", "chefer", "utbildare", "k_admin"]
        );
        assert_eq!(
            csv_names(&progress::COLUMNS),
            ["kommunkod", "kommun", "kurs", "ej_paborjad", "pagaende", "genomfort"]
        );
    }

    /// Each sheet's headings, selected from its table's declaration.
    #[test]
    fn each_sheet_shows_its_headings() {
        fn whole<F: Copy + PartialEq>(cols: &[Col<F>]) -> Vec<&'static str> {
            headings(cols, &sheet_fields(cols))
        }
        assert_eq!(
            whole(&payout::COLUMNS),
            ["Kommunkod", "Kommun", "Fakturareferens", "Antal utbildningsdagar", "Poäng", "Belopp", "Kommentarer"]
        );
        assert_eq!(
            whole(&pot::COLUMNS),
            ["Kommunkod", "Kommun", "Poäng", "Exakt belopp", "Utbetalning", "Varav justering tidigare år"]
        );
        assert_eq!(
            headings(&followup::COLUMNS, &followup::SHEET),
            ["Kurs", "Kursomgångar", "Kursdagar", "Anmälda", "Godkända", "Andel godkända"]
        );
        assert_eq!(
            headings(&findings::COLUMNS, &findings::REGIONAL),
            ["Allvarlighet", "Kod", "Avvikelse", "Kommunkod", "Kommun", "Gäller", "Förklaring"]
        );
        assert_eq!(
            headings(&findings::COLUMNS, &findings::MUNICIPALITY),
            ["Åtgärdas av", "Allvarlighet", "Avvikelse", "Gäller", "Vad göra", "Kod"]
        );
        assert_eq!(
            headings(&accounts::COLUMNS, &accounts::REGIONAL),
            ["Kommun", "Antal konton", "Varav medarbetare", "Varav chefer", "Varav utbildare", "Varav k-admin"]
        );
        assert_eq!(
            headings(&accounts::COLUMNS, &accounts::MUNICIPALITY),
            [
                "Delresa",
                "Antal konton",
                "Varav medarbetare",
                "Varav chefer",
                "Varav utbildare",
                "Varav k-admin",
                "Förändring sedan förra månaden"
            ]
        );
        assert_eq!(
            headings(&progress::COLUMNS, &progress::MUNICIPALITY),
            ["Kurs", "Ej påbörjad", "Pågående", "Genomfört"]
        );
    }

    #[test]
    fn a_value_reads_the_same_in_the_csv_whatever_its_look() {
        let money = Money::parse("-650").unwrap();
        assert_eq!(Value::Money(money).csv(), "-650.00");
        assert_eq!(Value::Points(Decimal::new(125, 2)).csv(), "1.25");
        assert_eq!(Value::Points(Decimal::new(300, 2)).csv(), "3");
        assert_eq!(Value::Coded { code: "warning".into(), shown: "varning".into() }.csv(), "warning");
        assert_eq!(Value::Change(-2).csv(), "-2");
        assert_eq!(Value::Empty.csv(), "");
    }
}
