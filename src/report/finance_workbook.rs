//! The finance workbook: the invoice basis, one sheet per month, with totals
//! per municipality and for the region, and a summary sheet over the months.

use super::invoice_lines::{all_fields, labels, min_widths, write_row};
use super::print::{self, PrintSetup};
use super::sheet::{col, rows, LongTable, TextCells};
use super::style::{headings, Styles};
use super::ReportError;
use crate::config::Config;
use crate::domain::InvoiceBasis;
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
    let period = months.first().zip(months.last()).map(|(f, l)| print::months_text(f.month, l.month));
    let mut setup = PrintSetup::new(&config.region.name, "Yrkesresan – fakturaunderlag", &period.unwrap_or_default());
    if config.municipalities.len() <= print::ONE_PAGE_ROWS {
        setup = setup.one_page("Summering");
    }
    setup.apply(&mut wb);
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
    let labels: Vec<String> = months.iter().map(|m| m.month.swedish()).collect();
    head.extend(labels.iter().map(String::as_str));
    head.push("Summa");
    headings(ws, 0, &head, s)?;
    let mut row = 1u32;
    for m in &config.municipalities {
        ws.write_text(row, 0, m.code.to_string())?;
        ws.write_text(row, 1, &m.name)?;
        ws.write_text(row, 2, &m.invoice_reference)?;
        let mut sum = Money::ZERO;
        for (i, b) in months.iter().enumerate() {
            let t = b.total_of(m.code);
            sum += t;
            ws.write_number_with_format(row, col(3 + i), t.to_f64_for_display(), &s.money)?;
        }
        ws.write_number_with_format(row, col(3 + months.len()), sum.to_f64_for_display(), &s.money_bold)?;
        row += 1;
    }
    ws.write_text_with_format(row, 1, "Totalt", &s.bold)?;
    let mut all = Money::ZERO;
    for (i, b) in months.iter().enumerate() {
        all += b.total();
        ws.write_number_with_format(row, col(3 + i), b.total().to_f64_for_display(), &s.money_bold)?;
    }
    ws.write_number_with_format(row, col(3 + months.len()), all.to_f64_for_display(), &s.money_bold)?;
    // Each month's column as wide as the sum of its amounts shows: a bound on every cell in it.
    let bounds: Vec<Money> = months.iter().map(|b| b.lines.iter().map(|l| l.amount.max(-l.amount)).sum()).collect();
    let year = bounds.iter().copied().sum();
    let widths = bounds.iter().chain([&year]).enumerate().map(|(i, m)| (col(3 + i), print::money_width(*m)));
    print::min_widths(ws, &widths.collect::<Vec<_>>())?;
    print::fit(ws);
    Ok(())
}

/// A month's invoice lines, then (after a blank row) the sum per
/// municipality and the region's total, which cover every sheet the lines
/// take.
fn month_sheet(
    wb: &mut Workbook,
    config: &Config,
    basis: &InvoiceBasis,
    s: &Styles,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let fields = all_fields();
    let mut table = LongTable::new(wb, &basis.month.swedish(), &labels(&fields), s)?;
    table.min_widths(&min_widths(&fields));
    for l in &basis.lines {
        let (ws, row) = table.row(wb, s)?;
        write_row(ws, row, config, l, &fields, s)?;
    }
    let municipalities = basis.municipalities();
    // A blank row, the heading, one row per municipality and the total.
    let (ws, mut row) = table.tail(wb, s, rows(municipalities.len()).saturating_add(3))?;
    row += 1;
    ws.write_text_with_format(row, 0, "Summa per kommun", &s.bold)?;
    row += 1;
    for k in municipalities {
        ws.write_text(row, 0, k.to_string())?;
        ws.write_text(row, 1, config.municipality(k).map(|m| m.name.as_str()).unwrap_or(""))?;
        ws.write_number_with_format(row, 7, basis.total_of(k).to_f64_for_display(), &s.money)?;
        row += 1;
    }
    ws.write_text_with_format(row, 1, "Totalt", &s.bold)?;
    ws.write_number_with_format(row, 7, basis.total().to_f64_for_display(), &s.money_bold)?;
    table.finish(wb)
}
