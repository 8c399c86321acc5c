//! The parsed register kept beside a stored register (issue 18): a later
//! job takes it instead of parsing the workbook again, but only for the
//! same file, config and program; an unreadable one is parsed again; and it
//! goes with the person when `forget` rewrites the file.

use super::helpers::*;
use yrkesresan::domain::Register;
use yrkesresan::store::packed::{pack, unpack};

/// A register with one regional round in March: Leksand 3 participant-days.
fn synced(w: &Workdir) -> std::path::PathBuf {
    let mut b = RegisterBuilder::new();
    b.round("M1", "Uppdrag och ansvar", "beroende", "medarbetare", "regional", None).day("M1", 1, "2026-03-19");
    b.trainer("M1", 1, "Mona", "Mora", "kursledare");
    b.participants("M1", "Leksand", 3, &[1]);
    w.register(&b.sheets);
    let config = w.config_with(&[("settle_seconds = 60", "settle_seconds = 0")]);
    let out = w.run(&["run", "nightly-sync"], &config);
    assert!(text(&out).contains("1 ingested"), "{}", text(&out));
    config
}

fn db(w: &Workdir) -> rusqlite::Connection {
    rusqlite::Connection::open(w.out().join("yrkesresan-state.sqlite")).unwrap()
}

/// March's participant-days line for Leksand (2029), as the invoice basis gives it.
fn leksand_days(w: &Workdir, config: &std::path::Path) -> String {
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-03", "--dry-run"], config);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    let rows = w.csv("invoice-basis-2026-03.csv");
    rows.iter().find(|r| r[0] == "2029" && r[2] == "YR-KURSDAG").map(|r| r[4].clone()).unwrap_or_default()
}

/// Rewrites the stored parse so that the round's participants attended no
/// day: what a job shows then tells whether it used the stored parse.
fn tamper(w: &Workdir) {
    let db = db(w);
    let parsed: Vec<u8> = db.query_row("SELECT parsed FROM register_parsed", [], |r| r.get(0)).unwrap();
    let mut register: Register = unpack(&parsed).unwrap();
    for p in &mut register.participants {
        p.attended.clear();
    }
    db.execute("UPDATE register_parsed SET parsed = ?1", [pack(&register)]).unwrap();
}

#[test]
fn a_later_job_reads_the_stored_parse_of_the_same_file_config_and_program_only() {
    let w = Workdir::new();
    let config = synced(&w);
    let stored: i64 = db(&w).query_row("SELECT COUNT(*) FROM register_parsed", [], |r| r.get(0)).unwrap();
    assert_eq!(stored, 1, "the sync keeps the parse of the register it stored");
    assert_eq!(leksand_days(&w, &config), "3");

    tamper(&w);
    assert_eq!(leksand_days(&w, &config), "", "the job used the stored parse (no days attended)");

    // The same config with one more comment is another config: parsed again.
    let other = w.path().join("other.toml");
    std::fs::write(&other, std::fs::read_to_string(&config).unwrap() + "\n# another config\n").unwrap();
    assert_eq!(leksand_days(&w, &other), "3");

    // A stored parse that cannot be read is parsed again.
    db(&w).execute("UPDATE register_parsed SET parsed = x'7b00'", []).unwrap();
    assert_eq!(leksand_days(&w, &config), "3");
}

/// A job that takes the kept parse does not read the stored workbook at
/// all (a national register is 5.6 MB): with its bytes damaged the job
/// still gives the same figures, and only without the kept parse does it
/// read them, and so fails on them.
#[test]
fn the_stored_workbook_is_read_only_when_no_parse_is_kept() {
    let w = Workdir::new();
    let config = synced(&w);
    db(&w).execute("UPDATE snapshots SET content = x'504b0304' WHERE kind = 'register'", []).unwrap();
    assert_eq!(leksand_days(&w, &config), "3", "the kept parse was used without the bytes");

    db(&w).execute("DELETE FROM register_parsed", []).unwrap();
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-03", "--dry-run"], &config);
    assert!(!out.status.success(), "the damaged bytes were read: {}", text(&out));
    assert!(text(&out).contains("stored:"), "the error names the stored register: {}", text(&out));
}

#[test]
fn forgetting_a_person_removes_the_stored_parse_that_names_them() {
    let w = Workdir::new();
    let mut b = RegisterBuilder::new();
    b.round("M1", "Uppdrag och ansvar", "beroende", "medarbetare", "regional", None).day("M1", 1, "2026-03-19");
    b.trainer("M1", 1, "Mona", "Mora", "kursledare");
    b.named_participant("M1", "Greta Glomd", "Leksand", Some(true), &[1]);
    w.register(&b.sheets);
    let config = w.config_with(&[("settle_seconds = 60", "settle_seconds = 0")]);
    let out = w.run(&["run", "nightly-sync"], &config);
    assert!(text(&out).contains("1 ingested"), "{}", text(&out));
    // The kept parse as text: every name and address in it.
    let parsed = |w: &Workdir| -> Vec<String> {
        let blobs: Vec<Vec<u8>> = db(w)
            .prepare("SELECT parsed FROM register_parsed")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        blobs.iter().map(|b| format!("{:?}", unpack::<Register>(b).unwrap())).collect()
    };
    assert!(parsed(&w).iter().any(|p| p.contains("greta.glomd@leksand.example")), "{:?}", parsed(&w));

    let out = w.run(&["forget", "greta.glomd@leksand.example"], &config);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    assert!(parsed(&w).iter().all(|p| !p.contains("greta") && !p.contains("Greta")), "{:?}", parsed(&w));
}
