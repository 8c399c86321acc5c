//! The platform as several exports (issue 14), through the real binary: the
//! view is the union of the latest export of each report, a newer export
//! replacing in other reports only what it covers (its delresor, courses or
//! seminar sessions); overlaps are findings; several registers are read
//! together and a round id in two of them is an error naming both; the
//! files the view is built from are listed by `status` and in
//! `ingest-report.csv`.

use super::helpers::*;

const SYNC: &str = "[ingest]\nsettle_seconds = 0\n";

const HEAD: &str = "Username,User's Email,User's Organisation Name(s),User's Position Name(s),Delresa\n";

/// An accounts export with a Delresa column: rows of (user, kommun, delresa).
fn accounts(rows: &[(&str, &str, &str)]) -> String {
    let mut s = HEAD.to_string();
    for (user, kommun, delresa) in rows {
        s += &format!("{user},{user}@{}.example,{kommun},Medarbetare,{delresa}\n", kommun.to_lowercase());
    }
    s
}

fn sync(w: &Workdir, config: &std::path::Path) -> std::process::Output {
    w.run(&["run", "nightly-sync"], config)
}

/// Accounts per (kommun, delresa) from `accounts-by-municipality.csv`.
fn counted(w: &Workdir) -> Vec<(String, String, String)> {
    let rows = w.csv("accounts-by-municipality.csv");
    assert_eq!(rows[0][..4], ["kommunkod", "kommun", "delresa", "konton"]);
    rows[1..].iter().map(|r| (r[1].clone(), r[2].clone(), r[3].clone())).collect()
}

fn count(kommun: &str, delresa: &str, n: u32) -> (String, String, String) {
    (kommun.into(), delresa.into(), n.to_string())
}

/// The `current` lines of `ingest-report.csv`: (file, kind, rows, detail).
fn current(w: &Workdir) -> Vec<(String, String, String, String)> {
    let rows = w.csv("ingest-report.csv");
    rows.iter()
        .filter(|r| r[4] == "current")
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[5].clone()))
        .collect()
}

fn findings(w: &Workdir, code: &str) -> Vec<Vec<String>> {
    w.csv("reconciliation.csv").into_iter().filter(|r| r[1] == code).collect()
}

#[test]
fn per_delresa_account_exports_add_up_and_a_newer_one_replaces_only_its_delresa() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    let bou = accounts(&[("anna", "Falun", "bou"), ("bo", "Falun", "bou"), ("dan", "Mora", "bou")]);
    let funk = accounts(&[("cia", "Mora", "funk-u"), ("eva", "Falun", "funk-u")]);
    w.inbox_file("Konton Barn och unga_20261101_11.csv", bou.as_bytes());
    w.inbox_file("Konton Funktionshinder_20261101_12.csv", funk.as_bytes());
    let out = sync(&w, &config);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", text(&out));
    let both = counted(&w);
    for c in
        [count("Falun", "bou", 2), count("Mora", "bou", 1), count("Mora", "funk-u", 1), count("Falun", "funk-u", 1)]
    {
        assert!(both.contains(&c), "{c:?} in {both:?}");
    }
    let listed = current(&w);
    assert_eq!(listed.len(), 2, "{listed:?}");
    let (file, kind, rows, detail) = &listed[0];
    assert_eq!(
        (file.as_str(), kind.as_str(), rows.as_str()),
        ("Konton Barn och unga_20261101_11.csv", "accounts", "3")
    );
    assert!(detail.contains("report 'Konton Barn och unga'") && detail.contains("covers delresa bou"), "{detail}");
    assert!(listed[1].3.contains("covers delresa funk-u"), "{listed:?}");

    // The next export of Barn och unga no longer lists bo: bo disappears,
    // Funktionshinder is untouched.
    let newer = accounts(&[("anna", "Falun", "bou"), ("dan", "Mora", "bou")]);
    w.inbox_file("Konton Barn och unga_20261102_11.csv", newer.as_bytes());
    let out = sync(&w, &config);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", text(&out));
    let after = counted(&w);
    for c in
        [count("Falun", "bou", 1), count("Mora", "bou", 1), count("Mora", "funk-u", 1), count("Falun", "funk-u", 1)]
    {
        assert!(after.contains(&c), "{c:?} in {after:?}");
    }
    let files: Vec<String> = current(&w).into_iter().map(|l| l.0).collect();
    assert_eq!(files, ["Konton Funktionshinder_20261101_12.csv", "Konton Barn och unga_20261102_11.csv"]);
    // What a job reads back (it sizes its memory pages by it): the rows of
    // the exports in use, 2 + 2, not the replaced export's 3.
    let store = yrkesresan::store::Store::open(&w.out().join("yrkesresan-state.sqlite")).unwrap();
    assert_eq!(store.latest_snapshot_rows().unwrap(), 4);
    assert!(findings(&w, "overlapping-exports").is_empty());

    // `status` lists the same files with their coverage.
    let status = bin(&["status", "--out", &w.out().display().to_string()], w.path());
    let shown = text(&status);
    assert!(
        shown.contains("Konton Barn och unga_20261102_11.csv") && shown.contains("covers delresa funk-u"),
        "{shown}"
    );
    assert!(!shown.contains("Konton Barn och unga_20261101_11.csv"), "{shown}");
}

#[test]
fn a_full_export_replaces_per_delresa_ones_and_a_later_per_delresa_export_adds_its_delresa() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    w.inbox_file("Konton BoU_20261101_1.csv", accounts(&[("anna", "Falun", "bou"), ("bo", "Falun", "bou")]).as_bytes());
    assert!(sync(&w, &config).status.code().is_some_and(|c| c <= 1));
    // A full export (no Delresa column) covers every delresa: bo is gone.
    let full = "Username,User's Email,User's Organisation Name(s),User's Position Name(s)\n\
                anna,anna@falun.example,Falun,Medarbetare\ncia,cia@mora.example,Mora,Medarbetare\n";
    w.inbox_file("Alla konton_20261102_2.csv", full.as_bytes());
    assert!(sync(&w, &config).status.code().is_some_and(|c| c <= 1));
    let files: Vec<String> = current(&w).into_iter().map(|l| l.0).collect();
    assert_eq!(files, ["Alla konton_20261102_2.csv"], "the per-delresa export is wholly replaced");
    assert!(current(&w)[0].3.contains("covers every delresa"));
    let rows = counted(&w);
    assert!(rows.contains(&count("Falun", "", 1)) && rows.contains(&count("Mora", "", 1)), "{rows:?}");
    assert!(!rows.iter().any(|r| r.1 == "bou"), "{rows:?}");

    // A per-delresa export after it: its accounts are added, the full
    // export's others stay, and its delresa is kept for anna.
    w.inbox_file(
        "Konton FU_20261103_3.csv",
        accounts(&[("anna", "Falun", "funk-u"), ("dan", "Leksand", "funk-u")]).as_bytes(),
    );
    assert!(sync(&w, &config).status.code().is_some_and(|c| c <= 1));
    let rows = counted(&w);
    for c in [count("Falun", "funk-u", 1), count("Leksand", "funk-u", 1), count("Mora", "", 1)] {
        assert!(rows.contains(&c), "{c:?} in {rows:?}");
    }
    assert!(!rows.contains(&count("Falun", "", 1)), "anna counted once, under funk-u: {rows:?}");
    assert_eq!(current(&w).len(), 2);
    assert!(findings(&w, "overlapping-exports").is_empty(), "a full export says nothing about delresor");
}

#[test]
fn the_same_user_in_two_reports_with_different_values_is_an_overlap_naming_both_files() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    w.inbox_file("Konton BoU_20261101_1.csv", accounts(&[("anna", "Falun", "bou"), ("bo", "Falun", "bou")]).as_bytes());
    w.inbox_file("Konton FU_20261101_2.csv", accounts(&[("anna", "Mora", "funk-u")]).as_bytes());
    let out = sync(&w, &config);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let found = findings(&w, "overlapping-exports");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0][3], "Konton FU_20261101_2.csv och Konton BoU_20261101_1.csv");
    assert!(found[0][4].contains("1 konto(n)") && found[0][4].contains("anna"), "{found:?}");
    let rows = counted(&w);
    assert!(rows.contains(&count("Mora", "funk-u", 1)) && rows.contains(&count("Falun", "bou", 1)), "{rows:?}");
}

const COMPLETIONS_HEAD: &str = "Username,User's Email,Course Name,Completion Status,User's Organisation Name(s)\n";

fn completions(rows: &[(&str, &str, &str)]) -> String {
    let mut s = COMPLETIONS_HEAD.to_string();
    for (user, course, status) in rows {
        s += &format!("{user},{user}@falun.example,{course},{status},Falun\n");
    }
    s
}

/// (course, not started, in progress, complete) for Falun from `progress-by-municipality.csv`.
fn progress(w: &Workdir) -> Vec<(String, String, String, String)> {
    let rows = w.csv("progress-by-municipality.csv");
    assert_eq!(rows[0], ["kommunkod", "kommun", "kurs", "ej_paborjad", "pagaende", "genomfort"]);
    rows[1..]
        .iter()
        .filter(|r| r[1] == "Falun")
        .map(|r| (r[2].clone(), r[3].clone(), r[4].clone(), r[5].clone()))
        .collect()
}

fn course(name: &str, counts: [u32; 3]) -> (String, String, String, String) {
    (name.into(), counts[0].to_string(), counts[1].to_string(), counts[2].to_string())
}

#[test]
fn completions_per_course_set_add_up_replace_their_courses_and_overlap() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    let ab = completions(&[
        ("anna", "Kurs A", "Complete"),
        ("bo", "Kurs A", "In progress"),
        ("anna", "Kurs B", "In progress"),
    ]);
    w.inbox_file("Kursstatus AB_20261101_1.csv", ab.as_bytes());
    w.inbox_file("Kursstatus C_20261101_2.csv", completions(&[("bo", "Kurs C", "Complete")]).as_bytes());
    assert!(sync(&w, &config).status.code().is_some_and(|c| c <= 1));
    assert_eq!(
        progress(&w),
        [course("Kurs A", [0, 1, 1]), course("Kurs B", [0, 1, 0]), course("Kurs C", [0, 0, 1])],
        "both course sets count"
    );
    assert!(current(&w).iter().any(|l| l.3.contains("covers 2 course(s): Kurs A, Kurs B")), "{:?}", current(&w));

    // The next export of AB holds Kurs A only: Kurs B disappears, C stays.
    w.inbox_file("Kursstatus AB_20261102_1.csv", completions(&[("anna", "Kurs A", "Complete")]).as_bytes());
    assert!(sync(&w, &config).status.code().is_some_and(|c| c <= 1));
    assert_eq!(progress(&w), [course("Kurs A", [0, 0, 1]), course("Kurs C", [0, 0, 1])]);

    // Another report covering every course of Kursstatus C replaces it whole
    // (bo's newer status is used; nothing overlaps any more).
    w.inbox_file("Kursstatus CD_20261103_3.csv", completions(&[("bo", "Kurs C", "In progress")]).as_bytes());
    let out = sync(&w, &config);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(progress(&w), [course("Kurs A", [0, 0, 1]), course("Kurs C", [0, 1, 0])]);
    assert_eq!(current(&w).len(), 2, "Kursstatus C is wholly replaced: {:?}", current(&w));
    let files: Vec<String> = current(&w).into_iter().map(|l| l.0).collect();
    assert_eq!(files, ["Kursstatus AB_20261102_1.csv", "Kursstatus CD_20261103_3.csv"]);
}

#[test]
fn completions_of_one_course_in_two_current_reports_that_disagree_are_an_overlap() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    let ab = completions(&[("anna", "Kurs A", "Complete"), ("anna", "Kurs B", "Complete")]);
    w.inbox_file("Kursstatus AB_20261101_1.csv", ab.as_bytes());
    w.inbox_file(
        "Kursstatus BC_20261101_2.csv",
        completions(&[("anna", "Kurs B", "In progress"), ("anna", "Kurs C", "Complete")]).as_bytes(),
    );
    let out = sync(&w, &config);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let found = findings(&w, "overlapping-exports");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0][3], "Kursstatus BC_20261101_2.csv och Kursstatus AB_20261101_1.csv");
    assert!(found[0][4].contains("1 kursresultat") && found[0][4].contains("anna, Kurs B"), "{found:?}");
    assert_eq!(progress(&w), [course("Kurs A", [0, 0, 1]), course("Kurs B", [0, 1, 0]), course("Kurs C", [0, 0, 1])]);
}

/// A register of one regional round of Kurs S with days on 5 and 12 March,
/// Anna Ek from Falun attending both.
fn seminar_register(w: &Workdir) {
    let mut b = RegisterBuilder::new();
    b.round("S-1", "Kurs S", "bou", "medarbetare", "regional", None)
        .day("S-1", 1, "2026-03-05")
        .day("S-1", 2, "2026-03-12")
        .trainer("S-1", 1, "Kim", "Falun", "kursledare")
        .trainer("S-1", 2, "Kim", "Falun", "kursledare")
        .named_participant("S-1", "Anna Ek", "Falun", Some(true), &[1, 2]);
    b.sheets.write(&w.inbox().join("register.xlsx")).unwrap();
}

fn signups(day: &str, status: &str) -> String {
    format!(
        "Username,Course Name,Seminar Name,Session Start Date/Time,Signup status\n\
         anna.ek,Kurs S,Kursdagar S-1,\"{day} March 2026, 9:00 AM\",{status}\n"
    )
}

#[test]
fn sign_ups_per_session_add_up_and_a_newer_export_replaces_its_session_only() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    seminar_register(&w);
    let acc = "Username,User's Email,User's Organisation Name(s),User's Position Name(s)\n\
               anna.ek,anna.ek@falun.example,Falun,Medarbetare\nkim,kim@utbildare.example,Falun,Utbildare\n";
    w.inbox_file("Konton_20261101_1.csv", acc.as_bytes());
    w.inbox_file("Seminarium dag 1_20261101_2.csv", signups("5", "Fully attended").as_bytes());
    w.inbox_file("Seminarium dag 2_20261101_3.csv", signups("12", "Fully attended").as_bytes());
    let out = sync(&w, &config);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", text(&out));
    assert!(findings(&w, "attendance-not-in-platform").is_empty(), "both sessions count: {}", text(&out));
    let listed = current(&w);
    assert_eq!(listed.iter().filter(|l| l.1 == "signups").count(), 2, "{listed:?}");
    assert!(listed.iter().any(|l| l.1 == "register" && l.0 == "register.xlsx"), "{listed:?}");

    // The next export of day 1 says no-show: day 1 is now missing, day 2 untouched.
    w.inbox_file("Seminarium dag 1_20261102_2.csv", signups("5", "No show").as_bytes());
    let out = sync(&w, &config);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let missing = findings(&w, "attendance-not-in-platform");
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert!(missing[0][3].contains("dag 1 (5 mars 2026)"), "{missing:?}");
    assert!(findings(&w, "overlapping-exports").is_empty());
}

#[test]
fn registers_per_delresa_are_read_together_and_a_shared_round_id_is_an_error_naming_both_files_and_rows() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    let mut bou = RegisterBuilder::new();
    bou.round("BOU-1", "Kurs A", "bou", "medarbetare", "regional", None).day("BOU-1", 1, "2026-03-05").participants(
        "BOU-1",
        "Falun",
        2,
        &[1],
    );
    bou.sheets.write(&w.inbox().join("kursdagar-bou.xlsx")).unwrap();
    let mut funk = RegisterBuilder::new();
    funk.round("FU-1", "Kurs B", "funk-u", "medarbetare", "regional", None)
        .round("BOU-1", "Kurs C", "funk-u", "medarbetare", "regional", None)
        .day("FU-1", 1, "2026-03-06")
        .day("BOU-1", 1, "2026-03-07")
        .participants("FU-1", "Mora", 3, &[1]);
    funk.sheets.write(&w.inbox().join("kursdagar-funk.xlsx")).unwrap();
    let out = sync(&w, &config);
    let rows = w.csv("ingest-report.csv");
    assert_eq!(row(&rows, "kursdagar-bou.xlsx")[4], "ingested", "{}", text(&out));
    assert_eq!(row(&rows, "kursdagar-funk.xlsx")[4], "rejected");
    let why = std::fs::read_to_string(w.inbox().join("rejected/kursdagar-funk.xlsx.error.txt")).unwrap();
    assert!(
        why.contains("'BOU-1'")
            && why.contains("stored:kursdagar-bou.xlsx (Kursomgångar row 2)")
            && why.contains("kursdagar-funk.xlsx (Kursomgångar row 3)"),
        "{why}"
    );

    // Without the shared id both registers are read together by the monthly job.
    let mut funk = RegisterBuilder::new();
    funk.round("FU-1", "Kurs B", "funk-u", "medarbetare", "regional", None).day("FU-1", 1, "2026-03-06").participants(
        "FU-1",
        "Mora",
        3,
        &[1],
    );
    funk.sheets.write(&w.inbox().join("kursdagar-funk.xlsx")).unwrap();
    let out = sync(&w, &config);
    assert_eq!(row(&w.csv("ingest-report.csv"), "kursdagar-funk.xlsx")[4], "ingested", "{}", text(&out));
    let registers: Vec<String> = current(&w).into_iter().filter(|l| l.1 == "register").map(|l| l.0).collect();
    assert_eq!(registers, ["kursdagar-bou.xlsx", "kursdagar-funk.xlsx"]);
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-03", "--dry-run"], &config);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", text(&out));
    let basis = w.csv("invoice-basis-2026-03.csv");
    let days = |kommun: &str| row_where(&basis, 1, kommun)[4].clone();
    assert_eq!(days("Falun"), "2", "Falun's 2 course days from kursdagar-bou: {basis:?}");
    assert_eq!(days("Mora"), "3", "Mora's 3 course days from kursdagar-funk: {basis:?}");

    // Both in the inbox with a shared id: the monthly job refuses, naming both.
    let mut clash = RegisterBuilder::new();
    clash.round("FU-1", "Kurs D", "funk-u", "medarbetare", "regional", None).day("FU-1", 1, "2026-03-09");
    clash.sheets.write(&w.inbox().join("kursdagar-extra.xlsx")).unwrap();
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-03", "--dry-run"], &config);
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(2), "{msg}");
    assert!(msg.contains("'FU-1'") && msg.contains("kursdagar-extra.xlsx (Kursomgångar row 2)"), "{msg}");
    assert!(msg.contains("stored:kursdagar-funk.xlsx (Kursomgångar row 2)"), "{msg}");
}

#[test]
fn an_inbox_export_and_an_http_source_of_other_delresor_add_up() {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let url = format!("http://{}", server.server_addr().to_ip().unwrap());
    std::thread::spawn(move || {
        for (n, req) in server.incoming_requests().enumerate() {
            let body = match n {
                0 => accounts(&[("cia", "Mora", "funk-u"), ("eva", "Falun", "funk-u")]),
                _ => accounts(&[("cia", "Mora", "funk-u")]),
            };
            let _ = req.respond(tiny_http::Response::from_string(body));
        }
    });
    let w = Workdir::new();
    let config = w.config_appending(&format!(
        "{SYNC}\n[[source]]\nname = \"konton-funk\"\nurl = \"{url}/report.csv\"\nkind = \"accounts\"\n"
    ));
    w.inbox_file("Konton BoU_20261101_1.csv", accounts(&[("anna", "Falun", "bou"), ("bo", "Mora", "bou")]).as_bytes());
    let out = sync(&w, &config);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", text(&out));
    let rows = counted(&w);
    for c in
        [count("Falun", "bou", 1), count("Mora", "bou", 1), count("Mora", "funk-u", 1), count("Falun", "funk-u", 1)]
    {
        assert!(rows.contains(&c), "{c:?} in {rows:?}");
    }
    let reports: Vec<String> = current(&w).into_iter().map(|l| l.3).collect();
    assert!(reports.iter().any(|d| d.starts_with("report 'konton-funk'")), "{reports:?}");
    assert!(reports.iter().any(|d| d.starts_with("report 'Konton BoU'")), "{reports:?}");

    // The source's next download no longer lists eva: it replaces its own export only.
    let out = sync(&w, &config);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", text(&out));
    let rows = counted(&w);
    for c in [count("Falun", "bou", 1), count("Mora", "bou", 1), count("Mora", "funk-u", 1)] {
        assert!(rows.contains(&c), "{c:?} in {rows:?}");
    }
    assert!(!rows.iter().any(|r| r.0 == "Falun" && r.1 == "funk-u"), "{rows:?}");
    assert_eq!(current(&w).len(), 2, "{:?}", current(&w));
}

#[test]
fn snapshots_stored_before_reports_were_known_keep_the_view_they_had() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    w.inbox_file("konton-oktober.csv", accounts(&[("anna", "Falun", "bou"), ("bo", "Falun", "bou")]).as_bytes());
    assert!(sync(&w, &config).status.code().is_some_and(|c| c <= 1));
    w.inbox_file("konton-november.csv", accounts(&[("cia", "Mora", "funk-u")]).as_bytes());
    assert!(sync(&w, &config).status.code().is_some_and(|c| c <= 1));
    let state = w.out().join("yrkesresan-state.sqlite");
    let listed = |state: &std::path::Path| -> Vec<String> {
        let store = yrkesresan::store::Store::open(state).unwrap();
        store.view_files().unwrap().into_iter().map(|f| f.file_name).collect()
    };
    assert_eq!(listed(&state), ["konton-oktober.csv", "konton-november.csv"], "two reports: both current");

    // As an earlier version stored them: no report, every snapshot covering all.
    let conn = rusqlite::Connection::open(&state).unwrap();
    conn.execute_batch("UPDATE snapshots SET report = NULL, covers_all = 1; DELETE FROM snapshot_coverage;").unwrap();
    drop(conn);
    assert_eq!(listed(&state), ["konton-november.csv"], "the latest replaced the others, as it did then");
}

#[test]
fn registers_per_year_under_one_name_keep_each_year_and_a_new_version_replaces_its_year_only() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    let year = |id: &str, d: &str, people: u32| {
        let mut b = RegisterBuilder::new();
        b.round(id, "Kurs A", "bou", "medarbetare", "regional", None).day(id, 1, d).participants(
            id,
            "Falun",
            people,
            &[1],
        );
        b.sheets.write(&w.inbox().join("kursdagsregister.xlsx")).unwrap();
        let out = sync(&w, &config);
        assert!(out.status.code().is_some_and(|c| c <= 1), "{}", text(&out));
    };
    year("R-2025", "2025-03-05", 2);
    year("R-2026", "2026-03-05", 3);
    let registers = || -> Vec<String> {
        current(&w).into_iter().filter(|l| l.1 == "register").map(|l| format!("{} {}", l.2, l.3)).collect()
    };
    let listed = registers();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(
        listed[0].contains("covers 1 round(s), 2025") && listed[1].contains("covers 1 round(s), 2026"),
        "{listed:?}"
    );
    // A corrected 2026 under the same name replaces 2026 only.
    year("R-2026", "2026-03-05", 4);
    let days = |month: &str| {
        let out = w.run(&["run", "monthly-invoice", "--month", month, "--dry-run"], &config);
        assert!(out.status.code().is_some_and(|c| c <= 1), "{}", text(&out));
        row_where(&w.csv(&format!("invoice-basis-{month}.csv")), 1, "Falun")[4].clone()
    };
    assert_eq!(days("2025-03"), "2", "the stored register of 2025 keeps working");
    assert_eq!(days("2026-03"), "4", "the corrected 2026 register is used");
    assert_eq!(registers().len(), 2);
}
