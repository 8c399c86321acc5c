//! The CSV outputs of FORMATS.md §5: UTF-8, comma, header row, amounts with a
//! dot and two decimals, rows sorted by municipality code.
//!
//! Every table's columns are [`Column`]s (heading and [`Kind`]), declared once
//! with the workbooks' headings (`tables`, `invoice_lines`), and written by
//! the one row writer [`write_rows`], which neutralises text cells
//! that a spreadsheet would read as a formula (OWASP "CSV injection"): a text
//! cell that begins with `=`, `+`, `-`, `@`, TAB or CR gets a `'` in front.
//! Numbers and codes the program formats itself are written as they are.

use super::tables;
use super::ReportError;
use crate::config::Config;
use crate::domain::Finding;
use crate::domain::FollowUp;
use crate::domain::{InvoiceBasis, PotDistribution};
use std::borrow::Cow;
use std::path::Path;

/// What a CSV column holds, which decides whether its cells are neutralised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Text from people or files (names, courses, descriptions): neutralised.
    Text,
    /// A number or code the program formats itself (amounts, counts, points,
    /// shares, municipality codes): written as is when it reads as a number,
    /// so `-650.00` stays `-650.00`. Anything else is treated as text.
    Number,
}

/// One column of a CSV table: its heading and what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Column {
    /// The heading in the header row.
    pub name: &'static str,
    /// Text or number.
    pub kind: Kind,
}

/// A text column.
pub(crate) const fn text(name: &'static str) -> Column {
    Column { name, kind: Kind::Text }
}

/// A number (or code) column.
pub(crate) const fn number(name: &'static str) -> Column {
    Column { name, kind: Kind::Number }
}

/// The characters that make a spreadsheet read a cell as a formula (OWASP).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell made safe to open in a spreadsheet: `'` in front when it
/// begins with a formula character, else unchanged.
pub(crate) fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// True for a plain decimal number such as `12`, `-650.00` or `0.5`.
fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// One cell as written: numbers as they are, everything else neutralised.
pub(crate) fn cell(kind: Kind, value: &str) -> Cow<'_, str> {
    match kind {
        Kind::Number if value.is_empty() || is_plain_number(value) => Cow::Borrowed(value),
        Kind::Number | Kind::Text => neutralise(value),
    }
}

/// The one row writer of every CSV output: the header row from `columns`,
/// then each row with its cells made safe by their column's kind.
pub(crate) fn write_rows<S: AsRef<str>>(
    path: &Path,
    columns: &[Column],
    rows: impl IntoIterator<Item = Vec<S>>,
) -> Result<(), ReportError> {
    let err = |source| ReportError::Csv { path: path.to_path_buf(), source };
    // Outputs are new files in a fresh staging folder: created exclusively,
    // never through a link, with the private file mode.
    let file = crate::safe_fs::create_new(path).map_err(|e| err(csv::Error::from(e)))?;
    // Written a quarter of a megabyte at a time (a findings file is 35 MB at national scale).
    let mut w = csv::WriterBuilder::new().buffer_capacity(1 << 18).from_writer(file);
    w.write_record(columns.iter().map(|c| c.name)).map_err(err)?;
    for r in rows {
        for (i, v) in r.iter().enumerate() {
            // A cell beyond the columns (a writer's mistake, refused by csv below) counts as text.
            let kind = columns.get(i).map_or(Kind::Text, |c| c.kind);
            w.write_field(cell(kind, v.as_ref()).as_bytes()).map_err(err)?;
        }
        w.write_record(None::<&[u8]>).map_err(err)?;
    }
    let file = w.into_inner().map_err(|e| err(e.into_error().into()))?;
    crate::safe_fs::start_write_back(&file);
    Ok(())
}

/// `invoice-basis-YYYY-MM.csv`: only non-zero lines (columns from [`super::invoice_lines`]).
pub fn write_invoice_csv(path: &Path, config: &Config, basis: &InvoiceBasis) -> Result<(), ReportError> {
    let rows = basis.lines.iter().filter(|l| !l.amount.is_zero()).map(|l| super::invoice_lines::csv_row(config, l));
    write_rows(path, &super::invoice_lines::csv_columns(), rows)
}

/// `trainer-pot-YYYY.csv`: every configured municipality, then the region's
/// row (columns from [`tables::pot`]).
pub fn write_pot_csv(path: &Path, config: &Config, pot: &PotDistribution) -> Result<(), ReportError> {
    let cols = &tables::pot::COLUMNS;
    let rows = pot.rows.iter().map(|r| tables::csv_row(cols, |f| tables::pot::value(config, r, f)));
    write_rows(path, &tables::csv_columns(cols), rows)
}

/// Trainer points as the CSV writes them: no trailing zeros ("1.25", "3").
pub(crate) fn points_text(points: rust_decimal::Decimal) -> String {
    let mut points = points.normalize();
    if points.scale() == 0 {
        points.rescale(0);
    }
    points.to_string()
}

/// `utbetalning-utbildarpott-YYYY.csv` (settlement `payout`): the payout list
/// for finance, one row per recipient that taught or receives money; `belopp`
/// sums to the year's total (the pot plus any adjustments). Columns from
/// [`tables::payout`].
pub fn write_payout_csv(path: &Path, config: &Config, pot: &PotDistribution) -> Result<(), ReportError> {
    let cols = &tables::payout::COLUMNS;
    let rows =
        super::pot_tables::published_rows(pot).map(|r| tables::csv_row(cols, |f| tables::payout::value(config, r, f)));
    write_rows(path, &tables::csv_columns(cols), rows)
}

/// `followup-YYYY.csv`: one row per delresa and course (no total rows; the
/// workbook shows totals). Columns from [`tables::followup`].
pub fn write_followup_csv(path: &Path, f: &FollowUp) -> Result<(), ReportError> {
    let cols = &tables::followup::COLUMNS;
    let rows = f.sections.iter().flat_map(|s| {
        s.rows.iter().map(move |r| tables::csv_row(cols, |field| tables::followup::value(&s.delresa, r, field)))
    });
    write_rows(path, &tables::csv_columns(cols), rows)
}

/// `reconciliation.csv`: findings sorted by municipality code, then code
/// (columns from [`tables::findings`]).
pub fn write_reconciliation_csv(path: &Path, findings: &[Finding]) -> Result<(), ReportError> {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| (a.kommun, a.code.as_str(), &a.subject).cmp(&(b.kommun, b.code.as_str(), &b.subject)));
    let cols = &tables::findings::COLUMNS;
    let rows = sorted.into_iter().map(|f| tables::csv_row(cols, |field| tables::findings::value(None, f, field)));
    write_rows(path, &tables::csv_columns(cols), rows)
}

/// `accounts-by-municipality.csv`: one row per municipality and delresa
/// (columns from [`tables::accounts`]).
pub fn write_accounts_csv(
    path: &Path,
    config: &Config,
    counts: &std::collections::BTreeMap<
        (crate::domain::KommunKod, Option<crate::domain::DelresaCode>),
        crate::domain::AccountCount,
    >,
) -> Result<(), ReportError> {
    let cols = &tables::accounts::COLUMNS;
    let rows = counts.iter().map(|((kommun, d), now)| {
        let row = tables::accounts::Row { kommun: *kommun, delresa: d.as_ref(), now, before: None };
        tables::csv_row(cols, |f| tables::accounts::value(config, &row, f))
    });
    write_rows(path, &tables::csv_columns(cols), rows)
}

/// `progress-by-municipality.csv`: one row per municipality and course
/// (columns from [`tables::progress`]).
pub fn write_progress_csv(
    path: &Path,
    config: &Config,
    progress: &[crate::domain::Progress],
) -> Result<(), ReportError> {
    let cols = &tables::progress::COLUMNS;
    let rows = progress.iter().map(|p| tables::csv_row(cols, |f| tables::progress::value(config, p, f)));
    write_rows(path, &tables::csv_columns(cols), rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &str = "=HYPERLINK(\"http://x\",\"klicka\")";

    #[test]
    fn text_that_a_spreadsheet_would_run_gets_a_quote_in_front() {
        for start in ["=", "+", "-", "@", "\t", "\r"] {
            let value = format!("{start}1+1");
            assert_eq!(cell(Kind::Text, &value), format!("'{value}"), "{start:?}");
        }
        assert_eq!(cell(Kind::Text, LINK), format!("'{LINK}"));
    }

    #[test]
    fn other_text_is_unchanged() {
        for value in ["Anna Andersson", "", " =1+1", "'=1+1", "Malung-Sälen", "1=1", "kurs@x"] {
            assert_eq!(cell(Kind::Text, value), value);
        }
    }

    #[test]
    fn numbers_and_codes_are_unchanged_negative_amounts_included() {
        for value in ["-650.00", "650.00", "0", "12", "2080", "20", "87.5", "-1", ""] {
            assert_eq!(cell(Kind::Number, value), value);
        }
        // The same text in a text column is text.
        assert_eq!(cell(Kind::Text, "-650.00"), "'-650.00");
    }

    #[test]
    fn a_number_column_holding_something_else_is_treated_as_text() {
        let cases = [
            ("=1+1", "'=1+1"),
            ("-1+1", "'-1+1"),
            ("+5", "'+5"),
            ("-", "'-"),
            ("-.5", "'-.5"),
            ("@x", "'@x"),
            ("1e5", "1e5"),
        ];
        for (value, written) in cases {
            assert_eq!(cell(Kind::Number, value), written, "{value}");
        }
    }

    #[test]
    fn the_row_writer_applies_the_rule_by_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let columns = [text("kommun"), text("description"), number("amount")];
        let rows = vec![vec!["Mora".to_string(), LINK.to_string(), "-650.00".to_string()]];
        write_rows(&path, &columns, rows).unwrap();
        let mut r = csv::Reader::from_path(&path).unwrap();
        assert_eq!(r.headers().unwrap(), vec!["kommun", "description", "amount"]);
        let rec = r.records().next().unwrap().unwrap();
        assert_eq!(rec, vec!["Mora", &format!("'{LINK}"), "-650.00"]);
    }

    #[test]
    fn a_row_with_the_wrong_number_of_cells_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let rows = vec![vec!["a".to_string()]];
        assert!(write_rows(&dir.path().join("t.csv"), &[text("a"), text("b")], rows).is_err());
    }
}
