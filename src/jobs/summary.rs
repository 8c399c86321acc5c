//! What a run did, for the terminal and the exit code.

use crate::domain::Finding;
use std::fmt;
use std::path::PathBuf;

/// The file every run writes its findings to, with names: the log keeps counts.
pub const FINDINGS_FILE: &str = "findings.csv";

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
            // Counts per code only: names and addresses stay out of the log
            // and the journal (they are in findings.csv and the workbooks).
            let mut codes: Vec<(&str, usize)> = Vec::new();
            for x in &self.findings {
                match codes.iter_mut().find(|(c, _)| *c == x.code.as_str()) {
                    Some((_, n)) => *n += 1,
                    None => codes.push((x.code.as_str(), 1)),
                }
            }
            codes.sort();
            let list: Vec<String> = codes.iter().map(|(c, n)| format!("{c} {n}")).collect();
            writeln!(f, "  {} finding(s): {}; details in {FINDINGS_FILE}.", self.findings.len(), list.join(", "))?;
        }
        Ok(())
    }
}
