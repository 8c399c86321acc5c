//! Over the whole generated region: no municipality's workbook holds another
//! municipality's people, and every workbook's totals are the sums of its rows.

use super::helpers::*;
use calamine::{open_workbook, Data, DataType, Reader, Xlsx};
use std::path::{Path, PathBuf};
use yrkesresan::domain::Recipient;
use yrkesresan::domain::{ExportKind, ExportRecord};
use yrkesresan::ingest::exports::read_export;
use yrkesresan::ingest::read_register;

fn processed(name_start: &str) -> PathBuf {
    std::fs::read_dir(demo_year().join("inbox/processed"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(name_start))
        .unwrap_or_else(|| panic!("no processed file {name_start}"))
}

/// Every cell of every sheet, as text.
fn cells(path: &Path) -> Vec<(String, Vec<Vec<Data>>)> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    wb.sheet_names()
        .into_iter()
        .map(|n| {
            let r = wb.worksheet_range(&n).unwrap();
            (n, r.rows().map(|row| row.to_vec()).collect())
        })
        .collect()
}

struct Person {
    home: Recipient,
    name: String,
    email: String,
}

fn people() -> Vec<Person> {
    let config = config();
    let register = read_register(&processed("kursdagsregister"), &config).unwrap();
    let mut out: Vec<Person> = register
        .participants
        .iter()
        .map(|p| Person {
            home: Recipient::Kommun(p.kommun),
            name: p.name.clone(),
            email: p.email.as_ref().unwrap().to_string(),
        })
        .collect();
    out.extend(register.trainers.iter().map(|t| Person {
        home: t.employer,
        name: t.name.clone(),
        email: t.email.as_ref().map(|e| e.to_string()).unwrap_or_default(),
    }));
    read_export(&processed("user_report"), ExportKind::Accounts, &config, &mut |_, r| {
        if let ExportRecord::Account(a) = r {
            if let Some(k) = a.kommun {
                out.push(Person { home: Recipient::Kommun(k), name: a.name, email: a.email.to_string() });
            }
        }
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn no_municipality_workbook_holds_another_municipalitys_people() {
    let config = config();
    let people = people();
    let workbooks: Vec<PathBuf> =
        std::fs::read_dir(demo_year().join("kommuner")).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(workbooks.len() > 100, "a year of monthly workbooks: {}", workbooks.len());
    for wb in &workbooks {
        let stem = wb.file_stem().unwrap().to_string_lossy().into_owned();
        // Monthly workbooks and trainer-pot statements alike.
        let own = config
            .municipalities
            .iter()
            .find(|m| {
                stem.starts_with(&format!("yrkesresan-{}-", m.slug()))
                    || stem.starts_with(&format!("utbildarpott-{}-", m.slug()))
            })
            .unwrap();
        let texts: Vec<String> = cells(wb)
            .into_iter()
            .flat_map(|(_, rows)| rows.into_iter().flatten())
            .map(|c| c.to_string())
            .filter(|t| !t.is_empty())
            .collect();
        let all = texts.join("\n");
        let own_names: std::collections::HashSet<&str> =
            people.iter().filter(|p| p.home == Recipient::Kommun(own.code)).map(|p| p.name.as_str()).collect();
        for p in people.iter().filter(|p| p.home != Recipient::Kommun(own.code)) {
            assert!(p.email.is_empty() || !all.contains(&p.email), "{stem} holds {} of {:?}", p.email, p.home);
            if !own_names.contains(p.name.as_str()) {
                assert!(!texts.iter().any(|t| t == &p.name), "{stem} holds the name {} of {:?}", p.name, p.home);
            }
        }
    }
}

fn number(c: &Data) -> f64 {
    c.get_float().or_else(|| c.get_int().map(|i| i as f64)).unwrap_or(0.0)
}

/// The rows between the heading row and the row whose column `label_col` reads `label`.
fn check_total(sheet: &str, rows: &[Vec<Data>], heading_row: usize, label_col: usize, label: &str, cols: &[usize]) {
    let total_at = rows
        .iter()
        .position(|r| r.get(label_col).is_some_and(|c| *c == label))
        .unwrap_or_else(|| panic!("{sheet}: no {label} row"));
    for &c in cols {
        let sum: f64 = rows[heading_row + 1..total_at].iter().map(|r| r.get(c).map(number).unwrap_or(0.0)).sum();
        let total = number(&rows[total_at][c]);
        assert!((sum - total).abs() < 0.005, "{sheet} column {c}: rows sum to {sum}, the total says {total}");
    }
}

#[test]
fn every_workbook_total_is_the_sum_of_its_rows() {
    let dir = demo_year();
    let mut checked = 0;
    for wb in std::fs::read_dir(dir.join("kommuner")).unwrap().map(|e| e.unwrap().path()) {
        for (name, rows) in cells(&wb) {
            match name.as_str() {
                "Fakturarader" => check_total(&name, &rows, 0, 1, "Totalt", &[4]),
                "Kursdagar" => check_total(&name, &rows, 0, 8, "Summa", &[9]),
                "Konton" if rows.len() > 2 => check_total(&name, &rows, 0, 0, "Totalt", &[1, 2, 3, 4, 5]),
                "Kursstatus" if rows.len() > 2 => check_total(&name, &rows, 0, 0, "Totalt", &[1, 2, 3]),
                _ => continue,
            }
            checked += 1;
        }
    }
    assert!(checked > 400, "{checked}");

    let regional = cells(&dir.join("uppfoljning-2026.xlsx"));
    let names: Vec<&str> = regional.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Uppföljning",
            "Fördelning utbildarpott",
            "Utbildarpott",
            "Utbildare",
            "Kursdagar pott",
            "Konton per kommun",
            "Kursstatus per kommun",
            "Avvikelser per kommun",
            "Avvikelser"
        ]
    );
    for (name, rows) in &regional {
        match name.as_str() {
            "Konton per kommun" => {
                assert_eq!(rows[1][0], "Kommun");
                assert_eq!(rows[1][1], "Antal konton");
                check_total(name, rows, 1, 0, "Totalt", &[1, 2, 3, 4, 5]);
            }
            "Kursstatus per kommun" => {
                let width = rows[2].len();
                check_total(name, rows, 2, 0, "Totalt", &(1..width).collect::<Vec<_>>());
            }
            "Utbildarpott" => {
                check_total(name, rows, 2, 1, "Summa utbetalningar", &[4]);
                let pot = rows.iter().find(|r| r[1] == "Utbildarpott").unwrap();
                let paid = rows.iter().find(|r| r[1] == "Summa utbetalningar").unwrap();
                let diff = rows.iter().find(|r| r[1] == "Differens").unwrap();
                assert_eq!(number(&pot[4]), number(&paid[4]));
                assert_eq!(number(&diff[4]), 0.0);
            }
            "Avvikelser per kommun" => {
                let width = rows[0].len();
                check_total(name, rows, 0, 0, "Totalt", &(1..width).collect::<Vec<_>>());
            }
            _ => {}
        }
    }
    for (name, rows) in cells(&dir.join("fakturaunderlag-2026.xlsx")).iter().filter(|(n, _)| n.ends_with(" 2026")) {
        let lines_end = rows.iter().skip(1).position(|r| r[0].is_empty()).map(|i| i + 1).unwrap_or(rows.len());
        let sum: f64 = rows[1..lines_end].iter().map(|r| number(&r[7])).sum();
        let total = rows.iter().find(|r| r.get(1).is_some_and(|c| *c == "Totalt")).map(|r| number(&r[7])).unwrap();
        assert!((sum - total).abs() < 0.005, "{name}: {sum} vs {total}");
    }
}
