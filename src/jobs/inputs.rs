//! Finding and reading a job's inputs: register workbooks in the inbox, and
//! the registers earlier syncs stored (the inbox wins for the same year).

use super::JobError;
use crate::config::Config;
use crate::ingest::{read_register, read_register_bytes, recognise, InputKind, Register};
use crate::store::{RunInput, Store};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Reads every register in the inbox, adds the stored registers of other
/// years, and merges them. Returns the register and the run's inputs.
pub fn load_register(config: &Config, inbox: &Path, state: &Path) -> Result<(Register, Vec<RunInput>), JobError> {
    let files = if inbox.is_dir() { recognise(inbox, config).map_err(JobError::io(inbox))? } else { Vec::new() };
    let mut inputs: Vec<RunInput> = Vec::new();
    let mut registers: Vec<Register> = Vec::new();
    for f in files.iter().filter(|f| f.kind == InputKind::Register) {
        registers.push(read_register(&f.path, config)?);
        inputs.push(RunInput { path: f.path.display().to_string(), kind: "register".into(), sha256: f.sha256.clone() });
    }
    let periods: BTreeSet<Option<String>> = registers.iter().map(Register::period).collect();
    for stored in Store::open(state)?.latest_registers()? {
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
