//! The CSV outputs of FORMATS.md §5: UTF-8, comma, header row, amounts with a
//! dot and two decimals, rows sorted by municipality code.

use super::ReportError;
use crate::billing::{FollowUp, InvoiceBasis, PotDistribution};
use crate::config::Config;
use crate::reconcile::Finding;
use std::path::Path;

pub(crate) fn write_rows(path: &Path, header: &[&str], rows: Vec<Vec<String>>) -> Result<(), ReportError> {
    let err = |source| ReportError::Csv { path: path.to_path_buf(), source };
    let mut w = csv::Writer::from_path(path).map_err(err)?;
    w.write_record(header).map_err(err)?;
    for r in rows {
        w.write_record(&r).map_err(err)?;
    }
    w.flush().map_err(|e| err(e.into()))?;
    Ok(())
}

/// `invoice-basis-YYYY-MM.csv`: only non-zero lines.
pub fn write_invoice_csv(path: &Path, config: &Config, basis: &InvoiceBasis) -> Result<(), ReportError> {
    let rows = basis
        .lines
        .iter()
        .filter(|l| !l.amount.is_zero())
        .map(|l| {
            vec![
                l.kommun.to_string(),
                config.municipality(l.kommun).map(|m| m.name.clone()).unwrap_or_default(),
                l.article.clone(),
                l.description.clone(),
                l.quantity.to_string(),
                l.unit_price.to_csv(),
                l.amount.to_csv(),
            ]
        })
        .collect();
    write_rows(path, &["kommunkod", "kommun", "article", "description", "quantity", "unit_price", "amount"], rows)
}

/// `trainer-pot-YYYY.csv`: every configured municipality, then the region's row.
pub fn write_pot_csv(path: &Path, config: &Config, pot: &PotDistribution) -> Result<(), ReportError> {
    let rows = pot
        .rows
        .iter()
        .map(|r| {
            let mut points = r.points.normalize();
            if points.scale() == 0 {
                points.rescale(0);
            }
            vec![
                config.recipient_code(r.recipient),
                config.recipient_name(r.recipient),
                points.to_string(),
                r.exact.to_csv(),
                r.amount.to_csv(),
            ]
        })
        .collect();
    write_rows(path, &["kommunkod", "kommun", "points", "exact_amount", "amount"], rows)
}

/// `utbetalning-utbildarpott-YYYY.csv` (settlement `payout`): the payout list
/// for finance, one row per recipient that taught or receives money; `belopp`
/// sums to the year's total (the pot plus any adjustments).
pub fn write_payout_csv(path: &Path, config: &Config, pot: &PotDistribution) -> Result<(), ReportError> {
    let rows = super::pot_tables::published_rows(pot)
        .map(|r| {
            let mut points = r.points.normalize();
            if points.scale() == 0 {
                points.rescale(0);
            }
            vec![
                config.recipient_code(r.recipient),
                config.recipient_name(r.recipient),
                r.days.to_string(),
                points.to_string(),
                r.amount.to_csv(),
                r.comment.clone(),
            ]
        })
        .collect();
    write_rows(path, &["kommunkod", "kommun", "utbildningsdagar", "poang", "belopp", "kommentar"], rows)
}

/// `followup-YYYY.csv`: one row per delresa and course (no total rows; the
/// workbook shows totals).
pub fn write_followup_csv(path: &Path, f: &FollowUp) -> Result<(), ReportError> {
    let rows = f
        .sections
        .iter()
        .flat_map(|s| {
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
        })
        .collect();
    write_rows(path, &["delresa", "kurs", "omgangar", "kursdagar", "anmalda", "godkanda", "andel"], rows)
}

/// `reconciliation.csv`: findings sorted by municipality code, then code.
pub fn write_reconciliation_csv(path: &Path, findings: &[Finding]) -> Result<(), ReportError> {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| (a.kommun, &a.code, &a.subject).cmp(&(b.kommun, &b.code, &b.subject)));
    let rows = sorted
        .into_iter()
        .map(|f| {
            vec![
                f.severity.to_string(),
                f.code.clone(),
                f.kommun.map(|k| k.to_string()).unwrap_or_default(),
                f.subject.clone(),
                f.detail.clone(),
            ]
        })
        .collect();
    write_rows(path, &["severity", "code", "kommunkod", "subject", "detail"], rows)
}

/// `accounts-by-municipality.csv`: one row per municipality and delresa.
pub fn write_accounts_csv(
    path: &Path,
    config: &Config,
    counts: &std::collections::BTreeMap<
        (crate::domain::KommunKod, Option<crate::domain::DelresaCode>),
        crate::billing::AccountCount,
    >,
) -> Result<(), ReportError> {
    let rows = counts
        .iter()
        .map(|((k, d), c)| {
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
        })
        .collect();
    write_rows(
        path,
        &["kommunkod", "kommun", "delresa", "konton", "medarbetare", "chefer", "utbildare", "k_admin"],
        rows,
    )
}

/// `progress-by-municipality.csv`: one row per municipality and course.
pub fn write_progress_csv(
    path: &Path,
    config: &Config,
    progress: &[crate::store::Progress],
) -> Result<(), ReportError> {
    let rows = progress
        .iter()
        .map(|p| {
            vec![
                p.kommun.to_string(),
                config.municipality(p.kommun).map(|m| m.name.clone()).unwrap_or_default(),
                p.course.clone(),
                p.not_started.to_string(),
                p.in_progress.to_string(),
                p.complete.to_string(),
            ]
        })
        .collect();
    write_rows(path, &["kommunkod", "kommun", "kurs", "ej_paborjad", "pagaende", "genomfort"], rows)
}
