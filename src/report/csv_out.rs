//! The CSV outputs of FORMATS.md §5: UTF-8, comma, header row, amounts with a
//! dot and two decimals, rows sorted by municipality code.
//!
//! Every table is declared as a list of [`Column`]s (heading and [`Kind`]) and
//! written by the one row writer [`write_rows`], which neutralises text cells
//! that a spreadsheet would read as a formula (OWASP "CSV injection"): a text
//! cell that begins with `=`, `+`, `-`, `@`, TAB or CR gets a `'` in front.
//! Numbers and codes the program formats itself are written as they are.

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
pub(crate) fn write_rows(
    path: &Path,
    columns: &[Column],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<(), ReportError> {
    let err = |source| ReportError::Csv { path: path.to_path_buf(), source };
    let mut w = csv::Writer::from_path(path).map_err(err)?;
    w.write_record(columns.iter().map(|c| c.name)).map_err(err)?;
    for r in rows {
        for (i, v) in r.iter().enumerate() {
            // A cell beyond the columns (a writer's mistake, refused by csv below) counts as text.
            let kind = columns.get(i).map_or(Kind::Text, |c| c.kind);
            w.write_field(cell(kind, v).as_bytes()).map_err(err)?;
        }
        w.write_record(None::<&[u8]>).map_err(err)?;
    }
    w.flush().map_err(|e| err(e.into()))?;
    Ok(())
}

/// `invoice-basis-YYYY-MM.csv`: only non-zero lines (columns from [`super::invoice_lines`]).
pub fn write_invoice_csv(path: &Path, config: &Config, basis: &InvoiceBasis) -> Result<(), ReportError> {
    let rows = basis.lines.iter().filter(|l| !l.amount.is_zero()).map(|l| super::invoice_lines::csv_row(config, l));
    write_rows(path, &super::invoice_lines::csv_columns(), rows)
}

/// Columns of `trainer-pot-YYYY.csv`.
pub(crate) const POT_COLUMNS: [Column; 5] =
    [number("kommunkod"), text("kommun"), number("points"), number("exact_amount"), number("amount")];

/// `trainer-pot-YYYY.csv`: every configured municipality, then the region's row.
pub fn write_pot_csv(path: &Path, config: &Config, pot: &PotDistribution) -> Result<(), ReportError> {
    let rows = pot.rows.iter().map(|r| {
        vec![
            config.recipient_code(r.recipient),
            config.recipient_name(r.recipient),
            points_text(r.points),
            r.exact.to_csv(),
            r.amount.to_csv(),
        ]
    });
    write_rows(path, &POT_COLUMNS, rows)
}

/// Trainer points as the CSV writes them: no trailing zeros ("1.25", "3").
fn points_text(points: rust_decimal::Decimal) -> String {
    let mut points = points.normalize();
    if points.scale() == 0 {
        points.rescale(0);
    }
    points.to_string()
}

/// Columns of `utbetalning-utbildarpott-YYYY.csv`.
pub(crate) const PAYOUT_COLUMNS: [Column; 6] = [
    number("kommunkod"),
    text("kommun"),
    number("utbildningsdagar"),
    number("poang"),
    number("belopp"),
    text("kommentar"),
];

/// `utbetalning-utbildarpott-YYYY.csv` (settlement `payout`): the payout list
/// for finance, one row per recipient that taught or receives money; `belopp`
/// sums to the year's total (the pot plus any adjustments).
pub fn write_payout_csv(path: &Path, config: &Config, pot: &PotDistribution) -> Result<(), ReportError> {
    let rows = super::pot_tables::published_rows(pot).map(|r| {
        vec![
            config.recipient_code(r.recipient),
            config.recipient_name(r.recipient),
            r.days.to_string(),
            points_text(r.points),
            r.amount.to_csv(),
            r.comment.clone(),
        ]
    });
    write_rows(path, &PAYOUT_COLUMNS, rows)
}

/// Columns of `followup-YYYY.csv`.
pub(crate) const FOLLOWUP_COLUMNS: [Column; 7] = [
    text("delresa"),
    text("kurs"),
    number("omgangar"),
    number("kursdagar"),
    number("anmalda"),
    number("godkanda"),
    number("andel"),
];

/// `followup-YYYY.csv`: one row per delresa and course (no total rows; the
/// workbook shows totals).
pub fn write_followup_csv(path: &Path, f: &FollowUp) -> Result<(), ReportError> {
    let rows = f.sections.iter().flat_map(|s| {
        s.rows.iter().map(move |r| {
            vec![
                s.delresa.to_string(),
                r.course.clone(),
                r.rounds.to_string(),
                r.days.to_string(),
                r.registered.to_string(),
                r.approved.to_string(),
                r.share_csv(),
            ]
        })
    });
    write_rows(path, &FOLLOWUP_COLUMNS, rows)
}

/// Columns of `reconciliation.csv`.
pub(crate) const RECONCILIATION_COLUMNS: [Column; 5] =
    [text("severity"), text("code"), number("kommunkod"), text("subject"), text("detail")];

/// `reconciliation.csv`: findings sorted by municipality code, then code.
pub fn write_reconciliation_csv(path: &Path, findings: &[Finding]) -> Result<(), ReportError> {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| (a.kommun, a.code.as_str(), &a.subject).cmp(&(b.kommun, b.code.as_str(), &b.subject)));
    let rows = sorted.into_iter().map(|f| {
        vec![
            f.severity.to_string(),
            f.code.to_string(),
            f.kommun.map(|k| k.to_string()).unwrap_or_default(),
            f.subject.clone(),
            f.detail.clone(),
        ]
    });
    write_rows(path, &RECONCILIATION_COLUMNS, rows)
}

/// Columns of `accounts-by-municipality.csv`.
pub(crate) const ACCOUNTS_COLUMNS: [Column; 8] = [
    number("kommunkod"),
    text("kommun"),
    text("delresa"),
    number("konton"),
    number("medarbetare"),
    number("chefer"),
    number("utbildare"),
    number("k_admin"),
];

/// `accounts-by-municipality.csv`: one row per municipality and delresa.
pub fn write_accounts_csv(
    path: &Path,
    config: &Config,
    counts: &std::collections::BTreeMap<
        (crate::domain::KommunKod, Option<crate::domain::DelresaCode>),
        crate::domain::AccountCount,
    >,
) -> Result<(), ReportError> {
    let rows = counts.iter().map(|((k, d), c)| {
        vec![
            k.to_string(),
            config.municipality(*k).map(|m| m.name.clone()).unwrap_or_default(),
            d.as_ref().map(|d| d.to_string()).unwrap_or_default(),
            c.accounts.to_string(),
            c.medarbetare.to_string(),
            c.chefer.to_string(),
            c.utbildare.to_string(),
            c.k_admin.to_string(),
        ]
    });
    write_rows(path, &ACCOUNTS_COLUMNS, rows)
}

/// Columns of `progress-by-municipality.csv`.
pub(crate) const PROGRESS_COLUMNS: [Column; 6] =
    [number("kommunkod"), text("kommun"), text("kurs"), number("ej_paborjad"), number("pagaende"), number("genomfort")];

/// `progress-by-municipality.csv`: one row per municipality and course.
pub fn write_progress_csv(
    path: &Path,
    config: &Config,
    progress: &[crate::domain::Progress],
) -> Result<(), ReportError> {
    let rows = progress.iter().map(|p| {
        vec![
            p.kommun.to_string(),
            config.municipality(p.kommun).map(|m| m.name.clone()).unwrap_or_default(),
            p.course.clone(),
            p.not_started.to_string(),
            p.in_progress.to_string(),
            p.complete.to_string(),
        ]
    });
    write_rows(path, &PROGRESS_COLUMNS, rows)
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
