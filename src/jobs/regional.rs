//! The regional picture both the nightly sync and the follow-up job write:
//! reconciliation findings, accounts and progress per municipality, the
//! follow-up table and the pot of a year, as CSV and as the regional workbook.

use super::pot::YearPot;
use super::staging::Staging;
use super::JobError;
use crate::billing::followup;
use crate::config::Config;
use crate::domain::Finding;
use crate::domain::PlatformSummary;
use crate::domain::Register;
use crate::domain::Year;
use crate::reconcile::pot_findings;
use crate::report::{
    regional_workbook, write_accounts_csv, write_followup_csv, write_progress_csv, write_reconciliation_csv,
    RegionalReport,
};
use std::collections::HashMap;

/// Computes and stages the regional outputs from the platform's summary
/// and the year's pot (given with the register it was computed from; see
/// [`super::pot::year_pot`]); returns the findings and the workbook, and
/// what `also` made of the findings on the second thread, after the CSV
/// files, while this one built the workbook.
pub(crate) fn stage_regional<T: Send>(
    staging: &mut Staging,
    config: &Config,
    year: Year,
    register: Option<(&Register, YearPot)>,
    summary: PlatformSummary,
    also: impl FnOnce(&[Finding]) -> T + Send,
) -> Result<(Vec<Finding>, Vec<u8>, T), JobError> {
    let PlatformSummary { mut findings, overlaps, accounts, progress } = summary;
    findings.extend(overlaps);
    let has_completions = progress.is_some();
    let progress = progress.unwrap_or_default();
    let progress = &progress[..];
    let (table, pot) = match register {
        Some((r, pot)) => {
            findings.extend(pot_findings(&pot.pot));
            findings.extend(pot.findings);
            (Some(followup(r, config, year)), Some(pot.pot))
        }
        None => (None, None),
    };

    // The CSV files are written on a second thread while this one builds the workbook.
    let reconciliation = staging.path("reconciliation.csv")?;
    let accounts_csv = accounts.as_ref().map(|_| staging.path("accounts-by-municipality.csv")).transpose()?;
    let progress_csv = has_completions.then(|| staging.path("progress-by-municipality.csv")).transpose()?;
    let followup_csv = table.as_ref().map(|_| staging.path(&format!("followup-{year}.csv"))).transpose()?;
    let write_csv = || -> Result<T, JobError> {
        write_reconciliation_csv(&reconciliation, &findings)?;
        if let (Some(p), Some(a)) = (&accounts_csv, &accounts) {
            write_accounts_csv(p, config, a)?;
        }
        if let Some(p) = &progress_csv {
            write_progress_csv(p, config, progress)?;
        }
        if let (Some(p), Some(t)) = (&followup_csv, &table) {
            write_followup_csv(p, t)?;
        }
        Ok(also(&findings))
    };
    let report = RegionalReport {
        followup: table.as_ref(),
        pot: pot.as_ref(),
        accounts: accounts.as_ref(),
        progress: has_completions.then_some(progress),
        findings: &findings,
    };
    let (csv, workbook) = crate::parallel::both(write_csv, || regional_workbook(config, &report));
    let also = csv?;
    let workbook = workbook?;
    staging.write(&format!("uppfoljning-{year}.xlsx"), &workbook)?;
    Ok((findings, workbook, also))
}

/// One line per finding code with the count per municipality, for the run summary.
pub(crate) fn finding_counts(config: &Config, findings: &[Finding]) -> Vec<String> {
    counts_by_code(config, findings).into_iter().map(|(code, n, detail)| format!("{code}: {n} ({detail}).")).collect()
}

/// The same counts in Swedish, for the project lead: what each code means,
/// the code in brackets.
pub(crate) fn finding_counts_swedish(config: &Config, findings: &[Finding]) -> Vec<String> {
    counts_by_code(config, findings)
        .into_iter()
        .map(|(code, n, detail)| format!("{n} × {} [{code}] ({detail})", code.explanation()))
        .collect()
}

/// Per code: how many, and how many per municipality (`Falun 2, – 1`).
fn counts_by_code(config: &Config, findings: &[Finding]) -> Vec<(crate::domain::Code, usize, String)> {
    let mut codes: Vec<crate::domain::Code> = findings.iter().map(|f| f.code).collect();
    codes.sort_unstable_by_key(|c| c.as_str());
    codes.dedup();
    codes
        .into_iter()
        .map(|code| {
            // Per name, in the order the names first appear.
            let mut per: Vec<(&str, usize)> = Vec::new();
            let mut at: HashMap<&str, usize> = HashMap::new();
            for f in findings.iter().filter(|f| f.code == code) {
                let name = f.kommun.and_then(|k| config.municipality(k)).map_or("–", |m| m.name.as_str());
                let i = *at.entry(name).or_insert_with(|| {
                    per.push((name, 0));
                    per.len() - 1
                });
                per[i].1 += 1;
            }
            let n = per.iter().map(|(_, c)| c).sum();
            let detail = per.iter().map(|(n, c)| format!("{n} {c}")).collect::<Vec<_>>().join(", ");
            (code, n, detail)
        })
        .collect()
}
