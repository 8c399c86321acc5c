//! The regional follow-up workbook for the project lead and the steering
//! group: the follow-up tables per delresa, the pot distribution (pot = sum of
//! payouts, difference shown), the trainers, the pot's course days, findings.

use super::style::{excel_date, filter, headings, Styles};
use super::ReportError;
use crate::billing::{FollowUp, PotDistribution};
use crate::config::{Config, DistributionRule};
use crate::reconcile::Finding;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Workbook, XlsxError};

/// Headings of the follow-up sheet (as in the region's published reports).
pub const FOLLOWUP_HEADINGS: [&str; 6] = ["Kurs", "Kursomgångar", "Kursdagar", "Anmälda", "Godkända", "Andel godkända"];

/// Headings of the pot distribution sheet.
pub const POT_HEADINGS: [&str; 5] = ["Kommunkod", "Kommun", "Poäng", "Exakt belopp", "Utbetalning"];

/// Builds the regional workbook with whichever parts are given.
pub fn regional_workbook(
    config: &Config,
    followup: Option<&FollowUp>,
    pot: Option<&PotDistribution>,
    findings: &[Finding],
) -> Result<Vec<u8>, ReportError> {
    let name = "regional uppföljning";
    let s = Styles::new();
    let mut wb = Workbook::new();
    let build = |wb: &mut Workbook| -> Result<(), XlsxError> {
        if let Some(f) = followup {
            followup_sheet(wb, config, f, &s)?;
        }
        if let Some(p) = pot {
            pot_sheet(wb, config, p, &s)?;
            trainer_sheet(wb, config, p, &s)?;
            pot_days_sheet(wb, p, &s)?;
        }
        findings_sheet(wb, config, findings, &s)?;
        Ok(())
    };
    build(&mut wb).map_err(ReportError::xlsx(name))?;
    wb.save_to_buffer().map_err(ReportError::xlsx(name))
}

fn followup_sheet(wb: &mut Workbook, config: &Config, f: &FollowUp, s: &Styles) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Uppföljning")?;
    ws.write_string_with_format(0, 0, format!("Uppföljning {}", f.year), &s.bold)?;
    let mut row = 2u32;
    for sec in &f.sections {
        ws.write_string_with_format(row, 0, format!("Yrkesresan {}", config.delresa_name(&sec.delresa)), &s.bold)?;
        row += 1;
        for (c, h) in FOLLOWUP_HEADINGS.iter().enumerate() {
            ws.write_string_with_format(row, c as u16, *h, &s.header)?;
        }
        row += 1;
        for r in sec.rows.iter().chain(std::iter::once(&sec.total)) {
            let is_total = std::ptr::eq(r, &sec.total);
            let label = if r.national_only { format!("{}*", r.course) } else { r.course.clone() };
            let fmt = if is_total { &s.bold } else { &rust_xlsxwriter::Format::new() };
            ws.write_string_with_format(row, 0, &label, fmt)?;
            if !r.national_only {
                ws.write_number_with_format(row, 1, f64::from(r.rounds), fmt)?;
                ws.write_number_with_format(row, 2, f64::from(r.days), fmt)?;
            }
            ws.write_number_with_format(row, 3, f64::from(r.registered), fmt)?;
            ws.write_number_with_format(row, 4, f64::from(r.approved), fmt)?;
            if let Some(share) = r.share() {
                ws.write_number_with_format(row, 5, share.to_f64().unwrap_or(0.0) / 100.0, &s.percent)?;
            }
            row += 1;
        }
        row += 1;
    }
    ws.write_string(
        row,
        0,
        "* Nationellt genomförd kurs: räknas i anmälda och godkända, inte i omgångar och kursdagar.",
    )?;
    ws.set_column_width(0, 50)?;
    for c in 1..6 {
        ws.set_column_width(c, 16)?;
    }
    Ok(())
}

fn pot_sheet(wb: &mut Workbook, config: &Config, p: &PotDistribution, s: &Styles) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Utbildarpott")?;
    let rule = match p.rule {
        DistributionRule::PerDay => "per kurstillfälle (per_day)",
        DistributionRule::AnnualPool => "hela årets pott efter poäng (annual_pool)",
    };
    ws.write_string_with_format(0, 0, format!("Fördelning av utbildarpott {} – {rule}", p.year), &s.bold)?;
    headings(ws, 2, &POT_HEADINGS, s)?;
    let mut row = 3u32;
    for r in &p.rows {
        ws.write_string(row, 0, config.recipient_code(r.recipient))?;
        ws.write_string(row, 1, config.recipient_name(r.recipient))?;
        ws.write_number_with_format(row, 2, r.points.to_f64().unwrap_or(0.0), &s.decimal)?;
        ws.write_number_with_format(row, 3, r.exact.to_f64_for_display(), &s.money)?;
        ws.write_number_with_format(row, 4, r.amount.to_f64_for_display(), &s.money)?;
        row += 1;
    }
    filter(ws, 2, p.rows.len() as u32, POT_HEADINGS.len() as u16)?;
    let paid = p.paid();
    for (label, value) in [("Summa utbetalningar", paid), ("Utbildarpott", p.pot), ("Differens", p.pot - paid)] {
        ws.write_string_with_format(row, 1, label, &s.bold)?;
        ws.write_number_with_format(row, 4, value.to_f64_for_display(), &s.money_bold)?;
        row += 1;
    }
    ws.autofit();
    Ok(())
}

fn trainer_sheet(wb: &mut Workbook, config: &Config, p: &PotDistribution, s: &Styles) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Utbildare")?;
    let head = ["Namn", "Kommun", "Dagar kursledare", "Dagar utbildare", "Dagar reserv", "Poäng", "Exakt andel"];
    headings(ws, 0, &head, s)?;
    for (i, t) in p.trainers.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, &t.name)?;
        ws.write_string(row, 1, config.recipient_name(t.employer))?;
        ws.write_number(row, 2, f64::from(t.leader_days))?;
        ws.write_number(row, 3, f64::from(t.trainer_days))?;
        ws.write_number(row, 4, f64::from(t.reserve_days))?;
        ws.write_number_with_format(row, 5, t.points.to_f64().unwrap_or(0.0), &s.decimal)?;
        ws.write_number_with_format(row, 6, t.exact.to_f64_for_display(), &s.money)?;
    }
    filter(ws, 0, p.trainers.len() as u32, head.len() as u16)?;
    ws.autofit();
    Ok(())
}

fn pot_days_sheet(wb: &mut Workbook, p: &PotDistribution, s: &Styles) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Kursdagar pott")?;
    let head = ["Datum", "Omgång", "Kurs", "Dag", "Kategori", "Närvarande", "Pottsats", "Pott", "Poäng"];
    headings(ws, 0, &head, s)?;
    let mut row = 1u32;
    for d in &p.days {
        ws.write_datetime_with_format(row, 0, excel_date(d.date)?, &s.date)?;
        ws.write_string(row, 1, d.round.as_str())?;
        ws.write_string(row, 2, &d.course)?;
        ws.write_number(row, 3, f64::from(d.day.get()))?;
        ws.write_string(row, 4, d.category.as_str())?;
        ws.write_number(row, 5, f64::from(d.attended))?;
        ws.write_number_with_format(row, 6, d.rate.to_f64_for_display(), &s.money)?;
        ws.write_number_with_format(row, 7, d.pot.to_f64_for_display(), &s.money)?;
        ws.write_number_with_format(row, 8, d.points.to_f64().unwrap_or(0.0), &s.decimal)?;
        row += 1;
    }
    filter(ws, 0, p.days.len() as u32, head.len() as u16)?;
    ws.write_string_with_format(row, 2, "Totalt", &s.bold)?;
    ws.write_number_with_format(row, 7, p.pot.to_f64_for_display(), &s.money_bold)?;
    ws.autofit();
    Ok(())
}

fn findings_sheet(wb: &mut Workbook, config: &Config, findings: &[Finding], s: &Styles) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Avvikelser")?;
    let head = ["Allvarlighet", "Kod", "Kommunkod", "Kommun", "Gäller", "Förklaring"];
    headings(ws, 0, &head, s)?;
    for (i, f) in findings.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, f.severity.to_string())?;
        ws.write_string(row, 1, &f.code)?;
        ws.write_string(row, 2, f.kommun.map(|k| k.to_string()).unwrap_or_default())?;
        ws.write_string(row, 3, f.kommun.and_then(|k| config.municipality(k)).map(|m| m.name.as_str()).unwrap_or(""))?;
        ws.write_string(row, 4, &f.subject)?;
        ws.write_string(row, 5, &f.detail)?;
    }
    filter(ws, 0, findings.len() as u32, head.len() as u16)?;
    ws.autofit();
    Ok(())
}
