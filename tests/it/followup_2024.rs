//! Seed 000's Barn och unga 2024 follow-up table, reproduced from a register
//! built to match it: 6 rounds, 14 days, 139 registered, 127 approved, 91,4 %.
//! Its attendance gives 289 participant-days, the published pot of 115 600 kr.

use super::helpers::*;

const KOMMUNER: [&str; 6] = ["Falun", "Borlänge", "Mora", "Avesta", "Rättvik", "Malung-Sälen"];

/// Adds `registered` participants of whom `approved` are approved; the first
/// `absent` of them miss their round's last day.
fn people(b: &mut RegisterBuilder, round: &str, days: u32, registered: u32, approved: u32, absent: u32) {
    for i in 0..registered {
        let all: Vec<u32> = (1..=days).collect();
        let attended: Vec<u32> = if i < absent { all[..all.len() - 1].to_vec() } else { all };
        b.participant(round, KOMMUNER[(i as usize) % KOMMUNER.len()], Some(i < approved), &attended);
    }
}

fn days(b: &mut RegisterBuilder, round: &str, n: u32, first: &str) {
    let start = date(first);
    for d in 0..n {
        b.day(round, d + 1, &(start + chrono::Days::new(u64::from(d) * 7)).to_string());
        b.trainer(round, d + 1, "Kalle", "Falun", "kursledare").trainer(round, d + 1, "Berit", "Borlänge", "utbildare");
    }
}

fn register_2024() -> RegisterBuilder {
    let mut b = RegisterBuilder::new();
    let regional = |b: &mut RegisterBuilder, id: &str, course: &str| {
        b.round(id, course, "bou", "medarbetare", "regional", None);
    };
    regional(&mut b, "HBC-1", "Handläggning med barnet i centrum");
    regional(&mut b, "HBC-2", "Handläggning med barnet i centrum");
    regional(&mut b, "ULO-1", "Handläggning av unga lagöverträdare");
    regional(&mut b, "ULO-2", "Handläggning av unga lagöverträdare");
    regional(&mut b, "SOD-1", "Samtal och delaktighet");
    regional(&mut b, "UOV-1", "Utsatthet och våld");
    b.round("EHV-N", "Kursledarutbildning Ett hem att växa i", "bou", "medarbetare", "nationell", Some("1200"));
    days(&mut b, "HBC-1", 4, "2024-02-06");
    days(&mut b, "HBC-2", 4, "2024-09-03");
    days(&mut b, "ULO-1", 1, "2024-03-12");
    days(&mut b, "ULO-2", 1, "2024-10-15");
    days(&mut b, "SOD-1", 2, "2024-04-16");
    days(&mut b, "UOV-1", 2, "2024-11-05");
    b.day("EHV-N", 1, "2024-05-20");
    // 46 / 43, 51 / 46, 26 / 25, 13 / 10, 3 / 3; 24 absences of 313 registered days.
    people(&mut b, "HBC-1", 4, 23, 22, 6);
    people(&mut b, "HBC-2", 4, 23, 21, 6);
    people(&mut b, "ULO-1", 1, 25, 23, 3);
    people(&mut b, "ULO-2", 1, 26, 23, 3);
    people(&mut b, "SOD-1", 2, 26, 25, 4);
    people(&mut b, "UOV-1", 2, 13, 10, 2);
    for k in ["Falun", "Falun", "Falun"] {
        b.participant("EHV-N", k, Some(true), &[1]);
    }
    b
}

#[test]
fn the_barn_och_unga_2024_table_is_reproduced_from_the_register() {
    let w = Workdir::new();
    w.register(&register_2024().sheets);
    let out = w.run(&["run", "followup", "--year", "2024"], &config_path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rows = w.csv("followup-2024.csv");
    let expected = [
        ["delresa", "kurs", "omgangar", "kursdagar", "anmalda", "godkanda", "andel"],
        ["bou", "Handläggning med barnet i centrum", "2", "8", "46", "43", "93.5"],
        ["bou", "Handläggning av unga lagöverträdare", "2", "2", "51", "46", "90.2"],
        ["bou", "Samtal och delaktighet", "1", "2", "26", "25", "96.2"],
        ["bou", "Utsatthet och våld", "1", "2", "13", "10", "76.9"],
        ["bou", "Kursledarutbildning Ett hem att växa i", "0", "0", "3", "3", "100.0"],
    ];
    assert_eq!(rows, expected.map(|r| r.map(String::from).to_vec()).to_vec());
    assert!(text(&out).contains("6 round(s), 14 day(s), 139 registered, 127 approved (91,4%)"), "{}", text(&out));

    // The workbook shows the same table with its Totalt row.
    use calamine::{open_workbook, DataType, Reader, Xlsx};
    let mut wb: Xlsx<_> = open_workbook(w.out().join("uppfoljning-2024.xlsx")).unwrap();
    let sheet = wb.worksheet_range("Uppföljning").unwrap();
    let total = sheet.rows().find(|r| r[0] == "Totalt").expect("Totalt row");
    let nums: Vec<f64> = total[1..5].iter().map(|c| c.get_float().unwrap()).collect();
    assert_eq!(nums, [6.0, 14.0, 139.0, 127.0]);
    assert!((total[5].get_float().unwrap() - 0.914).abs() < 1e-9);
    let national = sheet.rows().find(|r| r[0].to_string().ends_with('*')).expect("the national course is marked *");
    assert_eq!(national[0].to_string(), "Kursledarutbildning Ett hem att växa i*");
}

#[test]
fn the_2024_attendance_gives_the_published_pot_of_115_600() {
    let w = Workdir::new();
    w.register(&register_2024().sheets);
    let out = w.run(&["run", "trainer-pot", "--year", "2024"], &config_path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("Trainer pot 2024: 115600.00 kr from 14 regional course day(s)"), "{}", text(&out));
    assert!(text(&out).contains("difference 0.00 kr"), "{}", text(&out));
}
