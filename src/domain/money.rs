//! Money in Swedish kronor, exact to the öre and never a float.

use super::ParseError;
use rust_decimal::{Decimal, RoundingStrategy};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul, Neg, Sub};

/// An amount in SEK excluding VAT, held as an exact decimal.
///
/// Arithmetic stays exact; the only places that round are [`Money::round_to_ore`]
/// and [`Money::floor_to`], both with their strategy named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

/// A count on an invoice line (participant-days, instalments).
pub type Quantity = u32;

impl Money {
    /// Zero kronor.
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Wraps an exact decimal amount.
    pub fn new(d: Decimal) -> Self {
        Money(d)
    }

    /// Whole kronor.
    pub fn kr(n: i64) -> Self {
        Money(Decimal::from(n))
    }

    /// Parses `650`, `650.50`, `1 250,50`, `−20` (Unicode minus) and `2,37`.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        parse_swedish_decimal(s).map(Money)
    }

    /// The exact decimal value.
    pub fn as_decimal(self) -> Decimal {
        self.0
    }

    /// Rounds to whole öre, 50 öre-fractions away from zero (öresavrundning).
    pub fn round_to_ore(self) -> Self {
        Money(self.0.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
    }

    /// The largest multiple of `unit` not above this amount (for largest-remainder
    /// rounding). `unit` must be positive.
    pub fn floor_to(self, unit: Money) -> Self {
        Money((self.0 / unit.0).floor() * unit.0)
    }

    /// True if the amount is below zero.
    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    /// True for zero kronor.
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// The amount with exactly two decimals and a dot, as the CSV outputs want.
    pub fn to_csv(self) -> String {
        let d = self.round_to_ore().0;
        let mut d = d.normalize();
        d.rescale(2);
        d.to_string()
    }

    /// The amount as a float for spreadsheet cells only (display, never arithmetic).
    pub fn to_f64_for_display(self) -> f64 {
        use rust_decimal::prelude::ToPrimitive;
        self.round_to_ore().0.to_f64().unwrap_or(0.0)
    }
}

/// Parses a decimal written the Swedish or the plain way.
pub(crate) fn parse_swedish_decimal(s: &str) -> Result<Decimal, ParseError> {
    let cleaned: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .map(|c| match c {
            '\u{2212}' => '-',
            ',' => '.',
            c => c,
        })
        .collect();
    Decimal::from_str_exact(&cleaned)
        .map(|d| d.normalize())
        .map_err(|_| ParseError::new(format!("'{}' is not a number", s.trim())))
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_csv())
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, o: Money) -> Money {
        Money(self.0 + o.0)
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, o: Money) {
        self.0 += o.0;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, o: Money) -> Money {
        Money(self.0 - o.0)
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl Mul<Quantity> for Money {
    type Output = Money;
    fn mul(self, q: Quantity) -> Money {
        Money(self.0 * Decimal::from(q))
    }
}

impl Mul<Decimal> for Money {
    type Output = Money;
    fn mul(self, q: Decimal) -> Money {
        Money(self.0 * q)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Money> for Money {
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Money {
        iter.copied().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_and_plain_numbers_parse_exactly() {
        assert_eq!(Money::parse("1 250,50").unwrap().to_csv(), "1250.50");
        assert_eq!(Money::parse("1\u{a0}250,5").unwrap().to_csv(), "1250.50");
        assert_eq!(Money::parse("\u{2212}20").unwrap().to_csv(), "-20.00");
        assert_eq!(Money::parse("2.37").unwrap().to_csv(), "2.37");
        assert!(Money::parse("12 kr").is_err());
    }

    #[test]
    fn rounding_to_ore_takes_half_away_from_zero() {
        assert_eq!(Money::parse("0.125").unwrap().round_to_ore().to_csv(), "0.13");
        assert_eq!(Money::parse("-0.125").unwrap().round_to_ore().to_csv(), "-0.13");
        assert_eq!(Money::parse("6666.665").unwrap().round_to_ore().to_csv(), "6666.67");
    }

    #[test]
    fn floor_to_a_unit() {
        let unit = Money::kr(1);
        assert_eq!(Money::parse("6666.67").unwrap().floor_to(unit), Money::kr(6666));
    }
}
