//! `run nightly-sync`: ingest every file in the inbox into snapshots, then
//! move each to `processed/` or, rejected, to `rejected/` with a
//! `<name>.error.txt` saying why. Files still being written are left.
//!
//! All snapshots of a run are committed in one transaction (each file in its
//! own savepoint, so a rejected file leaves nothing); files are moved only
//! after the commit. The run writes `ingest-report.csv` and, when rows were
//! skipped, `ingest-problems.csv`.

use super::commit::now;
use super::inputs::merge_registers;
use super::reading::guarded;
use super::regional::{finding_counts, stage_regional};
use super::staging::Staging;
use super::{JobContext, JobError, RunSummary};
use crate::deliver::deliver;
use crate::domain::Year;
use crate::ingest::exports::{read_export_pipelined, ExportError, ExportKind};
use crate::ingest::http::{fetch_all, Fetched, Validators};
use crate::ingest::webservice::{read_webservice, PagingStopped};
use crate::ingest::{kind_of, read_register, read_register_bytes, sha256_file, InputKind, RecognisedFile};
use crate::reconcile::{Finding, Severity};
use crate::report::{write_ingest_problems_csv, write_ingest_report_csv, IngestLine, IngestStatus};
use crate::store::{CourseInterner, NewMessage, RunInput, Store};
use chrono::Datelike;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The job's name in the run log and the outbox.
const JOB: &str = "nightly-sync";

/// Where the hash of the findings last sent to the project lead is kept.
const LEAD_KEY: &str = "nightly-sync.project-lead.findings";

/// A row counter for long files, drawn only when stderr is a terminal
/// (indicatif draws nothing otherwise; the log lines remain).
fn progress(name: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {msg}: {human_pos} rows ({per_sec}, {elapsed})")
    {
        bar.set_style(style);
    }
    bar.set_message(name.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// A fingerprint of the findings, to tell whether they changed.
fn findings_hash(findings: &[Finding]) -> String {
    use sha2::{Digest, Sha256};
    let mut lines: Vec<String> = findings
        .iter()
        .map(|f| format!("{}|{}|{}", f.code, f.kommun.map(|k| k.to_string()).unwrap_or_default(), f.subject))
        .collect();
    lines.sort();
    hex::encode(Sha256::digest(lines.join("\n").as_bytes()))
}

/// The regional follow-up for the project lead, with the findings counted in the body.
fn lead_message(
    config: &crate::config::Config,
    date: &str,
    lead: &crate::domain::Email,
    findings: &[Finding],
    workbook: Vec<u8>,
) -> Result<crate::deliver::OutgoingMessage, JobError> {
    let mut body = format!(
        "Hej!\n\nAvvikelserna har ändrats sedan förra utskicket. Nattens körning ({date}) gav {} avvikelse(r):\n\n",
        findings.len()
    );
    for line in finding_counts(config, findings) {
        body += &format!("  {line}\n");
    }
    body += "\nDen regionala uppföljningen finns i bilagan.\n";
    let draft = crate::deliver::Draft {
        stem: format!("yrkesresan-uppfoljning-{date}"),
        to: std::slice::from_ref(lead),
        cc: &[],
        subject: format!("Yrkesresan: regional uppföljning {date}"),
        body,
        attachments: vec![crate::deliver::Attached::xlsx(workbook)],
    };
    Ok(crate::deliver::compose(config, "projektledaren", draft)?)
}

/// How a stored register is named in messages (`stored:<file name>`).
fn stored_name(file_name: &str) -> PathBuf {
    PathBuf::from(format!("stored:{file_name}"))
}

/// The file's format as its extension says (`csv`, `xlsx`, `ods`), for timings.
fn format_of(path: &Path) -> String {
    path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase()
}

/// File names a writer uses while a file is not complete yet.
const TEMP_SUFFIXES: [&str; 5] = [".part", ".tmp", ".partial", ".crdownload", ".download"];

/// Runs the nightly sync over the inbox.
pub fn run_nightly_sync(ctx: &JobContext) -> Result<RunSummary, JobError> {
    let started_at = now();
    let mut clock = super::stages::StageClock::start();
    let config = &ctx.config;
    let mut store = Store::open(&ctx.state)?;
    std::fs::create_dir_all(&ctx.inbox).map_err(JobError::io(&ctx.inbox))?;
    // Files are moved after the commit: their folders must be real folders
    // before anything is stored (a link there is refused, never followed).
    for folder in ["processed", "rejected"] {
        let dir = ctx.inbox.join(folder);
        crate::safe_fs::ensure_dir(&dir).map_err(JobError::io(&dir))?;
    }
    let mut lines: Vec<IngestLine> = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    // Downloads first: they land in the inbox complete, so they skip the settle check.
    let mut downloads: Vec<(PathBuf, String, Validators)> = Vec::new();
    let sources: Vec<_> = config.sources.iter().filter(|s| ctx.reads(&s.name)).cloned().collect();
    for (name, fetched) in fetch_all(&sources, &ctx.inbox, &|n| store.validators(n).unwrap_or_default()) {
        match fetched {
            Ok(Fetched::Downloaded { path, validators, .. }) => downloads.push((path, name, validators)),
            Ok(Fetched::NotModified) => lines.push(IngestLine::new(
                &name,
                "",
                IngestStatus::Unchanged,
                "not modified since the last download (HTTP 304)",
            )),
            Err(e) => {
                lines.push(IngestLine::new(&name, "", IngestStatus::Incomplete, &format!("{e}; tried again next run")));
                findings.push(Finding {
                    severity: Severity::Error,
                    code: "download-failed".into(),
                    kommun: None,
                    subject: name.clone(),
                    detail: format!("Hämtningen misslyckades: {}. Den görs om vid nästa körning.", e.message),
                });
            }
        }
    }
    // Ingest-report notes for files that hold less than the source has (a read stopped at a cap).
    let mut notes: Vec<(String, String)> = Vec::new();
    for ws in config.webservices.iter().filter(|w| ctx.reads(&w.name)) {
        match read_webservice(ws, &ctx.inbox) {
            Ok(read) => {
                if let Some(stop) = read.stopped {
                    let note = format!(
                        "paging stopped at webservice.max_pages ({}) with {} account(s); more were not read",
                        stop.max_pages, stop.users
                    );
                    notes.extend(read.paths.iter().map(|p| (file_name(p), note.clone())));
                    findings.push(paging_stopped(&ws.name, stop));
                }
                downloads.extend(read.paths.into_iter().map(|p| (p, String::new(), Validators::default())));
            }
            Err(e) => {
                lines.push(IngestLine::new(
                    &ws.name,
                    "",
                    IngestStatus::Incomplete,
                    &format!("{e}; tried again next run"),
                ));
                findings.push(Finding {
                    severity: Severity::Error,
                    code: "download-failed".into(),
                    kommun: None,
                    subject: ws.name.clone(),
                    detail: format!("Webbtjänsten kunde inte läsas: {}. Den läses igen vid nästa körning.", e.message),
                });
            }
        }
    }
    let files = inbox_files(&ctx.inbox)?;
    let mut sync = store.begin_sync("nightly-sync", &started_at[..10], &started_at, ctx.scheduled_at.as_deref())?;
    let mut problems: Vec<(String, crate::ingest::exports::RowProblem)> = Vec::new();
    let mut inputs: Vec<RunInput> = Vec::new();
    let mut moves: Vec<(PathBuf, &'static str, Option<String>)> = Vec::new();
    let settle = Duration::from_secs(config.ingest.settle_seconds);
    // Registers parsed on ingest, by content hash.
    let mut parsed: std::collections::HashMap<String, crate::ingest::Register> = Default::default();

    for path in files {
        let name = file_name(&path);
        let downloaded = downloads.iter().any(|(p, ..)| p == &path);
        if !downloaded && is_incomplete(&path, settle) {
            lines.push(IngestLine::new(
                &name,
                "",
                IngestStatus::Incomplete,
                "still being written; left for the next run",
            ));
            continue;
        }
        // Every parse of the file runs under the reading marker: a reader
        // that panics or dies sets the file aside instead of stopping the service.
        let sha256 = sha256_file(&path).map_err(JobError::io(&path))?;
        let rec = RecognisedFile { path: path.clone(), kind: InputKind::Unknown, sha256 };
        let kind = match guarded(ctx, JOB, &path, &rec.sha256, || kind_of(&path, config)) {
            Ok(kind) => kind,
            Err(why) => {
                lines.push(IngestLine::new(&name, "", IngestStatus::Rejected, first_line(&why)));
                moves.push((path, "rejected", Some(why)));
                continue;
            }
        };
        if kind != InputKind::Unknown {
            inputs.push(RunInput {
                path: path.display().to_string(),
                kind: kind.as_str().into(),
                sha256: rec.sha256.clone(),
            });
        }
        if kind != InputKind::Unknown && sync.already_stored(kind.as_str(), &rec.sha256)? {
            lines.push(IngestLine::new(
                &name,
                kind.as_str(),
                IngestStatus::Unchanged,
                "identical to a file already ingested",
            ));
            moves.push((path, "processed", None));
            continue;
        }
        let export_kind = match kind {
            InputKind::Accounts => ExportKind::Accounts,
            InputKind::Completions => ExportKind::Completions,
            InputKind::Signups => ExportKind::Signups,
            InputKind::Register => {
                let read = guarded(ctx, JOB, &path, &rec.sha256, || read_register(&path, config))
                    .map_err(|why| {
                        crate::ingest::RegisterProblems(vec![crate::ingest::RegisterError {
                            file: path.clone(),
                            sheet: None,
                            row: None,
                            column: None,
                            message: why,
                        }])
                    })
                    .and_then(|r| r);
                match read {
                    Ok(mut reg) => {
                        let bytes = std::fs::read(&path).map_err(JobError::io(&path))?;
                        let rows = reg.participants.len() as u64;
                        sync.store_register(&name, &rec.sha256, reg.period().as_deref(), rows, &bytes)?;
                        reg.sources = vec![stored_name(&name)];
                        parsed.insert(rec.sha256.clone(), reg);
                        let mut line = IngestLine::new(&name, "register", IngestStatus::Ingested, "");
                        line.rows = rows;
                        lines.push(line);
                        clock.mark(format!("ingest register ({})", format_of(&path)), rows, "rows");
                        moves.push((path, "processed", None));
                    }
                    Err(e) => {
                        let why = e.to_string();
                        lines.push(IngestLine::new(&name, "register", IngestStatus::Rejected, first_line(&why)));
                        moves.push((path, "rejected", Some(why)));
                    }
                }
                continue;
            }
            InputKind::Unknown => {
                let why = unknown_reason(&path, &config.ingest.limits);
                lines.push(IngestLine::new(&name, "", IngestStatus::Rejected, &why));
                moves.push((path, "rejected", Some(why)));
                continue;
            }
        };
        let mut outcome = None;
        let guard_sha = rec.sha256.clone();
        let stored = guarded(ctx, JOB, &path, &guard_sha, || {
            sync.store_export("inbox", export_kind, &name, &rec.sha256, |insert| {
                let mut courses = CourseInterner::default();
                let bar = progress(&name);
                let mut store = |batch: &[_]| {
                    bar.inc(batch.len() as u64);
                    insert(batch)
                };
                let o = read_export_pipelined(&path, export_kind, config, move |r| courses.prepare(r), &mut store)?;
                bar.finish_and_clear();
                tracing::info!("Read {name}: {} rows.", o.rows);
                let skipped = o.bad_rows.len() as u64;
                outcome = Some(o);
                Ok::<u64, ExportError>(skipped)
            })
        })
        .unwrap_or_else(|why| Ok(Err(ExportError::Unreadable(why))))?;
        match stored {
            Ok(counts) => {
                let o = outcome.expect("set on success");
                let mut detail = Vec::new();
                if counts.duplicates > 0 {
                    detail.push(format!("{} duplicate row(s) counted once", counts.duplicates));
                    findings.push(Finding {
                        severity: Severity::Warning,
                        code: "duplicate-export-row".into(),
                        kommun: None,
                        subject: name.clone(),
                        detail: format!(
                            "{} rad(er) upprepar samma användare och kurs; de räknas en gång.",
                            counts.duplicates
                        ),
                    });
                }
                if !o.unresolved.is_empty() {
                    detail.push(format!("{} account(s) with an unknown municipality", o.unresolved.len()));
                    for (line, org) in &o.unresolved {
                        findings.push(Finding {
                            severity: Severity::Error,
                            code: "unknown-municipality".into(),
                            kommun: None,
                            subject: format!("{name} rad {line}"),
                            detail: format!(
                                "Organisationen '{org}' är ingen kommun i regionen. Rätta kontots organisation i lärplattformen eller lägg till namnet som alias i konfigurationen."
                            ),
                        });
                    }
                }
                if !o.bad_rows.is_empty() {
                    detail.push(format!("{} bad row(s) skipped (see ingest-problems.csv)", o.bad_rows.len()));
                }
                let mut line = IngestLine::new(&name, export_kind.as_str(), IngestStatus::Ingested, &detail.join("; "));
                line.rows = counts.rows - counts.duplicates;
                line.skipped = o.bad_rows.len() as u64;
                let format = format_of(&path);
                let (items, unit) = if format == "csv" {
                    (counts.rows, "rows")
                } else {
                    (counts.rows * o.mapped.len() as u64, "cells")
                };
                clock.mark(format!("ingest {} ({format})", export_kind.as_str()), items, unit);
                lines.push(line);
                problems.extend(o.bad_rows.into_iter().map(|p| (name.clone(), p)));
                moves.push((path, "processed", None));
            }
            Err(e) => {
                let why = format!("{name}: {e}");
                lines.push(IngestLine::new(&name, export_kind.as_str(), IngestStatus::Rejected, &e.to_string()));
                moves.push((path, "rejected", Some(why)));
            }
        }
    }

    for line in lines.iter_mut() {
        for (_, note) in notes.iter().filter(|(file, _)| *file == line.file) {
            line.detail = if line.detail.is_empty() { note.clone() } else { format!("{}; {note}", line.detail) };
        }
    }

    let mut staging = Staging::new(&ctx.out)?;
    // The regional picture as this run will commit it: latest register of
    // each year against the platform's latest snapshots.
    // A register ingested by this run is not parsed a second time.
    let registers = sync
        .latest_registers()?
        .into_iter()
        .map(|s| match parsed.remove(&s.sha256) {
            Some(reg) => Ok(reg),
            None => read_register_bytes(&stored_name(&s.file_name), s.content, config),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let register = if registers.is_empty() { None } else { Some(merge_registers(registers)?) };
    let today = chrono::Utc::now().date_naive();
    let year = Year::new(today.year()).expect("a current year");
    let month_start = today.with_day(1).expect("day 1");
    let courses: BTreeSet<String> =
        register.iter().flat_map(|r| r.rounds.iter().map(|x| x.course.to_lowercase())).collect();
    clock.mark("read register back", register.as_ref().map_or(0, |r| r.participants.len()) as u64, "rows");
    let platform = sync.platform(month_start, Some(&courses))?;
    clock.mark("read platform back", platform.completions.len() as u64, "completions");
    let (regional, workbook) = stage_regional(
        &Store::open(&ctx.state)?,
        &mut staging,
        config,
        year,
        register.as_ref(),
        &platform,
        &platform.progress,
    )?;
    findings.extend(regional);
    clock.mark("reconcile and regional workbook", findings.len() as u64, "findings");
    // The project lead gets the follow-up when the findings changed since the last one sent.
    let sending = !ctx.delivery.dry_run && config.smtp.is_some();
    let mut to_lead = None;
    if let Some(lead) = config.email.project_lead.as_ref().filter(|_| ctx.delivery.includes("project_lead")) {
        let hash = findings_hash(&findings);
        if sync.setting(LEAD_KEY)?.as_deref() != Some(hash.as_str()) {
            let msg = lead_message(config, &started_at[..10], lead, &findings, workbook)?;
            staging.write(&format!("outbox/{}.eml", msg.stem), &msg.bytes)?;
            if sending {
                let recipients = vec![lead.to_string()];
                let new = NewMessage {
                    kommunkod: "project-lead",
                    recipients: &recipients,
                    stem: &msg.stem,
                    message_id: &msg.message_id,
                    content_hash: &msg.content_hash,
                    eml: &msg.bytes,
                };
                // One outbox entry per set of findings: a second change the same day is a new message.
                sync.enqueue(JOB, &format!("{}.{}", &started_at[..10], &hash[..12]), &new)?;
                sync.set_setting(LEAD_KEY, &hash)?;
            }
            to_lead = Some((msg.stem, format!("{}.{}", &started_at[..10], &hash[..12])));
        }
    }
    let report = staging.path("ingest-report.csv")?;
    write_ingest_report_csv(&report, &lines)?;
    if !problems.is_empty() {
        let p = staging.path("ingest-problems.csv")?;
        write_ingest_problems_csv(&p, &problems)?;
    }
    for (path, source, validators) in &downloads {
        let fate = moves.iter().find(|(p, ..)| p == path).map(|(_, folder, _)| *folder);
        if fate == Some("processed") && !source.is_empty() {
            sync.remember_validators(source, validators)?;
        }
    }
    let rejected = lines.iter().filter(|l| l.status == IngestStatus::Rejected).count();
    let outcome = if findings.is_empty() && rejected == 0 { "ok" } else { "findings" };
    let files_in = lines.iter().filter(|l| l.status == IngestStatus::Ingested).count() as u64;
    let rows_in: u64 = lines.iter().filter(|l| l.status == IngestStatus::Ingested).map(|l| l.rows).sum();
    staging.sync()?;
    sync.finish(files_in, rows_in, outcome, (findings.len() + rejected) as u32, staging.len() as u32, &inputs)?;
    let outputs = staging.publish()?;
    for (path, folder, why) in moves {
        move_file(&ctx.inbox, &path, folder, why.as_deref())?;
    }
    let mut messages = 0;
    if let (Some((stem, period)), Some(smtp)) = (&to_lead, config.smtp.as_ref().filter(|_| sending)) {
        let report = deliver(&Store::open(&ctx.state)?, smtp, &config.email.from, JOB, period)
            .map_err(|e| JobError::Send(e.to_string()))?;
        messages = report.sent.len();
        if !report.all_sent() {
            tracing::warn!("The follow-up {stem} to the project lead did not go out; it is tried again next run.");
        }
    }

    let count = |s: IngestStatus| lines.iter().filter(|l| l.status == s).count();
    let mut figures = vec![format!(
        "Files: {} ingested, {} unchanged, {} rejected, {} left for later.",
        count(IngestStatus::Ingested),
        count(IngestStatus::Unchanged),
        rejected,
        count(IngestStatus::Incomplete)
    )];
    for kind in ["register", "accounts", "completions", "signups"] {
        let rows: u64 =
            lines.iter().filter(|l| l.kind == kind && l.status == IngestStatus::Ingested).map(|l| l.rows).sum();
        if rows > 0 {
            figures.push(format!("Rows of {kind}: {rows}."));
        }
    }
    for l in lines.iter().filter(|l| l.status == IngestStatus::Rejected) {
        figures.push(format!("Rejected {}: {}", l.file, l.detail));
    }
    figures.extend(finding_counts(config, &findings));
    if rejected > 0 {
        findings.push(Finding {
            severity: Severity::Error,
            code: "file-rejected".into(),
            kommun: None,
            subject: format!("{rejected} fil(er)"),
            detail: "Se inkorgens mapp rejected/ och filen <namn>.error.txt bredvid varje fil.".into(),
        });
    }
    if let Some((stem, _)) = &to_lead {
        figures.push(format!("Findings changed: the follow-up {stem} goes to the project lead."));
    }
    let stages = clock.finish();
    let period = started_at[..10].to_string();
    Ok(RunSummary { job: JOB.into(), period, outputs, findings, messages, figures, stages })
}

/// The finding for a web service read that stopped at `max_pages`.
fn paging_stopped(name: &str, stop: PagingStopped) -> Finding {
    Finding {
        severity: Severity::Warning,
        code: "download-incomplete".into(),
        kommun: None,
        subject: name.to_string(),
        detail: format!(
            "Webbtjänsten gav fler sidor än webservice.max_pages ({}); läsningen stoppades där med {} konto(n). \
             Höj gränsen eller kontrollera sidindelningen.",
            stop.max_pages, stop.users
        ),
    }
}

fn inbox_files(inbox: &Path) -> Result<Vec<PathBuf>, JobError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(inbox)
        .map_err(JobError::io(inbox))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .map(|e| e.path())
        .filter(|p| !file_name(p).starts_with('.'))
        .collect();
    files.sort();
    Ok(files)
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// A temp name, an Office lock file, or modified within the settle time.
fn is_incomplete(path: &Path, settle: Duration) -> bool {
    let name = file_name(path).to_lowercase();
    if name.starts_with("~$") || TEMP_SUFFIXES.iter().any(|s| name.ends_with(s)) {
        return true;
    }
    let Ok(meta) = std::fs::metadata(path) else {
        return true;
    };
    let age = meta.modified().ok().and_then(|m| SystemTime::now().duration_since(m).ok()).unwrap_or(Duration::ZERO);
    age < settle
}

fn first_line(s: &str) -> &str {
    s.lines().find(|l| !l.trim().is_empty()).unwrap_or(s).trim()
}

fn unknown_reason(path: &Path, limits: &crate::config::IngestLimits) -> String {
    use crate::ingest::bounds::short;
    use crate::ingest::exports::{headings, sniff};
    match sniff(path).map_err(|e| e.to_string()).and_then(|s| headings(path, &s, limits)) {
        Ok(h) => {
            let more = h.len().saturating_sub(30);
            format!(
                "not recognised as accounts, completions, sign-ups or a register; headings found: {}{}",
                h.iter().take(30).map(|h| format!("'{}'", short(h, 40))).collect::<Vec<_>>().join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            )
        }
        Err(e) => format!("not recognised: {e}"),
    }
}

/// Moves a file into `inbox/<folder>/`, never overwriting an earlier one;
/// a rejected file gets `<name>.error.txt` beside it.
fn move_file(inbox: &Path, path: &Path, folder: &str, why: Option<&str>) -> Result<(), JobError> {
    match why {
        Some(why) => super::reading::set_aside(inbox, path, why).map(|_| ()),
        None => crate::safe_fs::move_into(path, &inbox.join(folder)).map(|_| ()),
    }
    .map_err(JobError::io(path))
}
