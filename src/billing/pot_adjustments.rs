//! Late changes to a delivered (frozen) trainer pot: the delivered figures
//! never change; what the register says now minus what was paid (and minus
//! what earlier adjustments already carried) is paid or deducted in the next
//! year's distribution.

use crate::domain::{Money, PotAdjustment, PotDistribution, Recipient};
use std::collections::BTreeMap;

/// Per recipient: the frozen year recomputed now against what was delivered
/// for it, less `earlier` adjustments already carried into other years.
pub fn pot_adjustments(
    recomputed: &PotDistribution,
    frozen: &PotDistribution,
    earlier: &[(Recipient, Money)],
) -> Vec<PotAdjustment> {
    let mut delta: BTreeMap<Recipient, Money> = BTreeMap::new();
    for r in &recomputed.rows {
        *delta.entry(r.recipient).or_default() += r.share;
    }
    for r in &frozen.rows {
        *delta.entry(r.recipient).or_default() -= r.share;
    }
    for (r, amount) in earlier {
        *delta.entry(*r).or_default() -= *amount;
    }
    delta
        .into_iter()
        .filter(|(_, d)| !d.is_zero())
        .map(|(recipient, amount)| PotAdjustment { for_year: frozen.year, recipient, amount })
        .collect()
}
