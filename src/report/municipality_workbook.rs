//! One municipality's workbook, attached to its e-mail: its invoice lines, its
//! accounts (with the change since last month) and course status, its
//! participants' course days, its trainers and its pot payout, its findings. It holds only
//! that municipality's people; the caller passes only their rows.

use super::style::{excel_date, filter, headings, Styles};
use super::ReportError;
use crate::billing::{AccountCount, InvoiceLine, ParticipantDay, TrainerDayRow};
use crate::config::{Config, Municipality};
use crate::domain::DelresaCode;
use crate::domain::{Money, Month, Year};
use crate::reconcile::Finding;
use crate::store::Progress;
use rust_xlsxwriter::{Chart, ChartType};
use rust_xlsxwriter::{Workbook, XlsxError};

/// Accounts of one delresa: now, and at the last snapshot before the month (if any).
pub type AccountsRow = (Option<DelresaCode>, AccountCount, Option<AccountCount>);

/// Everything one municipality's workbook shows for a month.
#[derive(Debug, Clone)]
pub struct MunicipalityReport<'a> {
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
}

/// Builds the workbook as bytes.
pub fn municipality_workbook(config: &Config, r: &MunicipalityReport) -> Result<Vec<u8>, ReportError> {
    let name = format!("{} {}", r.municipality.name, r.month);
    let s = Styles::new();
    let mut wb = Workbook::new();
    let build = |wb: &mut Workbook| -> Result<(), XlsxError> {
        summary(wb, config, r, &s)?;
        invoice_lines(wb, r, &s)?;
        accounts(wb, config, r, &s)?;
        course_status(wb, r, &s)?;
        course_days(wb, config, r, &s)?;
        trainers(wb, r, &s)?;
        findings(wb, r, &s)?;
        Ok(())
    };
    build(&mut wb).map_err(ReportError::xlsx(&name))?;
    wb.save_to_buffer().map_err(ReportError::xlsx(&name))
}

fn summary(wb: &mut Workbook, config: &Config, r: &MunicipalityReport, s: &Styles) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Sammanfattning")?;
    let m = r.municipality;
    ws.write_string_with_format(0, 0, format!("Yrkesresan {} – {}", m.name, r.month), &s.bold)?;
    let rows: Vec<(&str, String)> = vec![
        ("Kommun", format!("{} ({})", m.name, m.code)),
        ("Period", r.month.to_string()),
        ("Fakturareferens", m.invoice_reference.clone()),
        ("Deltagardagar (närvarande)", r.days.iter().filter(|d| d.attended).count().to_string()),
        ("Utbildardagar", r.trainer_days.len().to_string()),
        ("Avvikelser", r.findings.len().to_string()),
        (
            "Konton (aktiva)",
            r.accounts
                .as_ref()
                .map(|a| a.iter().map(|(_, c, _)| c.accounts).sum::<u64>().to_string())
                .unwrap_or_else(|| "–".into()),
        ),
    ];
    let mut row = 2u32;
    for (k, v) in rows {
        ws.write_string_with_format(row, 0, k, &s.bold)?;
        ws.write_string(row, 1, v)?;
        row += 1;
    }
    ws.write_string_with_format(row, 0, "Att fakturera (RSS)", &s.bold)?;
    ws.write_number_with_format(row, 1, r.total().to_f64_for_display(), &s.money_bold)?;
    row += 1;
    if let Some((year, payout)) = r.pot_payout {
        ws.write_string_with_format(row, 0, format!("Utbildarpott {year}, utbetalning"), &s.bold)?;
        ws.write_number_with_format(row, 1, payout.to_f64_for_display(), &s.money)?;
        row += 1;
    }
    let national = national_information(r);
    if !national.is_zero() {
        ws.write_string(
            row,
            0,
            "Information: nationella kursdagar i månaden, betalas av kommunen direkt till arrangören (ej RSS)",
        )?;
        ws.write_number_with_format(row, 1, national.to_f64_for_display(), &s.money)?;
        row += 1;
    }
    if let Some(per) = config.national_fee(r.month.year()) {
        row += 1;
        ws.write_string(
            row,
            0,
            format!(
                "Information: nationell fast avgift till SKR {} kr/invånare × {} invånare ({}), faktureras av SKR",
                per.to_csv().replace('.', ","),
                m.population,
                m.population_year
            ),
        )?;
        ws.write_number_with_format(row, 1, (per * m.population).to_f64_for_display(), &s.money)?;
    }
    ws.set_column_width(0, 45)?;
    ws.set_column_width(1, 28)?;
    Ok(())
}

/// What the month's attended national days cost the municipality directly
/// (not invoiced by RSS): shown as information.
fn national_information(r: &MunicipalityReport) -> Money {
    r.days.iter().filter(|d| d.fee.is_zero()).filter_map(|d| d.national_price).sum()
}

/// Headings of the accounts sheet.
pub const ACCOUNT_HEADINGS: [&str; 7] = [
    "Delresa",
    "Antal konton",
    "Varav medarbetare",
    "Varav chefer",
    "Varav utbildare",
    "Varav k-admin",
    "Förändring sedan förra månaden",
];

fn accounts(wb: &mut Workbook, config: &Config, r: &MunicipalityReport, s: &Styles) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Konton")?;
    headings(ws, 0, &ACCOUNT_HEADINGS, s)?;
    let Some(list) = &r.accounts else {
        ws.write_string(1, 0, "Ingen kontoexport från lärplattformen har lästs in ännu.")?;
        return Ok(());
    };
    let mut row = 1u32;
    let mut total = [0u64; 5];
    let mut change: Option<i64> = Some(0);
    for (d, now, before) in list {
        let name =
            d.as_ref().map(|d| config.delresa_name(d).to_string()).unwrap_or_else(|| "(ingen delresa angiven)".into());
        ws.write_string(row, 0, &name)?;
        for (i, v) in [now.accounts, now.medarbetare, now.chefer, now.utbildare, now.k_admin].into_iter().enumerate() {
            ws.write_number(row, 1 + i as u16, v as f64)?;
            total[i] += v;
        }
        match before {
            Some(b) => {
                let diff = now.accounts as i64 - b.accounts as i64;
                ws.write_number(row, 6, diff as f64)?;
                change = change.map(|c| c + diff);
            }
            None => change = None,
        }
        row += 1;
    }
    filter(ws, 0, list.len() as u32, ACCOUNT_HEADINGS.len() as u16)?;
    ws.write_string_with_format(row, 0, "Totalt", &s.bold)?;
    for (i, v) in total.iter().enumerate() {
        ws.write_number_with_format(row, 1 + i as u16, *v as f64, &s.bold)?;
    }
    if let Some(c) = change {
        ws.write_number_with_format(row, 6, c as f64, &s.bold)?;
    }
    ws.write_string(row + 2, 0, "Rollerna överlappar, så varav-kolumnerna behöver inte summera till antal konton. Avstängda och borttagna konton räknas inte.")?;
    ws.autofit();
    Ok(())
}

/// Headings of the course-status sheet.
pub const STATUS_HEADINGS: [&str; 4] = ["Kurs", "Ej påbörjad", "Pågående", "Genomfört"];

fn course_status(wb: &mut Workbook, r: &MunicipalityReport, s: &Styles) -> Result<(), XlsxError> {
    let sheet = "Kursstatus";
    let ws = wb.add_worksheet();
    ws.set_name(sheet)?;
    headings(ws, 0, &STATUS_HEADINGS, s)?;
    let Some(list) = &r.progress else {
        ws.write_string(1, 0, "Ingen export av kursstatus från lärplattformen har lästs in ännu.")?;
        return Ok(());
    };
    let mut row = 1u32;
    let mut total = [0u64; 3];
    for p in list {
        ws.write_string(row, 0, &p.course)?;
        for (i, v) in [p.not_started, p.in_progress, p.complete].into_iter().enumerate() {
            ws.write_number(row, 1 + i as u16, v as f64)?;
            total[i] += v;
        }
        row += 1;
    }
    filter(ws, 0, list.len() as u32, STATUS_HEADINGS.len() as u16)?;
    ws.write_string_with_format(row, 0, "Totalt", &s.bold)?;
    for (i, v) in total.iter().enumerate() {
        ws.write_number_with_format(row, 1 + i as u16, *v as f64, &s.bold)?;
    }
    if !list.is_empty() {
        let last = list.len() as u32;
        let mut chart = Chart::new(ChartType::BarStacked);
        chart.title().set_name("Pågående och genomfört per kurs");
        for (col, name) in [(2u16, "Pågående"), (3u16, "Genomfört")] {
            chart
                .add_series()
                .set_name(name)
                .set_categories((sheet, 1, 0, last, 0))
                .set_values((sheet, 1, col, last, col));
        }
        ws.insert_chart(row + 2, 0, &chart)?;
    }
    ws.autofit();
    Ok(())
}

/// Headings of the invoice-lines sheet.
pub const LINE_HEADINGS: [&str; 5] = ["Artikel", "Beskrivning", "Antal", "À-pris", "Belopp"];

fn invoice_lines(wb: &mut Workbook, r: &MunicipalityReport, s: &Styles) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Fakturarader")?;
    headings(ws, 0, &LINE_HEADINGS, s)?;
    let mut row = 1;
    for l in &r.lines {
        ws.write_string(row, 0, &l.article)?;
        ws.write_string(row, 1, &l.description)?;
        ws.write_number(row, 2, f64::from(l.quantity))?;
        ws.write_number_with_format(row, 3, l.unit_price.to_f64_for_display(), &s.money)?;
        ws.write_number_with_format(row, 4, l.amount.to_f64_for_display(), &s.money)?;
        row += 1;
    }
    filter(ws, 0, r.lines.len() as u32, LINE_HEADINGS.len() as u16)?;
    ws.write_string_with_format(row, 1, "Totalt", &s.bold)?;
    ws.write_number_with_format(row, 4, r.total().to_f64_for_display(), &s.money_bold)?;
    ws.autofit();
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
    let ws = wb.add_worksheet();
    ws.set_name("Kursdagar")?;
    headings(ws, 0, &DAY_HEADINGS, s)?;
    let mut row = 1;
    for d in &r.days {
        ws.write_datetime_with_format(row, 0, excel_date(d.date)?, &s.date)?;
        ws.write_string(row, 1, d.round.as_str())?;
        ws.write_string(row, 2, &d.course)?;
        ws.write_string(row, 3, config.delresa_name(&d.delresa))?;
        ws.write_number(row, 4, f64::from(d.day.get()))?;
        ws.write_string(row, 5, &d.name)?;
        ws.write_string(row, 6, d.email.as_ref().map(|e| e.as_str()).unwrap_or(""))?;
        ws.write_string(row, 7, if d.attended { "närvarande" } else { "frånvarande" })?;
        ws.write_string(row, 8, d.organiser.as_str())?;
        ws.write_number_with_format(row, 9, d.fee.to_f64_for_display(), &s.money)?;
        if let Some(p) = d.national_price.filter(|_| d.fee.is_zero()) {
            ws.write_number_with_format(row, 10, p.to_f64_for_display(), &s.money)?;
        }
        row += 1;
    }
    filter(ws, 0, r.days.len() as u32, DAY_HEADINGS.len() as u16)?;
    let total: Money = r.days.iter().map(|d| d.fee).sum();
    ws.write_string_with_format(row, 8, "Summa", &s.bold)?;
    ws.write_number_with_format(row, 9, total.to_f64_for_display(), &s.money_bold)?;
    let national = national_information(r);
    if !national.is_zero() {
        ws.write_number_with_format(row, 10, national.to_f64_for_display(), &s.money_bold)?;
    }
    ws.autofit();
    Ok(())
}

/// Headings of the trainer sheet.
pub const TRAINER_HEADINGS: [&str; 7] = ["Datum", "Omgång", "Kurs", "Dag", "Namn", "Roll", "Poäng"];

fn trainers(wb: &mut Workbook, r: &MunicipalityReport, s: &Styles) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Utbildare")?;
    headings(ws, 0, &TRAINER_HEADINGS, s)?;
    let mut row = 1;
    for t in &r.trainer_days {
        ws.write_datetime_with_format(row, 0, excel_date(t.date)?, &s.date)?;
        ws.write_string(row, 1, t.round.as_str())?;
        ws.write_string(row, 2, &t.course)?;
        ws.write_number(row, 3, f64::from(t.day.get()))?;
        ws.write_string(row, 4, &t.name)?;
        ws.write_string(row, 5, t.role.as_str())?;
        ws.write_number_with_format(
            row,
            6,
            rust_decimal::prelude::ToPrimitive::to_f64(&t.points).unwrap_or(0.0),
            &s.decimal,
        )?;
        row += 1;
    }
    filter(ws, 0, r.trainer_days.len() as u32, TRAINER_HEADINGS.len() as u16)?;
    if let Some((year, payout)) = r.pot_payout {
        row += 1;
        ws.write_string_with_format(row, 4, format!("Utbildarpott {year}, utbetalning"), &s.bold)?;
        ws.write_number_with_format(row, 6, payout.to_f64_for_display(), &s.money_bold)?;
    }
    ws.autofit();
    Ok(())
}

fn findings(wb: &mut Workbook, r: &MunicipalityReport, s: &Styles) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Avvikelser")?;
    let head = ["Allvarlighet", "Kod", "Gäller", "Förklaring"];
    headings(ws, 0, &head, s)?;
    for (i, f) in r.findings.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, f.severity.to_string())?;
        ws.write_string(row, 1, &f.code)?;
        ws.write_string(row, 2, &f.subject)?;
        ws.write_string(row, 3, &f.detail)?;
    }
    filter(ws, 0, r.findings.len() as u32, head.len() as u16)?;
    ws.autofit();
    Ok(())
}
