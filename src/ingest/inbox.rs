//! Recognising input files by their content, never their names.
//!
//! A register is a workbook with at least two of the four register sheets (so
//! a register missing one is read, and rejected with the sheet named); a Totara export is
//! recognised by its headings. Issue-level ingest of the exports builds on this.

use super::exports::{detect_kind, headings, sniff, workbook_headings, ExportKind, Format};
use super::register::read::SHEETS;
use super::workbook::Workbook;
use crate::config::{Config, IngestLimits};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// What an input file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum InputKind {
    /// The region's course-day register.
    Register,
    /// Totara accounts export.
    Accounts,
    /// Totara course completions export.
    Completions,
    /// Totara seminar sign-ups export.
    Signups,
    /// Not recognised.
    Unknown,
}

impl InputKind {
    /// The kind's name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Accounts => "accounts",
            Self::Completions => "completions",
            Self::Signups => "signups",
            Self::Unknown => "unknown",
        }
    }
}

/// A file found in the inbox, with what it is and its checksum.
#[derive(Debug, Clone)]
pub struct RecognisedFile {
    /// Where it is.
    pub path: PathBuf,
    /// What it holds.
    pub kind: InputKind,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
}

/// Recognises every regular file in a folder (not recursive), sorted by name.
/// Hidden files and Office lock files (`~$…`) are passed over.
pub fn recognise(dir: &Path, config: &Config) -> std::io::Result<Vec<RecognisedFile>> {
    inbox_paths(dir)?.iter().map(|p| recognise_file(p, config)).collect()
}

/// The regular files of a folder (not recursive), sorted by name; hidden
/// files and Office lock files (`~$…`) are passed over.
pub fn inbox_paths(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .map(|e| e.path())
        .filter(|p| !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.') || n.starts_with("~$")))
        .collect();
    paths.sort();
    Ok(paths)
}

/// Recognises one file by its content and computes its checksum (streamed).
pub fn recognise_file(path: &Path, config: &Config) -> std::io::Result<RecognisedFile> {
    let sha256 = sha256_file(path)?;
    let kind = kind_of(path, config);
    Ok(RecognisedFile { path: path.to_path_buf(), kind, sha256 })
}

/// SHA-256 of a file, hex, read in chunks.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// What a file holds, read from its content (this parses: call it guarded).
/// A workbook is checked and opened once: a register by its sheets, an
/// export by the headings of its first sheet.
pub fn kind_of(path: &Path, config: &Config) -> InputKind {
    let Ok(sniffed) = sniff(path) else {
        return InputKind::Unknown;
    };
    if sniffed.format == Format::Spreadsheet {
        return open_spreadsheet(path, config).kind();
    }
    match headings(path, &sniffed, &config.ingest.limits).ok().and_then(|h| detect_kind(&h, config)) {
        Some(kind) => export_kind(kind),
        None => InputKind::Unknown,
    }
}

fn export_kind(kind: ExportKind) -> InputKind {
    match kind {
        ExportKind::Accounts => InputKind::Accounts,
        ExportKind::Completions => InputKind::Completions,
        ExportKind::Signups => InputKind::Signups,
    }
}

/// Whether a file is a zip spreadsheet (xlsx, ods) by its first bytes
/// alone; [`sniff`] also checks a text file's encoding, reading it whole.
pub fn is_spreadsheet(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 4];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok()
        && super::workbook::FileType::sniff(&head) == super::workbook::FileType::Zip
}

/// A spreadsheet opened (and checked) once, recognised, and then read from
/// the same opening: a register parsed, an export's rows streamed. (This
/// parses: call it guarded.)
pub struct OpenedSheet {
    wb: Option<Workbook>,
    kind: InputKind,
}

/// Opens and recognises a spreadsheet; one that cannot be opened is `Unknown`.
pub fn open_spreadsheet(path: &Path, config: &Config) -> OpenedSheet {
    let opened =
        std::fs::read(path).map_err(|e| e.to_string()).and_then(|b| Workbook::from_bytes(b, &config.ingest.limits));
    let Ok(mut wb) = opened else {
        return OpenedSheet { wb: None, kind: InputKind::Unknown };
    };
    let kind = if SHEETS.iter().filter(|s| wb.find_sheet(s).is_some()).count() >= 2 {
        InputKind::Register
    } else {
        match workbook_headings(&mut wb).ok().and_then(|h| detect_kind(&h, config)) {
            Some(kind) => export_kind(kind),
            None => InputKind::Unknown,
        }
    };
    OpenedSheet { wb: Some(wb), kind }
}

impl OpenedSheet {
    /// What the spreadsheet holds.
    pub fn kind(&self) -> InputKind {
        self.kind
    }

    /// Reads it as a register (`path` names it in messages).
    pub fn register(self, path: &Path, config: &Config) -> Result<crate::domain::Register, super::RegisterProblems> {
        match self.wb {
            Some(wb) => super::register::read_register_workbook(path, wb, config),
            None => super::read_register(path, config),
        }
    }

    /// Reads an export's rows into `queue` (see [`read_sheet_rows`](super::exports::read_sheet_rows)).
    pub fn rows_into(self, queue: &super::exports::RowQueue) -> Result<(), String> {
        match self.wb {
            Some(mut wb) => super::exports::read_workbook_rows(&mut wb, queue),
            None => Err("not a readable spreadsheet".into()),
        }
    }
}

/// Why a file is not recognised, as the sync writes it beside a rejected
/// file and `ingest` prints it: the headings it has (each cut to a readable
/// length, at most 30), or why none could be read — a workbook refused by
/// the checks names the sheet and cell.
pub fn unknown_reason(path: &Path, limits: &IngestLimits) -> String {
    use super::bounds::short;
    match sniff(path).map_err(|e| e.to_string()).and_then(|s| headings(path, &s, limits)) {
        Ok(h) => {
            let shown: Vec<&String> = h.iter().filter(|h| !h.trim().is_empty()).collect();
            let more = shown.len().saturating_sub(30);
            let list: Vec<String> = shown.iter().take(30).map(|h| format!("'{}'", short(h, 40))).collect();
            format!(
                "not recognised as accounts, completions, sign-ups or a register; headings found: {}{}",
                if list.is_empty() { "none".to_string() } else { list.join(", ") },
                if more > 0 { format!(" and {more} more") } else { String::new() }
            )
        }
        Err(e) => format!("not recognised: {e}"),
    }
}
