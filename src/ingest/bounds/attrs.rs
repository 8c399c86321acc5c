//! A tag's attributes read the way calamine reads them, so the checks see
//! exactly the values calamine will parse.
//!
//! calamine does not use quick-xml's attribute iterator: it scans a tag's raw
//! attribute text itself (`calamine::attrs::RawAttrIter`), keys being
//! everything up to `=` (trimmed), values quoted with `"` or `'`, no entity
//! decoding, and it stops at the first malformed attribute. This is the same
//! scan.

use quick_xml::events::BytesStart;

/// The raw `(key, value)` pairs of a tag, as calamine sees them; ends at the
/// first malformed attribute (where calamine stops with an error).
pub(super) fn raw_attrs<'a>(e: &'a BytesStart<'_>) -> RawAttrs<'a> {
    RawAttrs { raw: e.attributes_raw(), pos: 0, malformed: false }
}

/// The value of the attribute named exactly `key` (calamine's `raw_attr`).
pub(super) fn raw_attr<'a>(e: &'a BytesStart<'_>, key: &str) -> Option<&'a str> {
    raw_attrs(e).find(|(k, _)| *k == key).map(|(_, v)| v)
}

/// Iterator of [`raw_attrs`].
pub(super) struct RawAttrs<'a> {
    raw: &'a str,
    pos: usize,
    /// Set when the scan stopped at a malformed attribute (calamine's error).
    pub(super) malformed: bool,
}

impl<'a> Iterator for RawAttrs<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.raw.as_bytes();
        let len = bytes.len();
        let mut pos = self.pos;
        while pos < len && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let key_start = pos;
        while pos < len && bytes[pos] != b'=' {
            pos += 1;
        }
        if pos >= len {
            self.malformed |= key_start < len;
            self.pos = len;
            return None;
        }
        let key = self.raw[key_start..pos].trim_ascii_end();
        pos += 1;
        while pos < len && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let quote = match bytes.get(pos) {
            Some(&q) if q == b'"' || q == b'\'' => q,
            _ => {
                self.malformed = true;
                self.pos = len;
                return None;
            }
        };
        pos += 1;
        let value_start = pos;
        while pos < len && bytes[pos] != quote {
            pos += 1;
        }
        let value = &self.raw[value_start..pos];
        self.pos = (pos + 1).min(len);
        Some((key, value))
    }
}

/// A part's XML reader configured as calamine configures its own (same
/// events, same places where it gives up).
pub(super) fn calamine_reader<R: std::io::BufRead>(r: R) -> quick_xml::Reader<R> {
    let mut xml = quick_xml::Reader::from_reader(r);
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(tag: &str) -> Vec<(String, String)> {
        let e = BytesStart::from_content(tag, tag.find(' ').unwrap_or(tag.len()));
        raw_attrs(&e).map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn attributes_are_read_as_calamine_reads_them() {
        assert_eq!(attrs("c r=\"A1\" t='s'"), [("r".into(), "A1".into()), ("t".into(), "s".into())]);
        assert_eq!(attrs("c\n  r =  'A1'"), [("r".into(), "A1".into())]);
        // No separator after a value: the next key starts at once.
        assert_eq!(attrs("c t=\"s\"r=\"B2\""), [("t".into(), "s".into()), ("r".into(), "B2".into())]);
        // A malformed attribute ends the scan, as it ends calamine's.
        assert_eq!(attrs("c x r=A1"), Vec::<(String, String)>::new());
    }
}
