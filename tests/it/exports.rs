//! Every export format variant real users produce, read through the library
//! into typed records: delimiters, encodings, BOM, Totara's TAB escape, xlsx
//! date cells, ods, English and Swedish headings, extra columns, config headings.

use super::helpers::*;
use std::path::Path;
use yrkesresan::config::Config;
use yrkesresan::ingest::exports::*;
use yrkesresan::ingest::{recognise_file, InputKind};

fn read(path: &Path, kind: ExportKind, config: &Config) -> Result<(ExportOutcome, Vec<ExportRecord>), ExportError> {
    let mut records = Vec::new();
    let outcome = read_export(path, kind, config, &mut |_, r| {
        records.push(r);
        Ok(())
    })?;
    Ok((outcome, records))
}

fn accounts(records: &[ExportRecord]) -> Vec<&Account> {
    records
        .iter()
        .map(|r| match r {
            ExportRecord::Account(a) => a,
            other => panic!("{other:?}"),
        })
        .collect()
}

const ENGLISH_ACCOUNTS: &str = "Username,User's Email,User First Name,User Last Name,User's Organisation Name(s),User's Position Name(s),Yrkesresa,User Status,User Creation Time\n\
anna.ek,Anna.Ek@Falun.example,Anna,Ek,Falu kommun,\"Medarbetare, Utbildare\",Barn och unga,Active,5 Mar 2025\n\
bo.alm,bo.alm@mora.example,Bo,Alm,2062,Chef,Funktionshinder utförare,Suspended,\n";

#[test]
fn a_plain_comma_csv_with_english_headings_gives_typed_accounts() {
    let w = Workdir::new();
    let p = w.inbox_file("report.csv", ENGLISH_ACCOUNTS.as_bytes());
    let config = config();
    assert_eq!(recognise_file(&p, &config).unwrap().kind, InputKind::Accounts);
    let (o, recs) = read(&p, ExportKind::Accounts, &config).unwrap();
    assert_eq!(o.sniffed.encoding, Some(Encoding::Utf8));
    assert_eq!(o.sniffed.delimiter, Some(b','));
    let a = accounts(&recs);
    assert_eq!(a.len(), 2);
    assert_eq!(a[0].email.as_str(), "anna.ek@falun.example");
    assert_eq!(a[0].kommun.unwrap().to_string(), "2080");
    assert!(a[0].roles.contains(Roles::UTBILDARE) && a[0].roles.contains(Roles::MEDARBETARE));
    assert_eq!(a[0].created.unwrap().to_string(), "2025-03-05");
    assert_eq!(a[0].delresa.as_ref().unwrap().as_str(), "bou");
    assert_eq!(a[1].kommun.unwrap().to_string(), "2062");
    assert_eq!(a[1].status, AccountStatus::Suspended);
}

#[test]
fn a_semicolon_windows_1252_file_with_swedish_headings_keeps_a_a_o() {
    let w = Workdir::new();
    let text = "Användarnamn;E-postadress;Förnamn;Efternamn;Kommun;Roll;Status\n\
                åsa.ör;asa.or@borlange.example;Åsa;Öräng;Borlänge kommun;Arbetsledare;Aktiv\n\
                jöns;jons@sater.example;Jöns;Älg;Säter;Samtalsledare;Avstängd\n";
    let (bytes, _, bad) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!bad);
    assert!(std::str::from_utf8(&bytes).is_err(), "the fixture really is Windows-1252");
    let p = w.inbox_file("export.csv", &bytes);
    let config = config();
    let (o, recs) = read(&p, ExportKind::Accounts, &config).unwrap();
    assert_eq!(o.sniffed.encoding, Some(Encoding::Windows1252));
    assert_eq!(o.sniffed.delimiter, Some(b';'));
    let a = accounts(&recs);
    assert_eq!(a[0].name, "Åsa Öräng");
    assert_eq!(a[0].username, "åsa.ör");
    assert_eq!(a[0].kommun.unwrap().to_string(), "2081");
    assert!(a[0].roles.contains(Roles::CHEF));
    assert!(a[1].roles.contains(Roles::UTBILDARE));
    assert_eq!(a[1].status, AccountStatus::Suspended);
}

#[test]
fn a_bom_file_optimised_for_excel_loses_its_bom_and_tab_escapes() {
    let w = Workdir::new();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(
        "Username,User's Email,User ID Number,User's Fullname,User's Organisation Name(s),User's Position Name(s)\n\
         \t-lisa,lisa@avesta.example,\t-20,\t=Lisa Berg,Avesta,Medarbetare\n"
            .as_bytes(),
    );
    let p = w.inbox_file("report.csv", &bytes);
    let (o, recs) = read(&p, ExportKind::Accounts, &config()).unwrap();
    assert_eq!(o.sniffed.encoding, Some(Encoding::Utf8Bom));
    let a = accounts(&recs);
    assert_eq!(a[0].username, "-lisa", "the first heading is found despite the BOM and the escape is undone");
    assert_eq!(a[0].name, "=Lisa Berg");
}

#[test]
fn a_tab_separated_report_with_extra_columns_is_read() {
    let w = Workdir::new();
    let text = "Course Name\tExtra\tUsername\tCompletion Status\tDate Started\tCompletion Date\tAnother\n\
                Samtal och delaktighet\tx\tanna.ek\tComplete via RPL\t5 Mar 2026\t5 mars 2026, 09:00\ty\n\
                Samtal och delaktighet\tx\tbo.alm\t25\t\t\ty\n\
                Utsatthet och våld\tx\tbo.alm\tÄnnu ej påbörjad\t\t\ty\n";
    let p = w.inbox_file("course_completion.csv", text.as_bytes());
    let config = config();
    assert_eq!(recognise_file(&p, &config).unwrap().kind, InputKind::Completions);
    let (o, recs) = read(&p, ExportKind::Completions, &config).unwrap();
    assert_eq!(o.sniffed.delimiter, Some(b'\t'));
    let c: Vec<&Completion> = recs
        .iter()
        .map(|r| match r {
            ExportRecord::Completion(c) => c,
            _ => panic!(),
        })
        .collect();
    assert_eq!(c[0].status, CompletionStatus::Complete);
    assert_eq!(c[0].completed.unwrap().to_string(), "2026-03-05");
    assert_eq!(c[1].status, CompletionStatus::InProgress);
    assert_eq!(c[2].status, CompletionStatus::NotStarted);
}

#[test]
fn an_xlsx_report_with_date_cells_is_read() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let w = Workdir::new();
    let p = w.inbox().join("report.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let date = Format::new().set_num_format("d mmm yyyy");
    for (c, h) in ["Username", "Course Name", "Completion Status", "Date Started", "Completion Date"].iter().enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "anna.ek").unwrap();
    ws.write_string(1, 1, "Samtal och delaktighet").unwrap();
    ws.write_string(1, 2, "Complete").unwrap();
    ws.write_datetime_with_format(1, 3, ExcelDateTime::from_ymd(2026, 2, 3).unwrap(), &date).unwrap();
    ws.write_datetime_with_format(1, 4, ExcelDateTime::from_ymd(2026, 3, 4).unwrap(), &date).unwrap();
    wb.save(&p).unwrap();
    let config = config();
    assert_eq!(recognise_file(&p, &config).unwrap().kind, InputKind::Completions);
    let (o, recs) = read(&p, ExportKind::Completions, &config).unwrap();
    assert_eq!(o.sniffed.format, yrkesresan::ingest::exports::Format::Spreadsheet);
    let ExportRecord::Completion(c) = &recs[0] else { panic!() };
    assert_eq!(c.started.unwrap().to_string(), "2026-02-03");
    assert_eq!(c.completed.unwrap().to_string(), "2026-03-04");
}

#[test]
fn an_ods_report_of_seminar_signups_is_read() {
    let w = Workdir::new();
    let p = w.inbox().join("report.ods");
    write_ods(
        &p,
        &[
            vec!["Username", "Course Name", "Seminar Name", "Session Start Date/Time", "Signup status"],
            vec!["anna.ek", "Samtal och delaktighet", "Kursdagar R1", "5 March 2026, 9:00 AM", "Fully attended"],
            vec!["bo.alm", "Samtal och delaktighet", "Kursdagar R1", "5 mars 2026, 09:00", "80"],
        ],
    );
    let config = config();
    assert_eq!(recognise_file(&p, &config).unwrap().kind, InputKind::Signups);
    let (_, recs) = read(&p, ExportKind::Signups, &config).unwrap();
    let s: Vec<&Signup> = recs
        .iter()
        .map(|r| match r {
            ExportRecord::Signup(s) => s,
            _ => panic!(),
        })
        .collect();
    assert_eq!(s.len(), 2);
    assert!(s[0].status.attended());
    assert_eq!(s[0].session_start.to_string(), "2026-03-05 09:00:00");
    assert!(!s[1].status.attended());
    assert_eq!(s[1].status.code(), 80);
}

#[test]
fn a_custom_heading_in_config_is_mapped() {
    let w = Workdir::new();
    let config_path =
        w.config_appending("[ingest.accounts.columns]\nemail = [\"Arbetsmejl\"]\nmunicipality = [\"Förvaltning\"]\n");
    let config = yrkesresan::config::load(&config_path).unwrap();
    let p = w.inbox_file(
        "r.csv",
        "Username,Arbetsmejl,Förvaltning,Roll\nanna,anna@falun.example,Falun,Medarbetare\n".as_bytes(),
    );
    assert_eq!(recognise_file(&p, &config).unwrap().kind, InputKind::Accounts);
    let (o, recs) = read(&p, ExportKind::Accounts, &config).unwrap();
    assert!(o.mapped.iter().any(|m| m == "email ← 'Arbetsmejl'"), "{:?}", o.mapped);
    assert_eq!(accounts(&recs)[0].email.as_str(), "anna@falun.example");
    // Without the config heading the file is not an accounts export.
    assert!(read(&p, ExportKind::Accounts, &super::helpers::config()).is_err());
}

#[test]
fn a_missing_column_is_named_with_the_headings_found() {
    let w = Workdir::new();
    let p = w.inbox_file("r.csv", b"Username,User's Email,Position\nanna,anna@falun.example,Medarbetare\n");
    let err = read(&p, ExportKind::Accounts, &config()).unwrap_err().to_string();
    assert!(err.contains("municipality (any of: User's Organisation Name(s), Organisation, Kommun)"), "{err}");
    assert!(err.contains("headings found: 'Username', 'User's Email', 'Position'"), "{err}");
}

#[test]
fn bad_rows_name_line_column_and_value_and_reject_the_file() {
    let w = Workdir::new();
    let text = "Username,Course Name,Completion Status,Date Started\n\
                anna,Kurs A,Complete,5 Mar 2026\n\
                bo,Kurs A,Nästan klar,5 Mar 2026\n\
                cia,Kurs A,Complete,den femte\n";
    let p = w.inbox_file("c.csv", text.as_bytes());
    let err = read(&p, ExportKind::Completions, &config()).unwrap_err().to_string();
    assert!(err.starts_with("2 bad row(s)"), "{err}");
    assert!(err.contains("line 3, column 'Completion Status', value 'Nästan klar'"), "{err}");
    assert!(err.contains("line 4, column 'Date Started', value 'den femte'"), "{err}");
    assert!(!err.contains("anna") && !err.contains("cia,"), "no personal data beyond the offending cell: {err}");

    let lenient = w.config_appending("[ingest.completions]\nreject_bad_rows = false\n");
    let config = yrkesresan::config::load(&lenient).unwrap();
    let (o, recs) = read(&p, ExportKind::Completions, &config).unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(o.bad_rows.len(), 2);
    assert_eq!(o.bad_rows[0].row, 3);
}
