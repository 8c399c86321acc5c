//! The nightly sync reads spreadsheets ahead on a second thread (issue 18):
//! what it stores, and in which order, is what reading each file in its turn
//! stores; a run that dies while two files are being read sets both aside.

use super::helpers::*;
use rust_xlsxwriter::Workbook;
use std::path::Path;

const SYNC: &str = "[ingest]\nsettle_seconds = 0\n";

/// An accounts export as xlsx: (username, organisation) rows.
fn accounts_xlsx(path: &Path, rows: &[(&str, &str)]) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in
        ["Username", "User's Email", "User's Organisation Name(s)", "User's Position Name(s)"].iter().enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (user, org)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, *user).unwrap();
        ws.write_string(r, 1, format!("{user}@kommun.example")).unwrap();
        ws.write_string(r, 2, *org).unwrap();
        ws.write_string(r, 3, "Medarbetare").unwrap();
    }
    wb.save(path).unwrap();
}

#[test]
fn spreadsheets_read_ahead_are_stored_in_inbox_order_as_if_read_in_their_turn() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    accounts_xlsx(&w.inbox().join("a-konton.xlsx"), &[("anna", "Falun"), ("bo", "Mora"), ("cia", "Falun")]);
    // The same bytes again: read ahead too, then found identical and let go.
    std::fs::copy(w.inbox().join("a-konton.xlsx"), w.inbox().join("b-konton-kopia.xlsx")).unwrap();
    w.inbox_file(
        "c-completions.csv",
        b"Username,Course Name,Completion Status\nanna,Samtal och delaktighet,Complete\nbo,Samtal och delaktighet,In progress\n",
    );
    // A zip that is no workbook: recognised as nothing, rejected naming why.
    w.inbox_file("d-trasig.xlsx", b"PK\x03\x04 not really a workbook");
    let mut b = RegisterBuilder::new();
    b.round("R1", "Samtal och delaktighet", "bou", "medarbetare", "regional", None).day("R1", 1, "2026-03-03");
    b.participants("R1", "Mora", 2, &[1]);
    b.sheets.write(&w.inbox().join("e-register.xlsx")).unwrap();

    let out = w.run_env(&["run", "nightly-sync"], &config, &[("RUST_LOG", "yrkesresan=debug")]);
    assert_eq!(out.status.code(), Some(1), "a rejected file is a finding: {}", text(&out));
    // The three spreadsheets not stored before (a copy is not known yet) and the register.
    assert!(text(&out).contains("Reading 4 spreadsheet(s) ahead"), "{}", text(&out));
    let s = |a: &str, b: &str, c: &str, d: &str| (a.to_string(), b.to_string(), c.to_string(), d.to_string());
    assert_eq!(
        ingest_lines(&w),
        [
            s("a-konton.xlsx", "accounts", "3", "ingested"),
            s("b-konton-kopia.xlsx", "accounts", "0", "unchanged"),
            s("c-completions.csv", "completions", "2", "ingested"),
            s("d-trasig.xlsx", "", "0", "rejected"),
            s("e-register.xlsx", "register", "2", "ingested"),
        ]
    );
    let counted: Vec<(String, String)> =
        w.csv("accounts-by-municipality.csv")[1..].iter().map(|r| (r[1].clone(), r[3].clone())).collect();
    assert!(counted.contains(&("Falun".into(), "2".into())) && counted.contains(&("Mora".into(), "1".into())));
    assert!(std::fs::read_to_string(w.inbox().join("rejected/d-trasig.xlsx.error.txt")).is_ok());
    assert!(w.inbox().join("processed/e-register.xlsx").exists());

    // The stored register is the one read ahead: the month is billed from it.
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-03"], &config);
    assert!(matches!(out.status.code(), Some(0..=1)), "findings at most: {}", text(&out));
    assert_eq!(row(&w.csv("invoice-basis-2026-03.csv"), "2062")[4], "2");
}

#[test]
fn a_run_that_died_reading_two_files_at_once_sets_both_aside_each_naming_the_other() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    // A first run creates the state; then a run is killed while its two
    // readers each hold a file: their markers are left beside the state.
    let out = w.run(&["run", "nightly-sync"], &config);
    assert!(matches!(out.status.code(), Some(0..=1)), "{}", text(&out));
    let xlsx = w.inbox().join("konton.xlsx");
    accounts_xlsx(&xlsx, &[("anna", "Falun")]);
    let csv = w.inbox_file("completions.csv", b"Username,Course Name,Completion Status\nanna,Kurs,Complete\n");
    let state = w.out().join("yrkesresan-state.sqlite");
    for (suffix, file) in [(".reading", &csv), (".reading-ahead", &xlsx)] {
        let sha = yrkesresan::ingest::sha256_file(file).unwrap();
        let marker = format!("nightly-sync\n2026-11-24T02:30:00Z\n{sha}\n{}\n", file.display());
        std::fs::write(format!("{}{suffix}", state.display()), marker).unwrap();
    }

    let out = w.run(&["run", "nightly-sync"], &config);
    assert!(matches!(out.status.code(), Some(0..=1)), "{}", text(&out));
    for (file, other) in [("completions.csv", "konton.xlsx"), ("konton.xlsx", "completions.csv")] {
        assert!(!w.inbox().join(file).exists(), "{file} set aside");
        let why = std::fs::read_to_string(w.inbox().join(format!("rejected/{file}.error.txt"))).unwrap();
        assert!(why.contains("stopped while reading this file"), "{why}");
        assert!(why.contains(&format!("read together with {other}")), "{file}: {why}");
    }
    let store = yrkesresan::store::Store::open(&state).unwrap();
    let dead = store.recent_runs(10).unwrap().into_iter().find(|r| r.outcome == yrkesresan::store::Outcome::Failed);
    let error = dead.and_then(|r| r.error).unwrap_or_default();
    assert!(error.contains("completions.csv") && error.contains("konton.xlsx"), "{error}");
    assert!(!Path::new(&format!("{}.reading-ahead", state.display())).exists(), "markers removed");
}
