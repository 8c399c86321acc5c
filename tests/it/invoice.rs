//! The monthly invoice basis through the binary: fees by year and category,
//! national days, fixed cost, the December pot credit, and totals.

use super::helpers::*;
use rust_decimal::Decimal;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[test]
fn a_chef_course_day_in_2026_costs_450_and_adds_200_to_the_pot() {
    let w = Workdir::new();
    let mut b = RegisterBuilder::new();
    b.round("L1", "Leda lärande och utveckling", "aldre-u", "chef", "regional", None).day("L1", 1, "2026-03-18");
    b.trainer("L1", 1, "Mona", "Mora", "kursledare").trainer("L1", 1, "Tor", "Orsa", "utbildare");
    b.participants("L1", "Leksand", 5, &[1]);
    b.round("M1", "Uppdrag och ansvar", "beroende", "medarbetare", "regional", None).day("M1", 1, "2026-03-19");
    b.trainer("M1", 1, "Mona", "Mora", "kursledare").trainer("M1", 1, "Tor", "Orsa", "utbildare");
    b.participants("M1", "Leksand", 3, &[1]).participant("M1", "Leksand", None, &[]);
    w.register(&b.sheets);

    let out = w.run(&["run", "monthly-invoice", "--month", "2026-03"], &config_path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rows = w.csv("invoice-basis-2026-03.csv");
    assert_eq!(rows[0], ["kommunkod", "kommun", "article", "description", "quantity", "unit_price", "amount"]);
    let chef = rows.iter().find(|r| r[2] == "YR-KURSDAG-CHEF").expect("a chef line");
    assert_eq!(
        (chef[0].as_str(), chef[4].as_str(), chef[5].as_str(), chef[6].as_str()),
        ("2029", "5", "450.00", "2250.00")
    );
    let emp = rows.iter().find(|r| r[2] == "YR-KURSDAG").expect("an employee line");
    // The no-show is not billed (fee 0 by default) and gives no zero line.
    assert_eq!((emp[4].as_str(), emp[5].as_str(), emp[6].as_str()), ("3", "650.00", "1950.00"));
    assert!(rows.iter().all(|r| r[2] != "YR-UTEBLIVEN"));

    let out = w.run(&["run", "trainer-pot", "--year", "2026"], &config_path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let pot = w.csv("trainer-pot-2026.csv");
    // 5 × 200 + 3 × 400 = 2 200.
    let total: Decimal = pot[1..].iter().map(|r| dec(&r[4])).sum();
    assert_eq!(total, dec("2200"));
}

#[test]
fn national_days_fixed_cost_and_the_december_credit_are_invoiced_where_the_region_so_decided() {
    let w = Workdir::new();
    let mut b = RegisterBuilder::new();
    b.round("N1", "Kursledarutbildning Ett hem att växa i", "bou", "medarbetare", "nationell", Some("1 250,50"));
    b.day("N1", 1, "2026-01-20").day("N1", 2, "2026-01-21");
    b.participants("N1", "Falun", 3, &[1, 2]);
    b.round("D1", "Samtal och delaktighet", "bou", "medarbetare", "regional", None).day("D1", 1, "2026-12-02");
    b.trainer("D1", 1, "Karin", "Falun", "kursledare").trainer("D1", 1, "Ulf", "Mora", "utbildare");
    b.participants("D1", "Borlänge", 10, &[1]);
    w.register(&b.sheets);
    // A Göteborgsregionen-like region: national days bought and invoiced by the
    // region, the pot credited on the December invoice, the fixed cost decided.
    let config = w.config_with(&[
        Workdir::DECIDED_FIXED_COST,
        (
            "national_days = \"information\"",
            "national_days = \"invoice\"\nnational_days_decided = \"Styrgruppen 2026-01-15 §5\"",
        ),
        ("settlement = \"payout\"", "settlement = \"credit\""),
    ]);

    let out = w.run(&["run", "monthly-invoice", "--month", "2026-01"], &config);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let jan = w.csv("invoice-basis-2026-01.csv");
    let nat = jan.iter().find(|r| r[2] == "YR-NATIONELL").expect("national line");
    assert_eq!(
        (nat[0].as_str(), nat[4].as_str(), nat[5].as_str(), nat[6].as_str()),
        ("2080", "6", "1250.50", "7503.00")
    );
    let fixed: Vec<&Vec<String>> = jan.iter().filter(|r| r[2] == "YR-FAST").collect();
    assert_eq!(fixed.len(), 15, "every municipality pays its share in January");
    let fixed_sum: Decimal = fixed.iter().map(|r| dec(&r[6])).sum();
    assert_eq!(fixed_sum, dec("1200000"), "the population split adds up to the yearly amount");

    let out = w.run(&["run", "monthly-invoice", "--month", "2026-12"], &config);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let dec_rows = w.csv("invoice-basis-2026-12.csv");
    // 10 × 400 = 4 000 over 1.25 + 1 → Falun 2 222, Mora 1 778 (largest remainder).
    let credit = |k: &str| dec_rows.iter().find(|r| r[0] == k && r[2] == "YR-POTT").map(|r| r[6].clone());
    assert_eq!(credit("2080").as_deref(), Some("-2222.00"));
    assert_eq!(credit("2062").as_deref(), Some("-1778.00"));
    let fee = dec_rows.iter().find(|r| r[0] == "2081").expect("Borlänge line");
    assert_eq!(fee[6], "6500.00");
    assert!(dec_rows[1..].iter().all(|r| !dec(&r[6]).is_zero()), "only non-zero lines");
    assert!(dec_rows[1..].iter().all(|r| r[2] == "YR-POTT" || !dec(&r[6]).is_sign_negative()));

    // The finance workbook has one sheet per computed month and totals that add up.
    use calamine::{open_workbook, DataType, Reader, Xlsx};
    let mut wb: Xlsx<_> = open_workbook(w.out().join("fakturaunderlag-2026.xlsx")).unwrap();
    assert_eq!(wb.sheet_names(), ["Summering", "januari 2026", "december 2026"]);
    let sheet = wb.worksheet_range("december 2026").unwrap();
    let rows: Vec<_> = sheet.rows().collect();
    let lines: f64 =
        rows[1..].iter().take_while(|r| !r[0].to_string().is_empty()).map(|r| r[7].get_float().unwrap()).sum();
    let total = rows.iter().find(|r| r[1] == "Totalt").expect("total row")[7].get_float().unwrap();
    assert!((lines - total).abs() < 0.005, "{lines} vs {total}");
    assert!((total - (6500.0 - 4000.0)).abs() < 0.005, "December: fees 6 500 minus the pot 4 000");
}

#[test]
fn a_participant_listed_twice_is_billed_once_and_reported() {
    let w = Workdir::new();
    let mut b = RegisterBuilder::new();
    b.round("R1", "Samtal och delaktighet", "bou", "medarbetare", "regional", None).day("R1", 1, "2026-02-03").day(
        "R1",
        2,
        "2026-02-04",
    );
    b.trainer("R1", 1, "Karin", "Falun", "kursledare").trainer("R1", 2, "Karin", "Falun", "kursledare");
    b.named_participant("R1", "Anna Ek", "Säter", Some(true), &[1, 2]);
    b.named_participant("R1", "Anna Ek", "Säter", Some(true), &[1, 2]);
    w.register(&b.sheets);
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-02"], &config_path());
    assert_eq!(out.status.code(), Some(1), "findings give exit code 1: {}", text(&out));
    assert!(text(&out).contains("duplicate-participant"), "{}", text(&out));
    let rows = w.csv("invoice-basis-2026-02.csv");
    assert_eq!(row(&rows, "2082")[4], "2", "two days for one person, not four");
}

#[test]
fn a_late_change_to_a_closed_month_is_adjusted_in_the_next_month_and_the_closed_one_stays() {
    let w = Workdir::new();
    let build = |extra_march: u32| {
        let mut b = RegisterBuilder::new();
        b.round("R1", "Samtal och delaktighet", "bou", "medarbetare", "regional", None).day("R1", 1, "2026-03-03");
        b.trainer("R1", 1, "Karin", "Falun", "kursledare").trainer("R1", 1, "Ulf", "Mora", "utbildare");
        b.participants("R1", "Mora", 3 + extra_march, &[1]);
        b.round("R2", "Utsatthet och våld", "bou", "medarbetare", "regional", None).day("R2", 1, "2026-04-07").day(
            "R2",
            2,
            "2026-05-05",
        );
        b.trainer("R2", 1, "Karin", "Falun", "kursledare").trainer("R2", 1, "Ulf", "Mora", "utbildare");
        b.trainer("R2", 2, "Karin", "Falun", "kursledare").trainer("R2", 2, "Ulf", "Mora", "utbildare");
        b.participants("R2", "Gagnef", 2, &[1, 2]);
        w.register(&b.sheets);
    };
    build(0);
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-03"], &config_path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let march = std::fs::read(w.out().join("invoice-basis-2026-03.csv")).unwrap();
    assert_eq!(row(&w.csv("invoice-basis-2026-03.csv"), "2062")[6], "1950.00");

    // A participant is added to March after March was invoiced.
    build(1);
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-03"], &config_path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("2026-03 was closed"), "{}", text(&out));
    assert_eq!(
        std::fs::read(w.out().join("invoice-basis-2026-03.csv")).unwrap(),
        march,
        "the closed month's file is untouched"
    );
    let store = yrkesresan::store::Store::open(&w.out().join("yrkesresan-state.sqlite")).unwrap();
    let stored = store.invoice_basis(yrkesresan::domain::Month::parse("2026-03").unwrap()).unwrap().unwrap();
    assert_eq!(stored.total(), yrkesresan::domain::Money::kr(1950), "the sent basis as it was");
    drop(store);

    let out = w.run(&["run", "monthly-invoice", "--month", "2026-04"], &config_path());
    assert_eq!(out.status.code(), Some(1), "a finding says so: {}", text(&out));
    assert!(text(&out).contains("late-change-adjusted"), "{}", text(&out));
    let april = w.csv("invoice-basis-2026-04.csv");
    let adj = april.iter().find(|r| r[0] == "2062").expect("an adjustment line for Mora");
    assert!(adj[3].starts_with("Justering 2026-03:"), "{adj:?}");
    assert_eq!((adj[4].as_str(), adj[5].as_str(), adj[6].as_str()), ("1", "650.00", "650.00"));
    assert_eq!(row(&april, "2026")[6], "1300.00", "April's own days");

    // Adjusted once: May does not adjust March again.
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-05"], &config_path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(w.csv("invoice-basis-2026-05.csv").iter().all(|r| !r[3].starts_with("Justering")));
}
