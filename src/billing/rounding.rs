//! Largest-remainder rounding: round shares to a unit so they sum to a total.
//!
//! Each exact share is floored to the unit; the units left over go one each to
//! the shares with the largest remainders, ties broken by the order of the
//! input (callers sort by municipality code). Never round per item first.

use crate::domain::Money;

/// Rounds `exact` to multiples of `unit` so that the result sums to `total`.
///
/// `total` must be a multiple of `unit` and equal the sum of `exact` up to less
/// than one unit per item; both hold for the pot and for population splits.
pub fn largest_remainder(exact: &[Money], total: Money, unit: Money) -> Vec<Money> {
    let mut out: Vec<Money> = exact.iter().map(|e| e.floor_to(unit)).collect();
    let floored: Money = out.iter().sum();
    let left = ((total - floored).as_decimal() / unit.as_decimal()).round();
    let mut left: i64 = left.try_into().unwrap_or(0);
    let mut order: Vec<usize> = (0..exact.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = exact[a] - out[a];
        let rb = exact[b] - out[b];
        rb.cmp(&ra).then(a.cmp(&b))
    });
    let mut i = 0;
    while left > 0 && !order.is_empty() {
        out[order[i % order.len()]] += unit;
        left -= 1;
        i += 1;
    }
    out
}

/// Splits `total` by integer weights into multiples of `unit` that sum to it.
pub fn split_by_weights(total: Money, weights: &[u64], unit: Money) -> Vec<Money> {
    let sum: u64 = weights.iter().sum();
    if sum == 0 {
        return vec![Money::ZERO; weights.len()];
    }
    let exact: Vec<Money> =
        weights.iter().map(|&w| total * (rust_decimal::Decimal::from(w) / rust_decimal::Decimal::from(sum))).collect();
    largest_remainder(&exact, total, unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    #[test]
    fn the_seed_002_example_rounds_to_8000_6667_5333() {
        let exact = [m("8000"), m("6666.666666666666666666666667"), m("5333.333333333333333333333333")];
        let r = largest_remainder(&exact, Money::kr(20000), Money::kr(1));
        assert_eq!(r, vec![Money::kr(8000), Money::kr(6667), Money::kr(5333)]);
    }

    #[test]
    fn ties_go_to_the_first_in_order() {
        let exact = [m("0.5"), m("0.5")];
        assert_eq!(largest_remainder(&exact, Money::kr(1), Money::kr(1)), vec![Money::kr(1), Money::kr(0)]);
    }

    #[test]
    fn a_population_split_adds_up_to_the_ore() {
        let parts = split_by_weights(m("1000000"), &[3, 3, 3], m("0.01"));
        assert_eq!(parts.iter().copied().sum::<Money>(), m("1000000"));
        assert_eq!(parts[0], m("333333.34"));
        assert_eq!(parts[2], m("333333.33"));
    }
}
