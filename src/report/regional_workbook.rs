//! The regional follow-up workbook for the project lead and the steering
//! group: the follow-up tables per delresa, the pot distribution (pot = sum of
//! payouts, difference shown), the trainers, the pot's course days, accounts
//! per municipality and role and course progress per municipality (the
//! shapes of seed 000, with charts), and findings per municipality.

use super::print::{self, PrintSetup, DATE_WIDTH, DECIMAL_WIDTH, MONEY_WIDTH};
use super::sheet::{col, fit_text, groups_that_fit, rows, LongTable, TextCells};
use super::style::{filter, headings, write_date, Styles};
use super::tables::progress::{heading as progress_heading, Field as ProgressField};
use super::tables::{self, accounts, findings, followup, pot};
use super::ReportError;
use crate::config::Config;
use crate::domain::DistributionRule;
use crate::domain::Finding;
use crate::domain::FollowUp;
use crate::domain::Progress;
use crate::domain::{municipality_total, AccountCount, PotDistribution};
use crate::domain::{DelresaCode, KommunKod};
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Chart, ChartType, Format, Worksheet};
use rust_xlsxwriter::{Workbook, XlsxError};
use std::collections::{BTreeMap, HashMap};

/// Accounts per (municipality, delresa).
pub type AccountTable = BTreeMap<(KommunKod, Option<DelresaCode>), AccountCount>;

/// What the regional workbook shows; each part is optional.
#[derive(Debug, Clone, Copy, Default)]
pub struct RegionalReport<'a> {
    /// The follow-up tables.
    pub followup: Option<&'a FollowUp>,
    /// The pot distribution.
    pub pot: Option<&'a PotDistribution>,
    /// Accounts per municipality, delresa and role.
    pub accounts: Option<&'a AccountTable>,
    /// Course progress per municipality.
    pub progress: Option<&'a [Progress]>,
    /// All findings.
    pub findings: &'a [Finding],
}

/// Builds the regional workbook with whichever parts are given.
pub fn regional_workbook(config: &Config, r: &RegionalReport) -> Result<Vec<u8>, ReportError> {
    let name = "regional uppföljning";
    let s = Styles::new();
    let mut wb = Workbook::new();
    wb.set_zip_compression_level(super::ZIP_LEVEL);
    let build = |wb: &mut Workbook| -> Result<(), XlsxError> {
        if let Some(f) = r.followup {
            followup_sheet(wb, config, f, &s)?;
        }
        if let Some(p) = r.pot {
            published_pot_sheet(wb, config, p, &s)?;
            pot_sheet(wb, config, p, &s)?;
            trainer_sheet(wb, config, p, &s)?;
            pot_days_sheet(wb, p, &s)?;
        }
        if let Some(a) = r.accounts {
            accounts_sheet(wb, config, a, &s)?;
        }
        if let Some(p) = r.progress {
            progress_sheet(wb, config, p, &s)?;
        }
        findings_per_municipality_sheet(wb, config, r.findings, &s)?;
        findings_sheet(wb, config, r.findings, &s)?;
        Ok(())
    };
    build(&mut wb).map_err(ReportError::xlsx(name))?;
    // The pot alone is the trainer-pot workbook (utbildarpott-YYYY.xlsx).
    let what = if r.followup.is_none() && r.pot.is_some() { "utbildarpott" } else { "uppföljning" };
    let year = r.followup.map(|f| f.year).or(r.pot.map(|p| p.year)).map(|y| y.to_string());
    PrintSetup::new(&config.region.name, &format!("Yrkesresan – {what}"), &year.unwrap_or_default()).apply(&mut wb);
    let bytes = wb.save_to_buffer().map_err(ReportError::xlsx(name));
    // A national workbook holds a hundred thousand rows of cells: let them go
    // on a helper thread while the job goes on.
    let _ = std::thread::Builder::new().name("drop".into()).spawn(move || drop(wb));
    bytes
}

/// A row of the accounts sheet (columns [`accounts::REGIONAL`]): the
/// municipality (or "Totalt") and its counts, all in `look`.
fn count_row(
    ws: &mut Worksheet,
    row: u32,
    label: &str,
    c: &AccountCount,
    s: &Styles,
    look: &Format,
) -> Result<(), XlsxError> {
    for (i, f) in accounts::REGIONAL.iter().enumerate() {
        let value = match f {
            accounts::Field::Kommun => tables::Value::Text(label.into()),
            f => accounts::count(c, *f),
        };
        value.write_as(ws, row, col(i), s, look)?;
    }
    Ok(())
}

fn accounts_sheet(wb: &mut Workbook, config: &Config, a: &AccountTable, s: &Styles) -> Result<(), XlsxError> {
    let sheet = "Konton per kommun";
    let ws = wb.add_worksheet();
    ws.set_name(sheet)?;
    ws.write_text_with_format(0, 0, "Antal konton per kommun (alla delresor; aktiva konton)", &s.bold)?;
    let head = tables::headings(&accounts::COLUMNS, &accounts::REGIONAL);
    headings(ws, 1, &head, s)?;
    let plain = Format::new();
    let mut row = 2u32;
    let mut total = AccountCount::default();
    for m in &config.municipalities {
        let c = municipality_total(a, m.code);
        count_row(ws, row, &m.name, &c, s, &plain)?;
        total = total.plus(&c);
        row += 1;
    }
    let last_data = row - 1;
    count_row(ws, row, "Totalt", &total, s, &s.bold)?;
    row += 2;
    for d in &config.delresor {
        if !a.keys().any(|(_, dd)| dd.as_ref() == Some(&d.code)) {
            continue;
        }
        ws.write_text_with_format(row, 0, format!("Yrkesresan {} – antal konton per kommun", d.name), &s.bold)?;
        row += 1;
        for (c, h) in head.iter().enumerate() {
            ws.write_text_with_format(row, col(c), h, &s.header)?;
        }
        row += 1;
        let mut sum = AccountCount::default();
        for m in &config.municipalities {
            let c = a.get(&(m.code, Some(d.code.clone()))).cloned().unwrap_or_default();
            count_row(ws, row, &m.name, &c, s, &plain)?;
            sum = sum.plus(&c);
            row += 1;
        }
        count_row(ws, row, "Totalt", &sum, s, &s.bold)?;
        row += 2;
    }
    let mut chart = Chart::new(ChartType::Column);
    chart.title().set_name("Antal konton per kommun");
    chart
        .add_series()
        .set_name("Konton")
        .set_categories((sheet, 2, 0, last_data, 0))
        .set_values((sheet, 2, 1, last_data, 1));
    chart
        .add_series()
        .set_name("Varav chefer")
        .set_categories((sheet, 2, 0, last_data, 0))
        .set_values((sheet, 2, 3, last_data, 3));
    ws.insert_chart(1, 7, &chart)?;
    ws.set_column_width(0, 45)?;
    for c in 1..6 {
        ws.set_column_width(c, 16)?;
    }
    Ok(())
}

/// Columns of the progress sheet beside the two per course: the
/// municipality and the two totals.
const PROGRESS_FIXED_COLUMNS: usize = 3;

fn progress_sheet(wb: &mut Workbook, config: &Config, progress: &[Progress], s: &Styles) -> Result<(), XlsxError> {
    let sheet = "Kursstatus per kommun";
    let ws = wb.add_worksheet();
    ws.set_name(sheet)?;
    let all: Vec<&str> = {
        let mut v: Vec<&str> = progress.iter().map(|p| p.course.as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    // Two columns per course: as many courses as Excel's columns hold.
    let courses = &all[..all.len().min(groups_that_fit(PROGRESS_FIXED_COLUMNS, 2))];
    ws.write_text_with_format(0, 0, "Pågående och genomfört per kommun och kurs", &s.bold)?;
    let sum_col = progress_headings(ws, courses, s)?;
    ws.set_freeze_panes(3, 1)?;
    print::table(ws, 2, usize::from(sum_col) + 2)?;
    let mut row = 3u32;
    let mut totals = vec![0u64; 2 * courses.len() + 2];
    // Each (municipality, course) looked up once, the first row of it counting.
    let mut of: HashMap<(KommunKod, &str), &Progress> = HashMap::with_capacity(progress.len());
    for p in progress {
        of.entry((p.kommun, p.course.as_str())).or_insert(p);
    }
    for m in &config.municipalities {
        ws.write_text(row, 0, &m.name)?;
        let (mut ip, mut done) = (0, 0);
        for (i, c) in courses.iter().enumerate() {
            let p = of.get(&(m.code, *c));
            let (a, b) = p.map(|p| (p.in_progress, p.complete)).unwrap_or((0, 0));
            ws.write_number(row, col(1 + 2 * i), a as f64)?;
            ws.write_number(row, col(2 + 2 * i), b as f64)?;
            totals[2 * i] += a;
            totals[2 * i + 1] += b;
            ip += a;
            done += b;
        }
        ws.write_number(row, sum_col, ip as f64)?;
        ws.write_number(row, sum_col + 1, done as f64)?;
        totals[2 * courses.len()] += ip;
        totals[2 * courses.len() + 1] += done;
        row += 1;
    }
    let last_data = row - 1;
    ws.write_text_with_format(row, 0, "Totalt", &s.bold)?;
    for (i, t) in totals.iter().enumerate() {
        ws.write_number_with_format(row, col(1 + i), *t as f64, &s.bold)?;
    }
    if courses.len() < all.len() {
        row += 1;
        ws.write_text(row, 0, columns_note(courses.len(), all.len()))?;
    }
    let mut chart = Chart::new(ChartType::ColumnStacked);
    chart.title().set_name("Pågående och genomfört per kommun");
    chart
        .add_series()
        .set_name(progress_heading(ProgressField::Pagaende))
        .set_categories((sheet, 3, 0, last_data, 0))
        .set_values((sheet, 3, sum_col, last_data, sum_col));
    chart
        .add_series()
        .set_name(progress_heading(ProgressField::Genomfort))
        .set_categories((sheet, 3, 0, last_data, 0))
        .set_values((sheet, 3, sum_col + 1, last_data, sum_col + 1));
    ws.insert_chart(row + 2, 0, &chart)?;
    ws.set_column_width(0, 18)?;
    Ok(())
}

/// The progress sheet's headings (from [`tables::progress`]): the
/// municipality, two columns under each course's name and the two totals,
/// whose first column it returns.
fn progress_headings(ws: &mut Worksheet, courses: &[&str], s: &Styles) -> Result<u16, XlsxError> {
    let (started, done) = (progress_heading(ProgressField::Pagaende), progress_heading(ProgressField::Genomfort));
    ws.write_text_with_format(2, 0, progress_heading(ProgressField::Kommun), &s.header)?;
    for (i, c) in courses.iter().enumerate() {
        let first = col(1 + 2 * i);
        ws.merge_range(1, first, 1, first + 1, &fit_text(c), &s.header)?;
        ws.write_text_with_format(2, first, started, &s.header)?;
        ws.write_text_with_format(2, first + 1, done, &s.header)?;
    }
    let sum_col = col(1 + 2 * courses.len());
    ws.write_text_with_format(2, sum_col, format!("{started} totalt"), &s.header)?;
    ws.write_text_with_format(2, sum_col + 1, format!("{done} totalt"), &s.header)?;
    Ok(sum_col)
}

/// The note under a progress sheet that shows only the first `shown` courses.
fn columns_note(shown: usize, all: usize) -> String {
    format!(
        "Bladet visar de första {shown} av {all} kurserna (Excel rymmer högst 16 384 kolumner); \
         summorna gäller de visade kurserna. Alla kurser finns i progress-by-municipality.csv."
    )
}

fn findings_per_municipality_sheet(
    wb: &mut Workbook,
    config: &Config,
    findings: &[Finding],
    s: &Styles,
) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Avvikelser per kommun")?;
    let mut codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    // One column per code, bounded by the fixed set of finding codes; capped
    // all the same so that no list of codes can exceed Excel's columns.
    let all = codes.len();
    codes.truncate(groups_that_fit(2, 1));
    let mut head = vec!["Kommun"];
    head.extend(codes.iter().copied());
    head.push("Totalt");
    headings(ws, 0, &head, s)?;
    let mut row = 1u32;
    let mut names: Vec<(Option<KommunKod>, String)> =
        config.municipalities.iter().map(|m| (Some(m.code), m.name.clone())).collect();
    names.push((None, format!("{} / ingen kommun", config.region.name)));
    let mut col_totals = vec![0u64; codes.len() + 1];
    // The findings counted once per (municipality, code), not once per cell.
    let mut counts: HashMap<(Option<KommunKod>, &str), u64> = HashMap::new();
    for f in findings {
        *counts.entry((f.kommun, f.code.as_str())).or_default() += 1;
    }
    for (k, name) in names {
        ws.write_text(row, 0, &name)?;
        let mut sum = 0;
        for (i, code) in codes.iter().enumerate() {
            let n = counts.get(&(k, *code)).copied().unwrap_or(0);
            ws.write_number(row, col(1 + i), n as f64)?;
            col_totals[i] += n;
            sum += n;
        }
        ws.write_number(row, col(1 + codes.len()), sum as f64)?;
        col_totals[codes.len()] += sum;
        row += 1;
    }
    ws.write_text_with_format(row, 0, "Totalt", &s.bold)?;
    for (i, t) in col_totals.iter().enumerate() {
        ws.write_number_with_format(row, col(1 + i), *t as f64, &s.bold)?;
    }
    if codes.len() < all {
        ws.write_text(
            row + 1,
            0,
            format!(
                "Bladet visar {} av {all} avvikelsekoder (Excel rymmer högst 16 384 kolumner); \
                 alla avvikelser finns i bladet Avvikelser och i reconciliation.csv.",
                codes.len()
            ),
        )?;
    }
    print::fit(ws);
    Ok(())
}

fn followup_sheet(wb: &mut Workbook, config: &Config, f: &FollowUp, s: &Styles) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Uppföljning")?;
    ws.write_text_with_format(0, 0, format!("Uppföljning {}", f.year), &s.bold)?;
    let mut row = 2u32;
    for sec in &f.sections {
        ws.write_text_with_format(row, 0, format!("Yrkesresan {}", config.delresa_name(&sec.delresa)), &s.bold)?;
        row += 1;
        for (c, h) in tables::headings(&followup::COLUMNS, &followup::SHEET).iter().enumerate() {
            ws.write_text_with_format(row, col(c), h, &s.header)?;
        }
        row += 1;
        for r in sec.rows.iter().chain(std::iter::once(&sec.total)) {
            let is_total = std::ptr::eq(r, &sec.total);
            let look = if is_total { &s.bold } else { &Format::new() };
            for (c, f) in followup::SHEET.iter().enumerate() {
                let value = match f {
                    // A course given only nationally: marked, without regional rounds and days.
                    followup::Field::Kurs if r.national_only => tables::Value::Text(format!("{}*", r.course).into()),
                    followup::Field::Omgangar | followup::Field::Kursdagar if r.national_only => tables::Value::Empty,
                    f => followup::value(&sec.delresa, r, *f),
                };
                value.write_as(ws, row, col(c), s, look)?;
            }
            row += 1;
        }
        row += 1;
    }
    ws.write_text(
        row,
        0,
        "* Nationellt genomförd kurs: räknas i anmälda och godkända, inte i omgångar och kursdagar.",
    )?;
    ws.set_column_width(0, 50)?;
    for c in 1..6 {
        ws.set_column_width(c, 16)?;
    }
    // A table per delresa, each with its headings: no single row to repeat.
    print::orientation(ws, followup::SHEET.len());
    Ok(())
}

/// The distribution in the shape the region publishes (seed 000 §4.6).
fn published_pot_sheet(wb: &mut Workbook, config: &Config, p: &PotDistribution, s: &Styles) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Fördelning utbildarpott")?;
    super::pot_tables::published_table(ws, 2, config, p, s)?;
    print::table(ws, 2, super::pot_tables::PUBLISHED_HEADINGS.len())?;
    print::min_widths(ws, &[(2, MONEY_WIDTH)])?;
    let title = format!("Fördelning av utbildarpott {} mellan de kommuner som ställt upp med utbildare", p.year);
    print::fit_with_title(ws, &title, &s.bold)?;
    Ok(())
}

/// The distribution step by step, one row per recipient (columns from
/// [`tables::pot`]), and the sums that show it equals the pot.
fn pot_sheet(wb: &mut Workbook, config: &Config, p: &PotDistribution, s: &Styles) -> Result<(), XlsxError> {
    use pot::Field::{Belopp, Exakt, Justering, Kommun, Poang};
    let ws = wb.add_worksheet();
    ws.set_name("Utbildarpott")?;
    let rule = match p.rule {
        DistributionRule::PerDay => "per kurstillfälle (per_day)",
        DistributionRule::AnnualPool => "hela årets pott efter poäng (annual_pool)",
    };
    let fields = tables::sheet_fields(&pot::COLUMNS);
    let at = |f| tables::position(&fields, &f);
    headings(ws, 2, &tables::headings(&pot::COLUMNS, &fields), s)?;
    let mut row = 3u32;
    for r in &p.rows {
        tables::write_row(ws, row, &fields, |f| pot::value(config, r, f), s)?;
        row += 1;
    }
    filter(ws, 2, rows(p.rows.len()), col(fields.len()))?;
    let paid = p.paid();
    for (label, value) in [
        ("Summa utbetalningar", paid),
        ("Utbildarpott", p.pot),
        ("Justeringar tidigare år", p.adjustments_total()),
        ("Differens", p.total() - paid),
    ] {
        ws.write_text_with_format(row, at(Kommun), label, &s.bold)?;
        ws.write_number_with_format(row, at(Belopp), value.to_f64_for_display(), &s.money_bold)?;
        row += 1;
    }
    let widths = [(Poang, DECIMAL_WIDTH), (Exakt, MONEY_WIDTH), (Belopp, MONEY_WIDTH), (Justering, MONEY_WIDTH)];
    print::min_widths(ws, &widths.map(|(f, w)| (at(f), w)))?;
    print::fit_with_title(ws, &format!("Fördelning av utbildarpott {} – {rule}", p.year), &s.bold)
}

/// Headings of the trainer sheet.
pub const TRAINER_HEADINGS: [&str; 7] =
    ["Namn", "Kommun", "Dagar kursledare", "Dagar utbildare", "Dagar reserv", "Poäng", "Exakt andel"];

fn trainer_sheet(wb: &mut Workbook, config: &Config, p: &PotDistribution, s: &Styles) -> Result<(), XlsxError> {
    let mut table = LongTable::new(wb, "Utbildare", &TRAINER_HEADINGS, s)?;
    table.min_widths(&[(5, DECIMAL_WIDTH), (6, MONEY_WIDTH)]);
    for t in &p.trainers {
        let (ws, row) = table.row(wb, s)?;
        ws.write_text(row, 0, &t.name)?;
        ws.write_text(row, 1, config.recipient_name(t.employer))?;
        ws.write_number(row, 2, f64::from(t.leader_days))?;
        ws.write_number(row, 3, f64::from(t.trainer_days))?;
        ws.write_number(row, 4, f64::from(t.reserve_days))?;
        ws.write_number_with_format(row, 5, t.points.to_f64().unwrap_or(0.0), &s.decimal)?;
        ws.write_number_with_format(row, 6, t.exact.to_f64_for_display(), &s.money)?;
    }
    table.finish(wb)
}

/// Headings of the pot's course-day sheet.
pub const POT_DAY_HEADINGS: [&str; 9] =
    ["Datum", "Omgång", "Kurs", "Dag", "Kategori", "Närvarande", "Pottsats", "Pott", "Poäng"];

fn pot_days_sheet(wb: &mut Workbook, p: &PotDistribution, s: &Styles) -> Result<(), XlsxError> {
    let mut table = LongTable::new(wb, "Kursdagar pott", &POT_DAY_HEADINGS, s)?;
    table.min_widths(&[(0, DATE_WIDTH), (6, MONEY_WIDTH), (7, MONEY_WIDTH), (8, DECIMAL_WIDTH)]);
    for d in &p.days {
        let (ws, row) = table.row(wb, s)?;
        write_date(ws, row, 0, d.date, s)?;
        ws.write_text(row, 1, d.round.as_str())?;
        ws.write_text(row, 2, &d.course)?;
        ws.write_number(row, 3, f64::from(d.day.get()))?;
        ws.write_text(row, 4, d.category.as_str())?;
        ws.write_number(row, 5, f64::from(d.attended))?;
        ws.write_number_with_format(row, 6, d.rate.to_f64_for_display(), &s.money)?;
        ws.write_number_with_format(row, 7, d.pot.to_f64_for_display(), &s.money)?;
        ws.write_number_with_format(row, 8, d.points.to_f64().unwrap_or(0.0), &s.decimal)?;
    }
    // The total, after the last row, is the whole pot: every sheet of the table.
    let (ws, row) = table.tail(wb, s, 1)?;
    ws.write_text_with_format(row, 2, "Totalt", &s.bold)?;
    ws.write_number_with_format(row, 7, p.pot.to_f64_for_display(), &s.money_bold)?;
    table.finish(wb)
}

/// Every finding, in the columns [`findings::REGIONAL`].
fn findings_sheet(wb: &mut Workbook, config: &Config, list: &[Finding], s: &Styles) -> Result<(), XlsxError> {
    use findings::Field::{Detail, Explanation, Subject};
    let fields = &findings::REGIONAL;
    let head = tables::headings(&findings::COLUMNS, fields);
    let mut table = LongTable::for_rows(wb, "Avvikelser", &head, s, list.len())?;
    let at = |f| tables::position(fields, &f);
    table.wrapped(&[(at(Explanation), 30.0), (at(Subject), 30.0), (at(Detail), 50.0)]);
    table.fill(wb, s, fields, list.iter(), |f, field| findings::value(Some(config), f, field))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};

    fn config() -> Config {
        crate::config::shipped()
    }

    /// More courses than two columns each fit in Excel's 16 384: the sheet
    /// shows those that fit, its totals add up, and a note names the CSV.
    #[test]
    fn the_progress_sheet_shows_the_courses_that_fit_and_says_where_the_rest_are() {
        let config = config();
        let kommun = config.municipalities[0].code;
        let shown = groups_that_fit(PROGRESS_FIXED_COLUMNS, 2);
        let progress: Vec<Progress> = (0..shown + 5)
            .map(|i| Progress { kommun, course: format!("Kurs {i:05}"), not_started: 0, in_progress: 1, complete: 2 })
            .collect();
        let report = RegionalReport { progress: Some(&progress), ..Default::default() };
        let bytes = regional_workbook(&config, &report).expect("no column beyond Excel's");
        let mut wb: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = wb.worksheet_range("Kursstatus per kommun").unwrap();
        let headings = range.rows().nth(2).unwrap();
        let width = headings.iter().rposition(|c| *c != Data::Empty).unwrap() + 1;
        assert_eq!(width, 1 + 2 * shown + 2);
        assert!(width <= 16_384);
        assert_eq!(headings[width - 1], "Genomfört totalt");
        let total = range.rows().find(|r| r[0] == "Totalt").expect("a total row");
        assert_eq!(
            (total[width - 2].clone(), total[width - 1].clone()),
            (Data::Float(shown as f64), Data::Float(2.0 * shown as f64))
        );
        let note = range.rows().map(|r| r[0].to_string()).find(|t| t.contains("progress-by-municipality.csv"));
        let note = note.expect("a note under the table");
        assert!(note.contains(&format!("{shown} av {}", shown + 5)), "{note}");
    }

    #[test]
    fn the_progress_sheet_has_no_note_when_every_course_fits() {
        let config = config();
        let kommun = config.municipalities[0].code;
        let progress = vec![Progress { kommun, course: "Kurs A".into(), not_started: 1, in_progress: 1, complete: 1 }];
        let report = RegionalReport { progress: Some(&progress), ..Default::default() };
        let bytes = regional_workbook(&config, &report).unwrap();
        let mut wb: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = wb.worksheet_range("Kursstatus per kommun").unwrap();
        assert!(!range.rows().any(|r| r[0].to_string().contains("progress-by-municipality.csv")));
    }
}
