//! `yrkesresan forget EMAIL|USERNAME [--dry-run]`: the right to erasure.
//!
//! Removes one person from what the pipeline keeps: their rows in every
//! stored snapshot; their name and address in the stored register copies
//! (replaced by a pseudonym, the rows kept, so amounts already invoiced and
//! what open months bill stay the same); the bodies of delivered messages
//! whose workbooks name them; their address among a message's recipients.
//! Then it lists where the person still is, outside the state: files in the
//! inbox and output folders (and the region's own register workbook, and the
//! platform), which the region deletes or edits itself. The run log records
//! counts only, never who.

use super::commit::{commit, Finished};
use super::staging::Staging;
use super::{JobError, JobSettings, StateLock};
use crate::ingest::redact_register;
use crate::store::Forgotten;
use std::io::Read;
use std::path::{Path, PathBuf};

/// What `forget` did, for the administrator.
#[derive(Debug, Clone)]
pub struct ForgetReport {
    /// What was removed (or, dry, would be) from the state.
    pub removed: Forgotten,
    /// Register rows that now carry the pseudonym.
    pub register_rows: usize,
    /// The pseudonym.
    pub pseudonym: String,
    /// Files outside the state that still name the person.
    pub still_in: Vec<PathBuf>,
    /// Whether anything named the person at all.
    pub found: bool,
}

/// Forgets a person known by e-mail address or platform username.
pub fn forget(settings: &JobSettings, who: &str, dry: bool) -> Result<ForgetReport, JobError> {
    let _lock = StateLock::job(&settings.state, "forget", &settings.now())?;
    let mut ctx = super::JobContext::open(settings)?;
    let (keys, mut names) = ctx.store.identities(who)?;
    names.extend(register_names(&ctx, &keys)?);
    names.sort();
    names.dedup();
    let mut needles: Vec<String> = keys.iter().chain(&names).map(|s| s.to_lowercase()).collect();
    needles.sort();
    needles.dedup();
    let pseudonym = format!("Raderad person {}", settings.clock.now().format("%Y%m%d%H%M%S"));
    let mentions = |bytes: &[u8]| zip_mentions(bytes, &needles);
    let started_at = ctx.now();
    let staging = Staging::new(&ctx.out)?;
    let period = ctx.today().to_string();
    let mut removed = Forgotten::default();
    let mut register_rows = 0;
    let limits = ctx.config.ingest.limits;
    let emails: Vec<String> = keys.iter().filter(|k| k.contains('@')).cloned().collect();
    let done = Finished::new("forget", period, started_at, 0, staging);
    commit(&mut ctx, done, |tx| {
        removed = tx.forget(&keys, &mentions, dry)?;
        for &id in &removed.registers {
            let (file, bytes) = tx.register_content(id)?;
            match redact_register(bytes, &emails, &names, &pseudonym, &limits) {
                Ok((new, rows)) => {
                    register_rows += rows;
                    if !dry {
                        tx.replace_register_content(id, &new)?;
                    }
                }
                Err(e) => tracing::warn!("The stored copy of {file} could not be rewritten: {e}."),
            }
        }
        Ok(())
    })?;
    if !dry {
        ctx.store.checkpoint()?;
    }
    let mut still_in = Vec::new();
    for dir in [ctx.inbox.clone(), ctx.out.clone()] {
        files_naming(&dir, &needles, &ctx.state, &mut still_in);
    }
    still_in.sort();
    let found = removed.accounts + removed.completions + removed.signups + removed.messages + removed.addresses > 0
        || !removed.registers.is_empty()
        || !still_in.is_empty();
    Ok(ForgetReport { removed, register_rows, pseudonym, still_in, found })
}

/// Whether a workbook (or any zip) names the person: its XML parts
/// searched for the e-mail, username or name (case-insensitive).
fn zip_mentions(bytes: &[u8], needles: &[String]) -> bool {
    let Ok(mut zip) = zip9::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return text_mentions(bytes, needles);
    };
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index(i) else { continue };
        if !entry.name().is_ok_and(|n| n.ends_with(".xml")) {
            continue;
        }
        let mut text = Vec::new();
        // Our own stored data: bounded all the same.
        if entry.take(512 * 1024 * 1024).read_to_end(&mut text).is_ok() && text_mentions(&text, needles) {
            return true;
        }
    }
    false
}

fn text_mentions(bytes: &[u8], needles: &[String]) -> bool {
    let text = String::from_utf8_lossy(bytes).to_lowercase();
    needles.iter().any(|n| !n.is_empty() && text.contains(n.as_str()))
}

/// The names the stored registers give the person's e-mail addresses.
fn register_names(ctx: &super::JobContext, keys: &[String]) -> Result<Vec<String>, JobError> {
    let mut names = Vec::new();
    for stored in ctx.store.latest_registers()? {
        let path = PathBuf::from(format!("stored:{}", stored.file_name));
        let content = ctx.store.reader().register_content(stored.id)?;
        let Ok(reg) = crate::ingest::read_register_bytes(&path, content, &ctx.config) else { continue };
        let has = |e: &Option<crate::domain::Email>| e.as_ref().is_some_and(|e| keys.iter().any(|k| k == e.as_str()));
        names.extend(reg.participants.iter().filter(|p| has(&p.email)).map(|p| p.name.clone()));
        names.extend(reg.trainers.iter().filter(|t| has(&t.email)).map(|t| t.name.clone()));
    }
    Ok(names)
}

/// Files under `dir` (recursively, never through links) that name the
/// person; the state database (and its log and lock) is not a file to edit.
fn files_naming(dir: &Path, needles: &[String], state: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let path = e.path();
        if path.as_os_str().to_string_lossy().starts_with(&*state.as_os_str().to_string_lossy()) {
            continue;
        }
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if meta.is_dir() {
            files_naming(&path, needles, state, out);
        } else if meta.is_file() && file_mentions(&path, needles) {
            out.push(path);
        }
    }
}

fn file_mentions(path: &Path, needles: &[String]) -> bool {
    let Ok(mut f) = std::fs::File::open(path) else { return false };
    let mut head = [0u8; 4];
    let zip = f.read_exact(&mut head).is_ok() && &head == b"PK\x03\x04";
    if zip {
        return std::fs::read(path).map(|b| zip_mentions(&b, needles)).unwrap_or(false);
    }
    let Ok(mut f) = std::fs::File::open(path) else { return false };
    // In chunks of 1 MiB, each searched with the end of the one before (as
    // long as the longest needle), so a name across a chunk border is found
    // and a file with one endless line is never read whole.
    let keep = needles.iter().map(String::len).max().unwrap_or(0);
    let mut window: Vec<u8> = Vec::with_capacity(CHUNK + keep);
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = match f.read(&mut chunk) {
            Ok(0) | Err(_) => return false,
            Ok(n) => n,
        };
        window.extend_from_slice(&chunk[..n]);
        if text_mentions(&window, needles) {
            return true;
        }
        let tail = window.len().saturating_sub(keep);
        window.drain(..tail);
    }
}

/// How much of a file `forget` searches at a time.
const CHUNK: usize = 1 << 20;

#[cfg(test)]
mod tests {
    use super::*;

    /// A file of one endless line is searched in chunks; a name across a
    /// chunk border is found, in any case; one that is not there is not.
    #[test]
    fn a_name_across_a_chunk_border_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.csv");
        let mut bytes = vec![b'x'; CHUNK - 3];
        bytes.extend_from_slice("Åsa Öberg,asa.oberg@falun.example".as_bytes());
        bytes.extend(std::iter::repeat_n(b'y', 2 * CHUNK));
        std::fs::write(&path, &bytes).unwrap();
        assert!(file_mentions(&path, &["åsa öberg".to_string()]));
        assert!(file_mentions(&path, &["ASA.OBERG@falun.example".to_lowercase()]));
        assert!(!file_mentions(&path, &["karin berg".to_string()]));
    }
}
