//! What people receive (issue 16), read back as they would: Swedish months
//! and amounts in subjects and bodies, labels that say "per år", a
//! municipality's *Avvikelser* holding its own open findings of the month
//! split by who acts, findings without paths or English sentences, each
//! contact person seeing only the delresor they are contact for, and the
//! copy address a summary without names.

use super::helpers::*;
use super::smtp::{march, register, SmtpServer};
use calamine::{open_workbook, open_workbook_from_rs, Data, Reader, Xlsx};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Whether a text holds a file path: a word with two or more `/`-separated
/// parts starting with `/`, a Windows drive, or our `stored:` mark.
fn has_path(text: &str) -> bool {
    text.contains("stored:")
        || text.contains(":\\")
        || text.split_whitespace().any(|w| {
            let w = w.trim_start_matches('(');
            w.starts_with('/') && w.matches('/').count() >= 2
        })
}

fn sheet_of(bytes: &[u8], name: &str) -> Vec<Vec<Data>> {
    let mut wb: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    wb.worksheet_range(name).map(|r| r.rows().map(|row| row.to_vec()).collect()).unwrap_or_default()
}

#[test]
fn messages_say_mars_2026_and_amounts_the_swedish_way_and_the_copy_has_no_names() {
    let w = Workdir::new();
    let server = SmtpServer::start(w.path(), &[]);
    register(&w);
    let cfg = w.config_appending(&format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\ncc = [\"arkiv@rss-dalarna.example\"]\n",
        server.port
    ));
    let out = march(&w, &cfg, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let got = server.received();
    let falun = got.iter().find(|r| r["attachments"][0] == "yrkesresan-falun-2026-03.xlsx").expect("Falun's message");
    let subject = falun["subject"].as_str().unwrap();
    assert!(subject.contains("mars 2026") && !subject.contains("2026-03"), "{subject}");
    let body = falun["text"].as_str().unwrap();
    assert!(body.contains("för mars 2026"), "{body}");
    assert!(body.contains("2 × 650,00 kr = 1 300,00 kr"), "the invoice line the Swedish way: {body}");
    assert!(body.contains("Att fakturera: 1 300,00 kr exkl. moms."), "{body}");
    assert!(!body.contains("650.00") && !body.contains("1300.00"), "{body}");

    let finance = got.iter().find(|r| r["to"] == serde_json::json!(["ekonomi@rss-dalarna.example"])).unwrap();
    assert!(finance["subject"].as_str().unwrap().ends_with("fakturaunderlag mars 2026"), "{finance}");
    let body = finance["text"].as_str().unwrap();
    assert!(body.contains("2080 Falun: 1 300,00 kr") && body.contains("Totalt: 6 500,00 kr exklusive moms"), "{body}");

    // The copy: one summary per municipality, no course days, trainers or findings, no names.
    let copies: Vec<_> = got.iter().filter(|r| r["to"] == serde_json::json!(["arkiv@rss-dalarna.example"])).collect();
    assert_eq!(copies.len(), 5, "one per municipality with activity");
    let summary = std::fs::read(w.out().join("kommuner/yrkesresan-falun-2026-03-sammanfattning.xlsx")).unwrap();
    let mut wb: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(summary.clone())).unwrap();
    assert_eq!(wb.sheet_names(), ["Sammanfattning", "Fakturarader", "Konton", "Kursstatus"]);
    let all: String = wb
        .sheet_names()
        .iter()
        .flat_map(|n| {
            wb.worksheet_range(n).unwrap().rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect::<Vec<_>>()
        })
        .collect::<Vec<_>>()
        .join("|");
    assert!(!all.contains("Deltagare ") && !all.contains('@'), "no names or addresses in the copy: {all}");
}

#[test]
fn the_summary_labels_every_figure_in_its_row_and_yearly_information_says_per_ar() {
    let w = Workdir::new();
    register(&w);
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-03", "--dry-run"], &config_path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let bytes = std::fs::read(w.out().join("kommuner/yrkesresan-falun-2026-03.xlsx")).unwrap();
    let rows = sheet_of(&bytes, "Sammanfattning");
    assert_eq!(rows[0][0].to_string(), "Yrkesresan Falun – mars 2026");
    let period = rows.iter().find(|r| r[0] == "Period").expect("a Period row");
    assert_eq!(period[1].to_string(), "mars 2026");
    for r in &rows {
        if matches!(r.get(1), Some(Data::Float(_))) {
            assert!(!r[0].to_string().trim().is_empty(), "a figure without its label in the row: {r:?}");
        }
    }
    let skr = rows.iter().find(|r| r[0].to_string().contains("SKR")).expect("the SKR fee");
    assert!(skr[0].to_string().contains("per år"), "{skr:?}");
    assert!(matches!(skr[1], Data::Float(_)), "its amount in the same row: {skr:?}");
}

/// A register with Falun participants in a March round and a May round and
/// one listed twice in March, and a Mora participant in March; nobody has
/// an account on the platform (so each is a `participant-without-account`).
fn findings_register(w: &Workdir) {
    let mut b = RegisterBuilder::new();
    b.round("MAR", "Samtal och delaktighet", "bou", "medarbetare", "regional", None).day("MAR", 1, "2026-03-03");
    b.round("MAJ", "Bemötande", "bou", "medarbetare", "regional", None).day("MAJ", 1, "2026-05-05");
    for r in ["MAR", "MAJ"] {
        b.trainer(r, 1, "Karin", "Falun", "kursledare").trainer(r, 1, "Ulf", "Mora", "utbildare");
    }
    b.named_participant("MAR", "Anna Mars", "Falun", Some(true), &[1]);
    b.named_participant("MAR", "Anna Mars", "Falun", Some(true), &[1]);
    b.named_participant("MAJ", "Maja Maj", "Falun", Some(true), &[1]);
    b.named_participant("MAR", "Mona Mora", "Mora", Some(true), &[1]);
    w.register(&b.sheets);
    let accounts = "Username,User's Email,User's Organisation Name(s),User's Position Name(s)\n\
                    karin,karin@utbildare.example,Falun,Utbildare\nulf,ulf@utbildare.example,Mora,Utbildare\n";
    w.inbox_file("konton.csv", accounts.as_bytes());
}

#[test]
fn avvikelser_holds_the_municipalitys_own_open_findings_of_the_month_split_by_who_acts() {
    let w = Workdir::new();
    findings_register(&w);
    let cfg = w.config_appending("[ingest]\nsettle_seconds = 0\n");
    assert_eq!(w.run(&["run", "nightly-sync"], &cfg).status.code(), Some(1));
    let avvikelser = |month: &str| -> Vec<Vec<String>> {
        let out = w.run(&["run", "monthly-invoice", "--month", month, "--dry-run"], &cfg);
        assert!(out.status.code().is_some_and(|c| c <= 1), "{}", text(&out));
        let bytes = std::fs::read(w.out().join(format!("kommuner/yrkesresan-falun-{month}.xlsx"))).unwrap();
        sheet_of(&bytes, "Avvikelser").into_iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
    };
    let march = avvikelser("2026-03");
    assert_eq!(march[0], ["Åtgärdas av", "Allvarlighet", "Avvikelse", "Gäller", "Vad göra", "Kod"]);
    let subjects: Vec<&str> = march[1..].iter().map(|r| r[3].as_str()).collect();
    assert!(subjects.iter().any(|s| s.contains("Anna Mars")), "{march:?}");
    assert!(!subjects.iter().any(|s| s.contains("Maja Maj")), "a May finding is not in March: {march:?}");
    assert!(!subjects.iter().any(|s| s.contains("Mona Mora")), "never another municipality's: {march:?}");
    let owners: Vec<&str> = march[1..].iter().map(|r| r[0].as_str()).collect();
    assert!(owners.contains(&"Kommunen åtgärdar") && owners.contains(&"RSS åtgärdar"), "{owners:?}");
    let first_rss = owners.iter().position(|o| *o == "RSS åtgärdar").unwrap();
    assert!(owners[..first_rss].iter().all(|o| *o == "Kommunen åtgärdar"), "the municipality's part first: {owners:?}");
    assert!(march[1..].iter().all(|r| ["fel", "varning", "information"].contains(&r[1].as_str())), "{march:?}");
    let duplicate = march.iter().find(|r| r[5] == "duplicate-participant").expect("the duplicate row");
    assert!(duplicate[4].contains("Bladet Deltagare i register.xlsx har samma deltagare på rad"), "{duplicate:?}");
    assert!(!has_path(&duplicate[4]), "no server path: {duplicate:?}");

    // In May, March's still open findings stay and May's come in.
    let may = avvikelser("2026-05");
    let subjects: Vec<&str> = may[1..].iter().map(|r| r[3].as_str()).collect();
    assert!(subjects.iter().any(|s| s.contains("Maja Maj")) && subjects.iter().any(|s| s.contains("Anna Mars")));
}

fn workbooks(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(workbooks(&p));
        } else if p.extension().is_some_and(|e| e == "xlsx") && !p.starts_with(demo_year().join("inbox")) {
            out.push(p);
        }
    }
    out
}

#[test]
fn no_finding_text_holds_a_path_or_an_english_sentence() {
    let english = [" the ", " and ", " is ", " are ", " of ", " rows ", " sheet ", " billed ", " list ", " please "];
    let mut texts: Vec<String> = Vec::new();
    let mut rdr = csv::Reader::from_path(demo_year().join("reconciliation.csv")).unwrap();
    texts.extend(rdr.records().map(|r| {
        let r = r.unwrap();
        format!("{} {}", &r[3], &r[4])
    }));
    for wb_path in workbooks(demo_year()) {
        let mut wb: Xlsx<_> = open_workbook(&wb_path).unwrap();
        for name in wb.sheet_names().into_iter().filter(|n| n.starts_with("Avvikelser")) {
            let rows = wb.worksheet_range(&name).unwrap();
            texts.extend(rows.rows().skip(1).map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(" ")));
        }
    }
    assert!(texts.len() > 20, "the demo year has findings: {}", texts.len());
    for t in &texts {
        let padded = format!(" {} ", t.to_lowercase());
        assert!(!english.iter().any(|e| padded.contains(e)), "English in a finding: {t}");
        assert!(!has_path(t), "a path in a finding: {t}");
    }
}

/// The addresses in a `.eml` file's To header.
fn to_header(eml: &str) -> Vec<String> {
    let mut lines = eml.lines();
    let mut to = String::new();
    while let Some(l) = lines.next() {
        if let Some(rest) = l.strip_prefix("To: ") {
            to.push_str(rest);
            for more in lines.by_ref() {
                if !more.starts_with(' ') {
                    break;
                }
                to.push_str(more);
            }
            break;
        }
    }
    to.split(',').map(|a| a.trim().trim_start_matches('<').trim_end_matches('>').to_string()).collect()
}

#[test]
fn a_contact_person_never_sees_a_participant_or_trainer_of_another_delresa() {
    let config = config();
    let register_path = std::fs::read_dir(demo_year().join("inbox/processed"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("kursdagsregister"))
        .unwrap();
    let register = yrkesresan::ingest::read_register(&register_path, &config).unwrap();
    let delresa_of: HashMap<String, String> =
        register.rounds.iter().map(|r| (r.id.to_string(), config.delresa_name(&r.delresa).to_string())).collect();
    let contacts: HashMap<String, Vec<String>> = config
        .municipalities
        .iter()
        .flat_map(|m| m.contacts.iter())
        .map(|c| {
            let names = if c.delresor.is_empty() {
                config.delresor.iter().map(|d| d.name.clone()).collect()
            } else {
                c.delresor.iter().map(|d| config.delresa_name(d).to_string()).collect()
            };
            (c.email.to_string(), names)
        })
        .collect();
    let mut checked = 0;
    for entry in std::fs::read_dir(demo_year().join("outbox")).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let workbook = demo_year().join(format!("kommuner/{stem}.xlsx"));
        if stem.starts_with("yrkesresan-utbildarpott-") || !workbook.exists() {
            continue;
        }
        let eml = std::fs::read_to_string(&path).unwrap();
        let allowed: BTreeSet<String> = to_header(&eml)
            .iter()
            .flat_map(|a| contacts.get(a).unwrap_or_else(|| panic!("{stem}: {a} is no contact")).clone())
            .collect();
        let mut wb: Xlsx<_> = open_workbook(&workbook).unwrap();
        for (sheet, round_col) in [("Kursdagar", 1), ("Utbildare", 1)] {
            let Ok(rows) = wb.worksheet_range(sheet) else { continue };
            for r in rows.rows().skip(1).filter(|r| !r[round_col].to_string().is_empty()) {
                let Some(delresa) = delresa_of.get(&r[round_col].to_string()) else { continue };
                assert!(allowed.contains(delresa), "{stem} {sheet}: {delresa} is not for {allowed:?}: {r:?}");
                checked += 1;
            }
        }
    }
    assert!(checked > 500, "the property covered the year: {checked} rows");
}
