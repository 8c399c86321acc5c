//! `ingest-report.csv` (FORMATS.md §5) and `ingest-problems.csv` (the rows a
//! sync skipped with `reject_bad_rows = false`).

use super::csv_out::{number, text, write_rows, Column};
use super::ReportError;
use crate::domain::RowProblem;
use std::path::Path;

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestStatus {
    /// Stored as a new snapshot.
    Ingested,
    /// Identical to a file already stored.
    Unchanged,
    /// Not stored; moved to `rejected/`.
    Rejected,
    /// Still being written; left for the next run.
    Incomplete,
    /// Not a file of this run: a stored export or register the current
    /// platform view and register are built from.
    Current,
}

impl IngestStatus {
    /// The word in the report.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ingested => "ingested",
            Self::Unchanged => "unchanged",
            Self::Rejected => "rejected",
            Self::Incomplete => "incomplete",
            Self::Current => "current",
        }
    }
}

/// One row of the ingest report.
#[derive(Debug, Clone)]
pub struct IngestLine {
    /// File name.
    pub file: String,
    /// `accounts|completions|signups|register`, empty if not recognised.
    pub kind: String,
    /// Rows stored.
    pub rows: u64,
    /// Rows skipped.
    pub skipped: u64,
    /// Outcome.
    pub status: IngestStatus,
    /// Why, or what to know.
    pub detail: String,
}

impl IngestLine {
    /// A line with no rows counted yet.
    pub fn new(file: &str, kind: &str, status: IngestStatus, detail: &str) -> Self {
        IngestLine { file: file.into(), kind: kind.into(), rows: 0, skipped: 0, status, detail: detail.into() }
    }
}

/// Columns of `ingest-report.csv`.
const REPORT_COLUMNS: [Column; 6] =
    [text("file"), text("kind"), number("rows"), number("skipped_rows"), text("status"), text("detail")];

/// Columns of `ingest-problems.csv`.
const PROBLEM_COLUMNS: [Column; 5] = [text("file"), number("row"), text("column"), text("value"), text("problem")];

/// Writes `ingest-report.csv`.
pub fn write_ingest_report_csv(path: &Path, lines: &[IngestLine]) -> Result<(), ReportError> {
    let rows = lines.iter().map(|l| {
        vec![
            l.file.clone(),
            l.kind.clone(),
            l.rows.to_string(),
            l.skipped.to_string(),
            l.status.as_str().to_string(),
            l.detail.clone(),
        ]
    });
    write_rows(path, &REPORT_COLUMNS, rows)
}

/// Writes `ingest-problems.csv`: every skipped row with the cell at fault.
pub fn write_ingest_problems_csv(path: &Path, problems: &[(String, RowProblem)]) -> Result<(), ReportError> {
    let rows = problems
        .iter()
        .map(|(f, p)| vec![f.clone(), p.row.to_string(), p.column.clone(), p.value.clone(), p.message.clone()]);
    write_rows(path, &PROBLEM_COLUMNS, rows)
}
