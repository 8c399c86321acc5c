//! The Totara exports (FORMATS.md §1–3): accounts, course completions and
//! seminar sign-ups, in CSV (any delimiter and encoding), xlsx or ods.
//!
//! [`read_export`] sniffs the file, maps its headings (defaults + config),
//! and streams typed records to a sink one row at a time, so a file of
//! millions of rows needs no more memory than one row.

mod columns;
pub mod dates;
mod parse;
mod queue;
mod rows;
mod sniff;

pub use crate::domain::totara::{fields, FieldSpec};
pub use crate::domain::RowProblem;
pub use crate::domain::{
    Account, AccountStatus, Completion, CompletionStatus, ExportKind, ExportRecord, Roles, Signup, SignupStatus,
};
pub use columns::ColumnMap;
pub use queue::{row_bytes, RowBatch, RowQueue};
pub use sniff::{sniff, Encoding, Format, Sniffed};

use crate::config::{Config, ExportSettings, IngestLimits};
use crate::ingest::hashed_read::HashedRead;
use std::path::Path;

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

impl ExportOutcome {
    /// Whether a field was found among the headings (e.g. `delresa`: an
    /// accounts export without it covers every delresa).
    pub fn maps(&self, field: &str) -> bool {
        self.mapped.iter().any(|m| m.split(" ← ").next() == Some(field))
    }
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
pub fn headings(path: &Path, sniffed: &Sniffed, limits: &IngestLimits) -> Result<Vec<String>, String> {
    let mut out = None;
    let r = rows::for_each_row(path, sniffed, limits, |_, rec| {
        out = Some(rec.iter().map(str::to_string).collect::<Vec<_>>());
        Err(())
    })?;
    let _ = r;
    out.ok_or_else(|| "the file is empty".to_string())
}

/// The headings of a workbook already opened (first non-empty row of its
/// first sheet), as [`headings`] reads them from its file.
pub(crate) fn workbook_headings(wb: &mut crate::ingest::workbook::Workbook) -> Result<Vec<String>, String> {
    let mut out = None;
    let _ = rows::workbook_rows(wb, &mut |_, rec: &csv::StringRecord| {
        out = Some(rec.iter().map(str::to_string).collect::<Vec<_>>());
        Err(())
    })?;
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
    let sniffed = sniff(path).map_err(|e| ExportError::Unreadable(format!("cannot read: {e}")))?;
    let mut typer = Typer::new(kind, config, sniffed);
    rows::for_each_row(path, &sniffed, &config.ingest.limits, |line, rec| typer.row(line, rec, sink))
        .map_err(ExportError::Unreadable)??;
    typer.finish()
}

/// Turns an export's rows of text into typed records: maps the heading row
/// to fields, types every later row, and keeps the outcome (bad rows,
/// unknown municipalities) until [`Typer::finish`].
struct Typer<'a> {
    kind: ExportKind,
    config: &'a Config,
    settings: &'a ExportSettings,
    map: Option<ColumnMap>,
    outcome: ExportOutcome,
    bad_total: u64,
    shown: Vec<RowProblem>,
}

impl<'a> Typer<'a> {
    fn new(kind: ExportKind, config: &'a Config, sniffed: Sniffed) -> Self {
        Typer {
            kind,
            config,
            settings: config.ingest.get(kind),
            map: None,
            outcome: ExportOutcome {
                sniffed,
                mapped: Vec::new(),
                rows: 0,
                bad_rows: Vec::new(),
                unresolved: Vec::new(),
            },
            bad_total: 0,
            shown: Vec::new(),
        }
    }

    /// Takes the next row: the first is the headings; each later one goes to `sink` typed, or is a bad row.
    fn row(
        &mut self,
        line: u64,
        rec: &csv::StringRecord,
        sink: &mut dyn FnMut(u64, ExportRecord) -> Result<(), String>,
    ) -> Result<(), ExportError> {
        let Some(m) = &self.map else {
            let headings: Vec<String> = rec.iter().map(str::to_string).collect();
            let m = ColumnMap::new(self.kind, &headings, &self.settings.columns).map_err(ExportError::Columns)?;
            self.outcome.mapped = m.describe();
            self.map = Some(m);
            return Ok(());
        };
        match parse::parse_row(self.kind, self.config, m, line, rec) {
            Ok(p) => {
                if let Some(org) = p.unresolved_municipality {
                    self.outcome.unresolved.push((line, org));
                }
                self.outcome.rows += 1;
                sink(line, p.record).map_err(ExportError::Sink)
            }
            Err(problem) => {
                self.bad_total += 1;
                if self.settings.reject_bad_rows {
                    if self.shown.len() < SHOWN {
                        self.shown.push(problem);
                    }
                } else {
                    self.outcome.bad_rows.push(problem);
                }
                Ok(())
            }
        }
    }

    /// The outcome, or why the file is rejected whole.
    fn finish(self) -> Result<ExportOutcome, ExportError> {
        if self.map.is_none() {
            return Err(ExportError::Unreadable("the file is empty".into()));
        }
        if self.settings.reject_bad_rows && self.bad_total > 0 {
            return Err(ExportError::BadRows { total: self.bad_total, shown: self.shown });
        }
        Ok(self.outcome)
    }
}

/// Records per batch handed between the threads.
const BATCH: usize = 4096;

/// As [`read_export`], with parsing on a second thread: rows are parsed and
/// typed there and handed over in batches of `T` (each record wrapped where
/// it was parsed), while this thread `prepare`s them in place (course
/// numbers, duplicate marks) and stores them. Uses both cores on big files;
/// memory stays at a few batches, whose allocations go round between the
/// threads.
pub fn read_export_pipelined<T: Send + From<ExportRecord>>(
    path: &Path,
    kind: ExportKind,
    config: &Config,
    prepare: impl FnMut(&mut T) + Send,
    store: &mut dyn FnMut(&mut [T]) -> Result<(), String>,
) -> Result<ExportOutcome, ExportError> {
    let sniffed = sniff(path).map_err(|e| ExportError::Unreadable(format!("cannot read: {e}")))?;
    if sniffed.format == Format::Spreadsheet {
        return read_sheet_pipelined(path, kind, config, sniffed, prepare, store);
    }
    pipelined(|sink| read_export(path, kind, config, sink), prepare, store)?
}

/// As [`read_export_pipelined`], for a CSV export whose content hash is not
/// known yet: the file is read once, by a thread that hashes it on the way
/// ([`HashedRead`]). Returns the outcome and the file's SHA-256 (hex), also
/// when its rows were not readable: a file whose content was stored before
/// is unchanged, however it reads now. (Rows that could not be stored, an
/// [`ExportError::Sink`], leave the hash unknown: the run fails.)
pub fn read_csv_export_hashed<T: Send + From<ExportRecord>>(
    path: &Path,
    kind: ExportKind,
    config: &Config,
    prepare: impl FnMut(&mut T) + Send,
    store: &mut dyn FnMut(&mut [T]) -> Result<(), String>,
) -> (Result<ExportOutcome, ExportError>, Option<std::io::Result<String>>) {
    let sniffed = match sniff(path) {
        Ok(s) => s,
        Err(e) => return (Err(ExportError::Unreadable(format!("cannot read: {e}"))), None),
    };
    if sniffed.format != Format::Csv {
        // Not CSV after all (a spreadsheet is hashed before it is read).
        let read = read_export_pipelined(path, kind, config, prepare, store);
        return (read, Some(crate::ingest::sha256_file(path)));
    }
    let read = |sink: &mut dyn FnMut(u64, ExportRecord) -> Result<(), String>| {
        let mut bytes = match HashedRead::open(path) {
            Ok(b) => b,
            Err(e) => return (Err(ExportError::Unreadable(format!("cannot open: {e}"))), None),
        };
        let mut typer = Typer::new(kind, config, sniffed);
        let rows = rows::for_each_csv_row(&mut bytes, &sniffed, &config.ingest.limits, &mut |line, rec| {
            typer.row(line, rec, sink)
        });
        let outcome = match rows {
            Ok(Ok(())) => typer.finish(),
            Ok(Err(e)) => Err(e),
            Err(unreadable) => Err(ExportError::Unreadable(unreadable)),
        };
        if matches!(outcome, Err(ExportError::Sink(_))) {
            return (outcome, None);
        }
        (outcome, Some(bytes.finish()))
    };
    match pipelined(read, prepare, store) {
        Ok(read) => read,
        Err(e) => (Err(e), None),
    }
}

/// Whether a reading ended well: only then are its last rows stored.
trait EndedWell {
    fn ended_well(&self) -> bool;
}

impl<T, E> EndedWell for Result<T, E> {
    fn ended_well(&self) -> bool {
        self.is_ok()
    }
}

impl<T, E, H> EndedWell for (Result<T, E>, H) {
    fn ended_well(&self) -> bool {
        self.0.is_ok()
    }
}

/// Runs `read` (which hands each typed record to its sink) on a second
/// thread; the records come back here in batches of `T`, are `prepare`d in
/// place (course numbers, duplicate marks) and stored. Returns what `read`
/// returned, or the store's error ([`ExportError::Sink`]).
fn pipelined<T: Send + From<ExportRecord>, R: Send + EndedWell>(
    read: impl FnOnce(&mut dyn FnMut(u64, ExportRecord) -> Result<(), String>) -> R + Send,
    mut prepare: impl FnMut(&mut T) + Send,
    store: &mut dyn FnMut(&mut [T]) -> Result<(), String>,
) -> Result<R, ExportError> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<T>>(8);
    // Stored batches go back to the parsing thread: their rows are freed
    // where they were allocated, and the emptied batch is filled again.
    let (back_tx, back_rx) = std::sync::mpsc::channel::<Vec<T>>();
    std::thread::scope(|scope| {
        let producer = std::thread::Builder::new().name("parse".into()).spawn_scoped(scope, move || {
            let next_batch = || match back_rx.try_recv() {
                Ok(mut used) => {
                    used.clear();
                    used
                }
                Err(_) => Vec::with_capacity(BATCH),
            };
            let mut batch = next_batch();
            let mut full_batches = |_, r| {
                batch.push(T::from(r));
                if batch.len() == BATCH {
                    let full = std::mem::replace(&mut batch, next_batch());
                    tx.send(full).map_err(|_| "the store stopped".to_string())?;
                }
                Ok(())
            };
            let result = read(&mut full_batches);
            if result.ended_well() && !batch.is_empty() {
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
        for mut batch in rx.iter() {
            batch.iter_mut().for_each(&mut prepare);
            if let Err(e) = store(&mut batch) {
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
            None => Ok(outcome),
        }
    })
}

/// The spreadsheet side of [`read_export_pipelined`]: calamine's XML parsing
/// alone fills one core, so the reader thread only reads cells into rows,
/// and this thread types, prepares and stores them. (CSV parsing is cheaper
/// than storing, so there the reader thread also types the rows.)
fn read_sheet_pipelined<T: Send + From<ExportRecord>>(
    path: &Path,
    kind: ExportKind,
    config: &Config,
    sniffed: Sniffed,
    prepare: impl FnMut(&mut T) + Send,
    store: &mut dyn FnMut(&mut [T]) -> Result<(), String>,
) -> Result<ExportOutcome, ExportError> {
    let queue = RowQueue::new(SHEET_ROWS_AHEAD);
    std::thread::scope(|scope| {
        let reader = std::thread::Builder::new()
            .name("read".into())
            .spawn_scoped(scope, || read_sheet_rows(path, &sniffed, &config.ingest.limits, &queue))
            .map_err(|e| ExportError::Unreadable(format!("cannot start the reader thread: {e}")))?;
        let read = || reader.join().unwrap_or_else(|_| Err("the reader thread panicked".into()));
        store_sheet_rows(&queue, read, kind, config, sniffed, prepare, store)
    })
}

/// How many bytes of rows a spreadsheet's reader keeps ahead of the typing
/// when both run together.
const SHEET_ROWS_AHEAD: usize = 16 << 20;

/// The reader's side of a pipelined spreadsheet read: the sheet's rows into
/// `queue`, which is closed at the end (also on an error). Stops early, with
/// `Ok`, when the consumer abandons the queue.
pub fn read_sheet_rows(path: &Path, sniffed: &Sniffed, limits: &IngestLimits, queue: &RowQueue) -> Result<(), String> {
    let _close = queue::CloseOnDrop(queue);
    let mut to = Batcher::new(queue);
    let read = rows::for_each_row(path, sniffed, limits, |line, rec| to.row(line, rec));
    to.finish(read)
}

/// As [`read_sheet_rows`], from a workbook already opened (and so checked).
pub(crate) fn read_workbook_rows(wb: &mut crate::ingest::workbook::Workbook, queue: &RowQueue) -> Result<(), String> {
    let _close = queue::CloseOnDrop(queue);
    let mut to = Batcher::new(queue);
    let read = rows::workbook_rows(wb, &mut |line, rec| to.row(line, rec));
    to.finish(read)
}

/// Rows into a queue, a batch at a time.
struct Batcher<'q> {
    queue: &'q RowQueue,
    batch: RowBatch,
    bytes: usize,
}

impl<'q> Batcher<'q> {
    fn new(queue: &'q RowQueue) -> Self {
        Batcher { queue, batch: queue.fresh(BATCH), bytes: 0 }
    }

    /// Adds a row; `Err` when the consumer has stopped.
    fn row(&mut self, line: u64, rec: &csv::StringRecord) -> Result<(), ()> {
        self.bytes += row_bytes(rec);
        self.batch.push((line, rec.clone()));
        if self.batch.len() == BATCH {
            let full = std::mem::replace(&mut self.batch, self.queue.fresh(BATCH));
            self.queue.push(full, std::mem::take(&mut self.bytes)).map_err(|_| ())?;
        }
        Ok(())
    }

    /// Sends the last rows after a complete read. `Ok(Err(()))`: the
    /// consumer stopped, and knows why.
    fn finish(self, read: Result<Result<(), ()>, String>) -> Result<(), String> {
        if matches!(read, Ok(Ok(()))) && !self.batch.is_empty() {
            let _ = self.queue.push(self.batch, self.bytes);
        }
        read.map(|_| ())
    }
}

/// The consumer's side of a pipelined spreadsheet read: types, prepares and
/// stores the rows `queue` brings; `read` waits for the reader's result.
/// Abandons the queue when it stops early, so the reader stops too.
pub fn store_sheet_rows<T: From<ExportRecord>>(
    queue: &RowQueue,
    read: impl FnOnce() -> Result<(), String>,
    kind: ExportKind,
    config: &Config,
    sniffed: Sniffed,
    mut prepare: impl FnMut(&mut T),
    store: &mut dyn FnMut(&mut [T]) -> Result<(), String>,
) -> Result<ExportOutcome, ExportError> {
    let _stop = queue::AbandonOnDrop(queue);
    let mut typer = Typer::new(kind, config, sniffed);
    let mut typed: Vec<T> = Vec::with_capacity(BATCH);
    let mut failed: Option<ExportError> = None;
    'batches: while let Some(batch) = queue.pop() {
        for (line, rec) in &batch {
            let mut sink = |_, r| {
                typed.push(T::from(r));
                prepare(typed.last_mut().expect("just pushed"));
                Ok(())
            };
            if let Err(e) = typer.row(*line, rec, &mut sink) {
                failed = Some(e);
                break 'batches;
            }
        }
        if let Err(e) = store(&mut typed) {
            failed = Some(ExportError::Sink(e));
            break;
        }
        typed.clear();
        queue.give_back(batch);
    }
    if failed.is_some() {
        queue.abandon();
    }
    let read = read();
    if let Some(e) = failed {
        return Err(e);
    }
    read.map_err(ExportError::Unreadable)?;
    typer.finish()
}
