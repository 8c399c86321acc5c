//! The trainer pot as people read it: the table the region publishes
//! (Kommun, Antal utbildningsdagar, Belopp, Kommentarer, Totalt), the payout
//! list for finance, and each municipality's statement with every trainer day
//! behind its payout. Every table's total is the sum of the rows shown.

use super::print::{self, PrintSetup, DATE_WIDTH, DECIMAL_WIDTH, MONEY_WIDTH};
use super::sheet::{col, rows, LongTable, TextCells};
use super::style::{filter, headings, write_date, Styles};
use super::tables::{self, payout, payout::Field};
use super::ReportError;
use crate::config::{Config, Municipality};
use crate::domain::rounding::largest_remainder;
use crate::domain::DistributionRule;
use crate::domain::{Money, Recipient};
use crate::domain::{PotDistribution, PotRow, PotTrainerDay};
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};

/// Headings of the published table (seed 000 §4.6, 004 §4.5.1).
pub const PUBLISHED_HEADINGS: [&str; 4] = ["Kommun", "Antal utbildningsdagar", "Belopp", "Kommentarer"];

/// The rows the published table lists: recipients that taught or receive money.
pub fn published_rows(pot: &PotDistribution) -> impl Iterator<Item = &PotRow> {
    pot.rows.iter().filter(|r| r.days > 0 || !r.amount.is_zero())
}

/// Writes the published table at `row`; returns the row after it.
pub(crate) fn published_table(
    ws: &mut Worksheet,
    mut row: u32,
    config: &Config,
    pot: &PotDistribution,
    s: &Styles,
) -> Result<u32, XlsxError> {
    for (c, h) in PUBLISHED_HEADINGS.iter().enumerate() {
        ws.write_text_with_format(row, col(c), h, &s.header)?;
    }
    row += 1;
    for r in published_rows(pot) {
        ws.write_text(row, 0, config.recipient_name(r.recipient))?;
        ws.write_number(row, 1, f64::from(r.days))?;
        ws.write_number_with_format(row, 2, r.amount.to_f64_for_display(), &s.money)?;
        ws.write_text_with_format(row, 3, &r.comment, &s.wrap)?;
        row += 1;
    }
    ws.write_text_with_format(row, 0, "Totalt", &s.bold)?;
    ws.write_number_with_format(row, 1, f64::from(pot.days_total()), &s.bold)?;
    ws.write_number_with_format(row, 2, pot.paid().to_f64_for_display(), &s.money_bold)?;
    if !pot.adjustments.is_empty() {
        ws.write_text(
            row,
            3,
            format!(
                "utbildarpotten {} kr och justeringar för tidigare år {} kr",
                pot.pot.to_swedish(),
                pot.adjustments_total().to_swedish()
            ),
        )?;
    }
    Ok(row + 1)
}

fn rule_text(rule: DistributionRule) -> &'static str {
    match rule {
        DistributionRule::PerDay => "varje kursdags pott delas mellan dagens utbildare efter poäng",
        DistributionRule::AnnualPool => "årets hela pott delas efter årets poäng",
    }
}

/// The payout list for finance: who gets what, with the totals that equal
/// the pot. Its columns are the CSV's ([`tables::payout`]).
pub fn payout_workbook(config: &Config, pot: &PotDistribution) -> Result<Vec<u8>, ReportError> {
    let name = "utbetalning utbildarpott";
    let s = Styles::new();
    let mut wb = Workbook::new();
    let build = |wb: &mut Workbook| -> Result<(), XlsxError> {
        let ws = wb.add_worksheet();
        ws.set_name(format!("Utbetalning {}", pot.year))?;
        let fields = tables::sheet_fields(&payout::COLUMNS);
        let at = |f| tables::position(&fields, &f);
        headings(ws, 2, &tables::headings(&payout::COLUMNS, &fields), &s)?;
        let mut row = 3u32;
        let listed: Vec<&PotRow> = published_rows(pot).collect();
        for r in &listed {
            tables::write_row(ws, row, &fields, |f| payout::value(config, r, f), &s)?;
            row += 1;
        }
        filter(ws, 2, rows(listed.len()), col(fields.len()))?;
        ws.write_text_with_format(row, at(Field::Kommun), "Totalt", &s.bold)?;
        ws.write_number_with_format(row, at(Field::Dagar), f64::from(pot.days_total()), &s.bold)?;
        ws.write_number_with_format(row, at(Field::Belopp), pot.paid().to_f64_for_display(), &s.money_bold)?;
        row += 2;
        for (label, value) in [
            (format!("Utbildarpott {} (kursdagarnas pott)", pot.year), pot.pot),
            ("Justeringar för tidigare år".to_string(), pot.adjustments_total()),
            ("Att betala ut".to_string(), pot.total()),
            ("Differens mot summan ovan".to_string(), pot.total() - pot.paid()),
        ] {
            ws.write_text_with_format(row, at(Field::Kommun), label, &s.bold)?;
            ws.write_number_with_format(row, at(Field::Belopp), value.to_f64_for_display(), &s.money_bold)?;
            row += 1;
        }
        print::min_widths(ws, &[(at(Field::Poang), DECIMAL_WIDTH), (at(Field::Belopp), MONEY_WIDTH)])?;
        let title = format!("Utbetalning av utbildarpott {} till kommuner som ställt upp med utbildare", pot.year);
        print::fit_with_title(ws, &title, &s.bold)?;
        Ok(())
    };
    build(&mut wb).map_err(ReportError::xlsx(name))?;
    let what = "Yrkesresan – utbetalning av utbildarpott";
    PrintSetup::new(&config.region.name, what, &pot.year.to_string()).apply(&mut wb);
    wb.save_to_buffer().map_err(ReportError::xlsx(name))
}

/// Headings of the statement's trainer-day table.
pub const STATEMENT_HEADINGS: [&str; 10] =
    ["Datum", "Omgång", "Kurs", "Dag", "Utbildare", "Roll", "Poäng", "Dagens pott", "Dagens poäng", "Kommunens andel"];

/// One municipality's statement: its payout step by step, every trainer day
/// behind it, and the whole year's published table.
pub fn pot_statement(config: &Config, pot: &PotDistribution, m: &Municipality) -> Result<Vec<u8>, ReportError> {
    let name = format!("utbetalningsbesked {} {}", m.name, pot.year);
    let s = Styles::new();
    let me = Recipient::Kommun(m.code);
    let row = pot.row(me).cloned();
    let mut wb = Workbook::new();
    let build = |wb: &mut Workbook| -> Result<(), XlsxError> {
        let days: Vec<_> = pot.trainer_days_of(me).collect();
        let shares: Vec<Money> = days.iter().map(|d| d.share).collect();
        let own_days = row.as_ref().map(|r| r.exact_days).unwrap_or_default().round_to_ore();
        // Each day's share to the öre, rounded so the column sums to the total shown.
        let shown = largest_remainder(&shares, own_days, Money::parse("0.01").expect("literal"))
            .unwrap_or_else(|_| shares.iter().map(|m| m.round_to_ore()).collect());
        summary_sheet(wb, config, pot, m, row.as_ref(), shown.iter().copied().sum(), &s)?;

        trainer_day_sheet(wb, &days, &shown, &s)?;

        let ws = wb.add_worksheet();
        ws.set_name("Fördelning")?;
        published_table(ws, 2, config, pot, &s)?;
        print::table(ws, 2, PUBLISHED_HEADINGS.len())?;
        print::min_widths(ws, &[(2, MONEY_WIDTH)])?;
        let title = format!("Fördelning av utbildarpott {} mellan de kommuner som ställt upp med utbildare", pot.year);
        print::fit_with_title(ws, &title, &s.bold)?;
        Ok(())
    };
    build(&mut wb).map_err(ReportError::xlsx(&name))?;
    let what = "Yrkesresan – utbildarpott, utbetalningsbesked";
    PrintSetup::new(&m.name, what, &pot.year.to_string()).one_page("Utbetalning").apply(&mut wb);
    wb.save_to_buffer().map_err(ReportError::xlsx(&name))
}

/// The statement's trainer days, each with the municipality's share to the
/// öre; the total, after the last row, covers every sheet of the table.
fn trainer_day_sheet(wb: &mut Workbook, days: &[&PotTrainerDay], shown: &[Money], s: &Styles) -> Result<(), XlsxError> {
    let mut table = LongTable::new(wb, "Utbildardagar", &STATEMENT_HEADINGS, s)?;
    let widths = [(0, DATE_WIDTH), (6, DECIMAL_WIDTH), (7, MONEY_WIDTH), (8, DECIMAL_WIDTH), (9, MONEY_WIDTH)];
    table.min_widths(&widths);
    for (d, share) in days.iter().zip(shown) {
        let (ws, r) = table.row(wb, s)?;
        write_date(ws, r, 0, d.date, s)?;
        ws.write_text(r, 1, d.round.as_str())?;
        ws.write_text(r, 2, &d.course)?;
        ws.write_number(r, 3, f64::from(d.day.get()))?;
        ws.write_text(r, 4, &d.name)?;
        ws.write_text(r, 5, d.role.as_str())?;
        ws.write_number_with_format(r, 6, d.points.to_f64().unwrap_or(0.0), &s.decimal)?;
        ws.write_number_with_format(r, 7, d.day_pot.to_f64_for_display(), &s.money)?;
        ws.write_number_with_format(r, 8, d.day_points.to_f64().unwrap_or(0.0), &s.decimal)?;
        ws.write_number_with_format(r, 9, share.to_f64_for_display(), &s.money)?;
    }
    let (ws, r) = table.tail(wb, s, 1)?;
    ws.write_text_with_format(r, 4, "Totalt", &s.bold)?;
    let points: rust_decimal::Decimal = days.iter().map(|d| d.points).sum();
    ws.write_number_with_format(r, 6, points.to_f64().unwrap_or(0.0), &s.bold)?;
    ws.write_number_with_format(r, 9, shown.iter().copied().sum::<Money>().to_f64_for_display(), &s.money_bold)?;
    table.finish(wb)
}

/// The statement's first sheet: from the days' shares to the payout, one
/// labelled amount per row, the payout the sum of the rows above it.
fn summary_sheet(
    wb: &mut Workbook,
    config: &Config,
    pot: &PotDistribution,
    m: &Municipality,
    row: Option<&PotRow>,
    days_total: Money,
    s: &Styles,
) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Utbetalning")?;
    ws.write_text_with_format(0, 0, format!("Utbildarpott {} – {}: utbetalningsbesked", pot.year, m.name), &s.bold)?;
    let facts = [
        ("Kommun", format!("{} ({})", m.name, m.code)),
        ("Fördelning", rule_text(pot.rule).to_string()),
        ("Utbildningsdagar", row.map(|r| r.days).unwrap_or(0).to_string()),
        ("Poäng", row.map(|r| r.points.normalize().to_string().replace('.', ",")).unwrap_or_else(|| "0".into())),
        ("Utbildarpott för regionen", format!("{} kr", pot.pot.to_swedish())),
    ];
    let exact = row.map(|r| (r.exact.to_swedish_4(), r.share.to_swedish()));
    let facts = facts.into_iter().chain(
        exact.map(|(exact, rounded)| ("Exakt belopp före avrundning", format!("{exact} kr (avrundat: {rounded} kr)"))),
    );
    let mut r = 2u32;
    for (k, v) in facts {
        ws.write_text_with_format(r, 0, k, &s.bold)?;
        ws.write_text(r, 1, v)?;
        r += 1;
    }
    r += 1;
    let mut steps: Vec<(String, Money)> = vec![("Summa av kommunens andelar av kursdagarnas pott".into(), days_total)];
    if let Some(row) = row {
        if !pot.extras.is_empty() {
            steps.push((
                format!(
                    "Avdrag för tillägg ur potten ({} kr av {} kr)",
                    pot.extras_total().to_swedish(),
                    pot.pot.to_swedish()
                ),
                row.deduction.round_to_ore(),
            ));
        }
        for e in pot.extras.iter().filter(|e| e.kommun == m.code) {
            let note = if e.comment.is_empty() { String::new() } else { format!(" ({})", e.comment) };
            steps.push((format!("Tillägg: {}{note}", e.description), e.amount));
        }
        let so_far: Money = steps.iter().map(|(_, a)| *a).sum();
        steps.push(("Avrundning till hela kronor (största rest)".into(), row.share - so_far));
        for a in pot.adjustments.iter().filter(|a| a.recipient == Recipient::Kommun(m.code)) {
            steps.push((format!("Justering för {} (sen ändring i kursdagsregistret)", a.for_year), a.amount));
        }
    }
    for (label, amount) in &steps {
        ws.write_text(r, 0, label)?;
        ws.write_number_with_format(r, 1, amount.to_f64_for_display(), &s.money)?;
        r += 1;
    }
    ws.write_text_with_format(r, 0, "Utbetalning", &s.bold)?;
    let payout = row.map(|r| r.amount).unwrap_or_default();
    ws.write_number_with_format(r, 1, payout.to_f64_for_display(), &s.money_bold)?;
    let when = match config.trainer_pot.settlement {
        crate::config::Settlement::Payout => format!("Utbetalas av {} i december {}.", config.region.name, pot.year),
        crate::config::Settlement::Credit => {
            format!("Krediteras på kommunens fakturaunderlag för december {}.", pot.year)
        }
    };
    ws.write_text(
        r + 2,
        0,
        format!("{when} Bladet Utbildardagar visar varje dag, bladet Fördelning hela årets fördelning."),
    )?;
    ws.set_column_width(0, 60)?;
    ws.set_column_width(1, 40)?;
    Ok(())
}
