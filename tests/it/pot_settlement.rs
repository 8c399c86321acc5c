//! The trainer pot settled as Dalarna does (paid back in December) or as
//! Göteborgsregionen does (credited on the invoice); a delivered pot is
//! frozen; extras granted from the pot; the statement a municipality can
//! check; and the seeds' published tables in their own shape.

use super::helpers::*;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use yrkesresan::generate::Cell;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or_else(|_| panic!("not a number: {s}"))
}

/// Regional days in 2026 with trainers from Falun, Mora and Borlänge; the
/// last in December. Pot: (10 + 8 + 12) × 400 = 12 000.
fn year_2026(b: &mut RegisterBuilder, extra_december: u32) {
    b.round("A", "Samtal och delaktighet", "bou", "medarbetare", "regional", None).day("A", 1, "2026-03-10");
    b.trainer("A", 1, "Karin", "Falun", "kursledare").trainer("A", 1, "Ulf", "Mora", "utbildare");
    b.participants("A", "Avesta", 10, &[1]);
    b.round("B", "Utsatthet och våld", "bou", "medarbetare", "regional", None).day("B", 1, "2026-09-15");
    b.trainer("B", 1, "Fia", "Borlänge", "kursledare").trainer("B", 1, "Karin", "Falun", "utbildare");
    b.participants("B", "Ludvika", 8, &[1]);
    b.round("C", "Handläggning med barnet i centrum", "bou", "medarbetare", "regional", None).day("C", 1, "2026-12-02");
    b.trainer("C", 1, "Ulf", "Mora", "kursledare").trainer("C", 1, "Fia", "Borlänge", "utbildare");
    b.participants("C", "Säter", 12 + extra_december, &[1]);
}

fn pot_sum(w: &Workdir, year: &str) -> Decimal {
    w.csv(&format!("trainer-pot-{year}.csv"))[1..].iter().map(|r| dec(&r[4])).sum()
}

#[test]
fn payout_and_credit_give_the_same_pot_and_december_differs_only_by_the_credit() {
    let run = |settlement: &str| {
        let w = Workdir::new();
        let mut b = RegisterBuilder::new();
        year_2026(&mut b, 0);
        w.register(&b.sheets);
        let cfg = w.config_with(&[("settlement = \"payout\"", &format!("settlement = \"{settlement}\""))]);
        for args in [&["run", "trainer-pot", "--year", "2026"][..], &["run", "monthly-invoice", "--month", "2026-12"]] {
            let out = w.run(args, &cfg);
            assert_eq!(out.status.code(), Some(0), "{settlement} {args:?}: {}", text(&out));
        }
        w
    };
    let payout = run("payout");
    let credit = run("credit");
    assert_eq!(payout.csv("trainer-pot-2026.csv"), credit.csv("trainer-pot-2026.csv"), "the same pot");
    assert_eq!(pot_sum(&payout, "2026"), dec("12000"));

    // December: the credit lines are the only difference.
    let p = payout.csv("invoice-basis-2026-12.csv");
    let c = credit.csv("invoice-basis-2026-12.csv");
    assert!(p.iter().all(|r| r[2] != "YR-POTT"), "Dalarna pays the pot back: no invoice line");
    let without_credit: Vec<_> = c.iter().filter(|r| r[2] != "YR-POTT").cloned().collect();
    assert_eq!(without_credit, p);
    let pot = payout.csv("trainer-pot-2026.csv");
    let credited: BTreeMap<String, Decimal> =
        c.iter().filter(|r| r[2] == "YR-POTT").map(|r| (r[0].clone(), -dec(&r[6]))).collect();
    let paid: BTreeMap<String, Decimal> =
        pot[1..].iter().filter(|r| !dec(&r[4]).is_zero()).map(|r| (r[0].clone(), dec(&r[4]))).collect();
    assert_eq!(credited, paid);

    // Payout: the list for finance, its workbook and e-mail; a statement per municipality paid.
    let list = payout.csv("utbetalning-utbildarpott-2026.csv");
    assert_eq!(list[0], ["kommunkod", "kommun", "utbildningsdagar", "poang", "belopp", "kommentar"]);
    assert_eq!(list[1..].iter().map(|r| dec(&r[4])).sum::<Decimal>(), dec("12000"), "totals equal the pot");
    let falun = row(&list, "2080");
    assert_eq!((falun[2].as_str(), falun[3].as_str()), ("2", "2.25"), "Karin: leader A (1.25) and trainer B (1)");
    assert_eq!(falun[5], "1 utbildare, varav 1 kursledare");
    assert!(!credit.out().join("utbetalning-utbildarpott-2026.csv").exists(), "no payout list under credit");
    let outbox = payout.out().join("outbox");
    assert!(outbox.join("yrkesresan-utbetalning-utbildarpott-2026.eml").exists());
    for slug in ["falun", "mora", "borlange"] {
        assert!(outbox.join(format!("yrkesresan-utbildarpott-{slug}-2026.eml")).exists(), "{slug}");
    }
    assert!(!outbox.join("yrkesresan-utbildarpott-avesta-2026.eml").exists(), "no payout, no statement");
    let finance = std::fs::read_to_string(outbox.join("yrkesresan-utbetalning-utbildarpott-2026.eml")).unwrap();
    assert!(finance.contains("To: ekonomi@rss-dalarna.example"), "{finance}");
    for attachment in ["yrkesresan-utbetalning-utbildarpott-2026.xlsx", "yrkesresan-utbetalning-utbildarpott-2026.csv"]
    {
        assert!(finance.contains(attachment), "finance gets {attachment}");
    }
    let mora = std::fs::read_to_string(outbox.join("yrkesresan-utbildarpott-mora-2026.eml")).unwrap();
    assert!(mora.contains("@mora.example") && !mora.contains("@falun.example"), "Mora's contacts only: {mora}");
    assert!(mora.contains("yrkesresan-utbildarpott-mora-2026.xlsx"), "the statement is attached");
}

/// Equal exact shares tie, and the lower municipality code gets the krona,
/// even when division leaves them different in their last digits: Vansbro's
/// third of one day against Säter's, Hedemora's, Avesta's and Ludvika's two
/// sixths (per_day, three days of 400 kr).
#[test]
fn equal_shares_tie_and_the_lower_municipality_code_gets_the_extra_krona() {
    let w = Workdir::new();
    let mut b = RegisterBuilder::new();
    b.round("T", "Samtal och delaktighet", "bou", "medarbetare", "regional", None);
    b.day("T", 1, "2026-03-10").day("T", 2, "2026-03-11").day("T", 3, "2026-03-12");
    for (i, k) in ["Vansbro", "Mora", "Falun"].into_iter().enumerate() {
        b.trainer("T", 1, &format!("Forsta{i}"), k, "utbildare");
    }
    for day in [2, 3] {
        for (i, k) in ["Mora", "Falun", "Säter", "Hedemora", "Avesta", "Ludvika"].into_iter().enumerate() {
            b.trainer("T", day, &format!("Andra{i}"), k, "utbildare");
        }
    }
    b.participants("T", "Gagnef", 1, &[1, 2, 3]);
    w.register(&b.sheets);
    let out = w.run(&["run", "trainer-pot", "--year", "2026"], &config_path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let list = w.csv("utbetalning-utbildarpott-2026.csv");
    let paid = |code: &str| dec(&row(&list, code)[4]);
    // Exact: Mora and Falun 266,67 each; the other five 133,33 each; 1 200 in all.
    assert_eq!((paid("2062"), paid("2080")), (dec("267"), dec("267")), "the largest remainders first");
    assert_eq!(paid("2021"), dec("134"), "Vansbro has the lowest code of the five tied at ,333");
    for code in ["2082", "2083", "2084", "2085"] {
        assert_eq!(paid(code), dec("133"), "{code}");
    }
    assert_eq!(list[1..].iter().map(|r| dec(&r[4])).sum::<Decimal>(), dec("1200"));
}

#[test]
fn the_statement_shows_every_trainer_day_and_adds_up_to_the_payout() {
    let w = Workdir::new();
    let mut b = RegisterBuilder::new();
    year_2026(&mut b, 1);
    w.register(&b.sheets);
    let out = w.run(&["run", "trainer-pot", "--year", "2026", "--dry-run"], &config_path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let payout = dec(&row(&w.csv("trainer-pot-2026.csv"), "2062")[4]); // Mora: Ulf
    let path = w.out().join("kommuner/utbildarpott-mora-2026.xlsx");
    let days = sheet(&path, "Utbildardagar");
    assert_eq!(days[0][..6], ["Datum", "Omgång", "Kurs", "Dag", "Utbildare", "Roll"]);
    let lines: Vec<_> = days[1..].iter().take_while(|r| r[4] != "Totalt").collect();
    assert_eq!(lines.len(), 2, "Ulf trained day A and led day C");
    // Day A: 4 000 over 1.25 + 1 → Ulf 1 777,78; day C: 5 200 over 1.25 + 1 → Ulf 2 888,89.
    let shares: Vec<Decimal> = lines.iter().map(|r| dec(&r[9])).collect();
    assert_eq!(shares, [dec("1777.78"), dec("2888.89")]);
    assert_eq!(lines[1][7], "5200", "the day's pot");
    let total = row_where(&days, 4, "Totalt");
    assert_eq!(dec(&total[9]), shares.iter().sum::<Decimal>());
    let summary = sheet(&path, "Utbetalning");
    let steps: Vec<Decimal> = summary
        .iter()
        .skip_while(|r| !r[0].starts_with("Summa av kommunens andelar"))
        .take_while(|r| r[0] != "Utbetalning")
        .map(|r| dec(&r[1]))
        .collect();
    assert_eq!(dec(&row_where(&summary, 0, "Utbetalning")[1]), payout);
    assert_eq!(steps.iter().sum::<Decimal>(), payout, "every step from the days' shares to the payout is shown");
    let exact = row_where(&summary, 0, "Exakt belopp före avrundning");
    assert!(exact[1].starts_with("4 666,6667 kr (avrundat: "), "1 777,78 + 2 888,89 exactly: {exact:?}");
    let published = sheet(&path, "Fördelning");
    assert_eq!(published[2], ["Kommun", "Antal utbildningsdagar", "Belopp", "Kommentarer"]);
    assert_eq!(dec(&row_where(&published, 0, "Totalt")[2]), dec("12400"));
}

#[test]
fn a_delivered_pot_is_frozen_and_a_later_change_is_adjusted_in_the_next_year() {
    let w = Workdir::new();
    let register = |late_participants: u32| {
        let mut b = RegisterBuilder::new();
        b.round("P", "Samtal och delaktighet", "bou", "medarbetare", "regional", None).day("P", 1, "2025-11-04");
        b.trainer("P", 1, "Karin", "Falun", "kursledare").trainer("P", 1, "Ulf", "Mora", "utbildare");
        b.participants("P", "Avesta", 10 + late_participants, &[1]);
        year_2026(&mut b, 0);
        w.register(&b.sheets);
    };
    register(0);
    let out = w.run(&["run", "trainer-pot", "--year", "2025"], &config_path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let delivered = std::fs::read(w.out().join("trainer-pot-2025.csv")).unwrap();
    // 10 × 400 over 1.5 + 1: Falun 2 400, Mora 1 600.
    assert_eq!(row(&w.csv("trainer-pot-2025.csv"), "2080")[4], "2400.00");

    // Five participants are added to the 2025 day after the payout.
    register(5);
    let out = w.run(&["run", "trainer-pot", "--year", "2025"], &config_path());
    assert_eq!(out.status.code(), Some(1), "a finding says so: {}", text(&out));
    assert!(text(&out).contains("late-change-adjusted"), "{}", text(&out));
    assert_eq!(std::fs::read(w.out().join("trainer-pot-2025.csv")).unwrap(), delivered, "the delivered pot stands");

    // 2026 carries the difference: 5 × 400 = 2 000 → Falun +1 200, Mora +800.
    let out = w.run(&["run", "trainer-pot", "--year", "2026"], &config_path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let pot = w.csv("trainer-pot-2026.csv");
    let list = w.csv("utbetalning-utbildarpott-2026.csv");
    assert_eq!(pot_sum(&w, "2026"), dec("12000") + dec("2000"), "this year's pot plus the adjustment");
    assert_eq!(list[1..].iter().map(|r| dec(&r[4])).sum::<Decimal>(), dec("14000"));
    assert!(row(&list, "2080")[5].contains("justering 2025: +1 200,00 kr"), "{list:?}");
    assert!(row(&list, "2062")[5].contains("justering 2025: +800,00 kr"), "{list:?}");
    let _ = pot;

    // Delivered once, adjusted once: running 2026 again changes nothing.
    let again = std::fs::read(w.out().join("utbetalning-utbildarpott-2026.csv")).unwrap();
    let out = w.run(&["run", "trainer-pot", "--year", "2026"], &config_path());
    assert!(text(&out).contains("2026 was delivered before"), "{}", text(&out));
    assert_eq!(std::fs::read(w.out().join("utbetalning-utbildarpott-2026.csv")).unwrap(), again);
}

#[test]
fn ovriga_rader_add_invoice_lines_and_extras_from_the_pot() {
    let w = Workdir::new();
    let mut b = RegisterBuilder::new();
    year_2026(&mut b, 0);
    b.extra("faktura", "Falun", "2026-03-10", "Lokalkostnad kursdag 10 mars", (Cell::Number(1.0), "2 500".into()), "");
    b.extra(
        "faktura",
        "Mora",
        "2026-03-31",
        "Kreditering, felaktig debitering februari",
        (1.into(), "-650".into()),
        "",
    );
    b.extra(
        "pott",
        "Malung-Sälen",
        "2026-12-01",
        "kursledare förberett en kursomgång",
        (1.into(), Cell::Number(2000.0)),
        "Beslut styrgruppen 2026-11-20",
    );
    w.register(&b.sheets);
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-03", "--dry-run"], &config_path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let march = w.csv("invoice-basis-2026-03.csv");
    let other: Vec<_> = march.iter().filter(|r| r[2] == "YR-OVRIGT").collect();
    assert_eq!(other.len(), 2, "{march:?}");
    let falun = other.iter().find(|r| r[0] == "2080").unwrap();
    assert_eq!((falun[3].as_str(), falun[6].as_str()), ("Lokalkostnad kursdag 10 mars", "2500.00"));
    assert_eq!(other.iter().find(|r| r[0] == "2062").unwrap()[6], "-650.00", "a credit");

    let out = w.run(&["run", "trainer-pot", "--year", "2026", "--dry-run"], &config_path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(pot_sum(&w, "2026"), dec("12000"), "the extra comes out of the pot");
    let list = w.csv("utbetalning-utbildarpott-2026.csv");
    let malung = row(&list, "2023");
    assert_eq!(malung[4], "2000.00");
    assert!(
        malung[5].contains("plus kursledare förberett en kursomgång (2 000,00 kr): Beslut styrgruppen"),
        "{malung:?}"
    );
    assert_eq!(list[1..].iter().map(|r| dec(&r[4])).sum::<Decimal>(), dec("12000"));
}

#[test]
fn extras_larger_than_the_pot_are_refused() {
    let w = Workdir::new();
    let mut b = RegisterBuilder::new();
    year_2026(&mut b, 0);
    b.extra("pott", "Mora", "2026-06-01", "förberedelser", (1.into(), "20000".into()), "");
    w.register(&b.sheets);
    let out = w.run(&["run", "trainer-pot", "--year", "2026", "--dry-run"], &config_path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("exceed the pot of 12000.00 kr"), "{}", text(&out));
}

/// One course day per round with `participants` attending, and trainer-days
/// `(day, name, kommun, role)`: the shape of a year in the seeds.
fn seed_year(year: i32, participants: &[u32], trainers: &[(u32, &str, &str, &str)]) -> RegisterBuilder {
    let mut b = RegisterBuilder::new();
    for (i, n) in participants.iter().enumerate() {
        let id = format!("D{}", i + 1);
        let date = format!("{year}-{:02}-{:02}", 2 + i / 4, 3 + (i % 4) * 7);
        b.round(&id, "Handläggning med barnet i centrum", "bou", "medarbetare", "regional", None).day(&id, 1, &date);
        b.participants(&id, "Hedemora", *n, &[1]);
    }
    for (day, name, kommun, role) in trainers {
        b.trainer(&format!("D{day}"), 1, name, kommun, role);
    }
    b
}

fn published(w: &Workdir, year: &str) -> Vec<Vec<String>> {
    let rows = sheet(&w.out().join(format!("utbildarpott-{year}.xlsx")), "Fördelning utbildarpott");
    assert_eq!(rows[2], ["Kommun", "Antal utbildningsdagar", "Belopp", "Kommentarer"]);
    rows
}

#[test]
fn the_2024_table_of_seed_000_comes_out_in_its_shape_and_adds_up_to_the_pot() {
    // Seed 000 §4.6: 14 course days, 289 participant-days (115 600 kr), 11
    // trainers with 32 trainer-days. Its printed amounts sum to 116 200.
    let mut t: Vec<(u32, &str, &str, &str)> = Vec::new();
    t.extend((1..=7).map(|d| (d, "FalunA", "Falun", "kursledare")));
    t.extend((8..=11).map(|d| (d, "FalunB", "Falun", "kursledare")));
    t.extend((12..=14).map(|d| (d, "FalunC", "Falun", "utbildare")));
    t.extend([(1, "BorlangeA", "Borlänge", "utbildare"), (2, "BorlangeA", "Borlänge", "utbildare")]);
    t.extend([(3, "BorlangeB", "Borlänge", "utbildare"), (4, "BorlangeB", "Borlänge", "utbildare")]);
    t.extend([(5, "BorlangeC", "Borlänge", "utbildare"), (6, "BorlangeC", "Borlänge", "utbildare")]);
    t.push((7, "BorlangeD", "Borlänge", "utbildare"));
    t.extend([(8, "MoraA", "Mora", "utbildare")]);
    t.extend((12..=14).map(|d| (d, "MoraA", "Mora", "kursledare")));
    t.extend([(9, "MalungA", "Malung-Sälen", "utbildare"), (10, "MalungA", "Malung-Sälen", "kursledare")]);
    t.extend([9, 10, 11, 1].map(|d| (d, "RattvikA", "Rättvik", "utbildare")));
    t.push((3, "AvestaA", "Avesta", "utbildare"));
    let mut participants = vec![21; 13];
    participants.push(16);
    let w = Workdir::new();
    w.register(&seed_year(2024, &participants, &t).sheets);
    let out = w.run(&["run", "trainer-pot", "--year", "2024", "--dry-run"], &config_path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rows = published(&w, "2024");
    let body: Vec<_> = rows[3..].iter().take_while(|r| r[0] != "Totalt").collect();
    let days: Vec<(&str, &str)> = body.iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    assert_eq!(
        days,
        [("Malung-Sälen", "2"), ("Rättvik", "4"), ("Mora", "4"), ("Falun", "14"), ("Borlänge", "7"), ("Avesta", "1")],
        "the municipalities in code order with the seed's days"
    );
    assert_eq!(row_where(&rows, 0, "Falun")[3], "3 utbildare, varav 2 kursledare");
    assert_eq!(row_where(&rows, 0, "Borlänge")[3], "4 utbildare");
    let total = row_where(&rows, 0, "Totalt");
    assert_eq!((total[1].as_str(), total[2].as_str()), ("32", "115600"));
    let sum: Decimal = body.iter().map(|r| dec(&r[2])).sum();
    assert_eq!(sum, dec("115600"), "the rows add up to the pot (the seed's printed rows give 116 200)");
}

#[test]
fn the_2023_table_of_seed_004_comes_out_in_its_shape_with_the_granted_extra() {
    // Seed 004 §4.5.1: 38 trainer-days, 169 600 kr, and Malung-Sälen "plus
    // kursledare förberett en kursomgång".
    let mut t: Vec<(u32, &str, &str, &str)> = Vec::new();
    t.extend((1..=8).map(|d| (d, "BorlangeA", "Borlänge", "kursledare")));
    t.extend((1..=8).map(|d| (d, "BorlangeB", "Borlänge", "utbildare")));
    t.extend((9..=16).map(|d| (d, "FalunA", "Falun", "kursledare")));
    t.push((9, "FalunB", "Falun", "utbildare"));
    t.extend((10..=14).map(|d| (d, "MoraA", "Mora", "utbildare")));
    t.extend([15, 16, 1, 2].map(|d| (d, "RattvikA", "Rättvik", "utbildare")));
    t.extend([3, 4].map(|d| (d, "GagnefA", "Gagnef", "utbildare")));
    t.extend([5, 6].map(|d| (d, "MalungA", "Malung-Sälen", "utbildare")));
    let participants: Vec<u32> = (0..16).map(|i| if i < 8 { 27 } else { 26 }).collect();
    let mut b = seed_year(2023, &participants, &t);
    b.extra("pott", "Malung-Sälen", "2023-12-01", "kursledare förberett en kursomgång", (1.into(), "4000".into()), "");
    let w = Workdir::new();
    w.register(&b.sheets);
    let out = w.run(&["run", "trainer-pot", "--year", "2023", "--dry-run"], &config_path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rows = published(&w, "2023");
    let body: Vec<_> = rows[3..].iter().take_while(|r| r[0] != "Totalt").collect();
    let days: BTreeMap<&str, &str> = body.iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    let seed: BTreeMap<&str, &str> =
        [("Borlänge", "16"), ("Malung-Sälen", "2"), ("Mora", "5"), ("Rättvik", "4"), ("Gagnef", "2"), ("Falun", "9")]
            .into_iter()
            .collect();
    assert_eq!(days, seed);
    assert!(row_where(&rows, 0, "Malung-Sälen")[3].contains("plus kursledare förberett en kursomgång"));
    let total = row_where(&rows, 0, "Totalt");
    assert_eq!((total[1].as_str(), total[2].as_str()), ("38", "169600"));
    assert_eq!(body.iter().map(|r| dec(&r[2])).sum::<Decimal>(), dec("169600"));
}
