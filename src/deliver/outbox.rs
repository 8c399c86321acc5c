//! The outbox folder: one `.eml` file per message, named after it.

use super::message::{DeliverError, OutgoingMessage};
use std::path::{Path, PathBuf};

/// Writes a message as `<stem>.eml` into `dir`; a rerun replaces the same file,
/// so a message is never in the outbox twice.
pub fn write_eml(dir: &Path, m: &OutgoingMessage) -> Result<PathBuf, DeliverError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| DeliverError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let path = dir.join(format!("{}.eml", m.stem));
    std::fs::write(&path, &m.bytes).map_err(io(&path))?;
    Ok(path)
}
