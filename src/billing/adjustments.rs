//! Late changes to an invoiced (closed) month: the month's basis is never
//! changed; the difference between what the register says now and what was
//! invoiced (plus adjustments already made) becomes adjustment lines in the
//! next open month.

use super::{InvoiceBasis, InvoiceLine, LineKind};
use crate::domain::{KommunKod, Money, Month};
use std::collections::BTreeMap;

/// One difference to invoice (or credit) later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjustment {
    /// The closed month it corrects.
    pub for_month: Month,
    /// The municipality.
    pub kommun: KommunKod,
    /// The article of the corrected lines.
    pub article: String,
    /// The unit price of the corrected lines (part of the key).
    pub unit_price: Money,
    /// What the corrected lines were about.
    pub description: String,
    /// The difference: positive = more to invoice, negative = a credit.
    pub delta: Money,
}

impl Adjustment {
    /// The adjustment as a line of the month it is invoiced in.
    pub fn line(&self) -> InvoiceLine {
        InvoiceLine {
            kommun: self.kommun,
            kind: LineKind::Adjustment,
            article: self.article.clone(),
            description: format!("Justering {}: {}", self.for_month, self.description),
            quantity: 1,
            unit_price: self.delta,
            amount: self.delta,
            undecided: None,
        }
    }
}

type Key = (KommunKod, String, Money);

/// The differences between a closed month recomputed now and what was invoiced
/// for it: its stored lines plus `earlier` adjustments (key and amount).
/// Adjustment lines the closed month itself carried were for other months and
/// are left out (recognised by their kind).
pub fn adjustments(
    recomputed: &InvoiceBasis,
    invoiced: &InvoiceBasis,
    earlier: &[(KommunKod, String, Money, Money)],
) -> Vec<Adjustment> {
    let mut now: BTreeMap<Key, (Money, String)> = BTreeMap::new();
    for l in &recomputed.lines {
        let e = now.entry((l.kommun, l.article.clone(), l.unit_price)).or_insert((Money::ZERO, l.description.clone()));
        e.0 += l.amount;
    }
    let mut then: BTreeMap<Key, (Money, String)> = BTreeMap::new();
    for l in invoiced.lines.iter().filter(|l| l.kind != LineKind::Adjustment) {
        let e = then.entry((l.kommun, l.article.clone(), l.unit_price)).or_insert((Money::ZERO, l.description.clone()));
        e.0 += l.amount;
    }
    for (k, article, unit, amount) in earlier {
        then.entry((*k, article.clone(), *unit)).or_insert((Money::ZERO, String::new())).0 += *amount;
    }
    let keys: std::collections::BTreeSet<&Key> = now.keys().chain(then.keys()).collect();
    keys.into_iter()
        .filter_map(|key| {
            let (a, d1) = now.get(key).cloned().unwrap_or((Money::ZERO, String::new()));
            let (b, d2) = then.get(key).cloned().unwrap_or((Money::ZERO, String::new()));
            let delta = a - b;
            (!delta.is_zero()).then(|| Adjustment {
                for_month: recomputed.month,
                kommun: key.0,
                article: key.1.clone(),
                unit_price: key.2,
                description: if d1.is_empty() { d2 } else { d1 },
                delta,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(k: &str, qty: u32, price: i64) -> InvoiceLine {
        InvoiceLine {
            kommun: KommunKod::parse(k).unwrap(),
            kind: LineKind::CourseDays,
            article: "YR-KURSDAG".into(),
            description: "Regionala kursdagar".into(),
            quantity: qty,
            unit_price: Money::kr(price),
            amount: Money::kr(price) * qty,
            undecided: None,
        }
    }

    #[test]
    fn only_the_difference_not_yet_adjusted_is_invoiced() {
        let m = Month::parse("2026-03").unwrap();
        let invoiced = InvoiceBasis { month: m, lines: vec![line("2080", 10, 650), line("2062", 2, 650)] };
        let now = InvoiceBasis { month: m, lines: vec![line("2080", 12, 650), line("2062", 1, 650)] };
        let a = adjustments(&now, &invoiced, &[]);
        assert_eq!(
            a.iter().map(|a| (a.kommun.to_string(), a.delta)).collect::<Vec<_>>(),
            [("2062".into(), Money::kr(-650)), ("2080".into(), Money::kr(1300))]
        );
        // An adjustment line the closed month carried for another month is not part of it.
        let mut carrying = invoiced.clone();
        carrying.lines.push(Adjustment { for_month: m, ..a[0].clone() }.line());
        assert_eq!(adjustments(&now, &carrying, &[]), a);
        // Already adjusted once: nothing more.
        let earlier: Vec<_> = a.iter().map(|a| (a.kommun, a.article.clone(), a.unit_price, a.delta)).collect();
        assert!(adjustments(&now, &invoiced, &earlier).is_empty());
    }
}
