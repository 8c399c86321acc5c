//! `run nightly-sync` over an inbox: files moved to processed/ or rejected/
//! with a reason beside them, identical files a no-op, unfinished files left,
//! duplicates counted once, unknown municipalities reported, and the stored
//! register used by the monthly job once the inbox is empty.

use super::helpers::*;

const SYNC: &str = "[ingest]\nsettle_seconds = 0\n";

const ACCOUNTS: &str = "Username,User's Email,User's Organisation Name(s),User's Position Name(s),User Status\n\
anna,anna@falun.example,Falun,Medarbetare,Active\n\
bo,bo@mora.example,Mora,\"Medarbetare, Utbildare\",Active\n\
cia,cia@gotham.example,Gotham stad,Medarbetare,Active\n";

const COMPLETIONS: &str = "Username,Course Name,Completion Status\n\
anna,Kurs A,Complete\n\
anna,Kurs A,Complete\n\
bo,Kurs A,In progress\n";

fn sync(w: &Workdir, config: &std::path::Path) -> std::process::Output {
    w.run(&["run", "nightly-sync"], config)
}

fn report(w: &Workdir) -> Vec<Vec<String>> {
    let rows = w.csv("ingest-report.csv");
    assert_eq!(rows[0], ["file", "kind", "rows", "skipped_rows", "status", "detail"]);
    rows
}

#[test]
fn files_are_ingested_moved_and_a_second_identical_file_is_a_no_op() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    w.inbox_file("user_report_1.csv", ACCOUNTS.as_bytes());
    w.inbox_file("report.csv", COMPLETIONS.as_bytes());
    let out = sync(&w, &config);
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(1), "findings (unknown municipality, duplicate): {msg}");
    let rows = report(&w);
    let acc = row(&rows, "user_report_1.csv");
    assert_eq!((acc[1].as_str(), acc[2].as_str(), acc[4].as_str()), ("accounts", "3", "ingested"));
    assert!(acc[5].contains("1 account(s) with an unknown municipality"), "{acc:?}");
    let comp = row(&rows, "report.csv");
    assert_eq!((comp[1].as_str(), comp[2].as_str()), ("completions", "2"), "the duplicate row is counted once");
    assert!(comp[5].contains("1 duplicate row(s)"));
    assert!(msg.contains("unknown-municipality 1"), "{msg}");
    assert!(w.findings().contains("unknown-municipality") && w.findings().contains("Gotham stad"), "{}", w.findings());
    assert!(w.inbox().join("processed/user_report_1.csv").exists());
    assert!(w.inbox().join("processed/report.csv").exists());
    assert!(!w.inbox().join("report.csv").exists());

    // The same export again (e.g. a scheduled report that did not change).
    w.inbox_file("report_2.csv", COMPLETIONS.as_bytes());
    let out = sync(&w, &config);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rows = report(&w);
    assert_eq!(row(&rows, "report_2.csv")[4], "unchanged");
    let store = yrkesresan::store::Store::open(&w.out().join("yrkesresan-state.sqlite")).unwrap();
    assert_eq!(store.snapshot_count("completions").unwrap(), 1);
    assert_eq!(store.latest_row_count(yrkesresan::ingest::exports::ExportKind::Accounts).unwrap(), 3);
}

#[test]
fn a_bad_file_is_rejected_with_a_reason_and_the_others_still_go_in() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    w.inbox_file("good.csv", ACCOUNTS.as_bytes());
    w.inbox_file("bad.csv", b"Username,Course Name,Completion Status\nanna,Kurs A,Klar kanske\n");
    w.inbox_file("notes.txt", "Att: kom ihåg fika\n".as_bytes());
    let out = sync(&w, &config);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let rows = report(&w);
    assert_eq!(row(&rows, "good.csv")[4], "ingested");
    assert_eq!(row(&rows, "bad.csv")[4], "rejected");
    assert_eq!(row(&rows, "notes.txt")[4], "rejected");
    let why = std::fs::read_to_string(w.inbox().join("rejected/bad.csv.error.txt")).unwrap();
    assert!(why.contains("line 2, column 'Completion Status', value 'Klar kanske'"), "{why}");
    let why = std::fs::read_to_string(w.inbox().join("rejected/notes.txt.error.txt")).unwrap();
    assert!(why.contains("not recognised") && why.contains("headings found"), "{why}");
    assert!(w.inbox().join("processed/good.csv").exists());
    let store = yrkesresan::store::Store::open(&w.out().join("yrkesresan-state.sqlite")).unwrap();
    assert_eq!(store.snapshot_count("completions").unwrap(), 0, "nothing of the rejected file is stored");
}

#[test]
fn with_reject_bad_rows_off_bad_rows_are_skipped_and_listed() {
    let w = Workdir::new();
    let config = w.config_appending("[ingest]\nsettle_seconds = 0\n[ingest.completions]\nreject_bad_rows = false\n");
    w.inbox_file("c.csv", b"Username,Course Name,Completion Status\nanna,Kurs A,Complete\nbo,Kurs A,Klar kanske\n");
    let out = sync(&w, &config);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rows = report(&w);
    assert_eq!((row(&rows, "c.csv")[2].as_str(), row(&rows, "c.csv")[3].as_str()), ("1", "1"));
    let problems = w.csv("ingest-problems.csv");
    assert_eq!(problems[1], ["c.csv", "3", "Completion Status", "Klar kanske", problems[1][4].as_str()]);
}

#[test]
fn files_still_being_written_are_left_for_the_next_run() {
    let w = Workdir::new();
    let config = w.config_appending("[ingest]\nsettle_seconds = 3600\n");
    w.inbox_file("fresh.csv", ACCOUNTS.as_bytes());
    w.inbox_file("download.csv.part", ACCOUNTS.as_bytes());
    let out = sync(&w, &config);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rows = report(&w);
    assert_eq!(row(&rows, "fresh.csv")[4], "incomplete");
    assert_eq!(row(&rows, "download.csv.part")[4], "incomplete");
    assert!(w.inbox().join("fresh.csv").exists() && w.inbox().join("download.csv.part").exists());
}

#[test]
fn the_register_is_stored_and_the_monthly_job_reads_it_after_the_inbox_is_emptied() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    let mut b = RegisterBuilder::new();
    b.round("R1", "Samtal och delaktighet", "bou", "medarbetare", "regional", None).day("R1", 1, "2026-03-03");
    b.trainer("R1", 1, "Karin", "Falun", "kursledare").trainer("R1", 1, "Ulf", "Mora", "utbildare");
    b.participants("R1", "Mora", 4, &[1]);
    w.register(&b.sheets);
    let out = sync(&w, &config);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(row(&report(&w), "register.xlsx")[1], "register");
    assert!(std::fs::read_dir(w.inbox()).unwrap().all(|e| e.unwrap().file_type().unwrap().is_dir()), "inbox emptied");
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-03"], &config);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(row(&w.csv("invoice-basis-2026-03.csv"), "2062")[4], "4");
}

#[test]
fn a_broken_register_is_rejected_with_its_problems() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    let mut b = RegisterBuilder::new();
    b.round("R1", "Samtal och delaktighet", "bou", "medarbetare", "regional", None).day("R1", 1, "2026-03-03");
    b.participant("R1", "Gotham", None, &[1]);
    w.register(&b.sheets);
    let out = sync(&w, &config);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let why = std::fs::read_to_string(w.inbox().join("rejected/register.xlsx.error.txt")).unwrap();
    assert!(why.contains("sheet 'Deltagare', row 2, column 'Kommun' (D)"), "{why}");
}

#[test]
fn a_sync_that_fails_before_its_end_stores_nothing_and_moves_nothing() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    w.inbox_file("good.csv", ACCOUNTS.as_bytes());
    let not_a_dir = w.path().join("out-is-a-file");
    std::fs::write(&not_a_dir, b"x").unwrap();
    let state = w.path().join("state.sqlite");
    let args = [
        "run".to_string(),
        "nightly-sync".into(),
        "--config".into(),
        config.display().to_string(),
        "--inbox".into(),
        w.inbox().display().to_string(),
        "--out".into(),
        not_a_dir.display().to_string(),
        "--state".into(),
        state.display().to_string(),
    ];
    let out = bin(&args, w.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let store = yrkesresan::store::Store::open(&state).unwrap();
    assert_eq!(store.snapshot_count("accounts").unwrap(), 0);
    assert!(w.inbox().join("good.csv").exists(), "the file stays for the next run");
}

#[test]
fn ingest_describes_a_file_without_storing_it() {
    let w = Workdir::new();
    let p = w.inbox_file("user_report.csv", ACCOUNTS.as_bytes());
    let bad = w.inbox_file("bad.csv", b"Username,Course Name,Completion Status\nanna,Kurs A,Klar kanske\n");
    let out = bin(
        &["ingest".to_string(), p.display().to_string(), "--config".into(), config_path().display().to_string()],
        w.path(),
    );
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(0), "{msg}");
    for expected in [
        "kind:     accounts",
        "CSV, UTF-8, delimiter ','",
        "email ← 'User's Email'",
        "3 readable",
        "'Gotham stad' is not a municipality",
    ] {
        assert!(msg.contains(expected), "missing «{expected}» in {msg}");
    }
    let out = bin(
        &["ingest".to_string(), bad.display().to_string(), "--config".into(), config_path().display().to_string()],
        w.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("value 'Klar kanske'"), "{}", text(&out));
    assert!(!w.out().exists(), "nothing stored");
}

#[test]
fn accounts_and_progress_per_municipality_are_written_from_the_latest_snapshots() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    let accounts = format!("{ACCOUNTS}dan,dan@falun.example,Falu kommun,\"Chef, K-admin\",Active\neva,eva@falun.example,Falun,Medarbetare,Suspended\n");
    w.inbox_file("user_report_1.csv", accounts.as_bytes());
    w.inbox_file("report.csv", COMPLETIONS.as_bytes());
    let out = sync(&w, &config);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let rows = w.csv("accounts-by-municipality.csv");
    assert_eq!(rows[0], ["kommunkod", "kommun", "delresa", "konton", "medarbetare", "chefer", "utbildare", "k_admin"]);
    assert_eq!(rows.len() - 1, 15, "every municipality has a row: {rows:?}");
    assert_eq!(row(&rows, "2080")[3..], ["2", "1", "1", "0", "1"], "the suspended account is not counted");
    assert_eq!(row(&rows, "2062")[3..], ["1", "1", "0", "1", "0"]);
    assert_eq!(row(&rows, "2021")[3..], ["0", "0", "0", "0", "0"]);
    let keys: Vec<&String> = rows[1..].iter().map(|r| &r[0]).collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "sorted by code");
    let progress = w.csv("progress-by-municipality.csv");
    assert_eq!(progress[0], ["kommunkod", "kommun", "kurs", "ej_paborjad", "pagaende", "genomfort"]);
    assert_eq!(row(&progress, "2080")[2..], ["Kurs A", "0", "0", "1"]);
    assert_eq!(row(&progress, "2062")[2..], ["Kurs A", "0", "1", "0"]);
    assert!(w.out().join("reconciliation.csv").exists());
}
