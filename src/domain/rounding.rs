//! Largest-remainder rounding: round shares to a unit so they sum to a total.
//!
//! Each exact share is floored to the unit; the units left over go one each to
//! the shares with the largest remainders, ties broken by the order of the
//! input (callers sort by municipality code). Never round per item first.

use crate::domain::Money;

/// Why shares could not be rounded so that they sum to their total.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot round {count} share(s) summing to {sum} kr to multiples of {unit} kr that add up to {total} kr; \
     the total must be a multiple of the unit and equal the sum of the shares"
)]
pub struct RoundingError {
    /// How many shares.
    pub count: usize,
    /// Their exact sum.
    pub sum: Money,
    /// The total asked for.
    pub total: Money,
    /// The unit.
    pub unit: Money,
}

/// The decimals at which two remainders count as equal.
const TIE_DECIMALS: u32 = 12;

/// Rounds `exact` to multiples of `unit` so that the result sums to `total`.
///
/// `total` must be a multiple of `unit` and equal the sum of `exact` up to less
/// than one unit per item; both hold for the pot and for population splits.
/// If they do not, the split is refused rather than made to add up wrongly.
pub fn largest_remainder(exact: &[Money], total: Money, unit: Money) -> Result<Vec<Money>, RoundingError> {
    let sum: Money = exact.iter().sum();
    let refuse = || RoundingError { count: exact.len(), sum, total, unit };
    if unit <= Money::ZERO || !(total.as_decimal() / unit.as_decimal()).fract().is_zero() {
        return Err(refuse());
    }
    // The shares must already sum to the total (up to the last digits of a
    // division); rounding distributes remainders, it never makes up money.
    if (total - sum).as_decimal().abs() > rust_decimal::Decimal::new(1, 9) {
        return Err(refuse());
    }
    let mut out: Vec<Money> = exact.iter().map(|e| e.floor_to(unit)).collect();
    let floored: Money = out.iter().sum();
    let left = (total - floored).as_decimal() / unit.as_decimal();
    if !left.fract().is_zero() || left.is_sign_negative() && !left.is_zero() {
        return Err(refuse());
    }
    let mut left: i64 = left.try_into().map_err(|_| refuse())?;
    if left > exact.len() as i64 || (exact.is_empty() && left > 0) {
        return Err(refuse());
    }
    // Remainders are compared at 12 decimals (a billionth of an öre): shares
    // computed by division differ in their last digits (1/6 + 1/6 is not
    // exactly 1/3 in 28 digits), and equal shares must tie so that the input
    // order (municipality code) decides, not rounding noise.
    let remainder = |i: usize| (exact[i] - out[i]).as_decimal().round_dp(TIE_DECIMALS);
    let mut order: Vec<usize> = (0..exact.len()).collect();
    order.sort_by(|&a, &b| remainder(b).cmp(&remainder(a)).then(a.cmp(&b)));
    let mut i = 0;
    while left > 0 {
        out[order[i]] += unit;
        left -= 1;
        i += 1;
    }
    Ok(out)
}

/// Splits `total` by integer weights into multiples of `unit` that sum to it.
pub fn split_by_weights(total: Money, weights: &[u64], unit: Money) -> Result<Vec<Money>, RoundingError> {
    let sum: u64 = weights.iter().sum();
    if sum == 0 {
        return Ok(vec![Money::ZERO; weights.len()]);
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
        let r = largest_remainder(&exact, Money::kr(20000), Money::kr(1)).unwrap();
        assert_eq!(r, vec![Money::kr(8000), Money::kr(6667), Money::kr(5333)]);
    }

    #[test]
    fn ties_on_exact_remainders_go_to_the_first_in_order() {
        // Callers pass shares in municipality-code order: the lower code wins a tie.
        let exact = [m("0.5"), m("0.5")];
        assert_eq!(largest_remainder(&exact, Money::kr(1), Money::kr(1)).unwrap(), vec![Money::kr(1), Money::kr(0)]);
        // A remainder larger by far less than an öre still wins.
        let exact = [m("0.5"), m("0.5000000001")];
        assert_eq!(largest_remainder(&exact, Money::kr(1), Money::kr(1)).unwrap(), vec![Money::kr(0), Money::kr(1)]);
        // Equal shares that division left different in their last digits tie:
        // 400/3 against 400/6 + 400/6, the lower code (first) gets the krona.
        let third = m("400") * (rust_decimal::Decimal::ONE / rust_decimal::Decimal::from(3));
        let sixth = m("400") * (rust_decimal::Decimal::ONE / rust_decimal::Decimal::from(6));
        assert_ne!(third, sixth + sixth, "the test needs shares unequal in their last digits");
        let exact = [third, sixth + sixth, third];
        let total = Money::kr(400);
        assert_eq!(
            largest_remainder(&exact, total, Money::kr(1)).unwrap(),
            vec![Money::kr(134), Money::kr(133), Money::kr(133)]
        );
    }

    #[test]
    fn a_split_that_cannot_add_up_is_refused_not_forced() {
        // The shares sum to 3, the total asked for is 5: two units cannot come from nowhere.
        let exact = [m("1"), m("2")];
        let e = largest_remainder(&exact, Money::kr(5), Money::kr(1)).unwrap_err();
        assert!(e.to_string().contains("add up to 5.00 kr"), "{e}");
        // A total that is not a multiple of the unit.
        assert!(largest_remainder(&[m("1.5")], m("1.5"), Money::kr(1)).is_err());
        // More than the shares: would need a negative remainder.
        assert!(largest_remainder(&[m("3")], Money::kr(2), Money::kr(1)).is_err());
    }

    #[test]
    fn a_population_split_adds_up_to_the_ore() {
        let parts = split_by_weights(m("1000000"), &[3, 3, 3], m("0.01")).unwrap();
        assert_eq!(parts.iter().copied().sum::<Money>(), m("1000000"));
        assert_eq!(parts[0], m("333333.34"));
        assert_eq!(parts[2], m("333333.33"));
    }
}
