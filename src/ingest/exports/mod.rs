//! The Totara exports (FORMATS.md §1–3): accounts, course completions and
//! seminar sign-ups, in CSV (any delimiter and encoding), xlsx or ods.
//!
//! [`read_export`] sniffs the file, maps its headings (defaults + config),
//! and streams typed records to a sink one row at a time, so a file of
//! millions of rows needs no more memory than one row.

mod columns;
pub mod dates;
mod parse;
pub mod records;
mod rows;
mod sniff;

pub use columns::{fields, ColumnMap};
pub use parse::RowProblem;
pub use records::*;
pub use sniff::{sniff, Encoding, Format, Sniffed};

use crate::config::{Config, ExportSettings};
use std::path::Path;

/// The three export kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExportKind {
    /// Accounts ("User" report source).
    Accounts,
    /// Course completions.
    Completions,
    /// Seminar sign-ups.
    Signups,
}

impl ExportKind {
    /// All kinds, in the order they are tried when recognising a file.
    pub const ALL: [ExportKind; 3] = [ExportKind::Signups, ExportKind::Completions, ExportKind::Accounts];

    /// The name used in reports and config.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accounts => "accounts",
            Self::Completions => "completions",
            Self::Signups => "signups",
        }
    }
}

/// What reading an export gave.
#[derive(Debug, Clone)]
pub struct ExportOutcome {
    /// How the file was read.
    pub sniffed: Sniffed,
    /// The headings mapped, `field ← 'Heading'`.
    pub mapped: Vec<String>,
    /// Records handed to the sink.
    pub rows: u64,
    /// Rows skipped as bad (only with `reject_bad_rows = false`).
    pub bad_rows: Vec<RowProblem>,
    /// Accounts whose organisation is not a municipality of the region: (line, organisation).
    pub unresolved: Vec<(u64, String)>,
}

/// Why an export was rejected whole.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ExportError {
    /// Not readable as CSV or spreadsheet.
    #[error("{0}")]
    Unreadable(String),
    /// The headings lack a required field.
    #[error("{0}")]
    Columns(String),
    /// Bad rows, with `reject_bad_rows = true` (the first ones listed).
    #[error("{} bad row(s); the file is rejected whole (set reject_bad_rows = false to skip them): {}",
        .total, .shown.iter().map(|p| format!("line {}, column '{}', value '{}': {}", p.row, p.column, p.value, p.message)).collect::<Vec<_>>().join("; "))]
    BadRows {
        /// How many.
        total: u64,
        /// The first few.
        shown: Vec<RowProblem>,
    },
    /// The sink (the store) failed.
    #[error("{0}")]
    Sink(String),
}

/// The most bad rows named in a rejection message.
const SHOWN: usize = 20;

/// The headings of a file (first non-empty row), for recognition.
pub fn headings(path: &Path, sniffed: &Sniffed) -> Result<Vec<String>, String> {
    let mut out = None;
    let r = rows::for_each_row(path, sniffed, |_, rec| {
        out = Some(rec.iter().map(str::to_string).collect::<Vec<_>>());
        Err(())
    })?;
    let _ = r;
    out.ok_or_else(|| "the file is empty".to_string())
}

/// Which export a heading row belongs to, if any.
pub fn detect_kind(headings: &[String], config: &Config) -> Option<ExportKind> {
    ExportKind::ALL.into_iter().find(|k| ColumnMap::new(*k, headings, &config.ingest.get(*k).columns).is_ok())
}

/// Reads an export of a known kind, streaming each record to `sink(line, record)`.
pub fn read_export(
    path: &Path,
    kind: ExportKind,
    config: &Config,
    sink: &mut dyn FnMut(u64, ExportRecord) -> Result<(), String>,
) -> Result<ExportOutcome, ExportError> {
    let settings: &ExportSettings = config.ingest.get(kind);
    let sniffed = sniff(path).map_err(|e| ExportError::Unreadable(format!("cannot read: {e}")))?;
    let mut map: Option<ColumnMap> = None;
    let mut outcome =
        ExportOutcome { sniffed, mapped: Vec::new(), rows: 0, bad_rows: Vec::new(), unresolved: Vec::new() };
    let mut bad_total = 0u64;
    let mut shown = Vec::new();
    let result = rows::for_each_row(path, &sniffed, |line, rec| -> Result<(), ExportError> {
        let Some(m) = &map else {
            let headings: Vec<String> = rec.iter().map(str::to_string).collect();
            let m = ColumnMap::new(kind, &headings, &settings.columns).map_err(ExportError::Columns)?;
            outcome.mapped = m.describe();
            map = Some(m);
            return Ok(());
        };
        match parse::parse_row(kind, config, m, line, rec) {
            Ok(p) => {
                if let Some(org) = p.unresolved_municipality {
                    outcome.unresolved.push((line, org));
                }
                outcome.rows += 1;
                sink(line, p.record).map_err(ExportError::Sink)
            }
            Err(problem) => {
                bad_total += 1;
                if settings.reject_bad_rows {
                    if shown.len() < SHOWN {
                        shown.push(problem);
                    }
                } else {
                    outcome.bad_rows.push(problem);
                }
                Ok(())
            }
        }
    })
    .map_err(ExportError::Unreadable)?;
    result?;
    if map.is_none() {
        return Err(ExportError::Unreadable("the file is empty".into()));
    }
    if settings.reject_bad_rows && bad_total > 0 {
        return Err(ExportError::BadRows { total: bad_total, shown });
    }
    Ok(outcome)
}

/// As [`read_export`], with parsing on a second thread: rows are parsed,
/// typed and `prepare`d there (e.g. keys computed) and handed over in batches,
/// while this thread stores them. Uses both cores on big files; memory stays
/// at a few batches.
pub fn read_export_pipelined<T: Send>(
    path: &Path,
    kind: ExportKind,
    config: &Config,
    mut prepare: impl FnMut(ExportRecord) -> T + Send,
    store: &mut dyn FnMut(&[T]) -> Result<(), String>,
) -> Result<ExportOutcome, ExportError> {
    const BATCH: usize = 4096;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<T>>(8);
    // Stored batches go back to be freed where they were allocated: freeing
    // another thread's allocations is slow in glibc.
    let (back_tx, back_rx) = std::sync::mpsc::channel::<Vec<T>>();
    std::thread::scope(|scope| {
        let producer = std::thread::Builder::new().name("parse".into()).spawn_scoped(scope, move || {
            let mut batch = Vec::with_capacity(BATCH);
            let result = read_export(path, kind, config, &mut |_, r| {
                batch.push(prepare(r));
                if batch.len() == BATCH {
                    let next = match back_rx.try_recv() {
                        Ok(mut used) => {
                            used.clear();
                            used
                        }
                        Err(_) => Vec::with_capacity(BATCH),
                    };
                    let full = std::mem::replace(&mut batch, next);
                    tx.send(full).map_err(|_| "the store stopped".to_string())?;
                }
                Ok(())
            });
            if result.is_ok() && !batch.is_empty() {
                let _ = tx.send(batch);
            }
            drop(tx);
            for used in back_rx.iter() {
                drop(used);
            }
            result
        });
        let producer = producer.map_err(|e| ExportError::Unreadable(format!("cannot start the reader thread: {e}")))?;
        let mut failed: Option<String> = None;
        for batch in rx.iter() {
            if let Err(e) = store(&batch) {
                failed = Some(e);
                break;
            }
            let _ = back_tx.send(batch);
        }
        drop(rx);
        drop(back_tx);
        let outcome = producer.join().map_err(|_| ExportError::Unreadable("the reader thread panicked".into()))?;
        match failed {
            Some(e) => Err(ExportError::Sink(e)),
            None => outcome,
        }
    })
}
