//! `yrkesresan ingest FILE…`: what each file is recognised as (kind, format,
//! encoding, delimiter, headings mapped, rows readable, first problems),
//! storing nothing. The command to run on a file the sync rejected.

use crate::config::load;
use crate::domain::ExportKind;
use crate::ingest::exports::{read_export, sniff, ExportOutcome};
use crate::ingest::{read_register, recognise_file, unknown_reason, InputKind};
use clap::Args;
use std::path::{Path, PathBuf};

/// Flags of `ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The files to look at.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The region's config file.
    #[arg(long, default_value = "config/dalarna.toml")]
    pub config: PathBuf,
}

/// Describes each file; exit code 0 if all would be ingested, 2 otherwise.
pub fn ingest(args: &IngestArgs) -> anyhow::Result<u8> {
    let config = load(&args.config).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut worst = 0;
    for f in &args.files {
        let (ok, text) = describe(f, &config);
        print!("{text}");
        if !ok {
            worst = 2;
        }
    }
    Ok(worst)
}

fn describe(path: &Path, config: &crate::config::Config) -> (bool, String) {
    let mut out = format!("{}\n", path.display());
    let rec = match recognise_file(path, config) {
        Ok(r) => r,
        Err(e) => return (false, format!("{out}  cannot read: {e}\n")),
    };
    let sniffed = sniff(path).ok();
    if let Some(s) = &sniffed {
        out += &format!("  format:   {}\n", s.describe());
    }
    out += &format!("  kind:     {}\n", rec.kind.as_str());
    out += &format!("  sha256:   {}\n", rec.sha256);
    let kind = match rec.kind {
        InputKind::Accounts => ExportKind::Accounts,
        InputKind::Completions => ExportKind::Completions,
        InputKind::Signups => ExportKind::Signups,
        InputKind::Register => {
            return match read_register(path, config) {
                Ok(r) => (
                    true,
                    format!(
                        "{out}  rows:     {} rounds, {} course days, {} trainer-days, {} participants\n",
                        r.rounds.len(),
                        r.days.len(),
                        r.trainers.len(),
                        r.participants.len()
                    ),
                ),
                Err(e) => (false, format!("{out}  problems: {e}")),
            };
        }
        InputKind::Unknown => {
            // The same reason the sync writes beside a rejected file.
            return (false, format!("{out}  problem:  {}\n", unknown_reason(path, &config.ingest.limits)));
        }
    };
    let mut seen = std::collections::HashSet::new();
    let mut duplicates = 0u64;
    let result = read_export(path, kind, config, &mut |_, r| {
        if !seen.insert(r.duplicate_key()) {
            duplicates += 1;
        }
        Ok(())
    });
    match result {
        Ok(ExportOutcome { mapped, rows, bad_rows, unresolved, .. }) => {
            out += &format!("  headings: {}\n", mapped.join(", "));
            out += &format!("  rows:     {rows} readable, {duplicates} duplicate(s), {} bad\n", bad_rows.len());
            for p in bad_rows.iter().take(10) {
                out +=
                    &format!("  problem:  line {}, column '{}', value '{}': {}\n", p.row, p.column, p.value, p.message);
            }
            for (line, org) in unresolved.iter().take(10) {
                out += &format!("  problem:  line {line}: organisation '{org}' is not a municipality of the region\n");
            }
            (true, out)
        }
        Err(e) => (false, format!("{out}  problem:  {e}\n")),
    }
}
