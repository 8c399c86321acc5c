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
        let t = s.trim();
        // Nearly every address is ASCII: lower-cased and checked byte by
        // byte (`char::is_whitespace` of an ASCII byte is `\t`–`\r` or a space).
        let (t, blank) = if t.is_ascii() {
            (t.to_ascii_lowercase(), t.bytes().any(|b| matches!(b, b'\t'..=b'\r' | b' ')))
        } else {
            (t.to_lowercase(), t.chars().any(char::is_whitespace))
        };
        let ok = match t.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !blank
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
    fn ascii_text_is_read_as_the_general_path_reads_it() {
        // The general path: Unicode lower case and whitespace, as before the ASCII one.
        let general = |s: &str| {
            let t = s.trim().to_lowercase();
            let ok = t.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !t.chars().any(char::is_whitespace)
            });
            ok.then_some(t)
        };
        // Every ASCII byte inside an address, and around it.
        for b in 0u8..128 {
            let c = b as char;
            for s in [format!("An{c}na@Falun.se"), format!("{c}a@b.se{c}"), format!("a@b{c}se"), format!("a{c}@b.se")] {
                assert_eq!(Email::parse(&s).ok().map(|e| e.0), general(&s), "{s:?}");
            }
        }
        for s in ["ÅSA@Falun.SE", "åsa\u{a0}x@b.se", "a@b.se\u{2003}", "Ärla@Ö.se"] {
            assert_eq!(Email::parse(s).ok().map(|e| e.0), general(s), "{s:?}");
        }
    }

    #[test]
    fn text_that_is_not_an_address_is_rejected() {
        for bad in ["", "anna", "anna@", "@falun.example", "a@b", "a b@c.se", "a@@b.se"] {
            assert!(Email::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
