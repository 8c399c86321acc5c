//! A reader that dies never takes the service down twice.
//!
//! Before a job parses an input file it records `reading <file> (<sha>)` in a
//! marker beside the state database (`<state>.reading`, synced to disk); when
//! the reading ends, well or with an error, the marker is removed. A panic
//! inside a reader is caught and becomes an error naming the file. If the
//! process itself dies while reading (an abort, the kernel's OOM killer, a
//! kill), the marker survives: the next job to start moves that file to
//! `inbox/rejected/` with "the previous run stopped while reading this file"
//! and logs the dead run as failed, so the same file cannot stop the service
//! again.
//!
//! The nightly sync reads a spreadsheet on a second thread while this one
//! stores a CSV file, so two files may be read at once, each under its own
//! marker (a [`Slot`]). A run that dies then leaves both, and both files are
//! set aside: which of them stopped the run cannot be known, and a file that
//! may crash the service must not be read again unattended. Each file's note
//! names the other, so the administrator can put the healthy one back.

use super::commit::record_failure;
use super::JobSettings;
use crate::safe_fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// Which of the two readers a marker belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// The job's own thread.
    Main,
    /// The nightly sync's reader of spreadsheets ahead of their turn.
    Ahead,
}

impl Slot {
    const ALL: [Slot; 2] = [Slot::Main, Slot::Ahead];
}

/// Where the marker of the file a slot is reading is kept.
fn marker_of(state: &Path, slot: Slot) -> PathBuf {
    let mut name = state.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(match slot {
        Slot::Main => ".reading",
        Slot::Ahead => ".reading-ahead",
    });
    state.with_file_name(name)
}

/// What a marker records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Marker {
    pub job: String,
    pub started_at: String,
    pub sha256: String,
    pub file: PathBuf,
}

impl Marker {
    fn text(&self) -> String {
        format!("{}\n{}\n{}\n{}\n", self.job, self.started_at, self.sha256, self.file.display())
    }

    fn parse(text: &str) -> Option<Marker> {
        let mut l = text.lines();
        Some(Marker {
            job: l.next()?.to_string(),
            started_at: l.next()?.to_string(),
            sha256: l.next()?.to_string(),
            file: PathBuf::from(l.next()?),
        })
    }
}

/// Reads `file` (already hashed) under the marker of `slot`: `read` runs
/// with the marker on disk; a panic in it is returned as `Err` with its message.
pub(crate) fn guarded<T>(
    slot: Slot,
    ctx: &JobSettings,
    job: &str,
    file: &Path,
    sha256: &str,
    read: impl FnOnce() -> T,
) -> Result<T, String> {
    let marker = marker_of(&ctx.state, slot);
    let m = Marker { job: job.to_string(), started_at: ctx.now(), sha256: sha256.to_string(), file: absolute(file) };
    let _ = std::fs::remove_file(&marker);
    if let Err(e) = safe_fs::write_new(&marker, m.text().as_bytes()) {
        tracing::warn!("Cannot write the reading marker {}: {e}.", marker.display());
    }
    fault_injection(file);
    let result = catch_unwind(AssertUnwindSafe(read)).map_err(|p| {
        format!(
            "the reader failed on this file (internal error: {}); the file is set aside. \
             Please report it with the file to the pipeline's maintainers",
            panic_text(&p)
        )
    });
    let _ = std::fs::remove_file(&marker);
    result
}

/// A panic's message.
pub(crate) fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// Tests make a reader die on a named file (debug builds only).
fn fault_injection(file: &Path) {
    #[cfg(debug_assertions)]
    if let Ok(name) = std::env::var("YRKESRESAN_FAULT_ABORT_READING") {
        if file.file_name().is_some_and(|n| n.to_string_lossy() == name) {
            std::process::abort();
        }
    }
    let _ = file;
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The markers' paths as C strings, for the signal handler.
static MARKER_C: [std::sync::atomic::AtomicPtr<libc::c_char>; 2] =
    [const { std::sync::atomic::AtomicPtr::new(std::ptr::null_mut()) }; 2];

/// A stop on request (SIGTERM, Ctrl-C) is not the file's fault: for `run`,
/// the marker is removed before the process ends, so only a crash or a kill
/// (abort, OOM killer, SIGKILL) sets the file aside.
pub fn forget_marker_on_termination(state: &Path) {
    use std::os::unix::ffi::OsStrExt;
    for (slot, c_path) in Slot::ALL.into_iter().zip(&MARKER_C) {
        let Ok(c) = std::ffi::CString::new(marker_of(state, slot).as_os_str().as_bytes()) else { return };
        c_path.store(c.into_raw(), std::sync::atomic::Ordering::SeqCst);
    }
    extern "C" fn on_signal(sig: libc::c_int) {
        // SAFETY: unlink, signal and raise are async-signal-safe; each path is a leaked CString or null.
        unsafe {
            for c_path in &MARKER_C {
                let p = c_path.load(std::sync::atomic::Ordering::SeqCst);
                if !p.is_null() {
                    libc::unlink(p);
                }
            }
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }
    // SAFETY: installing a handler before any job thread starts.
    unsafe {
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
    }
}

/// Removes the markers of a run that is cut off on request (`serve` after its grace time).
pub fn forget_marker(state: &Path) {
    for slot in Slot::ALL {
        let _ = std::fs::remove_file(marker_of(state, slot));
    }
}

/// Clears up after a run that died while reading: each file it was
/// reading goes to `rejected/` (if it is still in this inbox, unchanged)
/// with the reason, and the dead run is logged as failed. Returns what was done.
pub(crate) fn recover(ctx: &JobSettings) -> Option<String> {
    let mut markers = Vec::new();
    for slot in Slot::ALL {
        let marker = marker_of(&ctx.state, slot);
        if let Ok(text) = std::fs::read_to_string(&marker) {
            let _ = std::fs::remove_file(&marker);
            markers.extend(Marker::parse(&text));
        }
    }
    // The ingest stores what the reader ahead reads under both markers.
    markers.dedup_by(|a, b| a.file == b.file);
    let first = markers.first()?.clone();
    let inbox = absolute(&ctx.inbox);
    let mut done = Vec::new();
    for m in &markers {
        let others: Vec<String> = markers
            .iter()
            .filter(|o| o.file != m.file)
            .map(|o| o.file.file_name().unwrap_or_default().to_string_lossy().into_owned())
            .collect();
        let together = if others.is_empty() {
            String::new()
        } else {
            format!(
                " It was being read together with {}, which was set aside too: which of them stopped the run \
                 cannot be told, so if one of them is known to be sound, put it back in the inbox.",
                others.join(", ")
            )
        };
        let why = format!(
            "the previous run ({} started {}) stopped while reading this file: the reader crashed or the process \
             was killed. The file is set aside so it cannot stop the service again.{together} Check it with \
             `yrkesresan ingest <file>`; to read it again, put it back in the inbox.",
            m.job, m.started_at
        );
        let same = m.file.parent() == Some(inbox.as_path()) && same_content(&m.file, &m.sha256);
        let mut line = format!("The previous {} run stopped while reading {}", m.job, m.file.display());
        if same {
            match set_aside(&inbox, &m.file, &why) {
                Ok(to) => line += &format!("; the file was moved to {}.", to.display()),
                Err(e) => line += &format!("; the file could not be moved: {e}."),
            }
        } else {
            line += "; the file is no longer in the inbox.";
        }
        tracing::warn!("{line}");
        done.push(line);
    }
    let read: Vec<String> = markers
        .iter()
        .map(|m| match m.sha256.strip_prefix(UNHASHED) {
            Some(_) => format!("{} (not yet hashed)", m.file.display()),
            None => format!("{} ({})", m.file.display(), &m.sha256[..m.sha256.len().min(12)]),
        })
        .collect();
    let error = format!("stopped while reading {}", read.join(" and "));
    if let Some(e) = record_failure(ctx, &first.job, "–", &first.started_at, &error) {
        tracing::warn!("The dead run could not be logged: {e}.");
    }
    Some(done.join(" "))
}

/// How a marker names the content of a file that is hashed while it is read
/// (a CSV export, see [`crate::ingest::hashed_read`]): `unhashed <size>
/// <modified, ns>`, where the others have their SHA-256.
pub(crate) fn unhashed_identity(path: &Path) -> String {
    let meta = std::fs::metadata(path).ok();
    let size = meta.as_ref().map_or(0, |m| m.len());
    let modified = meta
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("{UNHASHED}{size} {modified}")
}

/// The start of an [`unhashed_identity`].
const UNHASHED: &str = "unhashed ";

/// Whether `file` still holds what a marker recorded of it: the same
/// SHA-256, or for a file hashed while read the same size and time.
fn same_content(file: &Path, recorded: &str) -> bool {
    if recorded.starts_with(UNHASHED) {
        unhashed_identity(file) == recorded
    } else {
        crate::ingest::sha256_file(file).is_ok_and(|sha| sha == recorded)
    }
}

/// Moves a file to `inbox/rejected/` with `<name>.error.txt` saying why.
pub(crate) fn set_aside(inbox: &Path, file: &Path, why: &str) -> std::io::Result<PathBuf> {
    let dir = inbox.join("rejected");
    let to = safe_fs::move_into(file, &dir)?;
    let name = to.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let note = dir.join(format!("{name}.error.txt"));
    let _ = std::fs::remove_file(&note);
    safe_fs::write_new(&note, format!("{why}\n").as_bytes())?;
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marker_reads_back() {
        let m = Marker {
            job: "nightly-sync".into(),
            started_at: "2026-11-23T02:30:00Z".into(),
            sha256: "ab".into(),
            file: "/x/inbox/a b.xlsx".into(),
        };
        assert_eq!(Marker::parse(&m.text()), Some(m));
    }

    #[test]
    fn a_file_named_by_size_and_time_is_the_same_until_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("completions.csv");
        std::fs::write(&path, "Username,Course Name\n").unwrap();
        let recorded = unhashed_identity(&path);
        assert!(recorded.starts_with(UNHASHED), "{recorded}");
        assert!(same_content(&path, &recorded));
        std::fs::write(&path, "Username,Course Name\nanna,Kurs A\n").unwrap();
        assert!(!same_content(&path, &recorded), "a file written since is another");
        assert!(!same_content(&dir.path().join("gone.csv"), &recorded));
        // A marker with a hash still compares the hash.
        let sha = crate::ingest::sha256_file(&path).unwrap();
        assert!(same_content(&path, &sha));
        assert!(!same_content(&path, &"0".repeat(64)));
    }
}
