//! Reconciliation: what does not add up between the sources, as findings.
//!
//! Pure functions from typed records to [`Finding`]s: the register's own
//! consistency notes (a participant listed twice), the pot's (a paid course
//! day without trainers), and [`reconcile`], the register against the
//! platform's latest snapshots.

mod platform;

pub use platform::reconcile;

use crate::domain::{swedish_date, Code, ExportKind, Finding, Overlap, PotDistribution, Register, Severity};
use std::collections::BTreeMap;

/// Findings from the register itself.
pub fn register_findings(register: &Register) -> Vec<Finding> {
    register
        .notes
        .iter()
        .map(|n| Finding {
            severity: Severity::Warning,
            code: n.code,
            kommun: n.kommun,
            subject: n.subject.clone(),
            detail: n.detail.clone().into(),
            date: n.date,
            delresa: n.delresa.clone(),
        })
        .collect()
}

/// Findings from the pot: course days whose pot no trainer could take.
pub fn pot_findings(pot: &PotDistribution) -> Vec<Finding> {
    pot.days
        .iter()
        .filter(|d| d.points.is_zero() && !d.pot.is_zero())
        .map(|d| {
            Finding::new(
                Code::DayWithoutTrainers,
                None,
                format!("{} omgång {} dag {} ({})", d.course, d.round, d.day, swedish_date(d.date)),
                format!(
                    "Kursdagen gav {} till utbildarpotten men har ingen kursledare eller utbildare i registret; \
                     beloppet stannar hos regionen. Lägg till dagens utbildare i bladet Utbildare.",
                    d.pot.kr_text()
                ),
            )
            .with_severity(Severity::Warning)
            .on(d.date)
        })
        .collect()
}

/// Findings from the platform view: per pair of current exports, the keys
/// they both hold with different values (the newer export's values are used).
pub fn overlap_findings(overlaps: &[Overlap]) -> Vec<Finding> {
    let mut pairs: BTreeMap<(&str, &str, &str), Vec<&str>> = BTreeMap::new();
    for o in overlaps {
        pairs.entry((o.kind.as_str(), &o.newer, &o.older)).or_default().push(&o.key);
    }
    pairs
        .into_iter()
        .map(|((kind, newer, older), keys)| {
            let what = match kind {
                k if k == ExportKind::Accounts.as_str() => "konto(n)",
                k if k == ExportKind::Completions.as_str() => "kursresultat",
                _ => "anmälning(ar)",
            };
            let shown: Vec<&str> = keys.iter().take(3).copied().collect();
            let more = if keys.len() > shown.len() {
                format!(" och {} till", keys.len() - shown.len())
            } else {
                String::new()
            };
            Finding::new(
                Code::OverlappingExports,
                None,
                format!("{newer} och {older}"),
                format!(
                    "{} {what} finns i båda exporterna med olika värden ({}{more}); värdena i den nyare, {newer}, \
                     gäller. Kontrollera att rapporterna i lärplattformen inte överlappar.",
                    keys.len(),
                    shown.join("; ")
                ),
            )
        })
        .collect()
}
