//! A staging folder: outputs are written here first and moved into the output
//! folder only when the whole run has succeeded. Dropped unused, it is removed.

use super::JobError;
use std::path::{Path, PathBuf};

/// Outputs of one run, not yet in place.
pub(crate) struct Staging {
    dir: PathBuf,
    out: PathBuf,
    files: Vec<PathBuf>,
}

impl Staging {
    /// A fresh staging folder inside `out` (same file system, so moves are renames).
    pub(crate) fn new(out: &Path) -> Result<Self, JobError> {
        std::fs::create_dir_all(out).map_err(JobError::io(out))?;
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.f");
        let dir = out.join(format!(".staging-{}-{stamp}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(JobError::io(&dir))?;
        Ok(Staging { dir, out: out.to_path_buf(), files: Vec::new() })
    }

    /// The staged path of an output given relative to the output folder.
    pub(crate) fn path(&mut self, rel: &str) -> Result<PathBuf, JobError> {
        let p = self.dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(JobError::io(parent))?;
        }
        self.files.push(PathBuf::from(rel));
        Ok(p)
    }

    /// Stages bytes as an output.
    pub(crate) fn write(&mut self, rel: &str, bytes: &[u8]) -> Result<(), JobError> {
        let p = self.path(rel)?;
        std::fs::write(&p, bytes).map_err(JobError::io(&p))
    }

    /// How many outputs are staged.
    pub(crate) fn len(&self) -> usize {
        self.files.len()
    }

    /// Moves every staged file into the output folder; returns their final paths.
    pub(crate) fn publish(mut self) -> Result<Vec<PathBuf>, JobError> {
        let mut out = Vec::new();
        for rel in std::mem::take(&mut self.files) {
            let to = self.out.join(&rel);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(JobError::io(parent))?;
            }
            std::fs::rename(self.dir.join(&rel), &to).map_err(JobError::io(&to))?;
            out.push(to);
        }
        Ok(out)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
