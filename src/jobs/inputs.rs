//! Finding and reading a job's inputs: register workbooks in the inbox, and
//! the registers earlier syncs stored (the inbox wins for the same year).

use super::reading::{guarded, set_aside};
use super::{JobContext, JobError};
use crate::domain::Register;
use crate::ingest::{inbox_paths, kind_of, read_register, read_register_bytes, sha256_file, InputKind};
use crate::store::RunInput;
use crate::store::Store;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Reads every register in the inbox, adds the stored registers of other
/// years, and merges them. Returns the register and the run's inputs. Each
/// inbox file is recognised and read under the reading marker; a file whose
/// reader panics is set aside in `rejected/` and the job fails naming it.
pub fn load_register(ctx: &JobContext, job: &str) -> Result<(Register, Vec<RunInput>), JobError> {
    let (config, inbox) = (&ctx.config, &ctx.inbox);
    let paths = if inbox.is_dir() { inbox_paths(inbox).map_err(JobError::io(inbox))? } else { Vec::new() };
    let mut inputs: Vec<RunInput> = Vec::new();
    let mut registers: Vec<Register> = Vec::new();
    for path in paths {
        let sha256 = sha256_file(&path).map_err(JobError::io(&path))?;
        let read = guarded(&ctx.settings, job, &path, &sha256, || match kind_of(&path, config) {
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
        registers.push(register);
        inputs.push(RunInput { path: path.display().to_string(), kind: "register".into(), sha256 });
    }
    let periods: BTreeSet<Option<String>> = registers.iter().map(Register::period).collect();
    for stored in Store::latest_registers(&ctx.store)? {
        let name = PathBuf::from(format!("stored:{}", stored.file_name));
        let reg = read_register_bytes(&name, stored.content, config)?;
        if !periods.contains(&reg.period()) {
            registers.push(reg);
            inputs.push(RunInput { path: name.display().to_string(), kind: "register".into(), sha256: stored.sha256 });
        }
    }
    if registers.is_empty() {
        return Err(JobError::NoRegister { inbox: inbox.to_path_buf() });
    }
    Ok((merge_registers(registers)?, inputs))
}

/// Merges registers (one per year); a round id may be used only once.
pub(crate) fn merge_registers(registers: Vec<Register>) -> Result<Register, JobError> {
    let mut merged = Register::default();
    let mut owner: BTreeMap<String, PathBuf> = BTreeMap::new();
    for reg in registers {
        let source = reg.sources.first().cloned().unwrap_or_default();
        for r in &reg.rounds {
            if let Some(first) = owner.insert(r.id.to_string(), source.clone()) {
                return Err(JobError::RoundInTwoFiles { round: r.id.to_string(), first, second: source });
            }
        }
        merged.merge(reg);
    }
    Ok(merged)
}
