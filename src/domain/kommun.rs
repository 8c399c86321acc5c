//! Municipality codes (kommunkod) and who receives a trainer-pot payout.

use super::ParseError;
use std::fmt;

/// An official four-digit Swedish municipality code, e.g. `2080` for Falun.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KommunKod(u16);

impl KommunKod {
    /// Parses exactly four ASCII digits, the first of which is not zero.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) && !t.starts_with('0') {
            Ok(KommunKod(t.parse().expect("four digits")))
        } else {
            Err(ParseError::new(format!("'{t}' is not a municipality code (four digits, e.g. 2080)")))
        }
    }

    /// From stored compact form; `None` unless it is a four-digit code.
    pub fn from_u16(n: u16) -> Option<Self> {
        (1000..=9999).contains(&n).then_some(KommunKod(n))
    }

    /// The code as a number, for compact storage.
    pub fn as_u16(self) -> u16 {
        self.0
    }
}

impl fmt::Display for KommunKod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.0)
    }
}

/// Who a trainer works for, and so who receives the trainer's share of the pot:
/// a municipality, or the region itself (RSS-employed trainers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Recipient {
    /// The regional support structure (its row uses the region's config code).
    Region,
    /// A municipality.
    Kommun(KommunKod),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_four_digit_code_parses_and_prints_back() {
        assert_eq!(KommunKod::parse(" 2080 ").unwrap().to_string(), "2080");
    }

    #[test]
    fn codes_with_letters_or_wrong_length_are_rejected() {
        for bad in ["208", "20800", "20a0", "", "0180"] {
            assert!(KommunKod::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
