//! One inbox file into the run's transaction: recognised by its content,
//! read under the reading marker (a reader that panics or dies sets the file
//! aside instead of stopping the service), stored in its own savepoint. A
//! spreadsheet may have been read ahead on the second thread ([`super::ahead`]):
//! then what was read is stored, with the same effects as reading it now.

use super::ahead::{Ahead, ReadAhead, Said, Wanted};
use super::files::{file_name, first_line, format_of, is_incomplete, stored_name, unknown_reason};
use super::{SyncLog, JOB};
use crate::domain::hash::sha256_hex;
use crate::domain::totara::report_identity;
use crate::domain::Register;
use crate::domain::{Code, ExportKind, Finding};
use crate::ingest::exports::{
    read_csv_export_hashed, read_export_pipelined, store_sheet_rows, ExportError, ExportOutcome,
};
use crate::ingest::{is_spreadsheet, kind_of, read_register, sha256_file, InputKind, RegisterError, RegisterProblems};
use crate::jobs::inputs::{check_rounds_unique, parsed_key, read_stored_register_in};
use crate::jobs::reading::{guarded, unhashed_identity, Slot};
use crate::jobs::stages::StageClock;
use crate::jobs::{JobError, JobSettings};
use crate::report::{IngestLine, IngestStatus};
use crate::store::{CourseInterner, ExportFile, Filled, RunInput, RunTx, Stored, StoredCounts};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// An inbox file as first seen, before anything is read: left for later,
/// or to be taken (and read ahead, if it is a spreadsheet not stored yet).
pub(super) struct Seen {
    path: PathBuf,
    /// Complete (not still being written): to be taken.
    ready: bool,
    /// The content hash of a spreadsheet ([`look`]); the other files are
    /// hashed while they are read ([`export`]).
    sha256: Option<String>,
    ahead: bool,
}

/// Looks at the inbox's files in order: which are complete, and the hashes
/// of the complete spreadsheets, with which of them the reader thread can
/// read ahead. The other files (CSV exports) are hashed as they are read:
/// hashed first, in a pass of their own, a 10 × national completions
/// export held its parse back by 7 s (README, Speed, change 73).
pub(super) fn look(
    settings: &JobSettings,
    tx: &RunTx,
    paths: Vec<PathBuf>,
    log: &SyncLog,
) -> Result<Vec<Seen>, JobError> {
    let settle = Duration::from_secs(settings.config.ingest.settle_seconds);
    let mut seen: Vec<Seen> = paths
        .into_iter()
        .map(|path| {
            let ready = log.downloads.iter().any(|(p, ..)| *p == path) || !is_incomplete(&path, settle);
            Seen { path, ready, sha256: None, ahead: false }
        })
        .collect();
    hash(&mut seen, |s| is_spreadsheet(&s.path))?;
    for s in seen.iter_mut() {
        if let Some(sha256) = &s.sha256 {
            s.ahead = !tx.content_stored(sha256)?;
        }
    }
    Ok(seen)
}

/// Hashes the complete files `which` picks, on both cores.
fn hash(seen: &mut [Seen], which: impl Fn(&Seen) -> bool) -> Result<(), JobError> {
    let todo: Vec<usize> = (0..seen.len()).filter(|&i| seen[i].ready && which(&seen[i])).collect();
    let paths: Vec<&Path> = todo.iter().map(|&i| seen[i].path.as_path()).collect();
    let hashes = crate::parallel::parallel_map(&paths, |path| sha256_file(path));
    for (i, hash) in todo.into_iter().zip(hashes) {
        seen[i].sha256 = Some(hash.map_err(JobError::io(&seen[i].path))?);
    }
    Ok(())
}

/// The spreadsheets of `seen` for the reader thread, in inbox order.
pub(super) fn wanted(seen: &[Seen]) -> Vec<Wanted> {
    seen.iter()
        .filter(|s| s.ahead)
        .filter_map(|s| Some(Wanted { path: s.path.clone(), sha256: s.sha256.clone()? }))
        .collect()
}

/// Takes one inbox file: left for later, unchanged, ingested or rejected.
pub(super) fn ingest(
    settings: &JobSettings,
    tx: &mut RunTx,
    seen: Seen,
    ahead: &mut Ahead,
    log: &mut SyncLog,
    clock: &mut StageClock,
) -> Result<(), JobError> {
    let config = &settings.config;
    let path = seen.path.as_path();
    let name = file_name(path);
    if !seen.ready {
        log.lines.push(IngestLine::new(
            &name,
            "",
            IngestStatus::Incomplete,
            "still being written; left for the next run",
        ));
        return Ok(());
    }
    // A spreadsheet was hashed before it was read ahead; any other file
    // (a CSV export) is hashed while it is read, and its reading marker
    // names it by size and time until then.
    let marker = seen.sha256.clone().unwrap_or_else(|| unhashed_identity(path));
    let read_ahead = ahead.take(path);
    let kind = match &read_ahead {
        Some(r) => match r.next() {
            Said::Kind(kind) => Ok(kind),
            Said::Failed(why) => Err(why),
            _ => Err(OUT_OF_STEP.to_string()),
        },
        None => guarded(Slot::Main, settings, JOB, path, &marker, || kind_of(path, config)),
    };
    let kind = match kind {
        Ok(kind) => kind,
        Err(why) => {
            reject(log, path, &name, "", first_line(&why).to_string(), why);
            return Ok(());
        }
    };
    let export_kind = match kind {
        InputKind::Accounts => ExportKind::Accounts,
        InputKind::Completions => ExportKind::Completions,
        InputKind::Signups => ExportKind::Signups,
        InputKind::Register => {
            let sha256 = match seen.sha256 {
                Some(sha256) => sha256,
                None => sha256_file(path).map_err(JobError::io(path))?,
            };
            if unchanged(tx, log, path, &name, kind.as_str(), &sha256)? {
                return Ok(());
            }
            return register(settings, tx, Reading { path, sha256: &sha256, read_ahead }, log, clock);
        }
        InputKind::Unknown => {
            let why = unknown_reason(path, &config.ingest.limits);
            reject(log, path, &name, "", why.clone(), why);
            return Ok(());
        }
    };
    match seen.sha256 {
        Some(sha256) => {
            if unchanged(tx, log, path, &name, kind.as_str(), &sha256)? {
                return Ok(());
            }
            export(settings, tx, Reading { path, sha256: &sha256, read_ahead }, &sha256, export_kind, log, clock)
        }
        None => export(settings, tx, Reading { path, sha256: "", read_ahead }, &marker, export_kind, log, clock),
    }
}

/// Records the file as one of the run's inputs; if its content is stored
/// already as `kind`, records it as unchanged and returns true.
fn unchanged(
    tx: &RunTx,
    log: &mut SyncLog,
    path: &Path,
    name: &str,
    kind: &str,
    sha256: &str,
) -> Result<bool, JobError> {
    input(log, path, kind, sha256);
    if !tx.already_stored(kind, sha256)? {
        return Ok(false);
    }
    record_unchanged(log, path, name, kind);
    Ok(true)
}

/// Records the file as one of the run's inputs.
fn input(log: &mut SyncLog, path: &Path, kind: &str, sha256: &str) {
    log.inputs.push(RunInput { path: path.display().to_string(), kind: kind.into(), sha256: sha256.into() });
}

/// Records a file whose content was stored before: its line, and its move to `processed/`.
fn record_unchanged(log: &mut SyncLog, path: &Path, name: &str, kind: &str) {
    log.lines.push(IngestLine::new(name, kind, IngestStatus::Unchanged, UNCHANGED));
    log.moves.push((path.to_path_buf(), "processed", None));
}

/// The ingest report's detail for a file stored before.
const UNCHANGED: &str = "identical to a file already ingested";

/// A file to read now: its path and hash (empty for a file hashed while
/// it is read), and what was read ahead of it.
struct Reading<'a> {
    path: &'a Path,
    sha256: &'a str,
    read_ahead: Option<ReadAhead>,
}

/// The reader thread said something else than it should have next (a bug).
const OUT_OF_STEP: &str = "the reader thread got out of step (internal error); please report it";

/// Records a rejected file: its line and its move to `rejected/`.
fn reject(log: &mut SyncLog, path: &Path, name: &str, kind: &str, detail: String, why: String) {
    log.lines.push(IngestLine::new(name, kind, IngestStatus::Rejected, &detail));
    log.moves.push((path.to_path_buf(), "rejected", Some(why)));
}

/// A register: read whole, stored with its bytes (other jobs read it from the store).
fn register(
    settings: &JobSettings,
    tx: &mut RunTx,
    file: Reading,
    log: &mut SyncLog,
    clock: &mut StageClock,
) -> Result<(), JobError> {
    let Reading { path, sha256, read_ahead } = file;
    let name = file_name(path);
    let read = match read_ahead {
        Some(r) => match r.next() {
            Said::Register(read) => Ok(read),
            Said::Failed(why) => Err(why),
            _ => Err(OUT_OF_STEP.to_string()),
        },
        None => guarded(Slot::Main, settings, JOB, path, sha256, || read_register(path, &settings.config)),
    };
    let read = read
        .map_err(|why| {
            RegisterProblems(vec![RegisterError {
                file: path.to_path_buf(),
                sheet: None,
                row: None,
                column: None,
                message: why,
            }])
        })
        .and_then(|r| r);
    let read = read.map_err(|e| e.to_string()).and_then(|reg| {
        let with = read_with(settings, tx, log, &report_identity(&name), reg.period())?;
        let named = Register { sources: vec![PathBuf::from(&name)], ..reg };
        check_rounds_unique(with.iter().filter_map(|sha| log.parsed.get(sha)).chain([&named]))
            .map_err(|e| e.to_string())?;
        Ok(named)
    });
    match read {
        Ok(mut reg) => {
            let bytes = std::fs::read(path).map_err(JobError::io(path))?;
            let rows = reg.participants.len() as u64;
            let file = ExportFile { source: "inbox", file_name: &name, report: &report_identity(&name), sha256 };
            let coverage =
                format!("{} round(s), {}", reg.rounds.len(), reg.period().unwrap_or_else(|| "no course days".into()));
            let snapshot = tx.store_register(&file, reg.period().as_deref(), rows, &coverage, &bytes)?;
            if let Some(key) = parsed_key(&sha256_hex(&bytes), &settings.config) {
                reg.content_key = Some(tx.remember_parsed_register(snapshot, &key, &reg)?);
            }
            reg.sources = vec![stored_name(&name)];
            log.parsed.insert(sha256.to_string(), reg);
            let mut line = IngestLine::new(&name, "register", IngestStatus::Ingested, "");
            line.rows = rows;
            log.lines.push(line);
            clock.mark(format!("ingest register ({})", format_of(path)), rows, "rows");
            log.moves.push((path.to_path_buf(), "processed", None));
        }
        Err(why) => {
            reject(log, path, &name, "register", first_line(&why).to_string(), why);
        }
    }
    Ok(())
}

/// The current registers a new one of `report` and `period` will be read
/// with (those of other reports or years), parsed once into `log.parsed`;
/// returns their hashes.
fn read_with(
    settings: &JobSettings,
    tx: &RunTx,
    log: &mut SyncLog,
    report: &str,
    period: Option<String>,
) -> Result<Vec<String>, String> {
    let mut hashes = Vec::new();
    for stored in tx.latest_registers().map_err(|e| e.to_string())? {
        if stored.report == report && stored.period == period {
            continue;
        }
        let sha256 = stored.sha256.clone();
        if !log.parsed.contains_key(&sha256) {
            let name = stored_name(&stored.file_name);
            let reg = read_stored_register_in(tx, stored, &name, &settings.config).map_err(|e| e.to_string())?;
            log.parsed.insert(sha256.clone(), reg);
        }
        hashes.push(sha256);
    }
    Ok(hashes)
}

/// A Totara export: streamed into the run's transaction in a savepoint.
/// One whose hash is not known yet (a CSV export, `file.sha256` empty) is
/// read once, by a thread that hashes it on the way
/// ([`read_csv_export_hashed`]); once read, a content stored before makes
/// it unchanged (nothing of it is kept), whether its rows were readable or
/// not, as if it had been hashed first. `marker` names it for its reading
/// marker until then.
fn export(
    settings: &JobSettings,
    tx: &mut RunTx,
    file: Reading,
    marker: &str,
    kind: ExportKind,
    log: &mut SyncLog,
    clock: &mut StageClock,
) -> Result<(), JobError> {
    let Reading { path, sha256: known, read_ahead } = file;
    let config = &settings.config;
    let name = file_name(path);
    let mut outcome = None;
    let mut hashed = None;
    let stored = guarded(Slot::Main, settings, JOB, path, marker, || {
        let file = ExportFile { source: "inbox", file_name: &name, report: &report_identity(&name), sha256: known };
        tx.store_export(&file, kind, |insert| {
            let mut courses = CourseInterner::default();
            let bar = progress(&name);
            let mut store = |batch: &mut [_]| {
                bar.inc(batch.len() as u64);
                insert(batch)
            };
            let prepare = move |r: &mut _| courses.prepare_in_place(r);
            let o = match &read_ahead {
                Some(r) => stored_ahead(r, kind, config, prepare, &mut store),
                None if !known.is_empty() => read_export_pipelined(path, kind, config, prepare, &mut store),
                None => {
                    let (o, sha256) = read_csv_export_hashed(path, kind, config, prepare, &mut store);
                    hashed = sha256.map(|read| read.map_err(|e| e.to_string()));
                    o
                }
            };
            bar.finish_and_clear();
            let o = o?;
            tracing::info!("Read {name}: {} rows.", o.rows);
            let skipped = o.bad_rows.len() as u64;
            outcome = Some(o);
            let sha256 = hashed.clone().and_then(Result::ok);
            Ok::<Filled, ExportError>(Filled { skipped, sha256 })
        })
    })
    .unwrap_or_else(|why| Ok(Err(ExportError::Unreadable(why))))?;
    let sha256 = match hashed {
        _ if !known.is_empty() => known.to_string(),
        Some(Ok(sha256)) => sha256,
        // The file could not be read to its end: the run fails and the
        // file stays, as when it could not be hashed before its reading.
        Some(Err(e)) => return Err(JobError::io(path)(std::io::Error::other(e))),
        // Not read (it could not be opened, or its reader failed): hashed
        // now, as it would have been before its reading.
        None => sha256_file(path).map_err(JobError::io(path))?,
    };
    // A file hashed before its reading is an input already (`unchanged`).
    let hashed_now = known.is_empty();
    match stored {
        Ok(Stored::New(counts)) => {
            if hashed_now {
                input(log, path, kind.as_str(), &sha256);
            }
            let o = outcome.expect("set on success");
            tx.set_coverage(counts.snapshot, kind, kind == ExportKind::Accounts && !o.maps("delresa"))?;
            ingested(log, path, &name, kind, counts, o, clock);
        }
        Ok(Stored::Identical) => {
            input(log, path, kind.as_str(), &sha256);
            record_unchanged(log, path, &name, kind.as_str());
        }
        Err(e) => {
            if !(hashed_now && unchanged(tx, log, path, &name, kind.as_str(), &sha256)?) {
                let why = format!("{name}: {e}");
                reject(log, path, &name, kind.as_str(), e.to_string(), why);
            }
        }
    }
    Ok(())
}

/// Stores the rows the reader thread reads from an export (see [`store_sheet_rows`]).
fn stored_ahead<T: From<crate::domain::ExportRecord>>(
    r: &ReadAhead,
    kind: ExportKind,
    config: &crate::config::Config,
    prepare: impl FnMut(&mut T),
    store: &mut dyn FnMut(&mut [T]) -> Result<(), String>,
) -> Result<ExportOutcome, ExportError> {
    let sniffed = match r.next() {
        Said::Rows(sniffed) => sniffed,
        Said::Read(Err(why)) | Said::Failed(why) => return Err(ExportError::Unreadable(why)),
        _ => return Err(ExportError::Unreadable(OUT_OF_STEP.into())),
    };
    let read = || match r.next() {
        Said::Read(read) => read,
        Said::Failed(why) => Err(why),
        _ => Err(OUT_OF_STEP.into()),
    };
    store_sheet_rows(&r.queue, read, kind, config, sniffed, prepare, store)
}

/// Records a stored export: its line, its findings, its skipped rows.
fn ingested(
    log: &mut SyncLog,
    path: &Path,
    name: &str,
    kind: ExportKind,
    counts: StoredCounts,
    o: ExportOutcome,
    clock: &mut StageClock,
) {
    let mut detail = Vec::new();
    if counts.duplicates > 0 {
        detail.push(format!("{} duplicate row(s) counted once", counts.duplicates));
        log.findings.push(Finding::new(
            Code::DuplicateExportRow,
            None,
            name,
            format!("{} rad(er) upprepar samma användare och kurs; de räknas en gång.", counts.duplicates),
        ));
    }
    if !o.unresolved.is_empty() {
        detail.push(format!("{} account(s) with an unknown municipality", o.unresolved.len()));
        for (line, org) in &o.unresolved {
            log.findings.push(Finding::new(
                Code::UnknownMunicipality,
                None,
                format!("{name} rad {line}"),
                format!(
                    "Organisationen '{org}' är ingen kommun i regionen. Rätta kontots organisation i lärplattformen \
                     eller lägg till namnet som alias i konfigurationen."
                ),
            ));
        }
    }
    if !o.bad_rows.is_empty() {
        detail.push(format!("{} bad row(s) skipped (see ingest-problems.csv)", o.bad_rows.len()));
    }
    let mut line = IngestLine::new(name, kind.as_str(), IngestStatus::Ingested, &detail.join("; "));
    line.rows = counts.rows - counts.duplicates;
    line.skipped = o.bad_rows.len() as u64;
    let format = format_of(path);
    let (items, unit) =
        if format == "csv" { (counts.rows, "rows") } else { (counts.rows * o.mapped.len() as u64, "cells") };
    clock.mark(format!("ingest {} ({format})", kind.as_str()), items, unit);
    log.lines.push(line);
    log.problems.extend(o.bad_rows.into_iter().map(|p| (name.to_string(), p)));
    log.moves.push((path.to_path_buf(), "processed", None));
}

/// A row counter for long files, drawn only when stderr is a terminal
/// (indicatif draws nothing otherwise; the log lines remain).
fn progress(name: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {msg}: {human_pos} rows ({per_sec}, {elapsed})")
    {
        bar.set_style(style);
    }
    bar.set_message(name.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}
