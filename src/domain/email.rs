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
        let (t, blank) = if t.is_ascii() { ascii_lower_and_blank(t) } else { lower_and_blank(t) };
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

/// The text lower-cased, and whether it holds whitespace.
fn lower_and_blank(t: &str) -> (String, bool) {
    (t.to_lowercase(), t.chars().any(char::is_whitespace))
}

/// [`lower_and_blank`] of ASCII text, byte by byte (nearly every address):
/// `char::is_whitespace` of an ASCII byte is `\t`–`\r` or a space.
fn ascii_lower_and_blank(t: &str) -> (String, bool) {
    (t.to_ascii_lowercase(), t.bytes().any(|b| matches!(b, b'\t'..=b'\r' | b' ')))
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
    fn ascii_text_is_lower_cased_and_checked_as_the_general_path_does() {
        // Every ASCII byte, alone, inside text and around it.
        for b in 0u8..128 {
            let c = b as char;
            for t in [format!("{c}"), format!("An{c}na@Falun.SE"), format!("{c}a@B.se{c}")] {
                assert_eq!(ascii_lower_and_blank(&t), lower_and_blank(&t), "{t:?}");
            }
        }
        assert_eq!(Email::parse("ÅSA@Falun.SE").unwrap().as_str(), "åsa@falun.se");
        assert!(Email::parse("åsa\u{a0}x@b.se").is_err() && Email::parse("a\tb@c.se").is_err());
    }

    #[test]
    fn text_that_is_not_an_address_is_rejected() {
        for bad in ["", "anna", "anna@", "@falun.example", "a@b", "a b@c.se", "a@@b.se"] {
            assert!(Email::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
