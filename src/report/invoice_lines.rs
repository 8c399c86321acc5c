//! The invoice line, declared once: its columns (the CSV name finance
//! imports, the Swedish heading people read, the kind of value) and its
//! values. The CSV, the finance workbook's month sheets, the municipality's
//! *Fakturarader* and the e-mail text all render a line from here.

use super::csv_out::{number, text, Column};
use super::print::MONEY_WIDTH;
use super::sheet::TextCells;
use super::style::Styles;
use crate::config::Config;
use crate::domain::{InvoiceLine, Money};
use rust_xlsxwriter::{Worksheet, XlsxError};

/// A field of an invoice line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Kommunkod,
    Kommun,
    Fakturareferens,
    Artikel,
    Beskrivning,
    Antal,
    Apris,
    Belopp,
}

/// One column: the field, its CSV column (none: workbooks only) and its heading.
pub(crate) struct LineColumn {
    pub field: Field,
    pub csv: Option<Column>,
    pub label: &'static str,
}

/// Every column of an invoice line, in the order finance reads them.
pub(crate) const LINE_COLUMNS: [LineColumn; 8] = [
    LineColumn { field: Field::Kommunkod, csv: Some(number("kommunkod")), label: "Kommunkod" },
    LineColumn { field: Field::Kommun, csv: Some(text("kommun")), label: "Kommun" },
    LineColumn { field: Field::Fakturareferens, csv: None, label: "Fakturareferens" },
    LineColumn { field: Field::Artikel, csv: Some(text("article")), label: "Artikel" },
    LineColumn { field: Field::Beskrivning, csv: Some(text("description")), label: "Beskrivning" },
    LineColumn { field: Field::Antal, csv: Some(number("quantity")), label: "Antal" },
    LineColumn { field: Field::Apris, csv: Some(number("unit_price")), label: "À-pris" },
    LineColumn { field: Field::Belopp, csv: Some(number("amount")), label: "Belopp" },
];

/// The columns a municipality's own sheet shows (the municipality is known).
pub(crate) const OWN_FIELDS: [Field; 5] =
    [Field::Artikel, Field::Beskrivning, Field::Antal, Field::Apris, Field::Belopp];

/// A field's value.
pub(crate) enum Value {
    Text(String),
    Count(u32),
    Money(Money),
}

/// The value of a field of a line.
pub(crate) fn value(config: &Config, l: &InvoiceLine, field: Field) -> Value {
    let m = config.municipality(l.kommun);
    match field {
        Field::Kommunkod => Value::Text(l.kommun.to_string()),
        Field::Kommun => Value::Text(m.map(|m| m.name.clone()).unwrap_or_default()),
        Field::Fakturareferens => Value::Text(m.map(|m| m.invoice_reference.clone()).unwrap_or_default()),
        Field::Artikel => Value::Text(l.article.clone()),
        Field::Beskrivning => Value::Text(l.description.clone()),
        Field::Antal => Value::Count(l.quantity),
        Field::Apris => Value::Money(l.unit_price),
        Field::Belopp => Value::Money(l.amount),
    }
}

/// The CSV columns (FORMATS.md §5).
pub(crate) fn csv_columns() -> Vec<Column> {
    LINE_COLUMNS.iter().filter_map(|c| c.csv).collect()
}

/// A line as its CSV row.
pub(crate) fn csv_row(config: &Config, l: &InvoiceLine) -> Vec<String> {
    LINE_COLUMNS
        .iter()
        .filter(|c| c.csv.is_some())
        .map(|c| match value(config, l, c.field) {
            Value::Text(t) => t,
            Value::Count(n) => n.to_string(),
            Value::Money(m) => m.to_csv(),
        })
        .collect()
}

/// The headings of the given fields.
pub(crate) fn labels(fields: &[Field]) -> Vec<&'static str> {
    fields.iter().map(|f| LINE_COLUMNS.iter().find(|c| c.field == *f).map(|c| c.label).unwrap_or("")).collect()
}

/// Every field, for the finance sheet.
pub(crate) fn all_fields() -> Vec<Field> {
    LINE_COLUMNS.iter().map(|c| c.field).collect()
}

/// The columns of the given fields that need a minimum width (money), for
/// `print::min_widths`.
pub(crate) fn min_widths(fields: &[Field]) -> Vec<(u16, f64)> {
    let money = |f: &Field| matches!(f, Field::Apris | Field::Belopp);
    fields.iter().enumerate().filter(|(_, f)| money(f)).map(|(i, _)| (super::sheet::col(i), MONEY_WIDTH)).collect()
}

/// Writes a line's fields into a workbook row: text as strings (the
/// description wrapped), money with the `kr` format.
pub(crate) fn write_row(
    ws: &mut Worksheet,
    row: u32,
    config: &Config,
    l: &InvoiceLine,
    fields: &[Field],
    s: &Styles,
) -> Result<(), XlsxError> {
    for (i, f) in fields.iter().enumerate() {
        let c = super::sheet::col(i);
        match value(config, l, *f) {
            Value::Text(t) if *f == Field::Beskrivning => ws.write_text_with_format(row, c, t, &s.wrap)?,
            Value::Text(t) => ws.write_text(row, c, t)?,
            Value::Count(n) => ws.write_number(row, c, f64::from(n))?,
            Value::Money(m) => ws.write_number_with_format(row, c, m.to_f64_for_display(), &s.money)?,
        };
    }
    Ok(())
}

/// A line as the e-mail body lists it, the Swedish way: "Regionala
/// kursdagar, medarbetare 2026: 8 × 650,00 kr = 5 200,00 kr".
pub fn invoice_line_text(l: &InvoiceLine) -> String {
    format!("{}: {} × {} = {}", l.description, l.quantity, l.unit_price.kr_text(), l.amount.kr_text())
}
