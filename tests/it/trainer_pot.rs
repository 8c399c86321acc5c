//! The trainer pot through register files and the binary, against the worked
//! examples of DOMAIN.md (seed 002) and the tariffs by year.

use super::helpers::*;

/// Seed 002's three days: A 22, B 18, C 10 participants; Karin leads A and B,
/// Fia trains B and leads C, Ulf trains A and C, Rosa is reserve on A.
/// Each trainer works for a different municipality so payouts show per person.
fn seed_002_register(w: &Workdir) {
    let mut b = RegisterBuilder::new();
    b.round("A", "Samtal och delaktighet", "bou", "medarbetare", "regional", None).day("A", 1, "2024-03-05");
    b.round("B", "Samtal och delaktighet", "bou", "medarbetare", "regional", None).day("B", 1, "2024-04-09");
    b.round("C", "Utsatthet och våld", "bou", "medarbetare", "regional", None).day("C", 1, "2024-05-14");
    b.trainer("A", 1, "Karin", "Falun", "kursledare")
        .trainer("A", 1, "Ulf", "Mora", "utbildare")
        .trainer("A", 1, "Rosa", "Rättvik", "reserv");
    b.trainer("B", 1, "Karin", "Falun", "kursledare").trainer("B", 1, "Fia", "Borlänge", "utbildare");
    b.trainer("C", 1, "Fia", "Borlänge", "kursledare").trainer("C", 1, "Ulf", "Mora", "utbildare");
    b.participants("A", "Avesta", 22, &[1]).participants("B", "Ludvika", 18, &[1]).participants("C", "Säter", 10, &[1]);
    w.register(&b.sheets);
}

fn amounts(w: &Workdir, year: &str) -> Vec<Vec<String>> {
    let rows = w.csv(&format!("trainer-pot-{year}.csv"));
    assert_eq!(rows[0], ["kommunkod", "kommun", "points", "exact_amount", "amount"]);
    rows
}

#[test]
fn the_pooled_example_pays_8000_6667_5333_and_adds_up_to_the_pot() {
    let w = Workdir::new();
    seed_002_register(&w);
    let config = w.config_with(&[("rule = \"per_day\"", "rule = \"annual_pool\"")]);
    let out = w.run(&["run", "trainer-pot", "--year", "2024"], &config);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rows = amounts(&w, "2024");
    assert_eq!(row(&rows, "2080")[4], "8000.00"); // Karin, Falun
    assert_eq!(row(&rows, "2081")[4], "6667.00"); // Fia, Borlänge
    assert_eq!(row(&rows, "2062")[4], "5333.00"); // Ulf, Mora
    assert_eq!(row(&rows, "2031")[4], "0.00"); // Rosa, reserve
    assert_eq!(row(&rows, "2081")[3], "6666.67");
    assert_eq!(row(&rows, "2080")[2], "3");
    assert_eq!(row(&rows, "2081")[2], "2.5");
    // Every configured municipality has a row; the amounts sum to the pot.
    assert_eq!(rows.len() - 1, 15);
    let sum: rust_decimal::Decimal = rows[1..].iter().map(|r| r[4].parse::<rust_decimal::Decimal>().unwrap()).sum();
    assert_eq!(sum, rust_decimal::Decimal::from(20_000));
}

#[test]
fn the_same_days_per_day_pay_9600_5280_5120() {
    let w = Workdir::new();
    seed_002_register(&w);
    let out = w.run(&["run", "trainer-pot", "--year", "2024"], &config_path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rows = amounts(&w, "2024");
    assert_eq!(row(&rows, "2080")[4], "9600.00");
    assert_eq!(row(&rows, "2081")[4], "5280.00");
    assert_eq!(row(&rows, "2062")[4], "5120.00");
    assert!(text(&out).contains("20000.00"), "{}", text(&out));
}

#[test]
fn the_leader_share_is_1_5_in_2024_and_1_25_in_2026() {
    let w = Workdir::new();
    let mut b = RegisterBuilder::new();
    b.round("Y24", "Samtal och delaktighet", "bou", "medarbetare", "regional", None).day("Y24", 1, "2024-10-01");
    b.round("Y26", "Samtal och delaktighet", "bou", "medarbetare", "regional", None).day("Y26", 1, "2026-10-06");
    for r in ["Y24", "Y26"] {
        b.trainer(r, 1, "Leda", "Falun", "kursledare").trainer(r, 1, "Tina", "Mora", "utbildare");
    }
    b.participants("Y24", "Gagnef", 10, &[1]).participants("Y26", "Gagnef", 9, &[1]);
    w.register(&b.sheets);
    for year in ["2024", "2026"] {
        let out = w.run(&["run", "trainer-pot", "--year", year], &config_path());
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    // 2024: 4 000 kr over 1.5 + 1 → 2 400 / 1 600.
    let y24 = amounts(&w, "2024");
    assert_eq!(row(&y24, "2080")[2], "1.5");
    assert_eq!(row(&y24, "2080")[4], "2400.00");
    assert_eq!(row(&y24, "2062")[4], "1600.00");
    // 2026: 3 600 kr over 1.25 + 1 → 2 000 / 1 600.
    let y26 = amounts(&w, "2026");
    assert_eq!(row(&y26, "2080")[2], "1.25");
    assert_eq!(row(&y26, "2080")[4], "2000.00");
    assert_eq!(row(&y26, "2062")[4], "1600.00");
}

#[test]
fn an_rss_trainer_gets_a_region_row_or_is_left_out_by_config() {
    let w = Workdir::new();
    let mut b = RegisterBuilder::new();
    b.round("L1", "Leda lärande och utveckling", "aldre-u", "chef", "regional", None).day("L1", 1, "2026-03-04");
    b.trainer("L1", 1, "Rut", "RSS Dalarna", "kursledare").trainer("L1", 1, "Mona", "Mora", "utbildare");
    b.participants("L1", "Leksand", 9, &[1]);
    w.register(&b.sheets);
    // 9 × 200 = 1 800 over 1.25 + 1 = 2.25 → region 1 000, Mora 800.
    // Dry runs: a delivered pot would be frozen and the second config not applied.
    let out = w.run(&["run", "trainer-pot", "--year", "2026", "--dry-run"], &config_path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rows = amounts(&w, "2026");
    assert_eq!(row(&rows, "20")[1], "RSS Dalarna");
    assert_eq!(row(&rows, "20")[4], "1000.00");
    assert_eq!(row(&rows, "2062")[4], "800.00");
    assert_eq!(rows.last().unwrap()[0], "20", "the region's row comes last");

    let excluded = w.config_with(&[("rss_trainers = \"region\"", "rss_trainers = \"exclude\"")]);
    let out = w.run(&["run", "trainer-pot", "--year", "2026", "--dry-run"], &excluded);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rows = amounts(&w, "2026");
    assert_eq!(row(&rows, "2062")[4], "1800.00");
    assert!(rows.iter().all(|r| r[0] != "20"), "no region row when excluded: {rows:?}");
}
