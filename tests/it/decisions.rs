//! Amounts nobody decided never reach a delivered invoice; national days
//! follow `billing.national_days`; every amount is exact to the öre.

use super::helpers::*;
use yrkesresan::domain::Month;
use yrkesresan::store::Store;

fn january_register(w: &Workdir) {
    let mut b = RegisterBuilder::new();
    b.round("J1", "Samtal och delaktighet", "bou", "medarbetare", "regional", None).day("J1", 1, "2026-01-13");
    b.trainer("J1", 1, "Karin", "Falun", "kursledare").trainer("J1", 1, "Ulf", "Mora", "utbildare");
    b.participants("J1", "Gagnef", 4, &[1]).participant("J1", "Gagnef", None, &[]);
    w.register(&b.sheets);
}

fn closed(w: &Workdir, month: &str) -> Option<String> {
    let store = Store::open(&w.out().join("yrkesresan-state.sqlite")).unwrap();
    store.month_closed(Month::parse(month).unwrap()).unwrap()
}

#[test]
fn the_placeholder_fixed_cost_is_refused_without_dry_run_and_accepted_once_decided() {
    let w = Workdir::new();
    january_register(&w);

    // As shipped: the January basis would carry the undecided fixed cost.
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-01"], &config_path());
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(2), "{msg}");
    let shipped = std::fs::read_to_string(config_path()).unwrap();
    let line = shipped.lines().position(|l| l == "[[billing.regional_fixed_cost]]").unwrap() + 1;
    assert!(msg.contains(&format!("config/dalarna.toml:{line}: billing.regional_fixed_cost (2026)")), "{msg}");
    assert!(msg.contains("nothing was delivered or closed"), "{msg}");
    assert!(!w.out().join("invoice-basis-2026-01.csv").exists(), "nothing is written");
    assert!(!w.out().join("outbox").exists(), "no message is written");
    assert_eq!(closed(&w, "2026-01"), None);
    let status = bin(&["status", "--out", w.out().to_str().unwrap()], w.path());
    assert!(text(&status).contains("failed"), "the refused run is logged: {}", text(&status));

    // A dry run shows it, marked preliminary, and closes nothing.
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-01", "--dry-run"], &config_path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let fixed: Vec<_> = w.csv("invoice-basis-2026-01.csv").into_iter().filter(|r| r[2] == "YR-FAST").collect();
    assert_eq!(fixed.len(), 15);
    assert!(fixed.iter().all(|r| r[3].ends_with("preliminärt, ej beslutat")), "{fixed:?}");
    assert_eq!(closed(&w, "2026-01"), None);
    let notice = "OBS! Detta underlag";
    assert!(gagnef_message(&w).contains(notice), "the message says its total is preliminary");

    // Decided: delivered, closed, no longer preliminary.
    let decided = w.config_with(&[Workdir::DECIDED_FIXED_COST]);
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-01"], &decided);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rows = w.csv("invoice-basis-2026-01.csv");
    let fixed: Vec<_> = rows.iter().filter(|r| r[2] == "YR-FAST").collect();
    assert_eq!(fixed.len(), 15);
    assert!(fixed.iter().all(|r| !r[3].contains("preliminärt")), "{fixed:?}");
    assert_eq!(row(&rows, "2026")[6], "2600.00", "Gagnef's four attended days; the no-show costs 0");
    assert!(closed(&w, "2026-01").is_some());
    assert!(!gagnef_message(&w).contains(notice), "decided: no notice");
}

/// Gagnef's January message as written to the outbox folder.
fn gagnef_message(w: &Workdir) -> String {
    let dir = w.out().join("outbox");
    let name = entries(&dir)
        .into_iter()
        .find(|n| n.starts_with("yrkesresan-gagnef") && n.ends_with("2026-01.eml"))
        .unwrap_or_else(|| panic!("no message for Gagnef in {:?}", entries(&dir)));
    std::fs::read_to_string(dir.join(name)).unwrap()
}

#[test]
fn a_no_show_fee_bills_only_once_decided() {
    let w = Workdir::new();
    january_register(&w);
    let undecided = w.config_with(&[Workdir::DECIDED_FIXED_COST, ("no_show_fee = \"0\"", "no_show_fee = \"100\"")]);
    let out = bin(&["check", "--config", undecided.to_str().unwrap(), "--pipelines", "pipelines"], repo());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("billing.no_show_fee would bill 100,00 kr per no-show"), "{}", text(&out));
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-01"], &undecided);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("billing.no_show_fee has no decided"), "{}", text(&out));

    let decided = w.config_with(&[
        Workdir::DECIDED_FIXED_COST,
        ("no_show_fee = \"0\"", "no_show_fee = \"100\"\nno_show_fee_decided = \"Styrgruppen 2026-01-15 §6\""),
    ]);
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-01"], &decided);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rows = w.csv("invoice-basis-2026-01.csv");
    let no_show = rows.iter().find(|r| r[2] == "YR-UTEBLIVEN").expect("a no-show line");
    assert_eq!((no_show[0].as_str(), no_show[4].as_str(), no_show[6].as_str()), ("2026", "1", "100.00"));
}

/// A setting changed after a month was delivered reaches the next month as
/// an adjustment; an undecided one is refused there too, never delivered.
#[test]
fn an_adjustment_from_an_undecided_amount_is_refused_like_any_other_line() {
    let w = Workdir::new();
    january_register(&w);
    let decided = w.config_with(&[Workdir::DECIDED_FIXED_COST]);
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-01"], &decided);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(closed(&w, "2026-01").is_some());

    // February has no no-shows of its own; January's one would now cost 100 kr.
    let undecided = w.config_with(&[Workdir::DECIDED_FIXED_COST, ("no_show_fee = \"0\"", "no_show_fee = \"100\"")]);
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-02"], &undecided);
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(2), "{msg}");
    assert!(msg.contains("billing.no_show_fee has no decided"), "{msg}");
    assert!(!w.out().join("invoice-basis-2026-02.csv").exists(), "nothing is written");
    assert_eq!(closed(&w, "2026-02"), None);

    let fee_decided = w.config_with(&[
        Workdir::DECIDED_FIXED_COST,
        ("no_show_fee = \"0\"", "no_show_fee = \"100\"\nno_show_fee_decided = \"Styrgruppen 2026-02-10 §2\""),
    ]);
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-02"], &fee_decided);
    assert_eq!(out.status.code(), Some(1), "delivered, with the late change as a warning: {}", text(&out));
    assert!(text(&out).contains("late-change-adjusted 1"), "{}", text(&out));
    assert!(closed(&w, "2026-02").is_some());
    let rows = w.csv("invoice-basis-2026-02.csv");
    let adj = rows.iter().find(|r| r[2] == "YR-UTEBLIVEN").expect("the adjustment");
    assert!(adj[3].starts_with("Justering 2026-01") && !adj[3].contains("preliminärt"), "{adj:?}");
    assert_eq!((adj[0].as_str(), adj[6].as_str()), ("2026", "100.00"));
}

fn national_register(w: &Workdir) {
    let mut b = RegisterBuilder::new();
    b.round("N1", "Kursledarutbildning Ett hem att växa i", "bou", "medarbetare", "nationell", Some("1 250,50"));
    b.day("N1", 1, "2026-02-10").day("N1", 2, "2026-02-11");
    b.participants("N1", "Falun", 3, &[1, 2]);
    w.register(&b.sheets);
}

#[test]
fn national_days_are_information_by_default_and_invoiced_only_when_decided() {
    let w = Workdir::new();
    national_register(&w);
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-02"], &config_path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(w.csv("invoice-basis-2026-02.csv").iter().all(|r| r[2] != "YR-NATIONELL"), "not an RSS invoice line");
    // Falun's workbook shows what the municipality pays the national organiser.
    let days = sheet(&w.out().join("kommuner/yrkesresan-falun-2026-02.xlsx"), "Kursdagar");
    assert_eq!(days[0][9], "Avgift (RSS)");
    assert_eq!(days[0][10], "Pris nationell kurs (information)");
    let total = row_where(&days, 8, "Summa");
    assert_eq!((total[9].as_str(), total[10].as_str()), ("0", "7503"), "6 days × 1 250,50 as information");
    let summary = sheet(&w.out().join("kommuner/yrkesresan-falun-2026-02.xlsx"), "Sammanfattning");
    assert!(
        summary.iter().any(|r| r[0].starts_with("Information: nationella kursdagar") && r[1] == "7503"),
        "{summary:?}"
    );

    // "invoice" without a decision is refused; with one, the line is there.
    let w2 = Workdir::new();
    national_register(&w2);
    let undecided = w2.config_with(&[("national_days = \"information\"", "national_days = \"invoice\"")]);
    let out = w2.run(&["run", "monthly-invoice", "--month", "2026-02"], &undecided);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("billing.national_days has no decided"), "{}", text(&out));
    let decided = w2.config_with(&[(
        "national_days = \"information\"",
        "national_days = \"invoice\"\nnational_days_decided = \"Förbundsstyrelsen 2026-01-20 §3\"",
    )]);
    let out = w2.run(&["run", "monthly-invoice", "--month", "2026-02"], &decided);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let nat = w2.csv("invoice-basis-2026-02.csv").into_iter().find(|r| r[2] == "YR-NATIONELL").expect("invoiced");
    assert_eq!((nat[4].as_str(), nat[5].as_str(), nat[6].as_str()), ("6", "1250.50", "7503.00"));
}

#[test]
fn an_amount_that_is_not_whole_ore_is_an_error_naming_where_it_is() {
    let w = Workdir::new();
    let cfg = w.config_with(&[
        ("fee = \"450\"", "fee = \"450.005\""),
        ("per_inhabitant = \"2.37\"", "per_inhabitant = \"2.375\""),
    ]);
    let text_of = std::fs::read_to_string(&cfg).unwrap();
    let line_of = |needle: &str| text_of.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let out = bin(&["check", "--config", cfg.to_str().unwrap(), "--pipelines", "pipelines"], repo());
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(2), "{msg}");
    let c = cfg.display();
    assert!(
        msg.contains(&format!("{c}:{}: tariff 2026 chef: fee: 450.005 is not whole öre", line_of("450.005"))),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("{c}:{}: national_fee.per_inhabitant: 2.375 is not whole öre", line_of("2.375"))),
        "{msg}"
    );

    // In the register: a national price with a fraction of an öre, and one too large to be real.
    let mut b = RegisterBuilder::new();
    b.round("N1", "Nationell kurs", "bou", "medarbetare", "nationell", Some("1250,505"));
    b.round("N2", "Nationell kurs", "bou", "medarbetare", "nationell", Some("99999999999999999999999"));
    b.day("N1", 1, "2026-02-10").day("N2", 1, "2026-02-10");
    b.participants("N1", "Falun", 1, &[1]).participants("N2", "Falun", 1, &[1]);
    w.register(&b.sheets);
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-02", "--dry-run"], &config_path());
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(2), "{msg}");
    assert!(msg.contains("sheet 'Kursomgångar', row 2, column 'Pris per dag' (G): 1250.505 is not whole öre"), "{msg}");
    assert!(msg.contains("sheet 'Kursomgångar', row 3, column 'Pris per dag' (G)"), "{msg}");
    assert!(msg.contains("larger than the largest amount accepted"), "{msg}");
    assert!(!msg.contains("panicked"), "{msg}");
}

fn repo() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}
