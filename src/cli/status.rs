//! `yrkesresan status`: the last runs, the files the current view is built
//! from, the outbox and each pipeline's next run. Exits 1 if the last run of
//! any job failed or a message failed, so a monitoring check can call it.

use crate::config::load_pipelines;
use crate::jobs::JobSettings;
use crate::schedule::Schedule;
use crate::store::{Outcome, Store};
use chrono::Utc;
use clap::Args;
use std::path::PathBuf;

/// Flags of `status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Folder for outputs (where the state is by default).
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// SQLite state database [default: <out>/yrkesresan-state.sqlite].
    #[arg(long)]
    state: Option<PathBuf>,
    /// The folder of pipeline files.
    #[arg(long, default_value = "pipelines")]
    pipelines: PathBuf,
    /// How many recent runs to list.
    #[arg(long, default_value_t = 10)]
    last: usize,
}

/// Prints the status; 0 if every job's last run went well, 1 otherwise.
pub fn status(args: &StatusArgs) -> anyhow::Result<u8> {
    let state = args.state.clone().unwrap_or_else(|| JobSettings::default_state(&args.out));
    let store = Store::open(&state)?;
    println!("Recent runs ({}):", state.display());
    let counts = store.recent_counts(args.last)?;
    for (r, (files, rows, messages)) in store.recent_runs(args.last)?.into_iter().zip(counts) {
        let outcome = match r.outcome {
            Outcome::Ok => "ok",
            Outcome::Findings => "findings",
            Outcome::Failed => "FAILED",
        };
        println!(
            "  {:<16} {:<10} {} → {}  {:<8} files {files}, rows {rows}, findings {}, outputs {}, messages {messages}{}{}",
            r.job,
            r.period,
            r.started_at,
            r.ended_at,
            outcome,
            r.findings,
            r.outputs,
            r.scheduled_at.map(|s| format!(", scheduled {s}")).unwrap_or_default(),
            r.error.map(|e| format!("\n      {}", e.lines().next().unwrap_or(""))).unwrap_or_default()
        );
    }
    let files = store.view_files()?;
    if !files.is_empty() {
        println!("Current view (the stored files the reports are built from):");
        for f in files {
            println!("  {:<12} {}  {} rows; {}", f.kind, f.file_name, f.rows, f.describe());
        }
    }
    match load_pipelines(&args.pipelines) {
        Ok(pipelines) => {
            println!("Next runs:");
            for p in pipelines {
                let next = Schedule::new(&p.schedule, p.timezone).ok().and_then(|s| s.next_after(Utc::now()));
                let shown = next.map(|n| n.with_timezone(&p.timezone).format("%Y-%m-%d %H:%M %Z").to_string());
                println!("  {:<16} {}", p.name, shown.unwrap_or_else(|| "never".into()));
            }
        }
        Err(e) => eprint!("{e}"),
    }
    let outbox = store.entries(&[crate::store::MailState::Pending, crate::store::MailState::Failed])?;
    let undelivered = outbox.iter().filter(|e| e.state == crate::store::MailState::Failed).count();
    if !outbox.is_empty() {
        println!(
            "Outbox: {} message(s) waiting for a try, {undelivered} failed (see `yrkesresan outbox list`).",
            outbox.len() - undelivered
        );
    }
    let failed: Vec<String> =
        store.last_run_per_job()?.into_iter().filter(|r| r.outcome == Outcome::Failed).map(|r| r.job).collect();
    if !failed.is_empty() {
        println!("The last run failed for: {}.", failed.join(", "));
    }
    Ok(if failed.is_empty() && undelivered == 0 { 0 } else { 1 })
}
