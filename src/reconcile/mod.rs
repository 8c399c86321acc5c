//! Reconciliation: what does not add up between the sources, as findings.
//!
//! Pure functions from typed records to [`Finding`]s: the register's own
//! consistency notes (a participant listed twice), the pot's (a paid course
//! day without trainers), and [`reconcile`], the register against the
//! platform's latest snapshots.

mod platform;

pub use platform::reconcile;

use crate::domain::{Code, Finding, PotDistribution, Register, Severity};

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
            detail: n.detail.clone(),
        })
        .collect()
}

/// Findings from the pot: course days whose pot no trainer could take.
pub fn pot_findings(pot: &PotDistribution) -> Vec<Finding> {
    pot.days
        .iter()
        .filter(|d| d.points.is_zero() && !d.pot.is_zero())
        .map(|d| Finding {
            severity: Severity::Warning,
            code: Code::DayWithoutTrainers,
            kommun: None,
            subject: format!("{} omgång {} dag {} ({})", d.course, d.round, d.day, d.date),
            detail: format!(
                "Kursdagen gav {} kr till utbildarpotten men har ingen kursledare eller utbildare i registret; \
                 beloppet stannar hos regionen. Lägg till dagens utbildare i bladet Utbildare.",
                d.pot
            ),
        })
        .collect()
}
