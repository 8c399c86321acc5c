//! E-mail addresses as the register and the platform write them.

use super::ParseError;
use std::fmt;

/// A trimmed, lower-cased e-mail address with one `@` and a dotted domain.
///
/// Lower-casing makes matching between register and platform case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Email(String);

impl Email {
    /// Parses an address; rejects text without a local part or a dotted domain.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim().to_lowercase();
        let ok = match t.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !t.chars().any(char::is_whitespace)
            }
            None => false,
        };
        if ok {
            Ok(Email(t))
        } else {
            Err(ParseError::new(format!("'{}' is not an e-mail address", s.trim())))
        }
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        assert_eq!(Email::parse(" Anna.A@Falun.Example ").unwrap().as_str(), "anna.a@falun.example");
    }

    #[test]
    fn text_that_is_not_an_address_is_rejected() {
        for bad in ["", "anna", "anna@", "@falun.example", "a@b", "a b@c.se", "a@@b.se"] {
            assert!(Email::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
