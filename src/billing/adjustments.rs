//! Late changes to an invoiced (closed) month: the month's basis is never
//! changed; the difference between what the register says now and what was
//! invoiced (plus adjustments already made) becomes adjustment lines in the
//! next open month.

#[cfg(test)]
use crate::domain::InvoiceLine;
use crate::domain::{Adjustment, InvoiceBasis, LineKind};
use crate::domain::{KommunKod, Money};
use std::collections::BTreeMap;

/// A closed month as the store holds it, for finding late changes.
#[derive(Debug, Clone)]
pub struct ClosedMonth {
    /// What was invoiced for it.
    pub invoiced: InvoiceBasis,
    /// Adjustments for it already invoiced in other months: (kommun, article, unit price, amount).
    pub earlier: Vec<(KommunKod, String, Money, Money)>,
    /// The frozen pot of its year, if delivered (a credited pot is never recomputed).
    pub frozen_pot: Option<crate::domain::PotDistribution>,
}

/// The adjustments late register changes make to closed months: each month
/// recomputed from the register now against what it invoiced.
pub fn late_adjustments(
    config: &crate::config::Config,
    register: &crate::domain::Register,
    closed: &[ClosedMonth],
) -> Result<Vec<Adjustment>, super::BillingError> {
    let mut out = Vec::new();
    for c in closed {
        let month = c.invoiced.month;
        let days = super::participant_days(register, config, month)?;
        let inputs =
            super::InvoiceInputs { days: &days, extra_lines: &register.extra_lines, pot: c.frozen_pot.as_ref() };
        let now = super::invoice_basis(config, month, inputs)?;
        out.extend(adjustments(&now, &c.invoiced, &c.earlier));
    }
    Ok(out)
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
    let mut undecided: BTreeMap<Key, String> = BTreeMap::new();
    for l in &recomputed.lines {
        let key = (l.kommun, l.article.clone(), l.unit_price);
        if let Some(setting) = &l.undecided {
            undecided.entry(key.clone()).or_insert_with(|| setting.clone());
        }
        let e = now.entry(key).or_insert((Money::ZERO, l.description.clone()));
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
                undecided: undecided.get(key).cloned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Month;

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
