//! `run nightly-sync`: ingest every file in the inbox into snapshots, then
//! move each to `processed/` or, rejected, to `rejected/` with a
//! `<name>.error.txt` saying why. Files still being written are left.
//!
//! The run goes through its stages: fetch (HTTP sources and web services
//! into the inbox), ingest (each file into the run's transaction, in its own
//! savepoint, so a rejected file leaves nothing), the regional picture
//! (reconciliation and reports as this run will commit them), commit (the
//! one [`close`](super::commit::close) every job ends with), then move the
//! files and send the project lead's follow-up.

mod ahead;
mod fetch;
mod files;
mod ingest_file;
mod lead;

use super::commit::{close, Finished};
use super::inputs::{merge_registers, read_stored_register_in};
use super::platform_summary::sync_summary;
use super::pot::pot_basis;
use super::regional::{finding_counts, stage_regional};
use super::staging::Staging;
use super::{JobContext, JobError, JobSettings, RunSummary};
use crate::domain::{Code, Finding, Register, RowProblem, Validators, Year};
use crate::report::{write_ingest_problems_csv, write_ingest_report_csv, IngestLine, IngestStatus};
use crate::store::{RunInput, RunTx};
use chrono::Datelike;
use std::collections::HashMap;
use std::path::PathBuf;

/// The job's name in the run log and the outbox.
const JOB: &str = "nightly-sync";

/// What the run has done so far, file by file.
#[derive(Default)]
struct SyncLog {
    /// One line per file or source for `ingest-report.csv`.
    lines: Vec<IngestLine>,
    findings: Vec<Finding>,
    /// The finding for the files rejected, once the ingest is over: it
    /// ends the run's findings (the summary's counts per code leave it
    /// out, each rejected file has a line of its own).
    rejected_files: Option<Finding>,
    inputs: Vec<RunInput>,
    /// Where each file goes after the commit, and why if rejected.
    moves: Vec<(PathBuf, &'static str, Option<String>)>,
    problems: Vec<(String, RowProblem)>,
    /// Ingest-report notes for files that hold less than the source has.
    notes: Vec<(String, String)>,
    /// Files downloaded this run: (path, source, validators to remember).
    downloads: Vec<(PathBuf, String, Validators)>,
    /// Registers parsed on ingest, by content hash (not parsed again for the read-back).
    parsed: HashMap<String, Register>,
}

impl SyncLog {
    fn count(&self, s: IngestStatus) -> usize {
        self.lines.iter().filter(|l| l.status == s).count()
    }

    fn ingested_rows(&self) -> u64 {
        self.lines.iter().filter(|l| l.status == IngestStatus::Ingested).map(|l| l.rows).sum()
    }
}

/// Runs the nightly sync over the inbox.
pub fn run_nightly_sync(ctx: &mut JobContext) -> Result<RunSummary, JobError> {
    let started_at = ctx.now();
    let today = ctx.today();
    let mut clock = super::stages::StageClock::start();
    files::prepare_inbox(&ctx.inbox)?;
    let mut log = SyncLog::default();
    let undelivered = super::outbox::problems(ctx)?;
    fetch::fetch(ctx, &mut log);
    let JobContext { settings, store } = ctx;
    let mut tx = store.begin_run(JOB, &today.to_string(), &started_at)?;
    let seen = ingest_file::look(settings, &tx, files::inbox_files(&settings.inbox)?, &log)?;
    std::thread::scope(|scope| {
        // The reader starts on the spreadsheets; the other files are hashed as they are read.
        let mut ahead = ahead::start(scope, settings, JOB, ingest_file::wanted(&seen));
        for file in seen {
            ingest_file::ingest(settings, &mut tx, file, &mut ahead, &mut log, &mut clock)?;
        }
        Ok::<(), JobError>(())
    })?;
    // The files' rows are written: their pages leave memory before the platform is read back.
    // (What the readers freed stays with the allocator for the next stages: README, Speed, 64.)
    tx.write_out()?;
    log.add_notes();
    for f in tx.reader().view_files()? {
        let mut line = IngestLine::new(&f.file_name, &f.kind, IngestStatus::Current, &f.describe());
        line.rows = f.rows;
        log.lines.push(line);
    }

    let mut staging = Staging::new(&settings.out)?;
    let (workbook, fingerprint) = regional(settings, &tx, today, &mut staging, &mut log, &mut clock)?;
    // What the outbox could not deliver reaches the project lead with the follow-up.
    log.findings.extend(undelivered);
    let to_lead = lead::stage(settings, &tx, &mut staging, &log.findings, fingerprint, workbook, today)?;
    write_reports(&mut staging, &log)?;
    for (path, source, validators) in &log.downloads {
        let fate = log.moves.iter().find(|(p, ..)| p == path).map(|(_, folder, _)| *folder);
        if fate == Some("processed") && !source.is_empty() {
            tx.remember_validators(source, validators)?;
        }
    }
    log.rejected_files = rejected_files(log.count(IngestStatus::Rejected));
    let logged = log.findings.len() + usize::from(log.rejected_files.is_some());
    let done = Finished {
        inputs: std::mem::take(&mut log.inputs),
        files: log.count(IngestStatus::Ingested) as u64,
        rows: log.ingested_rows(),
        ..Finished::new(JOB, today.to_string(), started_at, logged, staging)
    };
    if let Some(why) = files::rejected_error(&log.lines) {
        tx.fail_with(why);
    }
    let outputs = close(tx, settings, done)?;
    for (path, folder, why) in std::mem::take(&mut log.moves) {
        files::move_file(&settings.inbox, &path, folder, why.as_deref())?;
    }
    let mut sent_figures = Vec::new();
    let messages = if super::outbox::sending(ctx) && to_lead.is_some() {
        super::outbox::send_after_commit(ctx, &mut sent_figures)?
    } else {
        0
    };
    let mut summary = summary(ctx, log, outputs, messages, to_lead, today, clock);
    summary.figures.extend(sent_figures);
    Ok(summary)
}

impl SyncLog {
    /// Adds the notes of sources read only in part to their files' lines.
    fn add_notes(&mut self) {
        for line in self.lines.iter_mut() {
            for (_, note) in self.notes.iter().filter(|(file, _)| *file == line.file) {
                line.detail = if line.detail.is_empty() { note.clone() } else { format!("{}; {note}", line.detail) };
            }
        }
    }
}

/// The regional picture as this run will commit it: the latest register of
/// each year (one ingested now is not parsed a second time) against the
/// platform's latest snapshots. Returns the regional workbook.
fn regional(
    settings: &JobSettings,
    tx: &RunTx,
    today: chrono::NaiveDate,
    staging: &mut Staging,
    log: &mut SyncLog,
    clock: &mut super::stages::StageClock,
) -> Result<(Vec<u8>, Option<lead::Fingerprint>), JobError> {
    let config = &settings.config;
    let mut registers = Vec::new();
    for s in tx.latest_registers()? {
        if let Some(reg) = log.parsed.remove(&s.sha256) {
            registers.push(reg);
            continue;
        }
        let name = files::stored_name(&s.file_name);
        registers.push(read_stored_register_in(tx, s, &name, config)?);
    }
    let register = if registers.is_empty() { None } else { Some(merge_registers(registers)?) };
    let year = Year::new(today.year()).expect("a current year");
    clock.mark("read register back", register.as_ref().map_or(0, |r| r.participants.len()) as u64, "rows");
    // The year's pot is computed on a second thread while the platform is read back.
    let basis = register.as_ref().map(|r| pot_basis(&tx.reader(), r, year)).transpose()?;
    let (pot, made) = crate::parallel::both(
        || basis.zip(register.as_ref()).map(|(b, r)| b.year_pot(config, r, year)).transpose(),
        || sync_summary(tx, config, register.as_ref()),
    );
    // The summary's error first, as when the pot was computed after it.
    let made = made?;
    let pot = pot?;
    // So is the summary kept with them, before the workbook is built.
    tx.write_out()?;
    match made.completions {
        Some(n) => clock.mark("read platform back and reconcile", n as u64, "completions"),
        None => clock.mark("platform summary (unchanged, kept)", made.summary.findings.len() as u64, "findings"),
    }
    // The project lead's fingerprint of the findings is taken beside the workbook.
    let to_lead = lead::wanted(settings);
    let (found, workbook, fingerprint) =
        stage_regional(staging, config, year, register.as_ref().zip(pot), made.summary, |found| {
            to_lead.then(|| lead::Fingerprint::of(found))
        })?;
    // It fits the run's findings only if none came before these (later ones are added after).
    let fingerprint = fingerprint.filter(|_| log.findings.is_empty());
    log.findings.extend(found);
    clock.mark("regional workbook", log.findings.len() as u64, "findings");
    Ok((workbook, fingerprint))
}

/// `ingest-report.csv`, and `ingest-problems.csv` when rows were skipped.
fn write_reports(staging: &mut Staging, log: &SyncLog) -> Result<(), JobError> {
    let report = staging.path("ingest-report.csv")?;
    write_ingest_report_csv(&report, &log.lines)?;
    if !log.problems.is_empty() {
        let p = staging.path("ingest-problems.csv")?;
        write_ingest_problems_csv(&p, &log.problems)?;
    }
    Ok(())
}

/// The finding for the rejected files, if any: it ends the run's findings.
fn rejected_files(rejected: usize) -> Option<Finding> {
    (rejected > 0).then(|| {
        Finding::new(
            Code::FileRejected,
            None,
            format!("{rejected} fil(er)"),
            "Se inkorgens mapp rejected/ och filen <namn>.error.txt bredvid varje fil.",
        )
    })
}

/// What the run did, for the terminal and the exit code.
fn summary(
    ctx: &JobContext,
    mut log: SyncLog,
    outputs: Vec<PathBuf>,
    messages: usize,
    to_lead: Option<String>,
    today: chrono::NaiveDate,
    clock: super::stages::StageClock,
) -> RunSummary {
    let rejected = log.count(IngestStatus::Rejected);
    let mut figures = vec![format!(
        "Files: {} ingested, {} unchanged, {} rejected, {} left for later.",
        log.count(IngestStatus::Ingested),
        log.count(IngestStatus::Unchanged),
        rejected,
        log.count(IngestStatus::Incomplete)
    )];
    for kind in ["register", "accounts", "completions", "signups"] {
        let rows: u64 =
            log.lines.iter().filter(|l| l.kind == kind && l.status == IngestStatus::Ingested).map(|l| l.rows).sum();
        if rows > 0 {
            figures.push(format!("Rows of {kind}: {rows}."));
        }
    }
    // The reason may quote a cell (a name, an address): it is in the file beside it, not in the log.
    for l in log.lines.iter().filter(|l| l.status == IngestStatus::Rejected) {
        figures.push(format!("Rejected {}: the reason is in inbox/rejected/{}.error.txt.", l.file, l.file));
    }
    figures.extend(finding_counts(&ctx.config, &log.findings));
    let mut findings = std::mem::take(&mut log.findings);
    findings.extend(log.rejected_files.take());
    if let Some(stem) = &to_lead {
        figures.push(format!("Findings changed: the follow-up {stem} goes to the project lead."));
    }
    RunSummary {
        job: JOB.into(),
        period: today.to_string(),
        outputs,
        findings,
        messages,
        figures,
        stages: clock.finish(),
        waiting: 0,
    }
}
