//! Municipality codes (kommunkod) and who receives a trainer-pot payout.

use super::ParseError;
use std::fmt;

/// An official four-digit Swedish municipality code, e.g. `2080` for Falun.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KommunKod(u16);

impl KommunKod {
    /// Parses exactly four ASCII digits whose first two are a county code
    /// (`01`–`25`), so Stockholm's `0180` is a code and `0080` is not.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        let code = (t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse::<u16>().expect("four digits"))
            .and_then(Self::from_u16);
        code.ok_or_else(|| {
            ParseError::new(format!(
                "'{t}' is not a municipality code (four digits starting with a county code 01–25, e.g. 2080)"
            ))
        })
    }

    /// From stored compact form; `None` unless it is a code of a county `01`–`25`.
    pub fn from_u16(n: u16) -> Option<Self> {
        (1..=25).contains(&(n / 100)).then_some(KommunKod(n))
    }

    /// The county (län) the municipality lies in: the code's first two digits.
    pub fn county(self) -> u8 {
        (self.0 / 100) as u8
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

impl Recipient {
    /// Parses `region` or a municipality code (how a recipient is stored).
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        if s.trim() == "region" {
            Ok(Recipient::Region)
        } else {
            KommunKod::parse(s).map(Recipient::Kommun)
        }
    }
}

impl fmt::Display for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Recipient::Region => f.write_str("region"),
            Recipient::Kommun(k) => write!(f, "{k}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_four_digit_code_parses_and_prints_back() {
        assert_eq!(KommunKod::parse(" 2080 ").unwrap().to_string(), "2080");
    }

    #[test]
    fn stockholm_codes_keep_their_leading_zero() {
        let code = KommunKod::parse("0180").unwrap();
        assert_eq!((code.to_string().as_str(), code.county()), ("0180", 1));
        assert_eq!(KommunKod::from_u16(code.as_u16()), Some(code));
    }

    #[test]
    fn codes_with_letters_or_wrong_length_are_rejected() {
        for bad in ["208", "20800", "20a0", "", "0080", "2680"] {
            assert!(KommunKod::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
