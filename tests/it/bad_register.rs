//! Bad register input: a clear error naming the place, exit code 2, and no
//! output written (nothing half-applied).

use super::helpers::*;
use yrkesresan::generate::Cell;

fn good() -> RegisterBuilder {
    let mut b = RegisterBuilder::new();
    b.round("R1", "Samtal och delaktighet", "bou", "medarbetare", "regional", None).day("R1", 1, "2026-03-03").day(
        "R1",
        2,
        "2026-03-04",
    );
    b.trainer("R1", 1, "Karin", "Falun", "kursledare").trainer("R1", 2, "Karin", "Falun", "kursledare");
    b.trainer("R1", 1, "Ulf", "Mora", "utbildare").trainer("R1", 2, "Ulf", "Mora", "utbildare");
    b.participants("R1", "Mora", 3, &[1, 2]);
    b
}

/// Runs the March invoice on a broken register; asserts the failure and
/// returns the error text.
fn rejected(b: &RegisterBuilder) -> String {
    let w = Workdir::new();
    w.register(&b.sheets);
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-03"], &config_path());
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(2), "{msg}");
    let written: Vec<_> = std::fs::read_dir(w.out())
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    assert!(
        written.iter().all(|f| f.starts_with("yrkesresan-state.sqlite")),
        "nothing but the run log may be written: {written:?}"
    );
    msg
}

#[test]
fn the_good_register_is_accepted() {
    let w = Workdir::new();
    w.register(&good().sheets);
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-03"], &config_path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn a_register_without_the_kursdagar_sheet_is_rejected() {
    let mut b = good();
    b.sheets.remove("Kursdagar");
    let msg = rejected(&b);
    assert!(
        msg.contains(
            "register.xlsx: the sheet 'Kursdagar' is missing (sheets found: Kursomgångar, Utbildare, Deltagare)"
        ),
        "{msg}"
    );
}

#[test]
fn a_missing_column_is_named_with_the_headings_found() {
    let mut b = good();
    let rows = b.sheets.rows_mut("Deltagare").unwrap();
    rows[0][3] = Cell::from("Hemkommun");
    let msg = rejected(&b);
    assert!(msg.contains("sheet 'Deltagare'") && msg.contains("the column 'Kommun' is missing"), "{msg}");
    assert!(msg.contains("Hemkommun"), "the headings found are listed: {msg}");
}

#[test]
fn an_unknown_municipality_names_sheet_row_and_column() {
    let mut b = good();
    b.participant("R1", "Gotham", None, &[1]);
    let msg = rejected(&b);
    assert!(msg.contains("sheet 'Deltagare', row 5, column 'Kommun' (D)"), "{msg}");
    assert!(msg.contains("'Gotham' is not a municipality"), "{msg}");
}

#[test]
fn a_date_that_is_not_a_date_is_rejected() {
    let mut b = good();
    b.sheets.rows_mut("Kursdagar").unwrap()[2][2] = Cell::from("4 mars");
    let msg = rejected(&b);
    assert!(
        msg.contains("sheet 'Kursdagar', row 3, column 'Datum' (C)") && msg.contains("'4 mars' is not a date"),
        "{msg}"
    );
}

#[test]
fn attendance_on_a_day_the_round_lacks_is_rejected() {
    let mut b = good();
    b.participant("R1", "Mora", None, &[1, 3]);
    let msg = rejected(&b);
    assert!(msg.contains("column 'Dag 3' (H)") && msg.contains("round 'R1' has no day 3"), "{msg}");
}

#[test]
fn a_round_id_used_twice_is_rejected() {
    let mut b = good();
    b.round("R1", "Utsatthet och våld", "bou", "medarbetare", "regional", None);
    let msg = rejected(&b);
    assert!(msg.contains("sheet 'Kursomgångar', row 3, column 'Omgång' (A)") && msg.contains("used twice"), "{msg}");
}

#[test]
fn every_problem_is_listed_at_once() {
    let mut b = good();
    b.participant("R1", "Gotham", None, &[1]);
    b.sheets.rows_mut("Kursdagar").unwrap()[2][2] = Cell::from("snart");
    let msg = rejected(&b);
    assert!(msg.contains("Gotham") && msg.contains("'snart' is not a date"), "{msg}");
}

#[test]
fn a_failed_run_is_logged_as_failed() {
    let w = Workdir::new();
    let mut b = good();
    b.participant("R1", "Gotham", None, &[1]);
    w.register(&b.sheets);
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-03"], &config_path());
    assert_eq!(out.status.code(), Some(2));
    let store = yrkesresan::store::Store::open(&w.out().join("yrkesresan-state.sqlite")).unwrap();
    let runs = store.recent_runs(5).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].outcome, yrkesresan::store::Outcome::Failed);
    assert!(runs[0].error.as_deref().unwrap_or("").contains("Gotham"));
}

#[test]
fn every_bad_cell_of_ovriga_rader_is_named() {
    let mut b = good();
    b.extra("faktura", "Falun", "2026-03-10", "Lokalkostnad", (1.into(), "2500".into()), "");
    b.extra("annat", "Gotham", "igår", "", (Cell::from("0"), Cell::from("12,345")), "");
    b.extra("pott", "Mora", "2026-03-10", "Tillägg", (1.into(), Cell::from("-100")), "");
    let msg = rejected(&b);
    for expected in [
        "sheet 'Övriga rader', row 3, column 'Typ' (A): 'annat' is not a line type",
        "sheet 'Övriga rader', row 3, column 'Kommun' (B): 'Gotham' is not a municipality",
        "sheet 'Övriga rader', row 3, column 'Datum' (C): 'igår' is not a date",
        "sheet 'Övriga rader', row 3, column 'Beskrivning' (D): the description is empty",
        "sheet 'Övriga rader', row 3, column 'Antal' (E): '0' is not a quantity",
        "sheet 'Övriga rader', row 3, column 'À-pris' (F): 12.345 is not whole öre",
        "sheet 'Övriga rader', row 4, column 'À-pris' (F): an extra from the trainer pot must be above zero",
    ] {
        assert!(msg.contains(expected), "missing «{expected}» in:\n{msg}");
    }
}
