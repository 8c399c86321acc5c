//! `yrkesresan demo`: a whole Dalarna year on generated data, end to end.

use super::run::context;
use super::CommonArgs;
use crate::domain::Year;
use crate::generate::generate_year;
use crate::jobs::{execute, JobSpec};
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;

/// Flags of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where everything goes (inputs under inbox/, e-mails under outbox/).
    #[arg(long, default_value = "demo-out")]
    pub out: PathBuf,
    /// The year to simulate.
    #[arg(long, default_value = "2026", value_parser = |s: &str| Year::parse(s).map_err(|e| e.to_string()))]
    pub year: Year,
    /// Seed of the generator (same seed, same data).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// The region's config file.
    #[arg(long, default_value = "config/dalarna.toml")]
    pub config: PathBuf,
}

/// Generates the year, runs every job on it and prints where things went.
pub fn demo(args: &DemoArgs) -> anyhow::Result<u8> {
    let common =
        CommonArgs { config: args.config.clone(), inbox: args.out.join("inbox"), out: args.out.clone(), state: None };
    let mut ctx = context(&common)?;
    // The generated files were just written: no need to wait for them to settle.
    ctx.config.ingest.settle_seconds = 0;
    // The demo never sends e-mail: messages go to <out>/outbox as .eml files.
    ctx.delivery.dry_run = true;
    let generated = generate_year(&ctx.config, args.year, &ctx.inbox, args.seed)
        .with_context(|| format!("cannot write the demo input to {}", ctx.inbox.display()))?;
    println!(
        "Generated {} with {} regional and {} national round(s), {} participants and {} trainers ({} file(s)).",
        ctx.inbox.display(),
        generated.regional_rounds,
        generated.national_rounds,
        generated.participants,
        generated.trainers,
        generated.files.len()
    );
    let sync = execute(&ctx, JobSpec::NightlySync).context("nightly-sync")?;
    print!("{sync}");
    let mut findings = 0;
    for month in args.year.months() {
        let s = execute(&ctx, JobSpec::MonthlyInvoice(month)).with_context(|| format!("monthly-invoice {month}"))?;
        println!("{}", s.figures.first().map(String::as_str).unwrap_or(""));
        findings = findings.max(s.findings.len());
    }
    let pot = execute(&ctx, JobSpec::TrainerPot(args.year)).context("trainer-pot")?;
    print!("{pot}");
    let f = execute(&ctx, JobSpec::Followup(args.year)).context("followup")?;
    print!("{f}");
    println!();
    println!("Outputs in {}:", args.out.display());
    println!("  invoice-basis-{}-MM.csv, fakturaunderlag-{}.xlsx  (finance)", args.year, args.year);
    println!("  kommuner/*.xlsx                               (one workbook per municipality and month)");
    println!("  outbox/*.eml                                  (e-mails to the contact persons, not sent)");
    println!("  trainer-pot-{0}.csv, utbildarpott-{0}.xlsx      (trainer pot)", args.year);
    println!("  utbetalning-utbildarpott-{0}.csv/.xlsx          (the pot's payout list, for finance)", args.year);
    println!("  kommuner/utbildarpott-*-{0}.xlsx               (each municipality's pot statement)", args.year);
    println!("  followup-{0}.csv, uppfoljning-{0}.xlsx, reconciliation.csv", args.year);
    println!("  ingest-report.csv, accounts-by-municipality.csv, progress-by-municipality.csv  (nightly sync)");
    println!("  {}  (run log)", ctx.state.display());
    Ok(0)
}
