//! The invoice basis (fakturaunderlag) of a month: one line per municipality,
//! article and unit price, only non-zero lines, totals that add up.

use super::fixed_cost::instalments;
use super::participant_days::ParticipantDay;
use super::trainer_pot::PotDistribution;
use crate::config::Config;
use crate::domain::{Category, KommunKod, Money, Month, Organiser, Quantity, Recipient};
use std::collections::BTreeMap;

/// One line for finance.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceLine {
    /// The municipality invoiced.
    pub kommun: KommunKod,
    /// Article code (config).
    pub article: String,
    /// Swedish description.
    pub description: String,
    /// How many units.
    pub quantity: Quantity,
    /// Price per unit.
    pub unit_price: Money,
    /// `quantity × unit_price`.
    pub amount: Money,
}

/// The invoice basis of one month.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceBasis {
    /// The month invoiced.
    pub month: Month,
    /// Lines sorted by municipality code, then in article order.
    pub lines: Vec<InvoiceLine>,
}

impl InvoiceBasis {
    /// The lines of one municipality.
    pub fn lines_of(&self, k: KommunKod) -> impl Iterator<Item = &InvoiceLine> {
        self.lines.iter().filter(move |l| l.kommun == k)
    }

    /// A municipality's total.
    pub fn total_of(&self, k: KommunKod) -> Money {
        self.lines_of(k).map(|l| l.amount).sum()
    }

    /// The region's total.
    pub fn total(&self) -> Money {
        self.lines.iter().map(|l| l.amount).sum()
    }

    /// The municipalities with lines, in code order.
    pub fn municipalities(&self) -> Vec<KommunKod> {
        let mut v: Vec<KommunKod> = self.lines.iter().map(|l| l.kommun).collect();
        v.dedup();
        v
    }
}

/// Computes the invoice basis of a month from its participant-days, the fixed
/// cost schedule and (in the credit month) the year's pot distribution.
pub fn invoice_basis(
    config: &Config,
    month: Month,
    days: &[ParticipantDay],
    pot: Option<&PotDistribution>,
) -> InvoiceBasis {
    let a = &config.billing.articles;
    // (kommun, article order, article, description, unit price) → quantity
    let mut groups: BTreeMap<(KommunKod, u8, String, String, Money), Quantity> = BTreeMap::new();
    for d in days.iter().filter(|d| d.month_matches(month)) {
        let (order, article, description) = match (d.organiser, d.attended) {
            (Organiser::Regional, true) => (
                category_order(d.category),
                a.regional(d.category).to_string(),
                format!("Regionala kursdagar, {} {}", category_word(d.category), d.date_year()),
            ),
            (Organiser::Regional, false) => {
                (2, a.no_show.clone(), format!("Uteblivna deltagare, regionala kursdagar {}", d.date_year()))
            }
            (Organiser::Nationell, true) => (3, a.national.clone(), format!("Nationella kursdagar: {}", d.course)),
            _ => continue,
        };
        if d.fee.is_zero() {
            continue;
        }
        *groups.entry((d.kommun, order, article, description, d.fee)).or_default() += 1;
    }
    let mut lines: Vec<(u8, InvoiceLine)> = groups
        .into_iter()
        .map(|((kommun, order, article, description, unit_price), quantity)| {
            (order, InvoiceLine { kommun, article, description, quantity, unit_price, amount: unit_price * quantity })
        })
        .collect();
    for i in instalments(config, month) {
        if i.amount.is_zero() {
            continue;
        }
        let prelim = if i.placeholder { " (preliminärt belopp)" } else { "" };
        lines.push((
            4,
            InvoiceLine {
                kommun: i.kommun,
                article: a.fixed_cost.clone(),
                description: format!(
                    "Regional fast kostnad {}, delbetalning {} av {}, befolkningsandel {} %{prelim}",
                    month.year(),
                    i.number,
                    i.of,
                    i.share_percent.to_string().replace('.', ",")
                ),
                quantity: 1,
                unit_price: i.amount,
                amount: i.amount,
            },
        ));
    }
    if month.number() == config.billing.pot_credit_month {
        if let Some(pot) = pot.filter(|p| p.year == month.year()) {
            for m in &config.municipalities {
                let payout = pot.payout(Recipient::Kommun(m.code));
                if payout.is_zero() {
                    continue;
                }
                lines.push((
                    5,
                    InvoiceLine {
                        kommun: m.code,
                        article: a.pot_credit.clone(),
                        description: format!("Utbildarpott {}, återbetalning till hemkommun", pot.year),
                        quantity: 1,
                        unit_price: -payout,
                        amount: -payout,
                    },
                ));
            }
        }
    }
    lines.sort_by(|(oa, a), (ob, b)| (a.kommun, *oa, &a.description).cmp(&(b.kommun, *ob, &b.description)));
    InvoiceBasis { month, lines: lines.into_iter().map(|(_, l)| l).collect() }
}

fn category_order(c: Category) -> u8 {
    match c {
        Category::Medarbetare => 0,
        Category::Chef => 1,
    }
}

fn category_word(c: Category) -> &'static str {
    match c {
        Category::Medarbetare => "medarbetare",
        Category::Chef => "chefer",
    }
}

impl ParticipantDay {
    fn month_matches(&self, m: Month) -> bool {
        m.contains(self.date)
    }

    fn date_year(&self) -> i32 {
        chrono::Datelike::year(&self.date)
    }
}
