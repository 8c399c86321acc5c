//! The platform as the reports read it ([`PlatformSummary`]): made from the
//! rows by the sync that commits them and kept with them; read back by the
//! invoice and follow-up jobs, which at national scale would otherwise read
//! three million completions and 300 000 accounts and reconcile again.
//!
//! A kept summary is used only under exactly the key it was made under:
//! this program, this config, this register's content and the exports the
//! view is built from. Anything else is a miss, and the summary is made
//! from the rows as before, so what a job writes never depends on whether
//! one was kept.

use super::inputs::program_id;
use super::JobError;
use crate::billing::account_counts;
use crate::config::Config;
use crate::domain::{AccountTable, ExportKind, PlatformData, PlatformSummary, Register};
use crate::reconcile::{overlap_findings, reconcile};
use crate::store::{Reader, RunTx};
use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// The register's courses, lower-cased: the completions the view keeps.
pub(crate) fn courses_of(register: Option<&Register>) -> BTreeSet<String> {
    register.iter().flat_map(|r| r.rounds.iter().map(|x| x.course.to_lowercase())).collect()
}

/// Made from the rows: the register (if any) reconciled against the
/// platform, the overlaps, the account counts and the progress. The
/// platform's progress is moved out; the rest of it is left as it was.
/// The accounts are counted on a second thread while this one reconciles:
/// the reconciliation's own start (indexes of the register and the
/// accounts) and its end run on one core (README, Speed, change 75).
pub(crate) fn summarise(register: Option<&Register>, platform: &mut PlatformData, config: &Config) -> PlatformSummary {
    let data: &PlatformData = platform;
    let (accounts, findings) = crate::parallel::both(
        || data.has_accounts.then(|| account_counts(config, &data.accounts)),
        || register.map(|r| reconcile(r, data, config)).unwrap_or_default(),
    );
    PlatformSummary {
        findings,
        overlaps: overlap_findings(&platform.overlaps),
        accounts,
        progress: platform.has_completions.then(|| std::mem::take(&mut platform.progress)),
    }
}

/// The summary of `register` against the current exports: the kept one if
/// it was made for exactly this state, else made from the rows. `early`:
/// the kept summary already being unpacked ([`unpack_kept`]), used if its
/// key is this state's.
pub(crate) fn platform_summary(
    reader: &Reader,
    config: &Config,
    register: &Register,
    early: Option<Unpacking>,
) -> Result<PlatformSummary, JobError> {
    let key = summary_key(reader, config, register)?;
    let kept = match (early, &key) {
        // Only one summary is kept: if it is not this state's, none is.
        (Some(early), Some(k)) => early.take_if_for(k),
        (Some(_), None) => None,
        (None, Some(k)) => reader.platform_summary(k)?,
        (None, None) => None,
    };
    if let Some(kept) = kept {
        return Ok(kept);
    }
    let mut platform = reader.platform(Some(&courses_of(Some(register))))?;
    Ok(summarise(Some(register), &mut platform, config))
}

/// The kept summary being unpacked on a thread of its own while the job
/// reads its register, with the key it was kept under. The invoice read it
/// only once the register was read and the key made, on its only busy thread.
pub(crate) struct Unpacking<'scope> {
    key: String,
    summary: std::thread::ScopedJoinHandle<'scope, Option<PlatformSummary>>,
}

impl Unpacking<'_> {
    /// The summary, if it was kept under `key` and reads (else it is let go).
    fn take_if_for(self, key: &str) -> Option<PlatformSummary> {
        let summary = self.summary.join();
        if self.key != key {
            return None;
        }
        summary.unwrap_or_else(|_| {
            tracing::warn!("Reading the kept platform summary failed; computing it from the rows.");
            None
        })
    }
}

/// Starts unpacking the kept summary, if there is one, on a thread of `scope`.
pub(crate) fn unpack_kept<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    reader: &Reader,
) -> Result<Option<Unpacking<'scope>>, JobError> {
    let Some((key, packed)) = reader.latest_platform_summary()? else { return Ok(None) };
    let summary = std::thread::Builder::new()
        .name("summary".into())
        .spawn_scoped(scope, move || crate::store::unpack_platform_summary(&packed));
    // No thread: the summary is read where it is needed, as before.
    Ok(summary.ok().map(|summary| Unpacking { key, summary }))
}

/// As [`platform_summary`], inside a sync's transaction: a summary made
/// from the rows is kept with the run, with the counts of its accounts (for
/// a later month's "accounts before"). The platform's rows are let go on a
/// helper thread.
pub(crate) fn sync_summary(tx: &RunTx, config: &Config, register: Option<&Register>) -> Result<Made, JobError> {
    let reader = tx.reader();
    let key = match register {
        Some(r) => summary_key(&reader, config, r)?,
        None => None,
    };
    if let Some(k) = &key {
        if let Some(kept) = reader.platform_summary(k)? {
            return Ok(Made { summary: kept, completions: None });
        }
    }
    let mut platform = reader.platform(Some(&courses_of(register)))?;
    let completions = platform.completions.len();
    let summary = summarise(register, &mut platform, config);
    let _ = std::thread::Builder::new().name("drop".into()).spawn(move || drop(platform));
    if let Some(k) = &key {
        tx.keep_platform_summary(k, &summary)?;
    }
    if let (Some(counts), Some(k)) = (&summary.accounts, counts_key(&reader, config, None)?) {
        tx.keep_account_counts(&k, counts)?;
    }
    Ok(Made { summary, completions: Some(completions) })
}

/// A summary for the sync, and how many completions were read to make it
/// (`None` when it was kept from an earlier run).
pub(crate) struct Made {
    /// The summary.
    pub summary: PlatformSummary,
    /// Completions read from the rows, if it was made from them.
    pub completions: Option<usize>,
}

/// The accounts per municipality and delresa as the exports ingested
/// before `month_start` showed them (`None` when there were none): the
/// counts kept for that view, else counted from its rows.
pub(crate) fn accounts_before(
    reader: &Reader,
    config: &Config,
    month_start: NaiveDate,
) -> Result<Option<AccountTable>, JobError> {
    let before = format!("{month_start}T00:00:00Z");
    if let Some(k) = counts_key(reader, config, Some(&before))? {
        if let Some(kept) = reader.account_counts(&k)? {
            return Ok(Some(kept));
        }
    }
    Ok(reader.accounts_as_of(&before)?.map(|accounts| account_counts(config, &accounts)))
}

/// The key of a summary: the program, the config, the register's content
/// and the exports each kind's view is built from. The content is the
/// parsed form, not the file: known by the hash of its kept form when the
/// register was kept (the sync keeps every register it stores, and the
/// jobs after it read them so), else serialised (0.03 s at national scale).
/// The same register read from the inbox, unkept, gives another key: a
/// miss, and the summary is made from the rows.
fn summary_key(reader: &Reader, config: &Config, register: &Register) -> Result<Option<String>, JobError> {
    let Some(program) = program_id() else { return Ok(None) };
    let mut hash = Sha256::new();
    hash.update(format!("platform summary\n{program}\n{}\n", config.fingerprint));
    // A register kept in packed form is known by that form's hash (see
    // `Register::content_key`); one only parsed is serialised for the key.
    match &register.content_key {
        Some(known) => hash.update(format!("kept register {known}\n")),
        None => {
            hash.update("register\n");
            postcard::to_io(register, &mut hash).expect("a register serialises");
        }
    }
    for kind in [ExportKind::Accounts, ExportKind::Completions, ExportKind::Signups] {
        hash.update(format!("\n{}: {:?}", kind.as_str(), reader.view_ids(kind, None)?));
    }
    Ok(Some(hex::encode(hash.finalize())))
}

/// The key of account counts: the program, the config and the accounts
/// exports of the view (as it stood before `before`, if given). `None` when
/// there are no such exports or the program cannot be told apart.
fn counts_key(reader: &Reader, config: &Config, before: Option<&str>) -> Result<Option<String>, JobError> {
    let Some(program) = program_id() else { return Ok(None) };
    let ids = reader.view_ids(ExportKind::Accounts, before)?;
    if ids.is_empty() {
        return Ok(None);
    }
    let text = format!("account counts\n{program}\n{}\n{ids:?}", config.fingerprint);
    Ok(Some(crate::domain::hash::sha256_hex(text)))
}
