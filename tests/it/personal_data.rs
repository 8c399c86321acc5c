//! Personal data kept only as long as needed (issue 17): `purge` removes
//! what the retention no longer allows and leaves closed months and the
//! frozen pot as delivered; `forget` removes one person from everything the
//! state keeps and says where they still are; the binary never writes a
//! name or an address to stdout or stderr; files are 0640, folders 0750.

use super::helpers::*;
use super::smtp::{march, register, SmtpServer};
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use yrkesresan::domain::{Month, Year};
use yrkesresan::ingest::{read_register_bytes, redact_register};
use yrkesresan::store::Store;

/// The shipped config with the fixed cost decided, files read at once, and `extra` appended.
pub(super) fn year_config(w: &Workdir, extra: &str) -> PathBuf {
    let (from, to) = Workdir::DECIDED_FIXED_COST;
    let text = std::fs::read_to_string(config_path()).unwrap().replacen(from, to, 1).replacen(
        "settle_seconds = 60",
        "settle_seconds = 0",
        1,
    );
    let p = w.path().join("config.toml");
    std::fs::write(&p, format!("{text}\n{extra}")).unwrap();
    p
}

/// A generated Dalarna year (config and inbox files) in `<w>/g`; returns its inbox files.
pub(super) fn generated(w: &Workdir) -> Vec<PathBuf> {
    let out = bin(&["generate", "--out", "g"], w.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(w.path().join("g/inbox")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

/// Copies `from` into the inbox as `name`, without its last `drop` lines.
pub(super) fn into_inbox(w: &Workdir, from: &Path, name: &str, drop: usize) {
    let bytes = std::fs::read(from).unwrap();
    let bytes = if drop == 0 {
        bytes
    } else {
        let text = String::from_utf8(bytes).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        (lines[..lines.len() - drop].join("\n") + "\n").into_bytes()
    };
    w.inbox_file(name, &bytes);
}

/// Runs at `now`; exit 1 only says the generated year has findings (it has, on purpose).
pub(super) fn run_at(w: &Workdir, args: &[&str], config: &Path, now: &str) -> String {
    let out = w.run_env(args, config, &[("YRKESRESAN_NOW", now)]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?} at {now}: {}", text(&out));
    text(&out)
}

/// A nightly sync at `now` that takes every file.
pub(super) fn sync_at(w: &Workdir, config: &Path, now: &str) {
    let out = run_at(w, &["run", "nightly-sync"], config, now);
    assert!(out.contains("0 rejected"), "{out}");
}

pub(super) fn state(w: &Workdir) -> PathBuf {
    w.out().join("yrkesresan-state.sqlite")
}

/// Accounts, completions and sign-ups stored (completions are packed
/// seven bytes each in runs, see `store::completion_runs`).
fn rows(w: &Workdir) -> [i64; 3] {
    let db = rusqlite::Connection::open(state(w)).unwrap();
    ["COUNT(*) FROM accounts", "COALESCE(SUM(length(entries)), 0) / 7 FROM completions", "COUNT(*) FROM signups"]
        .map(|t| db.query_row(&format!("SELECT {t}"), [], |r| r.get(0)).unwrap())
}

/// Platform summaries kept in the state (see `store::platform_summary`).
pub(super) fn kept_summaries(w: &Workdir) -> i64 {
    let db = rusqlite::Connection::open(state(w)).unwrap();
    db.query_row("SELECT COUNT(*) FROM platform_summary", [], |r| r.get(0)).unwrap()
}

/// The stored basis of each closed month and the frozen pot, as the store reads them.
fn delivered(w: &Workdir) -> String {
    let store = Store::open(&state(w)).unwrap();
    let mut out = String::new();
    for m in 1..=11 {
        let month = Month::parse(&format!("2026-{m:02}")).unwrap();
        out += &format!("{month}: {:?}\n", store.invoice_basis(month).unwrap().expect("closed"));
    }
    out += &format!("{:?}", store.frozen_pot(Year::new(2026).unwrap()).unwrap().expect("frozen"));
    out
}

/// A year of exports in two versions (March and November), January to
/// November closed, the pot frozen; then purge two years later: the March
/// exports' rows go, the closed months, the frozen pot and the open month
/// stay as they were; a dry run counts and removes nothing; old inbox
/// files go.
#[test]
fn purge_removes_what_is_old_and_closed_months_and_the_pot_stay_as_delivered() {
    let w = Workdir::new();
    let files = generated(&w);
    let config = year_config(&w, "");
    let file =
        |prefix: &str| files.iter().find(|f| f.file_name().unwrap().to_string_lossy().starts_with(prefix)).unwrap();
    into_inbox(&w, file("kursdagsregister"), "kursdagsregister-2026.xlsx", 0);
    into_inbox(&w, file("user_report"), "user_report_20260301_3.csv", 0);
    into_inbox(&w, file("course_completion"), "course_completion_20260301_4.csv", 0);
    into_inbox(&w, file("seminar_signups"), "seminar_signups_20260301_5.csv", 0);
    sync_at(&w, &config, "2026-03-02T02:00:00Z");
    // November's exports: the same reports, each a row shorter.
    into_inbox(&w, file("user_report"), "user_report_20261101_6.csv", 1);
    into_inbox(&w, file("course_completion"), "course_completion_20261101_7.csv", 1);
    into_inbox(&w, file("seminar_signups"), "seminar_signups_20261101_8.csv", 1);
    sync_at(&w, &config, "2026-11-02T02:00:00Z");
    for m in 1..=11 {
        run_at(&w, &["run", "monthly-invoice", "--month", &format!("2026-{m:02}")], &config, "2026-12-03T06:00:00Z");
    }
    run_at(&w, &["run", "trainer-pot", "--year", "2026"], &config, "2026-12-04T06:00:00Z");

    let later = "2028-12-10T03:30:00Z";
    let open_month = |w: &Workdir| {
        run_at(w, &["run", "monthly-invoice", "--month", "2026-12", "--dry-run"], &config, later);
        std::fs::read(w.out().join("invoice-basis-2026-12.csv")).unwrap()
    };
    let before = (delivered(&w), open_month(&w), rows(&w));
    assert_eq!(kept_summaries(&w), 1, "the last sync kept its platform summary");
    assert!(std::fs::read_dir(w.inbox().join("processed")).unwrap().count() > 0, "processed files to purge");

    let dry = run_at(&w, &["purge", "--dry-run"], &config, later);
    assert!(dry.contains("Would remove (--dry-run): 3 snapshot(s) older than 13 months"), "{dry}");
    assert_eq!(rows(&w), before.2, "a dry run removes nothing");
    assert_eq!(kept_summaries(&w), 1, "a dry run keeps the summary");

    let purged = run_at(&w, &["purge"], &config, later);
    let [accounts, completions, signups] = before.2;
    let [a, c, s] = rows(&w);
    // The March exports held one row more of each than November's, which stay.
    assert_eq!((accounts - a, completions - c, signups - s), (a + 1, c + 1, s + 1), "{purged}");
    assert!(
        purged.contains(&format!("Removed: 3 snapshot(s) older than 13 months with {} account", a + 1)),
        "{purged}"
    );
    assert_eq!(std::fs::read_dir(w.inbox().join("processed")).unwrap().count(), 0, "{purged}");
    assert_eq!(kept_summaries(&w), 0, "the summary of purged rows (it names people) goes with them");
    assert_eq!(delivered(&w), before.0, "closed months and the frozen pot are re-read as delivered");
    assert_eq!(open_month(&w), before.1, "the open month is billed the same");

    let again = run_at(&w, &["purge"], &config, later);
    assert!(again.contains("Removed: 0 snapshot(s)"), "{again}");
}

/// Everyone the generated year names: e-mail addresses, usernames and full names.
fn people(files: &[PathBuf]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let accounts = files.iter().find(|f| f.file_name().unwrap().to_string_lossy().starts_with("user_report")).unwrap();
    let mut r = csv::Reader::from_path(accounts).unwrap();
    for row in r.records() {
        let row = row.unwrap();
        out.insert(row[0].to_string());
        out.insert(row[1].to_string());
        out.insert(format!("{} {}", &row[2], &row[3]));
    }
    let register = files.iter().find(|f| f.extension().is_some_and(|e| e == "xlsx")).unwrap();
    for name in ["Utbildare", "Deltagare"] {
        for row in sheet(register, name).iter().skip(1) {
            out.extend(row.iter().skip(1).take(2).filter(|c| c.len() > 3).cloned());
        }
    }
    out
}

/// The demo prints counts and file names, never a person; every file it
/// writes is 0640 and every folder 0750.
#[test]
fn the_demo_prints_no_name_or_address_and_writes_private_files() {
    let w = Workdir::new();
    let files = generated(&w);
    let people = people(&files);
    assert!(people.len() > 500, "{}", people.len());
    let out = bin(&["demo", "--out", "d", "--config", &config_path().display().to_string()], w.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let printed = text(&out);
    assert!(printed.contains("finding(s)"), "{printed}");
    let named: Vec<&String> = people.iter().filter(|p| printed.contains(p.as_str())).collect();
    assert!(named.is_empty(), "the demo printed {named:?}");
    assert!(!printed.contains('@'), "an address in:\n{printed}");

    let mut checked = 0;
    let mut stack = vec![w.path().join("d")];
    while let Some(dir) = stack.pop() {
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o750, "{}", dir.display());
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else {
                assert_eq!(meta.permissions().mode() & 0o777, 0o640, "{}", path.display());
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "{checked} files");
}

/// One participant of March, with messages delivered: `forget` removes
/// their rows, their name and address in the stored register, the bodies of
/// the messages whose workbooks named them; amounts stay; the files still
/// naming them are listed; a second look finds nothing left in the state.
#[test]
fn forget_removes_every_stored_trace_of_one_person_and_says_where_they_still_are() {
    let w = Workdir::new();
    let files = generated(&w);
    let server = SmtpServer::start(w.path(), &[]);
    let config = year_config(
        &w,
        &format!("[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nretries = 1\n", server.port),
    );
    for f in &files {
        into_inbox(&w, f, &f.file_name().unwrap().to_string_lossy(), 0);
    }
    sync_at(&w, &config, "2026-11-02T02:00:00Z");
    run_at(&w, &["run", "monthly-invoice", "--month", "2026-03"], &config, "2026-11-03T06:00:00Z");
    assert!(!server.received().is_empty(), "messages were delivered");
    let april = |w: &Workdir, now: &str| {
        run_at(w, &["run", "monthly-invoice", "--month", "2026-04", "--dry-run"], &config, now);
        std::fs::read(w.out().join("invoice-basis-2026-04.csv")).unwrap()
    };
    let april_before = april(&w, "2026-11-03T07:00:00Z");

    // A participant of a regional round in March (their municipality's workbook names them).
    let register = files.iter().find(|f| f.extension().is_some_and(|e| e == "xlsx")).unwrap();
    let march_rounds: BTreeSet<String> = sheet(register, "Kursdagar")
        .into_iter()
        .filter(|r| {
            // A date cell reads as its Excel serial: 46082 is 2026-03-01, 46112 2026-03-31.
            let march = r.get(2).is_some_and(|d| {
                d.starts_with("2026-03") || d.parse::<f64>().is_ok_and(|n| (46082.0..46113.0).contains(&n))
            });
            march && !r[0].starts_with("NAT")
        })
        .map(|r| r[0].clone())
        .collect();
    let person = sheet(register, "Deltagare")
        .into_iter()
        .find(|r| march_rounds.contains(&r[0]) && r[2].contains('@'))
        .expect("a participant in March");
    let (name, email) = (person[1].clone(), person[2].clone());
    let db_names = |w: &Workdir| -> i64 {
        let db = rusqlite::Connection::open(state(w)).unwrap();
        db.query_row("SELECT COUNT(*) FROM accounts WHERE lower(email) = lower(?1)", [&email], |r| r.get(0)).unwrap()
    };
    assert_eq!(db_names(&w), 1, "{email} has an account");

    let dry = w.run_env(&["forget", &email, "--dry-run"], &config, &[("YRKESRESAN_NOW", "2026-11-04T08:00:00Z")]);
    assert!(text(&dry).contains("Would remove (--dry-run) from the state: 1 account row(s)"), "{}", text(&dry));
    assert_eq!(db_names(&w), 1, "a dry run changes nothing");
    assert_eq!(kept_summaries(&w), 1, "a dry run keeps the platform summary");

    let out = w.run_env(&["forget", &email], &config, &[("YRKESRESAN_NOW", "2026-11-04T08:00:00Z")]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "files still name the person: {said}");
    assert!(said.contains("Removed from the state: 1 account row(s)"), "{said}");
    let bodies: u32 = said
        .split("sign-up row(s); ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    assert!(bodies >= 1, "the municipality's March workbook named them: {said}");
    assert!(said.contains("row(s) now say 'Raderad person 20261104080000'"), "{said}");
    assert!(said.contains("Still named in these files"), "{said}");
    assert!(said.contains("inbox/processed/kursdagsregister"), "{said}");
    assert!(!said.contains(&email) && !said.contains(&name), "forget names nobody: {said}");
    assert_eq!(db_names(&w), 0);
    assert_eq!(kept_summaries(&w), 0, "the platform summary (its findings name people) is made again");

    // The state no longer holds them anywhere: not in a row, not in the
    // register copy, not in a message body; rows are overwritten on delete.
    let again = w.run_env(&["forget", &email, "--dry-run"], &config, &[("YRKESRESAN_NOW", "2026-11-05T08:00:00Z")]);
    let again = text(&again);
    assert!(
        again.contains("Would remove (--dry-run) from the state: 0 account row(s), 0 completion row(s), 0 sign-up row(s); 0 delivered"),
        "{again}"
    );
    assert!(!again.contains("stored register copy"), "{again}");
    let raw = std::fs::read(state(&w)).unwrap();
    let lower = String::from_utf8_lossy(&raw).to_lowercase();
    assert!(!lower.contains(&email.to_lowercase()), "the database file still holds {email}");

    // The attendance stays under the pseudonym: an open month is billed the same.
    assert_eq!(april(&w, "2026-11-05T07:00:00Z"), april_before);
}

/// Message bodies go three months after delivery; who got which message
/// when (and its Message-ID) stays for `outbox list`.
#[test]
fn delivered_message_bodies_go_after_three_months_and_the_record_stays() {
    let w = Workdir::new();
    register(&w);
    let server = SmtpServer::start(w.path(), &[]);
    let config = w.config_appending(&format!(
        "[ingest]\nsettle_seconds = 0\n\n[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nretries = 1\n",
        server.port
    ));
    let out = march(&w, &config, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let sent = server.received().len();
    assert!(sent >= 5, "{sent}");
    let bodies = |w: &Workdir| -> (i64, i64) {
        let db = rusqlite::Connection::open(state(w)).unwrap();
        db.query_row(
            "SELECT COUNT(body), (SELECT COUNT(*) FROM outbox_attachments) FROM outbox WHERE state = 'sent'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    let (with_body, attachments) = bodies(&w);
    assert!(with_body >= 5 && attachments >= 5, "{with_body} {attachments}");

    let now = chrono::Utc::now();
    let at = |months: u32| (now + chrono::Months::new(months)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let soon = run_at(&w, &["purge"], &config, &at(2));
    assert!(soon.contains("Removed: 0 message body(ies) delivered more than 3 months ago"), "{soon}");
    assert_eq!(bodies(&w), (with_body, attachments));
    let later = run_at(&w, &["purge"], &config, &at(4));
    assert!(later.contains(&format!("Removed: {with_body} message body(ies)")), "{later}");
    assert_eq!(bodies(&w), (0, 0));

    let list = w.run(&["outbox", "list", "--all"], &config);
    let list = text(&list);
    let ids: Vec<String> = server
        .received()
        .iter()
        .map(|r| r["message_id"].as_str().unwrap().trim_matches(['<', '>']).to_string())
        .collect();
    assert!(ids.iter().all(|id| list.contains(id.as_str())), "who got which message stays:\n{list}");
}

/// A generated Dalarna register without one participant: their rows say
/// the pseudonym and have no address, with the same rounds, municipality,
/// approval and days; every other row and sheet reads as before.
#[test]
fn one_person_goes_and_everything_else_reads_the_same() {
    let config = config();
    let dir = tempfile::tempdir().unwrap();
    let year = yrkesresan::generate::generate_year(&config, Year::new(2026).unwrap(), dir.path(), 7).unwrap();
    let bytes = std::fs::read(&year.register).unwrap();
    let path = Path::new("stored:register.xlsx");
    let before = read_register_bytes(path, bytes.clone(), &config).unwrap();
    let person = before.participants.iter().find(|p| p.email.is_some()).unwrap().clone();
    let email = person.email.as_ref().unwrap().as_str().to_string();

    let (new, rows) = redact_register(
        bytes,
        std::slice::from_ref(&email),
        std::slice::from_ref(&person.name),
        "Raderad person 1",
        &config.ingest.limits,
    )
    .unwrap();
    let after = read_register_bytes(path, new, &config).unwrap();
    let theirs = |p: &yrkesresan::domain::Participant| p.email.as_ref().is_some_and(|e| e.as_str() == email);
    assert_eq!(rows, before.participants.iter().filter(|p| theirs(p)).count());
    assert!(rows >= 1);
    assert!(after.participants.iter().all(|p| !theirs(p)));
    assert_eq!(after.participants.len(), before.participants.len());
    for (b, a) in before.participants.iter().zip(&after.participants) {
        if theirs(b) {
            assert_eq!((a.name.as_str(), a.email.is_none()), ("Raderad person 1", true));
            assert_eq!((&a.round, a.kommun, a.approved, &a.attended), (&b.round, b.kommun, b.approved, &b.attended));
        } else {
            assert_eq!(a, b);
        }
    }
    assert_eq!(after.rounds, before.rounds);
    assert_eq!(after.days, before.days);
    assert_eq!(after.trainers, before.trainers);
}
