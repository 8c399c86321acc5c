//! The platform summary a nightly sync keeps with the exports it commits
//! (issue 18): the invoice and follow-up jobs read it instead of the rows,
//! but only under exactly the same program, config, register and exports;
//! what they write is the same either way.

use super::helpers::*;
use super::personal_data::{generated, into_inbox, run_at, state, sync_at, year_config};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use yrkesresan::domain::{Code, Finding, KommunKod, PlatformSummary};
use yrkesresan::store::packed::{pack, unpack};

fn db(w: &Workdir) -> rusqlite::Connection {
    rusqlite::Connection::open(state(w)).unwrap()
}

/// The kept summary's key and bytes.
fn kept(w: &Workdir) -> (String, Vec<u8>) {
    db(w).query_row("SELECT key, summary FROM platform_summary", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap()
}

/// What people read of the output folder: every CSV and every part of
/// every workbook (but its creation time), by path.
fn written(out: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(out).unwrap().chain(std::fs::read_dir(out.join("kommuner")).unwrap()) {
        let path = entry.unwrap().path();
        let name = path.strip_prefix(out).unwrap().display().to_string();
        match path.extension().and_then(|e| e.to_str()) {
            Some("csv") => {
                files.insert(name, std::fs::read(&path).unwrap());
            }
            Some("xlsx") => {
                let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
                for i in 0..zip.len() {
                    let mut part = zip.by_index(i).unwrap();
                    if part.name() != "docProps/core.xml" {
                        let mut bytes = Vec::new();
                        part.read_to_end(&mut bytes).unwrap();
                        files.insert(format!("{name}:{}", part.name()), bytes);
                    }
                }
            }
            _ => {}
        }
    }
    files
}

/// March's invoice (dry run) and the year's follow-up, as written.
fn jobs(w: &Workdir, config: &Path) -> BTreeMap<String, Vec<u8>> {
    run_at(w, &["run", "monthly-invoice", "--month", "2026-03", "--dry-run"], config, "2026-11-03T06:00:00Z");
    run_at(w, &["run", "followup", "--year", "2026"], config, "2026-11-03T06:10:00Z");
    written(&w.out())
}

fn differing(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    a.keys().chain(b.keys()).filter(|k| a.get(*k) != b.get(*k)).cloned().collect()
}

#[test]
fn the_jobs_read_the_kept_summary_of_the_same_state_only_and_write_the_same_either_way() {
    let w = Workdir::new();
    let config = year_config(&w, "");
    for f in generated(&w) {
        into_inbox(&w, &f, &f.file_name().unwrap().to_string_lossy(), 0);
    }
    sync_at(&w, &config, "2026-11-02T02:00:00Z");
    let (key, bytes) = kept(&w);
    let summary: PlatformSummary = unpack(&bytes).unwrap();
    assert!(!summary.findings.is_empty() && summary.accounts.is_some() && summary.progress.is_some());

    let with = jobs(&w, &config);
    assert!(with.contains_key("findings.csv") && with.contains_key("reconciliation.csv"), "{:?}", with.keys());
    assert!(with.keys().any(|k| k.starts_with("kommuner/")), "{:?}", with.keys());
    db(&w).execute("DELETE FROM platform_summary", []).unwrap();
    let without = jobs(&w, &config);
    assert!(differing(&with, &without).is_empty(), "made from the rows: {:?}", differing(&with, &without));

    // Put back a summary with one finding more: the jobs show it, so they read it.
    let mut tampered = summary.clone();
    let falun = KommunKod::parse("2080").unwrap();
    tampered.findings.push(Finding::new(
        Code::ParticipantWithoutAccount,
        Some(falun),
        "Kept Summary",
        "Ur sammanfattningen.",
    ));
    let bytes = pack(&tampered);
    db(&w)
        .execute("INSERT INTO platform_summary (key, summary) VALUES (?1, ?2)", rusqlite::params![key, bytes])
        .unwrap();
    let read = jobs(&w, &config);
    let has = |bytes: &[u8]| String::from_utf8_lossy(bytes).contains("Kept Summary");
    // The invoice shows it in Falun's workbook, the follow-up in its findings.
    let shows = |files: &BTreeMap<String, Vec<u8>>, name: &str| match name {
        "kommuner" => files.iter().any(|(k, v)| k.starts_with("kommuner/yrkesresan-falun") && has(v)),
        _ => has(&files[name]),
    };
    for name in ["kommuner", "findings.csv", "reconciliation.csv"] {
        assert!(shows(&read, name), "{name}: the jobs read the kept summary");
    }

    // The register the jobs read is part of the state: its kept parse with
    // other content (every participant renamed) is another register, so the summary is
    // made from the rows, not taken from the key of the file it came from.
    let parse: Vec<u8> = db(&w).query_row("SELECT parsed FROM register_parsed", [], |r| r.get(0)).unwrap();
    let mut register: yrkesresan::domain::Register = unpack(&parse).unwrap();
    register.participants.iter_mut().for_each(|p| p.name.push_str(" Omdöpt"));
    db(&w).execute("UPDATE register_parsed SET parsed = ?1", [pack(&register)]).unwrap();
    let other_register = jobs(&w, &config);
    for name in ["kommuner", "findings.csv", "reconciliation.csv"] {
        assert!(!shows(&other_register, name), "{name}: another register's content reads the rows");
    }
    db(&w).execute("UPDATE register_parsed SET parsed = ?1", [parse]).unwrap();

    // Another config (one comment more) is another state: made from the rows.
    let other = w.path().join("other.toml");
    std::fs::write(&other, std::fs::read_to_string(&config).unwrap() + "\n# another config\n").unwrap();
    let again = jobs(&w, &other);
    for name in ["kommuner", "findings.csv", "reconciliation.csv"] {
        assert!(!shows(&again, name), "{name}: another config reads the rows");
    }
    assert!(differing(&with, &again).is_empty(), "{:?}", differing(&with, &again));

    // A sync with nothing new takes it too (reconciliation.csv is the sync's now).
    std::fs::remove_file(w.out().join("reconciliation.csv")).unwrap();
    sync_at(&w, &config, "2026-11-03T06:30:00Z");
    assert!(shows(&written(&w.out()), "reconciliation.csv"), "an unchanged sync reads the kept summary");

    // A sync that changes the exports replaces the summary with its own.
    let inbox = w.path().join("g/inbox");
    let mut files = std::fs::read_dir(&inbox).unwrap().map(|e| e.unwrap().path());
    let signups = files.find(|p| p.file_name().unwrap().to_string_lossy().starts_with("seminar_signups")).unwrap();
    into_inbox(&w, &signups, "seminar_signups_20261103_9.csv", 1);
    sync_at(&w, &config, "2026-11-04T02:00:00Z");
    let (newer, _) = kept(&w);
    assert_ne!(newer, key, "a new export makes a new summary");
    let after = jobs(&w, &config);
    assert!(!shows(&after, "kommuner") && !shows(&after, "findings.csv"), "the tampered summary is gone");
}
