//! A CSV export is hashed while it is read (issue 18, README Speed 73): the
//! sync stores what it reads and learns the file's SHA-256 in the same pass.
//! What it decides is what hashing first decided: a content stored before
//! is unchanged, whether its rows read now or not, and the stored snapshot
//! carries the file's hash.

use super::helpers::*;

const SYNC: &str = "[ingest]\nsettle_seconds = 0\n";

const COMPLETIONS: &str = "Username,Course Name,Completion Status\n\
anna,Kurs A,Complete\n\
bo,Kurs A,In progress\n";

fn line(file: &str, kind: &str, rows: &str, status: &str) -> (String, String, String, String) {
    (file.into(), kind.into(), rows.into(), status.into())
}

/// The stored snapshots of `kind` as (file name, sha256).
fn snapshots(w: &Workdir, kind: &str) -> Vec<(String, String)> {
    let db = rusqlite::Connection::open(w.out().join("yrkesresan-state.sqlite")).unwrap();
    let mut q = db.prepare("SELECT file_name, sha256 FROM snapshots WHERE kind = ?1 ORDER BY id").unwrap();
    let rows = q.query_map([kind], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    rows.map(Result::unwrap).collect()
}

#[test]
fn a_csv_export_is_stored_with_its_own_hash_and_the_same_content_again_in_one_run_is_unchanged() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    let first = w.inbox_file("a-completions.csv", COMPLETIONS.as_bytes());
    let sha = yrkesresan::ingest::sha256_file(&first).unwrap();
    w.inbox_file("b-completions-copy.csv", COMPLETIONS.as_bytes());
    let out = w.run(&["run", "nightly-sync"], &config);
    assert!(matches!(out.status.code(), Some(0..=1)), "{}", text(&out));
    assert_eq!(
        ingest_lines(&w),
        [
            line("a-completions.csv", "completions", "2", "ingested"),
            line("b-completions-copy.csv", "completions", "0", "unchanged"),
        ]
    );
    assert_eq!(snapshots(&w, "completions"), [("a-completions.csv".to_string(), sha)]);
    assert!(w.inbox().join("processed/b-completions-copy.csv").exists());
}

#[test]
fn a_content_stored_before_is_unchanged_even_where_its_rows_no_longer_read() {
    let w = Workdir::new();
    let bad = "Username,Course Name,Completion Status\nanna,Kurs A,Complete\nbo,Kurs A,Nästan klar\n";
    // Stored once while bad rows were only skipped.
    let lenient = w.config_appending("[ingest]\nsettle_seconds = 0\n[ingest.completions]\nreject_bad_rows = false\n");
    w.inbox_file("completions-1.csv", bad.as_bytes());
    let out = w.run(&["run", "nightly-sync"], &lenient);
    assert!(matches!(out.status.code(), Some(0..=1)), "{}", text(&out));
    assert_eq!(ingest_lines(&w), [line("completions-1.csv", "completions", "1", "ingested")]);

    // The same bytes under strict rules: read again they would be
    // rejected, but a file already ingested is unchanged, as before.
    let strict = w.config_appending(SYNC);
    w.inbox_file("completions-2.csv", bad.as_bytes());
    let out = w.run(&["run", "nightly-sync"], &strict);
    assert!(matches!(out.status.code(), Some(0..=1)), "{}", text(&out));
    assert_eq!(ingest_lines(&w), [line("completions-2.csv", "completions", "0", "unchanged")]);
    assert!(w.inbox().join("processed/completions-2.csv").exists());
    assert_eq!(snapshots(&w, "completions").len(), 1);

    // A new file with a bad row is still rejected under strict rules.
    w.inbox_file("completions-3.csv", format!("{bad}cia,Kurs A,Complete\n").as_bytes());
    let out = w.run(&["run", "nightly-sync"], &strict);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(ingest_lines(&w), [line("completions-3.csv", "completions", "0", "rejected")]);
    assert!(w.inbox().join("rejected/completions-3.csv").exists());
    assert_eq!(snapshots(&w, "completions").len(), 1, "nothing of a rejected file is kept");
}
