//! `yrkesresan check`: validate config and pipelines, all problems at once.

use crate::config::{load, load_pipelines, ConfigErrors};
use clap::Args;
use std::path::PathBuf;

/// Flags of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The region's config file.
    #[arg(long, default_value = "config/dalarna.toml")]
    pub config: PathBuf,
    /// The folder of pipeline files.
    #[arg(long, default_value = "pipelines")]
    pub pipelines: PathBuf,
}

/// Validates both; prints a summary or every problem. Returns the exit code.
pub fn check(args: &CheckArgs) -> u8 {
    let mut problems = Vec::new();
    let config = load(&args.config).map_err(|ConfigErrors(e)| problems.extend(e)).ok();
    let pipelines = load_pipelines(&args.pipelines).map_err(|ConfigErrors(e)| problems.extend(e)).ok();
    if let (Some(c), Some(ps)) = (&config, &pipelines) {
        for p in ps {
            problems.extend(crate::config::pipeline_problems(c, p, &args.config));
        }
    }
    // Amounts nobody has decided may be shown (dry runs, the demo) but never invoiced.
    if let Some(c) = &config {
        for u in c.undecided() {
            problems.push(crate::config::ConfigError {
                file: args.config.clone(),
                line: Some(u.line),
                message: format!(
                    "{} would bill {} without a decision: record who decided it with decided = \"…\" \
                     (e.g. decided = \"Styrgruppen 2026-01-15 §4\"), or remove it",
                    u.setting, u.bills
                ),
            });
        }
    }
    if !problems.is_empty() {
        eprint!("{}", ConfigErrors(problems));
        return 2;
    }
    let (config, pipelines) = (config.expect("no problems"), pipelines.expect("no problems"));
    println!(
        "{}: OK — {}, {} municipalities, {} delresor, {} tariffs.",
        args.config.display(),
        config.region.name,
        config.municipalities.len(),
        config.delresor.len(),
        config.tariffs.keys().count()
    );
    for p in &pipelines {
        println!("{}: OK — {} runs {} at \"{}\" ({}).", p.file.display(), p.name, p.job, p.schedule, p.timezone);
    }
    0
}
