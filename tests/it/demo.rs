//! `yrkesresan demo` end to end; its outputs read back (CSV, xlsx, e-mail).

use super::helpers::*;
use calamine::{open_workbook, DataType, Reader, Xlsx};
use rust_decimal::Decimal;

#[test]
fn the_demo_runs_a_whole_year_and_its_outputs_add_up() {
    let w = Workdir::new();
    let out_dir = w.path().join("demo-out");
    let out = bin(
        &["demo", "--out", &out_dir.display().to_string(), "--config", &config_path().display().to_string()],
        w.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let config = config();

    // Every month has an invoice basis whose lines are well-formed.
    let mut year_total = Decimal::ZERO;
    for m in 1..=12 {
        let path = out_dir.join(format!("invoice-basis-2026-{m:02}.csv"));
        let mut r = csv::Reader::from_path(&path).unwrap();
        for rec in r.records() {
            let rec = rec.unwrap();
            let q: Decimal = rec[4].parse().unwrap();
            let unit: Decimal = rec[5].parse().unwrap();
            let amount: Decimal = rec[6].parse().unwrap();
            assert_eq!(q * unit, amount, "{rec:?}");
            year_total += amount;
        }
    }
    assert!(year_total > Decimal::from(1_000_000), "a year with fixed cost and fees: {year_total}");

    // The finance workbook: a summary and twelve months whose totals add up.
    let mut wb: Xlsx<_> = open_workbook(out_dir.join("fakturaunderlag-2026.xlsx")).unwrap();
    let names = wb.sheet_names();
    assert_eq!(names.len(), 13, "{names:?}");
    let summary = wb.worksheet_range("Summering").unwrap();
    let total_row = summary.rows().find(|r| r[1] == "Totalt").unwrap();
    let grand = total_row.last().unwrap().get_float().unwrap();
    assert!((grand - year_total.to_string().parse::<f64>().unwrap()).abs() < 0.01, "{grand} vs {year_total}");

    // The pot: every municipality has a row and the payouts sum to the pot.
    let pot = {
        let mut r = csv::Reader::from_path(out_dir.join("trainer-pot-2026.csv")).unwrap();
        r.records().map(|r| r.unwrap()).collect::<Vec<_>>()
    };
    assert!(pot.len() >= 15);
    let paid: Decimal = pot.iter().map(|r| r[4].parse::<Decimal>().unwrap()).sum();
    assert!(paid > Decimal::ZERO);
    assert!(text(&out).contains("difference 0.00 kr"), "{}", text(&out));
    assert!(pot.iter().any(|r| &r[0] == "20"), "an RSS trainer gives the region a row");

    // One e-mail per municipality and month with activity, its workbook attached,
    // addressed only to that municipality's contact persons.
    let outbox: Vec<_> = std::fs::read_dir(out_dir.join("outbox")).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(outbox.len() >= 15, "{}", outbox.len());
    for path in &outbox {
        let eml = std::fs::read_to_string(path).unwrap();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if ["yrkesresan-fakturaunderlag-", "yrkesresan-uppfoljning-", "yrkesresan-utbetalning-utbildarpott-"]
            .iter()
            .any(|p| stem.starts_with(p))
        {
            continue; // to finance and to the project lead
        }
        let m = config
            .municipalities
            .iter()
            .find(|m| {
                stem.starts_with(&format!("yrkesresan-{}-", m.slug()))
                    || stem.starts_with(&format!("yrkesresan-utbildarpott-{}-", m.slug()))
            })
            .expect("named after a municipality");
        let to = eml.lines().find(|l| l.starts_with("To: ")).expect("a To header");
        for other in config.municipalities.iter().filter(|o| o.code != m.code) {
            for c in &other.contacts {
                assert!(!to.contains(c.email.as_str()), "{stem} is addressed to {}", c.email);
            }
        }
        assert!(
            eml.contains(&format!("{stem}.xlsx\"")) && eml.contains("Content-Disposition: attachment"),
            "{stem}: attachment name"
        );
        assert!(eml.contains("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
        assert!(eml.contains("Message-ID: <yrkesresan-"), "{stem}: our own Message-ID");
    }

    // A municipality's workbooks hold only its own participants (one per
    // group of its contact persons, by the delresor they are contact for).
    let falun_march: Vec<std::path::PathBuf> = std::fs::read_dir(out_dir.join("kommuner"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with("yrkesresan-falun-") && name.ends_with("2026-03.xlsx")
        })
        .collect();
    assert!(!falun_march.is_empty());
    let mut emails = Vec::new();
    for path in &falun_march {
        let mut wb: Xlsx<_> = open_workbook(path).unwrap();
        assert_eq!(
            wb.sheet_names(),
            ["Sammanfattning", "Fakturarader", "Konton", "Kursstatus", "Kursdagar", "Utbildare", "Avvikelser"]
        );
        let days = wb.worksheet_range("Kursdagar").unwrap();
        emails.extend(days.rows().skip(1).map(|r| r[6].to_string()).filter(|e| e.contains('@')));
    }
    assert!(!emails.is_empty());
    assert!(emails.iter().all(|e| e.ends_with("@falun.example")), "{emails:?}");

    // The follow-up and the run log.
    assert!(out_dir.join("followup-2026.csv").exists());
    assert!(out_dir.join("uppfoljning-2026.xlsx").exists());
    let store = yrkesresan::store::Store::open(&out_dir.join("yrkesresan-state.sqlite")).unwrap();
    let runs = store.recent_runs(100).unwrap();
    assert_eq!(runs.len(), 15, "the sync, 12 months, the pot and the follow-up");
    assert!(runs.iter().all(|r| r.inputs.iter().any(|i| i.kind == "register" && i.sha256.len() == 64)));
    for csv in
        ["ingest-report.csv", "accounts-by-municipality.csv", "progress-by-municipality.csv", "reconciliation.csv"]
    {
        assert!(out_dir.join(csv).exists(), "{csv}");
    }
}
