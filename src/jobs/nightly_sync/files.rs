//! The inbox as the nightly sync sees it: which files to take, which to
//! leave for later, and where each goes after the commit.

use crate::jobs::JobError;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// File names a writer uses while a file is not complete yet.
const TEMP_SUFFIXES: [&str; 5] = [".part", ".tmp", ".partial", ".crdownload", ".download"];

/// Creates the inbox and checks its `processed/` and `rejected/` folders:
/// files are moved there after the commit, so they must be real folders
/// before anything is stored (a link there is refused, never followed).
pub(super) fn prepare_inbox(inbox: &Path) -> Result<(), JobError> {
    std::fs::create_dir_all(inbox).map_err(JobError::io(inbox))?;
    for folder in ["processed", "rejected"] {
        let dir = inbox.join(folder);
        crate::safe_fs::ensure_dir(&dir).map_err(JobError::io(&dir))?;
    }
    Ok(())
}

/// The inbox's files (not hidden ones), sorted by name.
pub(super) fn inbox_files(inbox: &Path) -> Result<Vec<PathBuf>, JobError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(inbox)
        .map_err(JobError::io(inbox))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .map(|e| e.path())
        .filter(|p| !file_name(p).starts_with('.'))
        .collect();
    files.sort();
    Ok(files)
}

/// A file's name as text.
pub(super) fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// A temp name, an Office lock file, or modified within the settle time.
pub(super) fn is_incomplete(path: &Path, settle: Duration) -> bool {
    let name = file_name(path).to_lowercase();
    if name.starts_with("~$") || TEMP_SUFFIXES.iter().any(|s| name.ends_with(s)) {
        return true;
    }
    let Ok(meta) = std::fs::metadata(path) else {
        return true;
    };
    let age = meta.modified().ok().and_then(|m| SystemTime::now().duration_since(m).ok()).unwrap_or(Duration::ZERO);
    age < settle
}

/// How a stored register is named in messages (`stored:<file name>`).
pub(super) fn stored_name(file_name: &str) -> PathBuf {
    PathBuf::from(format!("stored:{file_name}"))
}

/// The file's format as its extension says (`csv`, `xlsx`, `ods`), for timings.
pub(super) fn format_of(path: &Path) -> String {
    path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase()
}

/// The first non-empty line of a message.
pub(super) fn first_line(s: &str) -> &str {
    s.lines().find(|l| !l.trim().is_empty()).unwrap_or(s).trim()
}

/// Why a file was not recognised (see [`crate::ingest::unknown_reason`]).
pub(super) fn unknown_reason(path: &Path, limits: &crate::config::IngestLimits) -> String {
    crate::ingest::unknown_reason(path, limits)
}

/// The run log's error for a sync that rejected files, if it did: "N file(s)
/// rejected: <file>: <reason>; …" (the first line of each reason, cut to a
/// readable length; at most five files named). The run still commits the
/// other files; its log entry says failed (see [`crate::store::RunTx::fail_with`]).
pub(super) fn rejected_error(lines: &[crate::report::IngestLine]) -> Option<String> {
    use crate::ingest::bounds::short;
    let rejected: Vec<_> = lines.iter().filter(|l| l.status == crate::report::IngestStatus::Rejected).collect();
    if rejected.is_empty() {
        return None;
    }
    let named: Vec<String> = rejected
        .iter()
        .take(5)
        .map(|l| format!("{}: {}", short(&l.file, 80), short(first_line(&l.detail), 200)))
        .collect();
    let more = rejected.len().saturating_sub(named.len());
    Some(format!(
        "{} file(s) rejected: {}{}",
        rejected.len(),
        named.join("; "),
        if more > 0 { format!("; and {more} more (see inbox/rejected/)") } else { String::new() }
    ))
}

/// Moves a file into `inbox/<folder>/`, never overwriting an earlier one;
/// a rejected file gets `<name>.error.txt` beside it.
pub(super) fn move_file(inbox: &Path, path: &Path, folder: &str, why: Option<&str>) -> Result<(), JobError> {
    match why {
        Some(why) => crate::jobs::reading::set_aside(inbox, path, why).map(|_| ()),
        None => crate::safe_fs::move_into(path, &inbox.join(folder)).map(|_| ()),
    }
    .map_err(JobError::io(path))
}
