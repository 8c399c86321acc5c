//! What a run did, for the terminal and the exit code.

use crate::domain::Finding;
use std::fmt;
use std::path::PathBuf;

/// The result of a successful run.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// The job.
    pub job: String,
    /// The period.
    pub period: String,
    /// Files written, in their final place.
    pub outputs: Vec<PathBuf>,
    /// Findings someone should read.
    pub findings: Vec<Finding>,
    /// Messages written to the outbox.
    pub messages: usize,
    /// Key figures, one per line (e.g. the total invoiced).
    pub figures: Vec<String>,
    /// How long each stage took (for `bench` and the log).
    pub stages: Vec<super::StageTime>,
    /// Messages in the outbox waiting for their next try after the run.
    pub waiting: usize,
}

impl RunSummary {
    /// 0 when clean, 1 when there are findings or messages wait for a
    /// retry (2 is for errors, in `main`).
    pub fn exit_code(&self) -> u8 {
        if self.findings.is_empty() && self.waiting == 0 {
            0
        } else {
            1
        }
    }
}

impl fmt::Display for RunSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} {}: {} file(s) written, {} message(s) in the outbox.",
            self.job,
            self.period,
            self.outputs.len(),
            self.messages
        )?;
        for line in &self.figures {
            writeln!(f, "  {line}")?;
        }
        if !self.findings.is_empty() {
            writeln!(f, "  {} finding(s):", self.findings.len())?;
            for x in self.findings.iter().take(20) {
                writeln!(f, "    {} {} {}: {}", x.severity, x.code, x.subject, x.detail)?;
            }
            if self.findings.len() > 20 {
                writeln!(f, "    … and {} more (see reconciliation.csv)", self.findings.len() - 20)?;
            }
        }
        Ok(())
    }
}
