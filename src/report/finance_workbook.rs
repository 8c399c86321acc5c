//! The finance workbook: the invoice basis, one sheet per month, with totals
//! per municipality and for the region, and a summary sheet over the months.

use super::style::{filter, headings, Styles};
use super::ReportError;
use crate::billing::InvoiceBasis;
use crate::config::Config;
use crate::domain::Money;
use rust_xlsxwriter::Workbook;

/// Builds the finance workbook for the given months (in order) as bytes.
pub fn finance_workbook(config: &Config, months: &[InvoiceBasis]) -> Result<Vec<u8>, ReportError> {
    let name = "fakturaunderlag";
    let e = ReportError::xlsx;
    let s = Styles::new();
    let mut wb = Workbook::new();
    summary_sheet(&mut wb, config, months, &s).map_err(e(name))?;
    for basis in months {
        month_sheet(&mut wb, config, basis, &s).map_err(e(name))?;
    }
    wb.save_to_buffer().map_err(e(name))
}

fn summary_sheet(
    wb: &mut Workbook,
    config: &Config,
    months: &[InvoiceBasis],
    s: &Styles,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Summering")?;
    let mut head = vec!["Kommunkod", "Kommun", "Fakturareferens"];
    let labels: Vec<String> = months.iter().map(|m| m.month.to_string()).collect();
    head.extend(labels.iter().map(String::as_str));
    head.push("Summa");
    headings(ws, 0, &head, s)?;
    let mut row = 1u32;
    for m in &config.municipalities {
        ws.write_string(row, 0, m.code.to_string())?;
        ws.write_string(row, 1, &m.name)?;
        ws.write_string(row, 2, &m.invoice_reference)?;
        let mut sum = Money::ZERO;
        for (i, b) in months.iter().enumerate() {
            let t = b.total_of(m.code);
            sum += t;
            ws.write_number_with_format(row, 3 + i as u16, t.to_f64_for_display(), &s.money)?;
        }
        ws.write_number_with_format(row, 3 + months.len() as u16, sum.to_f64_for_display(), &s.money_bold)?;
        row += 1;
    }
    ws.write_string_with_format(row, 1, "Totalt", &s.bold)?;
    let mut all = Money::ZERO;
    for (i, b) in months.iter().enumerate() {
        all += b.total();
        ws.write_number_with_format(row, 3 + i as u16, b.total().to_f64_for_display(), &s.money_bold)?;
    }
    ws.write_number_with_format(row, 3 + months.len() as u16, all.to_f64_for_display(), &s.money_bold)?;
    ws.autofit();
    Ok(())
}

/// The headings of a month sheet (finance imports these columns).
pub const MONTH_HEADINGS: [&str; 8] =
    ["Kommunkod", "Kommun", "Fakturareferens", "Artikel", "Beskrivning", "Antal", "À-pris", "Belopp"];

fn month_sheet(
    wb: &mut Workbook,
    config: &Config,
    basis: &InvoiceBasis,
    s: &Styles,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name(basis.month.to_string())?;
    headings(ws, 0, &MONTH_HEADINGS, s)?;
    let mut row = 1u32;
    for l in &basis.lines {
        let m = config.municipality(l.kommun);
        ws.write_string(row, 0, l.kommun.to_string())?;
        ws.write_string(row, 1, m.map(|m| m.name.as_str()).unwrap_or(""))?;
        ws.write_string(row, 2, m.map(|m| m.invoice_reference.as_str()).unwrap_or(""))?;
        ws.write_string(row, 3, &l.article)?;
        ws.write_string(row, 4, &l.description)?;
        ws.write_number(row, 5, f64::from(l.quantity))?;
        ws.write_number_with_format(row, 6, l.unit_price.to_f64_for_display(), &s.money)?;
        ws.write_number_with_format(row, 7, l.amount.to_f64_for_display(), &s.money)?;
        row += 1;
    }
    filter(ws, 0, basis.lines.len() as u32, MONTH_HEADINGS.len() as u16)?;
    row += 1;
    ws.write_string_with_format(row, 0, "Summa per kommun", &s.bold)?;
    row += 1;
    for k in basis.municipalities() {
        ws.write_string(row, 0, k.to_string())?;
        ws.write_string(row, 1, config.municipality(k).map(|m| m.name.as_str()).unwrap_or(""))?;
        ws.write_number_with_format(row, 7, basis.total_of(k).to_f64_for_display(), &s.money)?;
        row += 1;
    }
    ws.write_string_with_format(row, 1, "Totalt", &s.bold)?;
    ws.write_number_with_format(row, 7, basis.total().to_f64_for_display(), &s.money_bold)?;
    ws.autofit();
    Ok(())
}
