//! Finding and reading a job's inputs: register workbooks in the inbox, and
//! the registers earlier syncs stored (the inbox wins for the same year).

use super::reading::{guarded, set_aside, Slot};
use super::{JobContext, JobError};
use crate::config::Config;
use crate::domain::hash::sha256_hex;
use crate::domain::totara::report_identity;
use crate::domain::Register;
use crate::ingest::{inbox_paths, kind_of, read_register, read_register_bytes, sha256_file, InputKind};
use crate::store::{Reader, RunInput, RunTx, Store, StoredRegister};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Reads every register in the inbox, adds the stored registers no inbox
/// file replaces (one of the same report and year does), and merges them.
/// Returns the register and the run's inputs. Each inbox file is recognised
/// and read under the reading marker; a file whose reader panics is set
/// aside in `rejected/` and the job fails naming it.
pub fn load_register(ctx: &JobContext, job: &str) -> Result<(Register, Vec<RunInput>), JobError> {
    let (config, inbox) = (&ctx.config, &ctx.inbox);
    let paths = if inbox.is_dir() { inbox_paths(inbox).map_err(JobError::io(inbox))? } else { Vec::new() };
    let mut inputs: Vec<RunInput> = Vec::new();
    let mut registers: Vec<Register> = Vec::new();
    let mut replaced: BTreeSet<(String, Option<String>)> = BTreeSet::new();
    for path in paths {
        let sha256 = sha256_file(&path).map_err(JobError::io(&path))?;
        let read = guarded(Slot::Main, &ctx.settings, job, &path, &sha256, || match kind_of(&path, config) {
            InputKind::Register => Some(read_register(&path, config)),
            _ => None,
        });
        let register = match read {
            Ok(None) => continue,
            Ok(Some(r)) => r?,
            Err(why) => {
                set_aside(inbox, &path, &why).map_err(JobError::io(&path))?;
                return Err(JobError::Internal(format!("{}: {why}", path.display())));
            }
        };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        replaced.insert((report_identity(&name), register.period()));
        registers.push(register);
        inputs.push(RunInput { path: path.display().to_string(), kind: "register".into(), sha256 });
    }
    for stored in Store::latest_registers(&ctx.store)? {
        if replaced.contains(&(stored.report.clone(), stored.period.clone())) {
            continue;
        }
        let name = PathBuf::from(format!("stored:{}", stored.file_name));
        let sha256 = stored.sha256.clone();
        let (reg, _) = read_stored_register(&ctx.store.reader(), &stored, &name, config)?;
        registers.push(reg);
        inputs.push(RunInput { path: name.display().to_string(), kind: "register".into(), sha256 });
    }
    if registers.is_empty() {
        return Err(JobError::NoRegister { inbox: inbox.to_path_buf() });
    }
    Ok((merge_registers(registers)?, inputs))
}

/// A stored register, parsed: the parsed form kept with it if there is one
/// for these bytes, this config and this program (see
/// `store::register_cache`), else parsed from its bytes, which only then
/// are read from the store. Returns the key to keep a fresh parse under
/// (`None` when it came from the store).
///
/// The key names the bytes by the hash stored with them; the sync kept the
/// parse under the hash of the bytes it stored, so a file that changed
/// while it was taken (the two hashes differ) is parsed again here.
pub(crate) fn read_stored_register(
    reader: &Reader,
    stored: &StoredRegister,
    name: &Path,
    config: &Config,
) -> Result<(Register, Option<String>), JobError> {
    if let Some(key) = parsed_key(&stored.sha256, config) {
        if let Ok(Some(register)) = reader.parsed_register(stored.id, &key) {
            return Ok((Register { sources: vec![name.to_path_buf()], ..register }, None));
        }
    }
    let content = reader.register_content(stored.id)?;
    let key = parsed_key(&sha256_hex(&content), config);
    Ok((read_register_bytes(name, content, config)?, key))
}

/// As [`read_stored_register`], inside a sync's transaction: a fresh
/// parse is kept with the run, for the jobs after it.
pub(crate) fn read_stored_register_in(
    tx: &RunTx,
    stored: StoredRegister,
    name: &Path,
    config: &Config,
) -> Result<Register, JobError> {
    let id = stored.id;
    let (mut register, fresh) = read_stored_register(&tx.reader(), &stored, name, config)?;
    if let Some(key) = fresh {
        register.content_key = Some(tx.remember_parsed_register(id, &key, &register)?);
    }
    Ok(register)
}

/// The key a parsed register is kept under: everything the parse depends
/// on (the file's bytes, by their SHA-256 in hex, the config text, the
/// program itself, by its size and time), so a changed file, config or
/// program parses again. `None` when the program cannot be told apart
/// (nothing is kept then).
pub(crate) fn parsed_key(sha256: &str, config: &Config) -> Option<String> {
    Some(format!("{sha256} {} {}", config.fingerprint, program_id()?))
}

/// This program, by its version, size and time: what is kept from one run
/// for the next (a parsed register, a platform summary) is kept under it,
/// so a rebuilt program computes them again. `None` when the program cannot
/// be told apart (nothing is kept then).
pub(crate) fn program_id() -> Option<&'static str> {
    static PROGRAM: OnceLock<Option<String>> = OnceLock::new();
    let program = PROGRAM.get_or_init(|| {
        let meta = std::env::current_exe().and_then(std::fs::metadata).ok()?;
        let since = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
        Some(format!("{}-{}-{}", env!("CARGO_PKG_VERSION"), meta.len(), since.as_nanos()))
    });
    program.as_deref()
}

/// Merges registers (per delresa, per year, or both); a round id may be
/// used in one of them only.
/// The merged register is known by its parts' content keys in order, when
/// each has one ([`Register::content_key`]): merging is the same for the
/// same parts in the same order.
pub(crate) fn merge_registers(registers: Vec<Register>) -> Result<Register, JobError> {
    check_rounds_unique(&registers)?;
    let parts: Option<Vec<&str>> = registers.iter().map(|r| r.content_key.as_deref()).collect();
    let content_key = parts.map(|keys| sha256_hex(format!("merged register\n{}", keys.join("\n"))));
    let mut merged = Register::default();
    for reg in registers {
        merged.merge(reg);
    }
    merged.content_key = content_key;
    Ok(merged)
}

/// A round id in two registers is an error naming both files and rows.
pub(crate) fn check_rounds_unique<'a>(registers: impl IntoIterator<Item = &'a Register>) -> Result<(), JobError> {
    let mut owner: BTreeMap<String, (PathBuf, u32)> = BTreeMap::new();
    for reg in registers {
        let source = reg.sources.first().cloned().unwrap_or_default();
        for r in &reg.rounds {
            if let Some((first, first_row)) = owner.insert(r.id.to_string(), (source.clone(), r.row)) {
                return Err(JobError::RoundInTwoFiles {
                    round: r.id.to_string(),
                    first,
                    first_row,
                    second: source,
                    second_row: r.row,
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(key: Option<&str>) -> Register {
        Register { content_key: key.map(str::to_string), ..Register::default() }
    }

    /// A merged register is known by its parts' keys in their order, and
    /// not at all when one part is unknown (it is serialised for a key then).
    #[test]
    fn a_merged_register_is_known_by_its_parts_in_order() {
        let key =
            |parts: Vec<Option<&str>>| merge_registers(parts.into_iter().map(known).collect()).unwrap().content_key;
        let ab = key(vec![Some("a"), Some("b")]);
        assert!(ab.is_some());
        assert_eq!(ab, key(vec![Some("a"), Some("b")]));
        assert_ne!(ab, key(vec![Some("b"), Some("a")]), "the order of the parts counts");
        assert_ne!(ab, key(vec![Some("a")]));
        assert_eq!(key(vec![Some("a"), None]), None);
    }
}
