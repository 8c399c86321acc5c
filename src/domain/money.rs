//! Money in Swedish kronor, exact to the öre and never a float.

use super::ParseError;
use rust_decimal::{Decimal, RoundingStrategy};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};

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

    /// The largest amount accepted from a config or a register (one thousand
    /// billion kronor). Every product and sum the pipeline forms from bounded
    /// amounts and row counts stays far inside `Decimal`'s range, so money
    /// arithmetic past the edges cannot overflow.
    pub const MAX: Money = Money(Decimal::from_parts(3_567_587_328, 232, 0, false, 0));

    /// Parses `650`, `650.50`, `1 250,50`, `−20` (Unicode minus) and `2,37`.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        parse_swedish_decimal(s).map(Money)
    }

    /// Parses an amount a person wrote (config, register): like [`Money::parse`],
    /// but it must be whole öre and at most [`Money::MAX`] either way, never
    /// silently rounded.
    pub fn parse_amount(s: &str) -> Result<Self, ParseError> {
        Money::parse(s)?.exact_amount()
    }

    /// Checks an amount a person wrote: whole öre, and within ±[`Money::MAX`].
    pub fn exact_amount(self) -> Result<Self, ParseError> {
        if self.0.abs() > Money::MAX.0 {
            return Err(ParseError::new(format!(
                "{} kr is larger than the largest amount accepted ({} kr)",
                self.0,
                Money::MAX.0
            )));
        }
        if self.0.normalize().scale() > 2 {
            return Err(ParseError::new(format!(
                "{} is not whole öre (at most two decimals); write the amount exactly",
                self.0.normalize()
            )));
        }
        Ok(self)
    }

    /// `self × q`, or `None` if the product does not fit (instead of a panic).
    pub fn checked_mul(self, q: Decimal) -> Option<Money> {
        self.0.checked_mul(q).map(Money)
    }

    /// `self + o`, or `None` if the sum does not fit (instead of a panic).
    pub fn checked_add(self, o: Money) -> Option<Money> {
        self.0.checked_add(o.0).map(Money)
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

    /// The amount as a Swedish office writes it, without the unit: `5 200,00`,
    /// `-400,00` (thin grouping by a space, comma decimals, rounded to öre).
    pub fn to_swedish(self) -> String {
        let csv = self.to_csv();
        let (int, dec) = csv.split_once('.').unwrap_or((&csv, "00"));
        let (sign, digits) = int.strip_prefix('-').map(|d| ("-", d)).unwrap_or(("", int));
        let mut grouped = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(' ');
            }
            grouped.push(ch);
        }
        format!("{sign}{grouped},{dec}")
    }

    /// An exact share as a Swedish office writes it, to four decimals (at
    /// least two): `133,3333`, `266,6667`, `8 000,00` — for statements that
    /// show the amount before rounding.
    pub fn to_swedish_4(self) -> String {
        let mut d = self.0.round_dp(4).normalize();
        if d.scale() < 2 {
            d.rescale(2);
        }
        let text = d.to_string();
        let (int, dec) = text.split_once('.').unwrap_or((&text, "00"));
        let whole = Money(int.parse().unwrap_or_default()).to_swedish();
        let whole = whole.split_once(',').map(|(w, _)| w).unwrap_or(&whole);
        let sign = if d.is_sign_negative() && !whole.starts_with('-') { "-" } else { "" };
        format!("{sign}{whole},{dec}")
    }

    /// The amount with its unit in running Swedish text: "5 200,00 kr".
    pub fn kr_text(self) -> String {
        format!("{} kr", self.to_swedish())
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

impl SubAssign for Money {
    fn sub_assign(&mut self, o: Money) {
        self.0 -= o.0;
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
    fn an_exact_share_is_written_to_four_decimals_the_swedish_way() {
        let third = Money::kr(400) * (Decimal::ONE / Decimal::from(3));
        assert_eq!(third.to_swedish_4(), "133,3333");
        assert_eq!(Money::kr(8000).to_swedish_4(), "8 000,00");
        assert_eq!((Money::ZERO - Money::parse("0.5").unwrap()).to_swedish_4(), "-0,50");
        assert_eq!((Money::ZERO - Money::kr(1234567) - third).to_swedish_4(), "-1 234 700,3333");
    }

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
    fn an_amount_a_person_wrote_is_whole_ore_and_bounded() {
        assert_eq!(Money::parse_amount("1 250,50").unwrap().to_csv(), "1250.50");
        assert_eq!(Money::MAX.to_csv(), "1000000000000.00");
        let e = Money::parse_amount("12.345").unwrap_err().to_string();
        assert!(e.contains("12.345 is not whole öre"), "{e}");
        let e = Money::parse_amount("99999999999999999999999").unwrap_err().to_string();
        assert!(e.contains("larger than the largest amount"), "{e}");
        assert!(Money::parse_amount("-1000000000000").is_ok());
        assert!(Money::MAX.checked_mul(Decimal::MAX).is_none());
    }

    #[test]
    fn floor_to_a_unit() {
        let unit = Money::kr(1);
        assert_eq!(Money::parse("6666.67").unwrap().floor_to(unit), Money::kr(6666));
    }
}
