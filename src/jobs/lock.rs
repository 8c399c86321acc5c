//! One job at a time against a state database, and one `serve` per state.
//!
//! An OS file lock on `<state>.lock` (and `<state>.serve.lock`): the kernel
//! drops it when the process ends, however it ends, so a killed run never
//! leaves a stale lock. The file tells who holds it.

use super::JobError;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// A held lock; released when dropped.
#[derive(Debug)]
pub struct StateLock {
    _file: File,
}

impl StateLock {
    /// Takes the job lock of a state database, or says who holds it.
    pub fn job(state: &Path, what: &str, since: &str) -> Result<Self, JobError> {
        Self::take(&suffixed(state, "lock"), what, since)
    }

    /// Takes the service lock of a state database (one `serve` at a time).
    pub fn service(state: &Path, since: &str) -> Result<Self, JobError> {
        Self::take(&suffixed(state, "serve.lock"), "serve", since)
    }

    fn take(path: &Path, what: &str, since: &str) -> Result<Self, JobError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(JobError::io(dir))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(JobError::io(path))?;
        match file.try_lock() {
            Ok(()) => {
                let note = format!("pid {}, {what}, since {since}\n", std::process::id());
                let _ = file.set_len(0).and_then(|_| file.rewind()).and_then(|_| file.write_all(note.as_bytes()));
                Ok(StateLock { _file: file })
            }
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                Err(JobError::Busy { lock: path.to_path_buf(), holder: holder.trim().to_string() })
            }
            Err(TryLockError::Error(e)) => Err(JobError::Io { path: path.to_path_buf(), source: e }),
        }
    }
}

fn suffixed(state: &Path, suffix: &str) -> PathBuf {
    let mut s = state.as_os_str().to_os_string();
    s.push(".");
    s.push(suffix);
    PathBuf::from(s)
}
