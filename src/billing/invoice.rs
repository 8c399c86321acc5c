//! The invoice basis (fakturaunderlag) of a month: one line per municipality,
//! article and unit price, only non-zero lines, totals that add up. Each line
//! says what kind it is and, when the config records no decision for the
//! amount, which setting is undecided (such a line is only ever preliminary).

use super::fixed_cost::instalments;
use super::BillingError;
use crate::config::{Config, NationalDays, Settlement};
use crate::domain::ParticipantDay;
use crate::domain::PotDistribution;
use crate::domain::{
    Category, InvoiceBasis, InvoiceLine, KommunKod, LineKind, Money, Month, Organiser, Quantity, Recipient,
};
use crate::domain::{ExtraKind, ExtraLine};
use std::collections::BTreeMap;

/// What the invoice basis of a month is computed from.
#[derive(Debug, Clone, Copy)]
pub struct InvoiceInputs<'a> {
    /// The month's participant-days.
    pub days: &'a [ParticipantDay],
    /// The register's hand-added lines (only `faktura` lines dated in the month count).
    pub extra_lines: &'a [ExtraLine],
    /// The year's pot distribution, in the credit month under settlement `credit`.
    pub pot: Option<&'a PotDistribution>,
}

/// The text an undecided line carries, so nobody mistakes it for a real amount.
const PRELIMINARY: &str = " – preliminärt, ej beslutat";

/// Computes the invoice basis of a month: its course-day lines, the fixed
/// cost instalments due, the register's own lines and (settlement `credit`,
/// in the credit month) the pot credit.
pub fn invoice_basis(config: &Config, month: Month, input: InvoiceInputs) -> Result<InvoiceBasis, BillingError> {
    let mut lines = day_lines(config, month, input.days);
    lines.extend(fixed_cost_lines(config, month)?);
    let a = &config.billing.articles;
    for x in input.extra_lines.iter().filter(|x| x.kind == ExtraKind::Faktura && month.contains(x.date)) {
        lines.push(InvoiceLine {
            kommun: x.kommun,
            kind: LineKind::Other,
            article: a.other.clone(),
            description: x.description.clone(),
            quantity: x.quantity,
            unit_price: x.unit_price,
            amount: x.amount,
            undecided: None,
        });
    }
    let crediting =
        config.trainer_pot.settlement == Settlement::Credit && month.number() == config.billing.pot_credit_month;
    if let Some(pot) = input.pot.filter(|p| crediting && p.year == month.year()) {
        lines.extend(pot_credit_lines(config, pot));
    }
    sort_lines(&mut lines);
    Ok(InvoiceBasis { month, lines })
}

/// The setting named when a line's amount is not decided.
fn undecided(decided: bool, setting: &str) -> Option<String> {
    (!decided).then(|| setting.to_string())
}

/// Participant-days grouped into lines by municipality, kind, article, text and price.
fn day_lines(config: &Config, month: Month, days: &[ParticipantDay]) -> Vec<InvoiceLine> {
    let a = &config.billing.articles;
    let b = &config.billing;
    // (kommun, kind, article, description, unit price, undecided) → quantity
    type Key = (KommunKod, LineKind, String, String, Money, Option<String>);
    let mut groups: BTreeMap<Key, Quantity> = BTreeMap::new();
    for d in days.iter().filter(|d| month.contains(d.date)) {
        let year = chrono::Datelike::year(&d.date);
        let (kind, article, description, open) = match (d.organiser, d.attended) {
            (Organiser::Regional, true) => (
                LineKind::CourseDays,
                a.regional(d.category).to_string(),
                format!("Regionala kursdagar, {} {year}", category_word(d.category)),
                None,
            ),
            (Organiser::Regional, false) => (
                LineKind::NoShow,
                a.no_show.clone(),
                format!("Uteblivna deltagare, regionala kursdagar {year}"),
                undecided(b.no_show_fee_decided.is_decided(), "billing.no_show_fee"),
            ),
            (Organiser::Nationell, true) if b.national_days == NationalDays::Invoice => (
                LineKind::NationalDays,
                a.national.clone(),
                format!("Nationella kursdagar: {}", d.course),
                undecided(b.national_days_decided.is_decided(), "billing.national_days"),
            ),
            _ => continue,
        };
        if d.fee.is_zero() {
            continue;
        }
        let description = if open.is_some() { description + PRELIMINARY } else { description };
        *groups.entry((d.kommun, kind, article, description, d.fee, open)).or_default() += 1;
    }
    groups
        .into_iter()
        .map(|((kommun, kind, article, description, unit_price, undecided), quantity)| InvoiceLine {
            kommun,
            kind,
            article,
            description,
            quantity,
            unit_price,
            amount: unit_price * quantity,
            undecided,
        })
        .collect()
}

/// The month's instalments of the regional fixed cost.
fn fixed_cost_lines(config: &Config, month: Month) -> Result<Vec<InvoiceLine>, BillingError> {
    let mut lines = Vec::new();
    for i in instalments(config, month)? {
        if i.amount.is_zero() {
            continue;
        }
        let open = undecided(i.decided, &format!("billing.regional_fixed_cost ({})", month.year()));
        lines.push(InvoiceLine {
            kommun: i.kommun,
            kind: LineKind::FixedCost,
            article: config.billing.articles.fixed_cost.clone(),
            description: format!(
                "Regional fast kostnad {}, delbetalning {} av {}, befolkningsandel {} %{}",
                month.year(),
                i.number,
                i.of,
                i.share_percent.to_string().replace('.', ","),
                if open.is_some() { PRELIMINARY } else { "" }
            ),
            quantity: 1,
            unit_price: i.amount,
            amount: i.amount,
            undecided: open,
        });
    }
    Ok(lines)
}

/// Each municipality's pot payout as a credit on its invoice.
fn pot_credit_lines(config: &Config, pot: &PotDistribution) -> Vec<InvoiceLine> {
    config
        .municipalities
        .iter()
        .filter_map(|m| {
            let payout = pot.payout(Recipient::Kommun(m.code));
            (!payout.is_zero()).then(|| InvoiceLine {
                kommun: m.code,
                kind: LineKind::PotCredit,
                article: config.billing.articles.pot_credit.clone(),
                description: format!("Utbildarpott {}, återbetalning till hemkommun", pot.year),
                quantity: 1,
                unit_price: -payout,
                amount: -payout,
                undecided: None,
            })
        })
        .collect()
}

/// The order finance reads: municipality, then kind, article and text.
pub(crate) fn sort_lines(lines: &mut [InvoiceLine]) {
    lines.sort_by(|a, b| {
        (a.kommun, a.kind, &a.article, &a.description).cmp(&(b.kommun, b.kind, &b.article, &b.description))
    });
}

fn category_word(c: Category) -> &'static str {
    match c {
        Category::Medarbetare => "medarbetare",
        Category::Chef => "chefer",
    }
}
