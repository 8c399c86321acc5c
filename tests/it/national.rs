//! National scale: the generator is deterministic, and the `bench` path runs
//! end to end at a small fraction of national size with outputs that add up.

use crate::helpers::{bin, text};
use calamine::Reader;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use yrkesresan::domain::{Category, Organiser};

/// Every file under `dir`, relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(dir).unwrap().display().to_string(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn generate(dir: &Path, scale: &str, seed: &str) {
    let out = bin(&["generate", "--scale", scale, "--fraction", "0.002", "--seed", seed, "--out", "g"], dir);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn the_generator_writes_the_same_bytes_for_the_same_seed() {
    for scale in ["national", "dalarna"] {
        let (a, b, c) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        generate(a.path(), scale, "7");
        generate(b.path(), scale, "7");
        generate(c.path(), scale, "8");
        let (ta, tb, tc) = (tree(&a.path().join("g")), tree(&b.path().join("g")), tree(&c.path().join("g")));
        assert_eq!(ta.len(), 5, "{scale}: config and four inputs: {:?}", ta.keys());
        for (name, bytes) in &ta {
            assert!(tb.get(name) == Some(bytes), "{scale}: {name} differs between two runs with the same seed");
        }
        assert_ne!(ta, tc, "{scale}: another seed gave the same files");
    }
}

#[test]
fn national_config_has_290_municipalities_in_21_regions() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), "national", "1");
    let config = yrkesresan::config::load(&dir.path().join("g/config.toml")).expect("the generated config is valid");
    assert_eq!(config.municipalities.len(), 290);
    let counties: BTreeSet<u8> = config.municipalities.iter().map(|m| m.code.county()).collect();
    assert_eq!(counties.len(), 21, "{counties:?}");
    assert!(config.municipalities.iter().any(|m| m.code.to_string().starts_with("01")), "Stockholm's 01xx codes");
}

/// `(kommunkod → sum of amounts)` and the lines of a CSV with headings.
fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| headers.iter().zip(rec.unwrap().iter()).map(|(h, v)| (h.into(), v.into())).collect())
        .collect()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or_else(|e| panic!("'{s}': {e}"))
}

#[test]
fn the_bench_path_runs_at_small_scale_and_its_outputs_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin(&["bench", "--fraction", "0.004", "--out", "b"], dir.path());
    assert!(out.status.success(), "{}", text(&out));
    let b = dir.path().join("b");
    let run = b.join("run");

    // Every job's stages are measured and written.
    let stages = csv_rows(&b.join("bench.csv"));
    for stage in
        ["ingest completions (csv)", "ingest accounts (xlsx)", "ingest signups (csv)", "ingest register (xlsx)"]
    {
        let row = stages.iter().find(|r| r["stage"] == stage).unwrap_or_else(|| panic!("no stage '{stage}'"));
        assert!(dec(&row["items"]) > Decimal::ZERO && dec(&row["seconds"]) >= Decimal::ZERO, "{row:?}");
    }
    for job in ["nightly-sync", "monthly-invoice", "trainer-pot", "followup"] {
        assert!(stages.iter().any(|r| r["job"] == job), "no stage of {job}");
    }
    let completions = std::fs::read_to_string(b.join("input/inbox/course_completion_20261101.csv")).unwrap();
    let ingested = stages.iter().find(|r| r["stage"] == "ingest completions (csv)").unwrap();
    assert_eq!(ingested["items"], (completions.lines().count() - 1).to_string());

    // The register, read by the library, gives the expected amounts independently of billing.
    let config = yrkesresan::config::load(&b.join("input/config.toml")).unwrap();
    let register =
        yrkesresan::ingest::read_register(&b.join("input/inbox/kursdagsregister-2026.xlsx"), &config).unwrap();
    let rounds: BTreeMap<_, _> = register.rounds.iter().map(|r| (r.id.clone(), r)).collect();
    let dates: BTreeMap<_, _> = register.days.iter().map(|d| ((d.round.clone(), d.day), d.date)).collect();
    let (mut fee_november, mut pot_year) = (BTreeMap::<String, Decimal>::new(), Decimal::ZERO);
    for p in &register.participants {
        let round = rounds[&p.round];
        if round.organiser != Organiser::Regional {
            continue;
        }
        let (fee, pot) = if round.category == Category::Chef { (450, 200) } else { (650, 400) };
        for day in &p.attended {
            let date = dates[&(p.round.clone(), *day)];
            pot_year += Decimal::from(pot);
            if chrono::Datelike::month(&date) == 11 {
                *fee_november.entry(p.kommun.to_string()).or_default() += Decimal::from(fee);
            }
        }
    }

    // Invoice basis: quantity × price on every line; course-day lines per municipality as the register says.
    let lines = csv_rows(&run.join("invoice-basis-2026-11.csv"));
    let mut billed = BTreeMap::<String, Decimal>::new();
    for l in &lines {
        assert_eq!(dec(&l["quantity"]) * dec(&l["unit_price"]), dec(&l["amount"]), "{l:?}");
        if l["article"].starts_with("YR-KURSDAG") {
            *billed.entry(l["kommunkod"].clone()).or_default() += dec(&l["amount"]);
        }
    }
    assert!(!billed.is_empty(), "November has course days");
    assert_eq!(billed, fee_november);

    // One workbook and one message per municipality with something to report, none twice.
    let workbooks: Vec<String> = std::fs::read_dir(run.join("kommuner"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with("-2026-11.xlsx"))
        .collect();
    for m in &config.municipalities {
        let n = workbooks.iter().filter(|w| **w == format!("yrkesresan-{}-2026-11.xlsx", m.slug())).count();
        if billed.contains_key(&m.code.to_string()) {
            assert_eq!(n, 1, "{} has invoice lines and {n} workbooks", m.name);
        } else {
            assert!(n <= 1, "{}: {n} workbooks", m.name);
        }
    }
    assert_eq!(
        workbooks.len(),
        std::fs::read_dir(run.join("outbox"))
            .unwrap()
            .filter(|e| { e.as_ref().unwrap().file_name().to_string_lossy().ends_with("-2026-11.eml") })
            .count()
            - 1,
        "one message per workbook, plus finance's"
    );
    for w in workbooks.iter().take(3) {
        let book: calamine::Xlsx<_> = calamine::open_workbook(run.join("kommuner").join(w)).unwrap();
        assert!(book.sheet_names().iter().any(|s| s == "Sammanfattning"), "{w}: {:?}", book.sheet_names());
    }

    // The trainer pot is the year's pot, paid out to the last krona.
    let pot = csv_rows(&run.join(format!("trainer-pot-{}.csv", 2026)));
    let paid: Decimal = pot.iter().map(|r| dec(&r["amount"])).sum();
    assert!(pot_year > Decimal::ZERO);
    assert_eq!(paid, pot_year, "payouts {paid} against the pot {pot_year}");
}

#[test]
fn the_bench_sends_every_message_once_through_smtp_on_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let server = crate::smtp::SmtpServer::start(dir.path(), &[]);
    let port = server.port.to_string();
    let out = bin(&["bench", "--fraction", "0.002", "--out", "b", "--smtp-port", &port], dir.path());
    assert!(out.status.success(), "{}", text(&out));
    let run = dir.path().join("b/run");
    let config = yrkesresan::config::load(&dir.path().join("b/input/config.toml")).unwrap();
    let received = server.received();
    let mut ids: Vec<&str> = received.iter().map(|r| r["message_id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), received.len(), "a message arrived twice");
    let names: Vec<String> = std::fs::read_dir(run.join("kommuner"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let workbooks = names.iter().filter(|n| n.ends_with("-2026-11.xlsx")).count();
    let statements = names.iter().filter(|n| n.starts_with("utbildarpott-")).count();
    assert!(workbooks > 0 && statements > 0, "{names:?}");
    // Each municipality's message goes to its own contact only; plus finance and the project lead.
    let mut to_municipalities = 0;
    for r in &received {
        let to: Vec<&str> = r["to"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
        let attachment = r["attachments"][0].as_str().unwrap_or("");
        if let Some(m) =
            config.municipalities.iter().find(|m| attachment == format!("yrkesresan-{}-2026-11.xlsx", m.slug()))
        {
            let own: Vec<String> = m.contacts.iter().map(|c| c.email.to_string()).collect();
            assert!(to.iter().all(|t| own.iter().any(|o| o == t)), "{} mailed to {to:?}", m.name);
            to_municipalities += 1;
        }
    }
    assert_eq!(to_municipalities, workbooks);
    assert_eq!(
        received.len(),
        workbooks + statements + 3,
        "municipalities' workbooks and pot statements, finance (invoice basis and pot payout) and the project lead"
    );
}
