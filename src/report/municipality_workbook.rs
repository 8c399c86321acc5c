//! One municipality's workbook, attached to its e-mail: its invoice lines, its
//! accounts (with the change since last month) and course status, its
//! participants' course days, its trainers and its pot payout, its findings. It holds only
//! that municipality's people; the caller passes only their rows.

use super::invoice_lines::{labels, write_row, OWN_FIELDS};
use super::sheet::{col, rows, LongTable, TextCells};
use super::style::{filter, headings, write_date, Styles};
use super::tables::{self, accounts, progress, Value};
use super::ReportError;
use crate::config::{Config, Municipality};
use crate::domain::DelresaCode;
use crate::domain::Progress;
use crate::domain::{AccountCount, InvoiceLine};
use crate::domain::{Finding, Owner};
use crate::domain::{Money, Month, Year};
use crate::domain::{ParticipantDay, TrainerDayRow};
use rust_xlsxwriter::{Chart, ChartType};
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};

/// Accounts of one delresa: now, and at the last snapshot before the month (if any).
pub type AccountsRow = (Option<DelresaCode>, AccountCount, Option<AccountCount>);

/// Which part of a municipality's month a workbook holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Everything (one group of contacts for all its delresor).
    Whole,
    /// The people of these delresor only (a contact person for them).
    Delresor(Vec<DelresaCode>),
    /// Figures without names: no course days, trainers or findings (the copy).
    Summary,
}

/// Everything one municipality's workbook shows for a month.
#[derive(Debug, Clone)]
pub struct MunicipalityReport<'a> {
    /// Which part it holds.
    pub part: Part,
    /// The municipality.
    pub municipality: &'a Municipality,
    /// The month.
    pub month: Month,
    /// Its invoice lines.
    pub lines: Vec<&'a InvoiceLine>,
    /// Its participants' course days in the month.
    pub days: Vec<&'a ParticipantDay>,
    /// Its trainers' days in the month.
    pub trainer_days: Vec<&'a TrainerDayRow>,
    /// The year's pot payout, in the month it is credited.
    pub pot_payout: Option<(Year, Money)>,
    /// Findings about it.
    pub findings: Vec<&'a Finding>,
    /// Its accounts per delresa: now, and at the last snapshot before the month (if any).
    pub accounts: Option<Vec<AccountsRow>>,
    /// Its course progress, from the latest completions.
    pub progress: Option<Vec<&'a Progress>>,
}

impl MunicipalityReport<'_> {
    /// The total to invoice.
    pub fn total(&self) -> Money {
        self.lines.iter().map(|l| l.amount).sum()
    }

    /// True if there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.days.is_empty() && self.trainer_days.is_empty()
    }

    /// The delresor its people were in this month, sorted.
    pub fn activity(&self) -> Vec<DelresaCode> {
        let mut d: Vec<DelresaCode> = self.days.iter().map(|d| d.delresa.clone()).collect();
        d.extend(self.trainer_days.iter().map(|t| t.delresa.clone()));
        d.sort();
        d.dedup();
        d
    }

    /// The part about the people of some delresor: their course days,
    /// trainers and findings (findings about no delresa stay); the invoice,
    /// accounts and course status, which name nobody, stay whole.
    pub fn only(&self, delresor: &[DelresaCode]) -> Self {
        let mut part = self.clone();
        part.part = Part::Delresor(delresor.to_vec());
        part.days.retain(|d| delresor.contains(&d.delresa));
        part.trainer_days.retain(|t| delresor.contains(&t.delresa));
        part.findings.retain(|f| f.delresa.as_ref().is_none_or(|d| delresor.contains(d)));
        part
    }

    /// The figures without a name: what the copy address receives.
    pub fn summary(&self) -> Self {
        MunicipalityReport { part: Part::Summary, findings: Vec::new(), ..self.clone() }
    }
}

/// Builds the workbook as bytes.
pub fn municipality_workbook(config: &Config, r: &MunicipalityReport) -> Result<Vec<u8>, ReportError> {
    workbook_with(config, r, &Styles::new())
}

/// Builds the workbook with the given look and sheet size.
fn workbook_with(config: &Config, r: &MunicipalityReport, s: &Styles) -> Result<Vec<u8>, ReportError> {
    let name = format!("{} {}", r.municipality.name, r.month.swedish());
    let mut wb = Workbook::new();
    wb.set_zip_compression_level(super::ZIP_LEVEL);
    let build = |wb: &mut Workbook| -> Result<(), XlsxError> {
        summary(wb, config, r, s)?;
        invoice_lines(wb, config, r, s)?;
        accounts(wb, config, r, s)?;
        course_status(wb, config, r, s)?;
        if r.part != Part::Summary {
            course_days(wb, config, r, s)?;
            trainers(wb, r, s)?;
            findings(wb, config, r, s)?;
        }
        Ok(())
    };
    build(&mut wb).map_err(ReportError::xlsx(&name))?;
    let period = r.month.swedish();
    let setup = super::print::PrintSetup::new(&r.municipality.name, "Yrkesresan – fakturaunderlag", &period);
    setup.one_page("Sammanfattning").apply(&mut wb);
    wb.save_to_buffer().map_err(ReportError::xlsx(&name))
}

/// The first sheet: what the workbook holds, the month's counts and amounts.
fn summary(wb: &mut Workbook, config: &Config, r: &MunicipalityReport, s: &Styles) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Sammanfattning")?;
    ws.write_text_with_format(0, 0, format!("Yrkesresan {} – {}", r.municipality.name, r.month.swedish()), &s.bold)?;
    let mut row = 2u32;
    for (k, v) in summary_facts(config, r) {
        ws.write_text_with_format(row, 0, k, &s.bold)?;
        ws.write_text(row, 1, v)?;
        row += 1;
    }
    let row = summary_amounts(ws, r, row, s)?;
    national_fee(ws, config, r, row, s)?;
    ws.set_column_width(0, 78)?;
    ws.set_column_width(1, 24)?;
    Ok(())
}

/// The summary's facts, a label and a value each: who, when, what the
/// workbook holds, and the month's days, findings and accounts.
fn summary_facts(config: &Config, r: &MunicipalityReport) -> Vec<(String, String)> {
    let m = r.municipality;
    let count = |owner: Owner| r.findings.iter().filter(|f| f.code.owner() == owner).count().to_string();
    let mut rows: Vec<(String, String)> = vec![
        ("Kommun".into(), format!("{} ({})", m.name, m.code)),
        ("Period".into(), r.month.swedish()),
        ("Arbetsboken visar".into(), holds(config, &r.part)),
        ("Fakturareferens".into(), m.invoice_reference.clone()),
        ("Deltagardagar i månaden (närvarande)".into(), r.days.iter().filter(|d| d.attended).count().to_string()),
        ("Utbildardagar i månaden".into(), r.trainer_days.len().to_string()),
    ];
    if r.part != Part::Summary {
        rows.push(("Avvikelser som kommunen åtgärdar".into(), count(Owner::Kommun)));
        rows.push(("Avvikelser som RSS åtgärdar".into(), count(Owner::Rss)));
    }
    rows.push((
        "Konton i lärplattformen (aktiva)".into(),
        r.accounts
            .as_ref()
            .map(|a| a.iter().map(|(_, c, _)| c.accounts).sum::<u64>().to_string())
            .unwrap_or_else(|| "–".into()),
    ));
    rows
}

/// What a workbook holds, in words.
fn holds(config: &Config, part: &Part) -> String {
    match part {
        Part::Whole => "alla kommunens deltagare och utbildare i månaden".to_string(),
        Part::Delresor(d) => format!(
            "deltagare och utbildare i {}",
            d.iter().map(|d| config.delresa_name(d)).collect::<Vec<_>>().join(", ")
        ),
        Part::Summary => "en sammanfattning utan namn".to_string(),
    }
}

/// The summary's amounts from `row` on: what RSS invoices, the pot payout
/// in the month it is credited, the national days paid directly
/// (information). Returns the row after them.
fn summary_amounts(ws: &mut Worksheet, r: &MunicipalityReport, mut row: u32, s: &Styles) -> Result<u32, XlsxError> {
    let month = r.month.swedish();
    ws.write_text_with_format(row, 0, format!("Att fakturera från RSS för {month}"), &s.bold)?;
    ws.write_number_with_format(row, 1, r.total().to_f64_for_display(), &s.money_bold)?;
    row += 1;
    if let Some((year, payout)) = r.pot_payout {
        ws.write_text_with_format(row, 0, format!("Utbildarpott {year}, utbetalning för hela året"), &s.bold)?;
        ws.write_number_with_format(row, 1, payout.to_f64_for_display(), &s.money)?;
        row += 1;
    }
    let national = national_information(r);
    if !national.is_zero() {
        ws.write_text(
            row,
            0,
            format!("Information: nationella kursdagar i {month}, betalas av kommunen direkt till arrangören"),
        )?;
        ws.write_number_with_format(row, 1, national.to_f64_for_display(), &s.money)?;
        row += 1;
    }
    Ok(row)
}

/// The year's national fee to SKR, when the config has one (information),
/// after a blank row at `row`, and how it is computed.
fn national_fee(
    ws: &mut Worksheet,
    config: &Config,
    r: &MunicipalityReport,
    mut row: u32,
    s: &Styles,
) -> Result<(), XlsxError> {
    let Some(per) = config.national_fee(r.month.year()) else {
        return Ok(());
    };
    let m = r.municipality;
    row += 1;
    ws.write_text(
        row,
        0,
        format!("Information: nationell avgift till SKR för {}, per år (faktureras av SKR)", r.month.year()),
    )?;
    ws.write_number_with_format(row, 1, (per * m.population).to_f64_for_display(), &s.money)?;
    row += 1;
    ws.write_text(
        row,
        0,
        format!(
            "Beräkning: {} per invånare och år × {} invånare ({})",
            per.kr_text(),
            thousands(u64::from(m.population)),
            m.population_year
        ),
    )?;
    Ok(())
}

/// A count with Swedish thousands spaces: `58 911`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(ch);
    }
    out
}

/// What the month's attended national days cost the municipality directly
/// (not invoiced by RSS): shown as information.
fn national_information(r: &MunicipalityReport) -> Money {
    r.days.iter().filter(|d| d.fee.is_zero()).filter_map(|d| d.national_price).sum()
}

/// The municipality's accounts per delresa, with the change since the
/// last snapshot before the month (columns [`accounts::MUNICIPALITY`]).
fn accounts(wb: &mut Workbook, config: &Config, r: &MunicipalityReport, s: &Styles) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Konton")?;
    let fields = &accounts::MUNICIPALITY;
    headings(ws, 0, &tables::headings(&accounts::COLUMNS, fields), s)?;
    let Some(list) = &r.accounts else {
        ws.write_text(1, 0, "Ingen kontoexport från lärplattformen har lästs in ännu.")?;
        return Ok(());
    };
    let mut row = 1u32;
    let mut total = AccountCount::default();
    let mut change: Option<i64> = Some(0);
    for (d, now, before) in list {
        let line = accounts::Row { kommun: r.municipality.code, delresa: d.as_ref(), now, before: before.as_ref() };
        tables::write_row(ws, row, fields, |f| accounts::value(config, &line, f), s)?;
        total = total.plus(now);
        change = match accounts::value(config, &line, accounts::Field::Change) {
            Value::Change(diff) => change.map(|c| c.saturating_add(diff)),
            _ => None,
        };
        row += 1;
    }
    filter(ws, 0, rows(list.len()), col(fields.len()))?;
    ws.write_text_with_format(row, 0, "Totalt", &s.bold)?;
    for f in accounts::COUNTS {
        accounts::count(&total, f).write_as(ws, row, tables::position(fields, &f), s, &s.bold)?;
    }
    if let Some(c) = change {
        Value::Change(c).write_as(ws, row, tables::position(fields, &accounts::Field::Change), s, &s.bold)?;
    }
    ws.write_text(row + 2, 0, "Rollerna överlappar, så varav-kolumnerna behöver inte summera till antal konton. Avstängda och borttagna konton räknas inte.")?;
    super::print::fit(ws);
    Ok(())
}

/// The municipality's course progress, one row per course (columns
/// [`progress::MUNICIPALITY`]), with a chart.
fn course_status(wb: &mut Workbook, config: &Config, r: &MunicipalityReport, s: &Styles) -> Result<(), XlsxError> {
    let sheet = "Kursstatus";
    let ws = wb.add_worksheet();
    ws.set_name(sheet)?;
    let fields = &progress::MUNICIPALITY;
    headings(ws, 0, &tables::headings(&progress::COLUMNS, fields), s)?;
    let Some(list) = &r.progress else {
        ws.write_text(1, 0, "Ingen export av kursstatus från lärplattformen har lästs in ännu.")?;
        return Ok(());
    };
    let mut row = 1u32;
    for p in list {
        tables::write_row(ws, row, fields, |f| progress::value(config, p, f), s)?;
        row += 1;
    }
    filter(ws, 0, rows(list.len()), col(fields.len()))?;
    ws.write_text_with_format(row, 0, "Totalt", &s.bold)?;
    for f in progress::COUNTS {
        let total: u64 = list.iter().map(|p| progress::count(p, f)).sum();
        ws.write_number_with_format(row, tables::position(fields, &f), total as f64, &s.bold)?;
    }
    if !list.is_empty() {
        let last = rows(list.len());
        let mut chart = Chart::new(ChartType::BarStacked);
        chart.title().set_name("Pågående och genomfört per kurs");
        for f in [progress::Field::Pagaende, progress::Field::Genomfort] {
            let col = tables::position(fields, &f);
            chart
                .add_series()
                .set_name(progress::heading(f))
                .set_categories((sheet, 1, 0, last, 0))
                .set_values((sheet, 1, col, last, col));
        }
        ws.insert_chart(row + 2, 0, &chart)?;
    }
    super::print::fit(ws);
    Ok(())
}

fn invoice_lines(wb: &mut Workbook, config: &Config, r: &MunicipalityReport, s: &Styles) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Fakturarader")?;
    let head = labels(&OWN_FIELDS);
    headings(ws, 0, &head, s)?;
    let mut row = 1;
    for l in &r.lines {
        write_row(ws, row, config, l, &OWN_FIELDS, s)?;
        row += 1;
    }
    filter(ws, 0, rows(r.lines.len()), col(head.len()))?;
    ws.write_text_with_format(row, 1, "Totalt", &s.bold)?;
    ws.write_number_with_format(row, 4, r.total().to_f64_for_display(), &s.money_bold)?;
    super::print::min_widths(ws, &super::invoice_lines::min_widths(&OWN_FIELDS))?;
    super::print::fit(ws);
    Ok(())
}

/// Headings of the course-day sheet.
pub const DAY_HEADINGS: [&str; 11] = [
    "Datum",
    "Omgång",
    "Kurs",
    "Delresa",
    "Dag",
    "Namn",
    "E-post",
    "Närvaro",
    "Arrangör",
    "Avgift (RSS)",
    "Pris nationell kurs (information)",
];

fn course_days(wb: &mut Workbook, config: &Config, r: &MunicipalityReport, s: &Styles) -> Result<(), XlsxError> {
    let mut table = LongTable::new(wb, "Kursdagar", &DAY_HEADINGS, s)?;
    table.min_widths(&[(0, super::print::DATE_WIDTH), (9, super::print::MONEY_WIDTH), (10, super::print::MONEY_WIDTH)]);
    for d in &r.days {
        let (ws, row) = table.row(wb, s)?;
        write_date(ws, row, 0, d.date, s)?;
        ws.write_text(row, 1, d.round.as_str())?;
        ws.write_text(row, 2, &d.course)?;
        ws.write_text(row, 3, config.delresa_name(&d.delresa))?;
        ws.write_number(row, 4, f64::from(d.day.get()))?;
        ws.write_text(row, 5, &d.name)?;
        ws.write_text(row, 6, d.email.as_ref().map(|e| e.as_str()).unwrap_or(""))?;
        ws.write_text(row, 7, if d.attended { "närvarande" } else { "frånvarande" })?;
        ws.write_text(row, 8, d.organiser.as_str())?;
        ws.write_number_with_format(row, 9, d.fee.to_f64_for_display(), &s.money)?;
        if let Some(p) = d.national_price.filter(|_| d.fee.is_zero()) {
            ws.write_number_with_format(row, 10, p.to_f64_for_display(), &s.money)?;
        }
    }
    // The sums, after the last row, cover every sheet of the table.
    let (ws, row) = table.tail(wb, s, 1)?;
    let total: Money = r.days.iter().map(|d| d.fee).sum();
    ws.write_text_with_format(row, 8, "Summa", &s.bold)?;
    ws.write_number_with_format(row, 9, total.to_f64_for_display(), &s.money_bold)?;
    let national = national_information(r);
    if !national.is_zero() {
        ws.write_number_with_format(row, 10, national.to_f64_for_display(), &s.money_bold)?;
    }
    table.finish(wb)
}

/// Headings of the trainer sheet.
pub const TRAINER_HEADINGS: [&str; 7] = ["Datum", "Omgång", "Kurs", "Dag", "Namn", "Roll", "Poäng"];

fn trainers(wb: &mut Workbook, r: &MunicipalityReport, s: &Styles) -> Result<(), XlsxError> {
    let mut table = LongTable::new(wb, "Utbildare", &TRAINER_HEADINGS, s)?;
    // Poäng, and under it the pot payout in the month it is credited.
    table.min_widths(&[(0, super::print::DATE_WIDTH), (6, super::print::MONEY_WIDTH)]);
    for t in &r.trainer_days {
        let (ws, row) = table.row(wb, s)?;
        write_date(ws, row, 0, t.date, s)?;
        ws.write_text(row, 1, t.round.as_str())?;
        ws.write_text(row, 2, &t.course)?;
        ws.write_number(row, 3, f64::from(t.day.get()))?;
        ws.write_text(row, 4, &t.name)?;
        ws.write_text(row, 5, t.role.as_str())?;
        ws.write_number_with_format(
            row,
            6,
            rust_decimal::prelude::ToPrimitive::to_f64(&t.points).unwrap_or(0.0),
            &s.decimal,
        )?;
    }
    if let Some((year, payout)) = r.pot_payout {
        let (ws, row) = table.tail(wb, s, 2)?;
        ws.write_text_with_format(row + 1, 4, format!("Utbildarpott {year}, utbetalning"), &s.bold)?;
        ws.write_number_with_format(row + 1, 6, payout.to_f64_for_display(), &s.money_bold)?;
    }
    table.finish(wb)
}

/// The municipality's open findings: what the municipality acts on first,
/// then what RSS acts on; in Swedish, the code last for reference (columns
/// [`findings::MUNICIPALITY`]).
fn findings(wb: &mut Workbook, config: &Config, r: &MunicipalityReport, s: &Styles) -> Result<(), XlsxError> {
    use tables::findings::Field::{Explanation, Subject, WhatToDo};
    let fields = &tables::findings::MUNICIPALITY;
    let head = tables::headings(&tables::findings::COLUMNS, fields);
    let mut table = LongTable::for_rows(wb, "Avvikelser", &head, s, r.findings.len())?;
    let mut list: Vec<&&Finding> = r.findings.iter().collect();
    list.sort_by_key(|f| (f.code.owner() != Owner::Kommun, f.code.as_str(), f.subject.as_str()));
    let at = |f| tables::position(fields, &f);
    table.wrapped(&[(at(Explanation), 30.0), (at(Subject), 30.0), (at(WhatToDo), 45.0)]);
    table.fill(wb, s, fields, list.iter().copied(), |f, field| tables::findings::value(Some(config), f, field))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Severity;
    use crate::domain::{Category, DayNumber, Organiser, RoundId};
    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};

    fn config() -> Config {
        crate::config::shipped()
    }

    fn day(m: &Municipality, n: u32) -> ParticipantDay {
        ParticipantDay {
            kommun: m.code,
            round: RoundId::parse("R1").unwrap(),
            course: "Samtal och delaktighet".into(),
            delresa: DelresaCode::parse("bou").unwrap(),
            category: Category::Medarbetare,
            organiser: Organiser::Regional,
            day: DayNumber::new(1).unwrap(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 3, n).unwrap(),
            name: format!("Deltagare {n}"),
            email: None,
            attended: true,
            fee: Money::parse("650").unwrap(),
            national_price: None,
        }
    }

    fn finding(m: &Municipality, n: u32) -> Finding {
        Finding::new(crate::domain::Code::DuplicateParticipant, Some(m.code), format!("Deltagare {n}"), "Dubbel rad.")
            .with_severity(Severity::Warning)
    }

    /// Five course days and five findings on sheets of three rows (heading
    /// and two rows): each table takes three sheets, and the sum after the
    /// last day covers all five.
    #[test]
    fn long_tables_continue_on_numbered_sheets_and_the_sum_covers_them_all() {
        let config = config();
        let m = &config.municipalities[0];
        let days: Vec<ParticipantDay> = (1..=5).map(|n| day(m, n)).collect();
        let findings: Vec<Finding> = (1..=5).map(|n| finding(m, n)).collect();
        let report = MunicipalityReport {
            part: Part::Whole,
            municipality: m,
            month: Month::parse("2026-03").unwrap(),
            lines: Vec::new(),
            days: days.iter().collect(),
            trainer_days: Vec::new(),
            pot_payout: None,
            findings: findings.iter().collect(),
            accounts: None,
            progress: None,
        };
        let s = Styles { max_rows: 3, ..Styles::new() };
        let bytes = workbook_with(&config, &report, &s).unwrap();
        let mut wb: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(
            wb.sheet_names(),
            [
                "Sammanfattning",
                "Fakturarader",
                "Konton",
                "Kursstatus",
                "Kursdagar",
                "Kursdagar (2)",
                "Kursdagar (3)",
                "Utbildare",
                "Avvikelser",
                "Avvikelser (2)",
                "Avvikelser (3)"
            ]
        );
        let names: Vec<String> = ["Kursdagar", "Kursdagar (2)", "Kursdagar (3)"]
            .iter()
            .flat_map(|sheet| {
                let r = wb.worksheet_range(sheet).unwrap();
                assert_eq!(r.get_value((0, 5)), Some(&Data::String("Namn".into())), "{sheet}: the heading repeated");
                r.rows().skip(1).map(|row| row[5].to_string()).filter(|n| !n.is_empty()).collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(names, (1..=5).map(|n| format!("Deltagare {n}")).collect::<Vec<_>>(), "every day, in order");
        let last = wb.worksheet_range("Kursdagar (3)").unwrap();
        let sum = last.rows().find(|r| r[8] == "Summa").expect("the sum on the last sheet");
        assert_eq!(sum[9], Data::Float(3250.0), "5 × 650 kr over all three sheets");
        let subjects: usize = ["Avvikelser", "Avvikelser (2)", "Avvikelser (3)"]
            .iter()
            .map(|sheet| wb.worksheet_range(sheet).unwrap().rows().skip(1).count())
            .sum();
        assert_eq!(subjects, 5);
    }
}
