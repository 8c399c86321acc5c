//! `yrkesresan purge` and `yrkesresan forget`: personal data kept only as
//! long as needed, and erased on request (README, "Personuppgifter").

use super::run::{context, report};
use super::CommonArgs;
use crate::jobs::{execute, forget as forget_person, JobSpec};
use anyhow::Context;
use clap::Args;

/// Flags of `purge`.
#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// Count what would be removed; remove nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    common: CommonArgs,
}

/// Removes what the retention no longer allows; prints counts per kind.
pub fn purge(args: &PurgeArgs) -> anyhow::Result<u8> {
    let settings = context(&args.common)?;
    let summary = execute(&settings, JobSpec::Purge { dry_run: args.dry_run }).context("purge failed")?;
    Ok(report(&summary))
}

/// Flags of `forget`.
#[derive(Debug, Args)]
pub struct ForgetArgs {
    /// The person's e-mail address or platform username.
    who: String,
    /// Say what would be removed and where the person is; change nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    common: CommonArgs,
}

/// Removes one person from the state and says where they still are.
pub fn forget(args: &ForgetArgs) -> anyhow::Result<u8> {
    let settings = context(&args.common)?;
    let r = forget_person(&settings, &args.who, args.dry_run).context("forget failed; nothing was changed")?;
    if !r.found {
        println!("Nothing in the state or the inbox and output folders names this person.");
        return Ok(0);
    }
    let verb = if args.dry_run { "Would remove (--dry-run)" } else { "Removed" };
    let f = &r.removed;
    println!(
        "{verb} from the state: {} account row(s), {} completion row(s), {} sign-up row(s); {} delivered \
         message body(ies); {} recipient address(es).",
        f.accounts, f.completions, f.signups, f.messages, f.addresses
    );
    if !f.registers.is_empty() {
        println!(
            "{verb} from {} stored register copy(ies): {} row(s) now say '{}' without an e-mail address \
             (attendance kept: amounts already invoiced and open months stay the same).",
            f.registers.len(),
            r.register_rows,
            r.pseudonym
        );
    }
    for stem in &f.waiting {
        println!("Still in a message waiting to be sent (it goes as it is; cancel it with `outbox cancel`): {stem}");
    }
    if !r.still_in.is_empty() {
        println!("Still named in these files, which the region deletes or edits itself:");
        for p in &r.still_in {
            println!("  {}", p.display());
        }
    }
    println!(
        "Also edit the region's own register workbook and remove the person on the learning platform, \
         or the next export or register brings them back."
    );
    Ok(if r.still_in.is_empty() { 0 } else { 1 })
}
