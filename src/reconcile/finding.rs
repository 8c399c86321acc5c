//! A finding: something a person should look at, with a stable code.

use crate::domain::KommunKod;
use std::fmt;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Wrong data that changes money or reports.
    Error,
    /// Probably wrong; billing made a documented choice.
    Warning,
    /// For information.
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// One reconciliation finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// error / warning / info.
    pub severity: Severity,
    /// Stable kebab-case code, e.g. `duplicate-participant`.
    pub code: String,
    /// The municipality concerned, if any.
    pub kommun: Option<KommunKod>,
    /// The person or course round it is about.
    pub subject: String,
    /// Plain Swedish: what is wrong and what to fix.
    pub detail: String,
}
