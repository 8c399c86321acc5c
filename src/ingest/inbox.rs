//! Recognising input files by their content, never their names.
//!
//! A register is a workbook with at least two of the four register sheets (so
//! a register missing one is read, and rejected with the sheet named); a Totara export is
//! recognised by its headings. Issue-level ingest of the exports builds on this.

use super::register::read::SHEETS;
use super::workbook::{FileType, Workbook};
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
pub fn recognise(dir: &Path) -> std::io::Result<Vec<RecognisedFile>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .map(|e| e.path())
        .filter(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.') || n.starts_with("~$"))
        })
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let bytes = std::fs::read(&path)?;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let kind = kind_of(bytes);
        out.push(RecognisedFile { path, kind, sha256 });
    }
    Ok(out)
}

fn kind_of(bytes: Vec<u8>) -> InputKind {
    match FileType::sniff(&bytes) {
        FileType::Zip => match Workbook::from_bytes(bytes) {
            Ok(wb) => {
                if SHEETS.iter().filter(|s| wb.find_sheet(s).is_some()).count() >= 2 {
                    InputKind::Register
                } else {
                    InputKind::Unknown
                }
            }
            Err(_) => InputKind::Unknown,
        },
        FileType::LegacyXls => InputKind::Unknown,
        FileType::Text => {
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_lowercase();
            let first = head.lines().next().unwrap_or("");
            if first.contains("signup status")
                || first.contains("session start")
                || first.contains("sessionens starttid")
            {
                InputKind::Signups
            } else if first.contains("completion status") || first.contains("slutförandestatus") {
                InputKind::Completions
            } else if (first.contains("username") || first.contains("användarnamn"))
                && (first.contains("organisation") || first.contains("kommun"))
            {
                InputKind::Accounts
            } else {
                InputKind::Unknown
            }
        }
    }
}
