//! `yrkesresan outbox`: what the outbox holds and what happened to each
//! message; send one again or cancel it. `list` exits 1 when a message
//! failed, so a monitoring check can call it.

use super::run::context;
use super::CommonArgs;
use crate::jobs::{cancel, resend, ResendTarget};
use crate::store::{MailState, OutboxEntry, Store};
use clap::Subcommand;

/// The outbox commands.
#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Every message not yet delivered everywhere (with --all, every message):
    /// id, job, period, municipality, recipients, state, tries, last answer, Message-ID.
    List {
        /// Also the messages delivered and cancelled.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Send a message again to every address the config gives it now: an
    /// outbox id, or a municipality (code or name) — its failed messages, or
    /// with --period its messages of that period.
    Resend {
        /// An outbox id (see `outbox list`) or a municipality.
        target: String,
        /// With a municipality: the period (e.g. 2026-03 or 2026).
        #[arg(long)]
        period: Option<String>,
        /// With a municipality: only this job's messages (e.g. monthly-invoice).
        #[arg(long)]
        job: Option<String>,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Cancel a message that has not reached everyone: it is never sent.
    Cancel {
        /// The outbox id.
        id: i64,
        #[command(flatten)]
        common: CommonArgs,
    },
}

/// Runs an outbox command; 0 when nothing failed, 1 when a message failed.
pub fn outbox(cmd: &OutboxCommand) -> anyhow::Result<u8> {
    match cmd {
        OutboxCommand::List { all, common } => list(common, *all),
        OutboxCommand::Resend { target, period, job, common } => {
            let settings = context(common)?;
            let target = match target.parse::<i64>() {
                Ok(id) => ResendTarget::Id(id),
                Err(_) => ResendTarget::Kommun {
                    kommun: settings.config.resolve_kommun(target).ok_or_else(|| {
                        anyhow::anyhow!("'{target}' is neither an outbox id nor a municipality of the region")
                    })?,
                    period: period.clone(),
                    job: job.clone(),
                },
            };
            let done = resend(&settings, &target)?;
            let ids: Vec<String> = done.ids.iter().map(|i| i.to_string()).collect();
            println!("Marked to be sent again: {}.", ids.join(", "));
            if settings.config.smtp.is_none() {
                println!("No [smtp] relay is configured: nothing is sent.");
            } else {
                println!("{}", done.drained.figure());
                for r in &done.drained.refused {
                    println!("  refused: {} ({}): {}", r.stem, r.address, r.answer);
                }
            }
            list(common, false)
        }
        OutboxCommand::Cancel { id, common } => {
            let settings = context(common)?;
            cancel(&settings, *id)?;
            println!("Message {id} is cancelled: it will not be sent.");
            list(common, false)
        }
    }
}

/// Prints the outbox; 1 if any message failed.
fn list(common: &CommonArgs, all: bool) -> anyhow::Result<u8> {
    let settings = context(common)?;
    let store = Store::open_with_clock(&settings.state, settings.clock.clone())?;
    let entries = store.entries(&[])?;
    let shown: Vec<&OutboxEntry> =
        entries.iter().filter(|e| all || matches!(e.state, MailState::Pending | MailState::Failed)).collect();
    if shown.is_empty() {
        println!("The outbox has nothing waiting or failed ({} message(s) in all).", entries.len());
    }
    for e in &shown {
        let who = match e.audience.kommun() {
            Some(k) => settings.config.municipality(k).map(|m| m.name.clone()).unwrap_or_else(|| k.to_string()),
            None => e.audience.to_string(),
        };
        let used: Vec<String> = e
            .recipients
            .iter()
            .map(|r| format!("{}{}", r.address, if r.delivered { "" } else { " (refused)" }))
            .collect();
        let now: Vec<String> = crate::deliver::addressed(&settings.config, &e.audience)
            .map(|a| a.all().iter().map(|x| x.to_string()).collect())
            .unwrap_or_default();
        let recipients = if used.is_empty() { format!("to {}", now.join(", ")) } else { used.join(", ") };
        let next = e.next_try_at.as_ref().map(|n| format!(", next try {n}")).unwrap_or_default();
        println!(
            "{:>5}  {:<16} {:<10} {:<18} {:<9} tries {}{next}\n       {recipients}\n       <{}>{}",
            e.id,
            e.job,
            e.period,
            who,
            e.state.as_str(),
            e.attempts,
            e.message_id,
            e.last_error.as_ref().map(|l| format!("\n       last answer: {l}")).unwrap_or_default()
        );
    }
    let failed = entries.iter().filter(|e| e.state == MailState::Failed).count();
    if failed > 0 {
        println!("{failed} message(s) failed: fix the cause, then `yrkesresan outbox resend ID`, or cancel them.");
        return Ok(1);
    }
    Ok(0)
}
