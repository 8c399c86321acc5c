//! No output can be turned against its reader: a participant and a course
//! named like a spreadsheet formula come out of every CSV of the nightly sync,
//! the follow-up and the monthly invoice with a `'` in front, and stay plain
//! string cells in the workbooks. A name longer than a cell holds is cut with
//! "…" and never fails the job.

use super::helpers::*;
use calamine::{open_workbook, Data, Reader, Xlsx};
use rust_decimal::Decimal;
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use yrkesresan::generate::Cell;

const LINK: &str = r#"=HYPERLINK("http://x","klicka")"#;

/// Accounts for the trainers only: the participant named `LINK` has none.
const ACCOUNTS: &str = "Username,User's Email,User's Organisation Name(s),User's Position Name(s),User Status\n\
karin,karin@utbildare.example,Falun,Utbildare,Active\n\
ulf,ulf@utbildare.example,Mora,Utbildare,Active\n";

/// A completion of the course `LINK`, and a row whose bad status (a formula
/// too) is skipped and listed in ingest-problems.csv.
const COMPLETIONS: &str = "Username,Course Name,Completion Status\n\
karin,\"=HYPERLINK(\"\"http://x\"\",\"\"klicka\"\")\",Complete\n\
ulf,Kurs A,@SUM(1+1)\n";

fn sync_config(w: &Workdir) -> PathBuf {
    w.config_appending("[ingest]\nsettle_seconds = 0\n[ingest.completions]\nreject_bad_rows = false\n")
}

/// A participant of round R1 from Mora with the given name and address,
/// attending day 1.
fn participant(b: &mut RegisterBuilder, name: &str, email: &str) {
    let mut row: Vec<Cell> = vec!["R1".into(), name.into(), email.into(), "Mora".into(), Cell::approval(Some(true))];
    row.extend(["X".into(), Cell::Empty, Cell::Empty, Cell::Empty]);
    b.sheets.push("Deltagare", row);
}

/// Every CSV file under `dir`.
fn csv_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(csv_files(&path));
        } else if path.extension().is_some_and(|e| e == "csv") {
            out.push(path);
        }
    }
    out
}

/// Reads every CSV the run left and checks that no cell can start a formula
/// (a cell starting with `-` must be a number); returns the files holding
/// the neutralised `LINK`.
fn check_csvs(w: &Workdir) -> BTreeSet<String> {
    let files = csv_files(&w.out());
    assert!(!files.is_empty());
    let mut holding = BTreeSet::new();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut r = csv::ReaderBuilder::new().has_headers(false).from_path(&path).unwrap();
        for rec in r.records() {
            for cell in rec.unwrap().iter() {
                assert!(!cell.starts_with(['=', '+', '@', '\t', '\r']), "{name}: {cell:?} can start a formula");
                if cell.starts_with('-') {
                    assert!(cell.parse::<Decimal>().is_ok(), "{name}: {cell:?} is not a number");
                }
                if cell.starts_with(&format!("'{LINK}")) {
                    holding.insert(name.clone());
                }
            }
        }
    }
    holding
}

/// The string cells of a workbook that contain `text`, as (sheet, cell);
/// asserts that no sheet of it holds a formula.
fn string_cells_with(path: &Path, text: &str) -> Vec<(String, String)> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let mut found = Vec::new();
    for sheet in wb.sheet_names() {
        let formulas = wb.worksheet_formula(&sheet).unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "{}: {sheet} holds a formula", path.display());
        for (_, _, cell) in wb.worksheet_range(&sheet).unwrap().used_cells() {
            if let Data::String(s) = cell {
                if s.contains(text) {
                    found.push((sheet.clone(), s.clone()));
                }
            }
        }
    }
    found
}

#[test]
fn a_formula_as_a_name_or_a_course_is_neutralised_in_every_csv_and_a_string_in_the_workbooks() {
    let w = Workdir::new();
    let config = sync_config(&w);
    let mut b = RegisterBuilder::new();
    b.round("R1", LINK, "bou", "medarbetare", "regional", None).day("R1", 1, "2026-03-03");
    b.trainer("R1", 1, "Karin", "Falun", "kursledare").trainer("R1", 1, "Ulf", "Mora", "utbildare");
    // Listed twice: a duplicate-participant finding about `LINK`.
    participant(&mut b, LINK, "lank@mora.example");
    participant(&mut b, LINK, "lank@mora.example");
    b.participants("R1", "Mora", 2, &[1]);
    // A credit line with the formula as its text: the amount stays a negative number.
    b.extra("faktura", "Mora", "2026-03-10", LINK, (Cell::Number(1.0), "-650".into()), "");
    w.register(&b.sheets);
    w.inbox_file("user_report.csv", ACCOUNTS.as_bytes());
    w.inbox_file("=1+1.csv", COMPLETIONS.as_bytes());

    let out = w.run(&["run", "nightly-sync"], &config);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    let holding = check_csvs(&w);
    for name in ["reconciliation.csv", "progress-by-municipality.csv"] {
        assert!(holding.contains(name), "{name} lacks '{LINK}: {holding:?}");
    }
    let report = w.csv("ingest-report.csv");
    assert!(report.iter().any(|r| r[0] == "'=1+1.csv"), "{report:?}");
    let problems = w.csv("ingest-problems.csv");
    assert!(problems.iter().any(|r| r[3] == "'@SUM(1+1)"), "{problems:?}");
    let progress = w.csv("progress-by-municipality.csv");
    let falun = progress.iter().find(|r| r[2] == format!("'{LINK}")).expect("the course");
    assert_eq!(falun[0], "2080", "a municipality code is a number, untouched");

    let out = w.run(&["run", "followup", "--year", "2026"], &config);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    let holding = check_csvs(&w);
    for name in ["followup-2026.csv", "reconciliation.csv"] {
        assert!(holding.contains(name), "{name} lacks '{LINK}: {holding:?}");
    }
    let subjects: Vec<String> = w.csv("reconciliation.csv").into_iter().map(|r| r[3].clone()).collect();
    assert!(subjects.iter().any(|s| s.starts_with(&format!("'{LINK} <lank@mora.example>"))), "{subjects:?}");
    assert!(subjects.iter().any(|s| s.starts_with(&format!("'{LINK}, omgång R1"))), "{subjects:?}");

    let out = w.run(&["run", "monthly-invoice", "--month", "2026-03", "--dry-run"], &config);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    let holding = check_csvs(&w);
    assert!(holding.contains("invoice-basis-2026-03.csv"), "{holding:?}");
    let lines = w.csv("invoice-basis-2026-03.csv");
    let credit = lines.iter().find(|r| r[3] == format!("'{LINK}")).expect("the credit line");
    assert_eq!((credit[0].as_str(), credit[6].as_str()), ("2062", "-650.00"), "{credit:?}");

    // The workbooks hold the text as it is, in string cells, with no formula anywhere.
    let mora = w.out().join("kommuner/yrkesresan-mora-2026-03.xlsx");
    let cells = string_cells_with(&mora, LINK);
    for (sheet, col) in [("Kursdagar", 2), ("Kursdagar", 5)] {
        let rows = sheet_rows(&mora, sheet);
        assert!(rows.iter().any(|r| r[col] == Data::String(LINK.into())), "{sheet} column {col}: {cells:?}");
    }
    assert!(cells.iter().any(|(s, c)| s == "Fakturarader" && c == LINK), "{cells:?}");
    assert!(cells.iter().any(|(s, _)| s == "Avvikelser"), "{cells:?}");
    for workbook in ["uppfoljning-2026.xlsx", "fakturaunderlag-2026.xlsx"] {
        assert!(!string_cells_with(&w.out().join(workbook), LINK).is_empty(), "{workbook}");
    }
}

fn sheet_rows(path: &Path, sheet: &str) -> Vec<Vec<Data>> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    wb.worksheet_range(sheet).unwrap().rows().map(<[Data]>::to_vec).collect()
}

/// Rewrites an xlsx file with `from` replaced by `to` in its XML parts: a
/// cell longer than Excel (or rust_xlsxwriter) would write, as another
/// program could produce it.
fn replace_in_xlsx(path: &Path, from: &str, to: &str) {
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(std::fs::read(path).unwrap())).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut replaced = false;
    for i in 0..zin.len() {
        let mut part = zin.by_index(i).unwrap();
        let name = part.name().to_string();
        let mut data = Vec::new();
        part.read_to_end(&mut data).unwrap();
        if name.ends_with(".xml") {
            let xml = String::from_utf8(data).unwrap();
            replaced |= xml.contains(from);
            data = xml.replace(from, to).into_bytes();
        }
        out.start_file(name, deflated).unwrap();
        out.write_all(&data).unwrap();
    }
    assert!(replaced, "{from} is in the workbook");
    std::fs::write(path, out.finish().unwrap().into_inner()).unwrap();
}

#[test]
fn a_name_of_40000_characters_is_cut_with_an_ellipsis_and_the_job_runs() {
    let w = Workdir::new();
    let mut b = RegisterBuilder::new();
    b.round("R1", "Samtal och delaktighet", "bou", "medarbetare", "regional", None).day("R1", 1, "2026-03-03");
    b.trainer("R1", 1, "Karin", "Falun", "kursledare").trainer("R1", 1, "Ulf", "Mora", "utbildare");
    participant(&mut b, "LONGNAMEPLACEHOLDER", "lang@mora.example");
    let register = w.register(&b.sheets);
    let long = "N".repeat(40_000);
    replace_in_xlsx(&register, "LONGNAMEPLACEHOLDER", &long);

    let out = w.run(&["run", "monthly-invoice", "--month", "2026-03", "--dry-run"], &config_path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rows = sheet_rows(&w.out().join("kommuner/yrkesresan-mora-2026-03.xlsx"), "Kursdagar");
    let Data::String(name) = &rows[1][5] else { panic!("a string cell: {:?}", rows[1][5]) };
    assert_eq!(name.chars().count(), 32_767, "Excel's limit");
    assert!(name.starts_with("NNNN") && name.ends_with("N…"), "cut with an ellipsis");
}

#[test]
fn the_trainer_pot_csvs_never_start_a_cell_with_a_formula() {
    // A trainer and a pot extra named like a formula: the pot CSVs are per
    // municipality (a trainer's name is not in them), and the extra's text
    // lands inside `kommentar`, never at the start of a cell.
    let w = Workdir::new();
    let mut b = RegisterBuilder::new();
    b.round("R1", "Samtal och delaktighet", "bou", "medarbetare", "regional", None).day("R1", 1, "2026-03-03");
    for (name, email, kommun, role) in [
        (LINK, "karin@utbildare.example", "Falun", "kursledare"),
        ("@SUM(1+1)", "ulf@utbildare.example", "Mora", "utbildare"),
    ] {
        let row: Vec<Cell> = vec!["R1".into(), 1u32.into(), name.into(), email.into(), kommun.into(), role.into()];
        b.sheets.push("Utbildare", row);
    }
    b.participants("R1", "Mora", 12, &[1]);
    b.extra("pott", "Mora", "2026-06-01", LINK, (Cell::Number(1.0), Cell::Number(500.0)), "-2+3");
    w.register(&b.sheets);

    let out = w.run(&["run", "trainer-pot", "--year", "2026"], &config_path());
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    check_csvs(&w);
    let pot = w.csv("trainer-pot-2026.csv");
    let payout = w.csv("utbetalning-utbildarpott-2026.csv");
    for (name, rows) in [("trainer-pot-2026.csv", &pot), ("utbetalning-utbildarpott-2026.csv", &payout)] {
        assert!(rows.len() > 1, "{name}: {rows:?}");
        assert!(!rows.iter().flatten().any(|c| c.contains("SUM(1+1)")), "{name} names no trainer: {rows:?}");
    }
    let mora = payout.iter().find(|r| r[1] == "Mora").expect("Mora's row");
    let comment = mora.last().unwrap();
    assert!(comment.contains(LINK) && !comment.starts_with(['=', '+', '-', '@', '\'']), "{comment:?}");
    assert_eq!(row(&pot, "2062")[0], "2062", "a municipality code stays a number");
}
