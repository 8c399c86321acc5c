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

/// Why a file was not recognised: the headings it has.
pub(super) fn unknown_reason(path: &Path, limits: &crate::config::IngestLimits) -> String {
    use crate::ingest::bounds::short;
    use crate::ingest::exports::{headings, sniff};
    match sniff(path).map_err(|e| e.to_string()).and_then(|s| headings(path, &s, limits)) {
        Ok(h) => {
            let more = h.len().saturating_sub(30);
            format!(
                "not recognised as accounts, completions, sign-ups or a register; headings found: {}{}",
                h.iter().take(30).map(|h| format!("'{}'", short(h, 40))).collect::<Vec<_>>().join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            )
        }
        Err(e) => format!("not recognised: {e}"),
    }
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
