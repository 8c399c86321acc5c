//! `yrkesresan generate`: deterministic input in the real formats, with the
//! config it belongs to, for trying the pipeline and for the benchmark.

use crate::config::parse;
use crate::domain::Year;
use crate::generate::{generate_national, generate_year, NationalScale};
use anyhow::Context;
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

/// How big a world to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scale {
    /// Dalarna as in the demo: 15 municipalities, about 25 regional rounds.
    Dalarna,
    /// The whole country: 290 municipalities in 21 regions, 300 000 accounts,
    /// 3 M completions, 200 000 sign-ups, 5 000 regional rounds.
    National,
}

/// Flags of `generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Dalarna (the demo's size) or national.
    #[arg(long, value_enum, default_value = "dalarna")]
    pub scale: Scale,
    /// The year to generate.
    #[arg(long, default_value = "2026", value_parser = |s: &str| Year::parse(s).map_err(|e| e.to_string()))]
    pub year: Year,
    /// Where `config.toml` and `inbox/` go.
    #[arg(long)]
    pub out: PathBuf,
    /// Seed of the generator (same seed, same bytes).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// National scale only: generate this multiple of the national size (0.5 = half, 10 = ten times).
    #[arg(long, default_value_t = 1.0, value_parser = parse_fraction)]
    pub fraction: f64,
}

/// A number in (0, 1].
pub fn parse_fraction(s: &str) -> Result<f64, String> {
    use crate::generate::national::MAX_FACTOR;
    match s.parse::<f64>() {
        Ok(f) if f > 0.0 && f <= MAX_FACTOR => Ok(f),
        _ => Err(format!("'{s}' is not a multiple between 0 (exclusive) and {MAX_FACTOR}, e.g. 0.5 or 10")),
    }
}

/// Writes the generated config and inbox; prints what was made.
pub fn generate(args: &GenerateArgs) -> anyhow::Result<u8> {
    let (config, files) = write_world(args.scale, args.year, &args.out, args.seed, args.fraction)?;
    println!("Config: {}", config.display());
    for f in files {
        let size = std::fs::metadata(&f).map(|m| m.len()).unwrap_or(0);
        println!("  {} ({:.1} MB)", f.display(), size as f64 / 1e6);
    }
    println!(
        "Run it: yrkesresan run nightly-sync --config {} --inbox {} --out <folder>",
        config.display(),
        args.out.join("inbox").display()
    );
    Ok(0)
}

/// Generates a world of `scale` into `out`; returns the config file and the inputs.
pub fn write_world(
    scale: Scale,
    year: Year,
    out: &Path,
    seed: u64,
    fraction: f64,
) -> anyhow::Result<(PathBuf, Vec<PathBuf>)> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    match scale {
        Scale::Dalarna => {
            let path = out.join("config.toml");
            let text = include_str!("../../config/dalarna.toml");
            std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
            let config = parse(&path, text).map_err(|e| anyhow::anyhow!("{e}"))?;
            let year = generate_year(&config, year, &out.join("inbox"), seed)
                .with_context(|| format!("cannot write the generated year to {}", out.display()))?;
            Ok((path, year.files))
        }
        Scale::National => {
            let made = generate_national(out, year, seed, NationalScale::fraction(fraction))
                .with_context(|| format!("cannot write the national year to {}", out.display()))?;
            println!(
                "National scale ×{fraction}: {} regional and national rounds, {} course days, {} participant-days, \
                 {} accounts, {} completions, {} sign-ups.",
                made.rounds, made.days, made.participant_days, made.accounts, made.completions, made.signups
            );
            Ok((made.config, made.files))
        }
    }
}
