//! A staging folder: outputs are written here first and moved into the output
//! folder only when the whole run has succeeded. Dropped unused, it is removed.
//!
//! Files are created exclusively (never through a link) with private modes;
//! before the commit that makes them current, every staged file and folder is
//! synced to disk; publishing refuses a link where an output folder should be.
//! Staging folders a killed run left behind are removed when the next starts.

use super::JobError;
use crate::safe_fs;
use std::path::{Path, PathBuf};

/// Outputs of one run, not yet in place.
pub(crate) struct Staging {
    dir: PathBuf,
    out: PathBuf,
    files: Vec<PathBuf>,
    /// The folder, open from before any file is written in it: syncing
    /// through it reports any write-back error since (see [`Staging::sync`];
    /// Linux only, elsewhere the files are synced one by one).
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    handle: std::fs::File,
}

impl Staging {
    /// A fresh staging folder inside `out` (same file system, so moves are renames).
    pub(crate) fn new(out: &Path) -> Result<Self, JobError> {
        std::fs::create_dir_all(out).map_err(JobError::io(out))?;
        remove_leftovers(out);
        // A unique folder name, not a date anyone reads: the wall clock, not
        // the run's (a fixed test clock would give two stagings one name).
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.f");
        let dir = out.join(format!(".staging-{}-{stamp}", std::process::id()));
        safe_fs::ensure_dir(&dir).map_err(JobError::io(&dir))?;
        let handle = std::fs::File::open(&dir).map_err(JobError::io(&dir))?;
        Ok(Staging { dir, out: out.to_path_buf(), files: Vec::new(), handle })
    }

    /// The staged path of an output given relative to the output folder.
    pub(crate) fn path(&mut self, rel: &str) -> Result<PathBuf, JobError> {
        let p = self.writer().prepared(rel)?;
        self.adopt(rel);
        Ok(p)
    }

    /// Stages bytes as an output.
    pub(crate) fn write(&mut self, rel: &str, bytes: &[u8]) -> Result<(), JobError> {
        self.writer().write(rel, bytes)?;
        self.adopt(rel);
        Ok(())
    }

    /// Writes staged files from other threads (the invoice's workers write
    /// their own municipalities' files); each is an output once
    /// [`adopt`](Staging::adopt)ed, in the order the outputs are listed.
    pub(crate) fn writer(&self) -> StagedWriter<'_> {
        StagedWriter { dir: &self.dir }
    }

    /// Lists a file a [`StagedWriter`] wrote as an output.
    pub(crate) fn adopt(&mut self, rel: &str) {
        self.files.push(PathBuf::from(rel));
    }

    /// How many outputs are staged.
    pub(crate) fn len(&self) -> usize {
        self.files.len()
    }

    /// Syncs every staged file and folder to disk (before the commit). The
    /// files are written unsynced; on Linux they are synced together, with
    /// the file system (one journal commit instead of one per file; see
    /// [`safe_fs::sync_file_system`]), elsewhere one by one.
    pub(crate) fn sync(&self) -> Result<(), JobError> {
        #[cfg(target_os = "linux")]
        {
            safe_fs::sync_file_system(&self.handle).map_err(JobError::io(&self.dir))
        }
        #[cfg(not(target_os = "linux"))]
        {
            let mut dirs = std::collections::BTreeSet::new();
            for rel in &self.files {
                let p = self.dir.join(rel);
                safe_fs::sync_file(&p).map_err(JobError::io(&p))?;
                dirs.extend(p.parent().map(Path::to_path_buf));
            }
            dirs.insert(self.dir.clone());
            for d in dirs {
                safe_fs::sync_dir(&d).map_err(JobError::io(&d))?;
            }
            Ok(())
        }
    }

    /// Moves every staged file into the output folder; returns their final paths.
    pub(crate) fn publish(mut self) -> Result<Vec<PathBuf>, JobError> {
        let mut out = Vec::new();
        let mut dirs = std::collections::BTreeSet::new();
        for rel in std::mem::take(&mut self.files) {
            let to = self.out.join(&rel);
            if let Some(parent) = to.parent() {
                safe_fs::ensure_dir(parent).map_err(JobError::io(parent))?;
                dirs.insert(parent.to_path_buf());
            }
            std::fs::rename(self.dir.join(&rel), &to).map_err(JobError::io(&to))?;
            out.push(to);
        }
        for d in dirs {
            safe_fs::sync_dir(&d).map_err(JobError::io(&d))?;
        }
        Ok(out)
    }
}

/// Writes files into a staging folder from any thread (see [`Staging::writer`]).
pub(crate) struct StagedWriter<'a> {
    dir: &'a Path,
}

impl StagedWriter<'_> {
    /// Creates the staged file `rel` (exclusively, never through a link)
    /// with `bytes`; its folder is made if missing. It is synced with the
    /// others before the commit ([`Staging::sync`]): a worker does not wait
    /// for the disk after each file.
    pub(crate) fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), JobError> {
        let p = self.prepared(rel)?;
        safe_fs::write_new_unsynced(&p, bytes).map_err(JobError::io(&p))
    }

    /// The staged path of `rel`, its folder made (a real folder) if missing.
    fn prepared(&self, rel: &str) -> Result<PathBuf, JobError> {
        let p = self.dir.join(rel);
        if let Some(parent) = p.parent() {
            safe_fs::ensure_dir(parent).map_err(JobError::io(parent))?;
        }
        Ok(p)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Removes staging folders of runs that were killed (jobs run one at a time
/// under the state lock, so no other run is using one).
fn remove_leftovers(out: &Path) {
    let Ok(entries) = std::fs::read_dir(out) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
        if is_dir && name.starts_with(".staging-") {
            tracing::info!("Removing {name}, left by a run that did not finish.");
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_written_on_other_threads_are_published_in_the_order_adopted() {
        let out = tempfile::tempdir().unwrap();
        let mut staging = Staging::new(out.path()).unwrap();
        staging.write("first.csv", b"1").unwrap();
        let writer = staging.writer();
        std::thread::scope(|s| {
            s.spawn(|| writer.write("kommuner/b.xlsx", b"b").unwrap());
            s.spawn(|| writer.write("kommuner/a.xlsx", b"a").unwrap());
        });
        // Written twice is refused: staged files are created, never overwritten.
        assert!(staging.writer().write("kommuner/a.xlsx", b"again").is_err());
        staging.adopt("kommuner/a.xlsx");
        staging.adopt("kommuner/b.xlsx");
        staging.sync().unwrap();
        let published = staging.publish().unwrap();
        let names: Vec<_> = published.iter().map(|p| p.strip_prefix(out.path()).unwrap().to_path_buf()).collect();
        assert_eq!(names, [PathBuf::from("first.csv"), "kommuner/a.xlsx".into(), "kommuner/b.xlsx".into()]);
        assert_eq!(std::fs::read(out.path().join("kommuner/a.xlsx")).unwrap(), b"a");
    }
}
