//! Finding and reading a job's inputs in the inbox.

use super::JobError;
use crate::config::Config;
use crate::ingest::{read_register, recognise, InputKind, Register};
use crate::store::RunInput;
use std::collections::BTreeMap;
use std::path::Path;

/// Reads every register workbook in the inbox and merges them (one per year is
/// usual). Returns the register and the run's input list with checksums.
pub fn load_register(config: &Config, inbox: &Path) -> Result<(Register, Vec<RunInput>), JobError> {
    let files = recognise(inbox).map_err(JobError::io(inbox))?;
    let inputs: Vec<RunInput> = files
        .iter()
        .filter(|f| f.kind != InputKind::Unknown)
        .map(|f| RunInput {
            path: f.path.display().to_string(),
            kind: f.kind.as_str().to_string(),
            sha256: f.sha256.clone(),
        })
        .collect();
    let mut merged = Register::default();
    let mut owner: BTreeMap<String, std::path::PathBuf> = BTreeMap::new();
    let mut found = false;
    for f in files.iter().filter(|f| f.kind == InputKind::Register) {
        found = true;
        let reg = read_register(&f.path, config)?;
        for r in &reg.rounds {
            if let Some(first) = owner.insert(r.id.to_string(), f.path.clone()) {
                return Err(JobError::RoundInTwoFiles {
                    round: r.id.to_string(),
                    first,
                    second: f.path.clone(),
                });
            }
        }
        merged.merge(reg);
    }
    if !found {
        return Err(JobError::NoRegister {
            inbox: inbox.to_path_buf(),
        });
    }
    Ok((merged, inputs))
}
