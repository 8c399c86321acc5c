//! Cell references calamine would parse, checked before it parses them.
//!
//! calamine turns `r="…"` of a `<c>` or `<row>` and `ref="…"` of a
//! `<dimension>` into numbers in `u32` arithmetic: a reference like
//! `ZZZZZZZZZZZZ2` or `A99999999999` overflows (a panic in a debug build, a
//! wrong cell in a release build) and a reversed dimension `B2:A1` underflows.
//! So every part is watched while it is unpacked (the zip check reads it once
//! anyway): a cheap scan looks at the value of every `r=` and `ref=` in the
//! bytes. Only a part where one of them lies beyond Excel's grid or is
//! reversed is read again as calamine reads it, and its `<c>`, `<row>` and
//! `<dimension>` tags decide: a reference beyond the grid, or a reversed
//! dimension, rejects the workbook naming the sheet and the reference as
//! written. Text that merely looks like such an attribute costs the second
//! reading, never a rejection.

use super::attrs::{calamine_reader, raw_attr, raw_attrs};
use super::{short, MAX_COLUMNS, MAX_ROWS};
use std::io::{Read, Seek};

/// Bytes kept before the unscanned rest of the buffer: the attribute name
/// before an `=` found at the start of a new chunk.
const CONTEXT: usize = 64;
/// The longest value (and run of blanks before it) looked at; a longer one
/// is no cell reference.
const LONGEST: usize = 64;
/// Bytes an `=` needs after it in the buffer to be looked at.
const WINDOW: usize = 2 * LONGEST + 4;

/// A cell reference's column (letters) and row (digits), 1-based,
/// saturating, as calamine reads the start of `A1`-style text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CellRef {
    col: u64,
    row: u64,
    /// Letters then digits (at least one of each, row at least 1) and nothing else.
    clean: bool,
}

impl CellRef {
    fn parse(b: &[u8]) -> CellRef {
        let (mut i, mut col, mut row) = (0, 0u64, 0u64);
        while i < b.len() && b[i].is_ascii_alphabetic() {
            col = col.saturating_mul(26).saturating_add(u64::from((b[i] | 0x20) - b'a') + 1);
            i += 1;
        }
        let letters = i;
        while i < b.len() && b[i].is_ascii_digit() {
            row = row.saturating_mul(10).saturating_add(u64::from(b[i] - b'0'));
            i += 1;
        }
        CellRef { col, row, clean: letters > 0 && i > letters && row > 0 && i == b.len() }
    }

    /// Beyond column XFD or row 1 048 576 (calamine's arithmetic may already overflow).
    fn beyond(self) -> bool {
        self.col > u64::from(MAX_COLUMNS) || self.row > u64::from(MAX_ROWS)
    }

    /// Beyond what calamine's `u32` arithmetic holds.
    fn overflows(self) -> bool {
        self.col > u64::from(u32::MAX) || self.row > u64::from(u32::MAX)
    }
}

/// A `ref` value calamine cannot take as a dimension: a part that overflows
/// its arithmetic, or an end before the start (a dimension merely beyond the
/// grid only draws calamine's warning; the cells beyond it are refused).
fn bad_dimension(value: &[u8]) -> bool {
    value.split(|&b| b == b':').map(CellRef::parse).any(CellRef::overflows) || reversed(value)
}

/// A `ref` value (`A1` or `A1:D20`) whose end lies before its start.
fn reversed(value: &[u8]) -> bool {
    let mut parts = value.split(|&b| b == b':');
    match (parts.next().map(CellRef::parse), parts.next().map(CellRef::parse), parts.next()) {
        (Some(a), Some(b), None) => a.clean && b.clean && (b.row < a.row || b.col < a.col),
        _ => false,
    }
}

/// Any part of a value that calamine could not read safely as a reference.
fn suspicious(value: &[u8]) -> bool {
    if !value.contains(&b':') {
        return CellRef::parse(value).beyond();
    }
    value.split(|&b| b == b':').map(CellRef::parse).any(CellRef::beyond) || reversed(value)
}

/// Streams a part into nothing, counting its bytes and watching the values
/// of its `r=` and `ref=` attributes; returns the count and whether one of
/// them needs the exact check. Memory stays at the buffer's size.
pub(super) fn scan_part<R: Read>(mut part: R) -> std::io::Result<(u64, bool)> {
    let mut buf = vec![0u8; 1 << 16];
    let (mut len, mut next, mut total, mut suspect, mut at_start) = (0usize, 0usize, 0u64, false, true);
    loop {
        let n = part.read(&mut buf[len..])?;
        total += n as u64;
        len += n;
        let eof = n == 0;
        // Every `=` looked at has its whole value in the buffer (or the file ends).
        let limit = if eof { len } else { len.saturating_sub(WINDOW) };
        while let Some(p) = find_eq(&buf[next..limit.max(next)]) {
            let at = next + p;
            suspect |= suspect_at(&buf[..len], at, at_start);
            next = at + 1;
        }
        if eof {
            return Ok((total, suspect));
        }
        next = next.max(limit);
        let keep = next.saturating_sub(CONTEXT);
        buf.copy_within(keep..len, 0);
        (len, next) = (len - keep, next - keep);
        at_start &= keep == 0;
    }
}

/// Whether the attribute around the `=` at `at` is an `r` or `ref` (named
/// as calamine reads names) whose quoted value is no safe reference. What
/// cannot be told from the bytes at hand (a name running into the start of
/// the buffer, long blanks, a long or unclosed value) is suspect too.
fn suspect_at(b: &[u8], at: usize, at_start: bool) -> bool {
    let mut end = at;
    while end > 0 && b[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    let mut start = end;
    while start > 0 && !matches!(b[start - 1], b'"' | b'\'' | b'<' | b'>' | b'/') && !b[start - 1].is_ascii_whitespace()
    {
        start -= 1;
    }
    let name = &b[start..end];
    if name != b"r" && name != b"ref" {
        // A name running into the kept context may be longer than it looks.
        return start == 0 && !at_start && b"ref".ends_with(name);
    }
    let mut v = at + 1;
    while v < b.len() && v <= at + LONGEST && b[v].is_ascii_whitespace() {
        v += 1;
    }
    match b.get(v) {
        Some(&q) if q == b'"' || q == b'\'' => {
            let rest = &b[v + 1..b.len().min(v + 2 + LONGEST)];
            match rest.iter().position(|&c| c == q) {
                Some(n) => suspicious(&rest[..n]),
                None => true,
            }
        }
        // Unquoted: calamine stops with an error before reading it.
        Some(c) if !c.is_ascii_whitespace() => false,
        _ => true,
    }
}

/// The first `=` in `s`, eight bytes at a time.
fn find_eq(s: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const EQ: u64 = 0x3d3d_3d3d_3d3d_3d3d;
    let mut chunks = s.chunks_exact(8);
    let mut i = 0;
    for c in chunks.by_ref() {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) ^ EQ;
        let zero = w.wrapping_sub(LO) & !w & HI;
        if zero != 0 {
            return Some(i + (zero.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    chunks.remainder().iter().position(|&b| b == b'=').map(|p| i + p)
}

/// Reads part `index` as calamine reads a sheet and rejects the first
/// reference beyond Excel's grid, or a reversed dimension, naming the sheet
/// and the reference as written.
pub(super) fn check_references<R: Read + Seek>(zip: &mut zip9::ZipArchive<R>, index: usize) -> Result<(), String> {
    use quick_xml::events::Event;
    let bad = {
        let part = zip.by_index(index).map_err(|e| format!("a part of the workbook cannot be read: {e}"))?;
        let mut xml = calamine_reader(std::io::BufReader::new(part));
        let mut buf = Vec::new();
        // A row beyond the grid is named only if none of its cells is.
        let mut bad_row = None;
        loop {
            // An error ends calamine's reading at the same place: nothing after it is parsed.
            let Ok(ev) = xml.read_event_into(&mut buf) else { break bad_row };
            match ev {
                Event::Start(e) => {
                    // Every attribute of the name counts: calamine may take the first or the last.
                    let values = |key: &'static str| raw_attrs(&e).filter(move |(k, _)| *k == key).map(|(_, v)| v);
                    let beyond = |v: &&str| CellRef::parse(v.as_bytes()).beyond();
                    let found = match e.local_name().as_ref() {
                        "c" => values("r").find(beyond).map(|v| ("cell", v)),
                        "dimension" => values("ref").find(|v| bad_dimension(v.as_bytes())).map(|v| ("dimension", v)),
                        "row" => {
                            bad_row = bad_row.or_else(|| values("r").find(beyond).map(|v| ("row", v.to_string())));
                            None
                        }
                        _ => None,
                    };
                    if let Some((what, v)) = found {
                        break Some((what, v.to_string()));
                    }
                }
                Event::Eof => break bad_row,
                _ => {}
            }
            buf.clear();
        }
    };
    let Some((what, value)) = bad else { return Ok(()) };
    let name = super::part_name(zip, index);
    let sheet = match sheet_of(zip, &name) {
        Some(sheet) => format!("sheet '{}'", short(&sheet, 40)),
        None => format!("the part '{}'", short(&name, 60)),
    };
    let shown = short(&value, 30);
    Err(match what {
        "dimension" if reversed(value.as_bytes()) => {
            format!("{sheet}: its dimension '{shown}' ends before it starts: the workbook is damaged or crafted")
        }
        "dimension" => format!(
            "{sheet}: its dimension '{shown}' lies far beyond Excel's last column XFD or row 1 048 576: the \
             workbook is damaged or crafted"
        ),
        "row" => {
            format!("{sheet}, row {shown} lies beyond Excel's last row 1 048 576: the workbook is damaged or crafted")
        }
        _ => format!(
            "{sheet}, cell {shown} lies beyond Excel's last column XFD or row 1 048 576: the workbook is damaged \
             or crafted"
        ),
    })
}

/// The name of the sheet a part holds, from the workbook's relationships
/// (for messages; `None` when they do not say).
fn sheet_of<R: Read + Seek>(zip: &mut zip9::ZipArchive<R>, part: &str) -> Option<String> {
    let norm = |p: &str| p.replace('\\', "/").trim_start_matches('/').to_ascii_lowercase();
    let office = relationships(zip, "_rels/.rels")?
        .into_iter()
        .find(|(_, typ, _)| typ.ends_with("/officeDocument"))
        .map(|(_, _, target)| norm(&target))?;
    let (dir, file) = office.rsplit_once('/').map(|(d, f)| (format!("{d}/"), f.to_string()))?;
    let rels = relationships(zip, &format!("{dir}_rels/{file}.rels"))?;
    let wanted = norm(part);
    let id = rels.into_iter().find_map(|(id, _, target)| {
        let resolved = if target.starts_with('/') { norm(&target) } else { norm(&format!("{dir}{target}")) };
        (resolved == wanted).then_some(id)
    })?;
    let mut found = None;
    each_tag(zip, &office, |e| {
        if e.local_name().as_ref() == "sheet" && raw_attrs(e).any(|(k, v)| k.ends_with(":id") && v == id) {
            found = raw_attr(e, "name").map(|n| quick_xml::escape::unescape(n).map_or(n.into(), |n| n.into_owned()));
        }
        found.is_none()
    });
    found
}

/// `(Id, Type, Target)` of each relationship in a `.rels` part.
fn relationships<R: Read + Seek>(zip: &mut zip9::ZipArchive<R>, path: &str) -> Option<Vec<(String, String, String)>> {
    let mut out = Vec::new();
    let found = each_tag(zip, path, |e| {
        if e.local_name().as_ref() == "Relationship" {
            let get = |k| raw_attr(e, k).unwrap_or("").to_string();
            out.push((get("Id"), get("Type"), get("Target")));
        }
        true
    });
    found.then_some(out)
}

/// Calls `f` on each start tag of the part named `path` (found
/// case-insensitively, as calamine finds parts) until it returns false;
/// false when there is no such part.
fn each_tag<R: Read + Seek>(
    zip: &mut zip9::ZipArchive<R>,
    path: &str,
    mut f: impl FnMut(&quick_xml::events::BytesStart) -> bool,
) -> bool {
    let wanted = path.to_ascii_lowercase();
    let Some(index) =
        (0..zip.len()).find(|&i| super::part_name(zip, i).replace('\\', "/").to_ascii_lowercase() == wanted)
    else {
        return false;
    };
    let Ok(part) = zip.by_index(index) else { return false };
    let mut xml = calamine_reader(std::io::BufReader::new(part.take(1 << 24)));
    let mut buf = Vec::new();
    while let Ok(ev) = xml.read_event_into(&mut buf) {
        match ev {
            quick_xml::events::Event::Start(e) if !f(&e) => break,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(xml: &str) -> bool {
        scan_part(xml.as_bytes()).unwrap().1
    }

    #[test]
    fn references_beyond_the_grid_or_reversed_are_suspect() {
        let suspicious = |v: &str| suspicious(v.as_bytes());
        assert!(!suspicious("A1") && !suspicious("XFD1048576") && !suspicious("A1:XFD1048576"));
        assert!(suspicious("XFE1") && suspicious("A1048577") && suspicious("ZZZZZZZZZZZZ2"));
        assert!(suspicious("A99999999999") && suspicious("B2:A1") && suspicious("A2:B1"));
        // Leading zeros are read as calamine reads them: row 1.
        assert!(!suspicious("A00000000000001"));
        // Not a reference at all: calamine refuses it with an error, no overflow.
        assert!(!suspicious("rId1") && !suspicious("1:4"));
        // A dimension merely beyond the grid is calamine's warning; one that overflows, or is reversed, is refused.
        assert!(!bad_dimension(b"A1:ZZZZZZ2") && bad_dimension(b"A1:ZZZZZZZZ2") && bad_dimension(b"B2:A1"));
    }

    #[test]
    fn the_scan_finds_r_and_ref_values_however_they_are_written() {
        assert!(!scan(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#));
        assert!(scan(r#"<c r="ZZZZZZZZZZZZ2"/>"#));
        assert!(scan(r#"<c t="s"r='A99999999999'/>"#));
        assert!(scan("<dimension\n ref = \"B2:A1\"/>"));
        assert!(!scan(r#"<c sqref="B2:A1" xr:uid="{x}"/>"#), "other attributes are not references");
        // A value longer than any reference is looked at closely.
        assert!(scan(&format!("<c r=\"{}1\"/>", "A".repeat(100))));
        // Across the scan's buffer: an attribute split anywhere is still seen.
        for pad in [65_470usize, 65_480, 65_490, 65_500, 65_530, 65_536, 131_000] {
            let xml = format!("<x a=\"{}\"/><c r=\"ZZZZZZZZZZZZ2\"/>", "y".repeat(pad));
            assert!(scan(&xml), "pad {pad}");
            let xml = format!("<x a=\"{}\"/><c r=\"A1\"/>", "y".repeat(pad));
            assert!(!scan(&xml), "pad {pad}");
        }
    }

    #[test]
    fn the_eight_byte_search_finds_the_first_equals_sign() {
        for s in ["", "=", "abcdefgh=", "abcdefg=h=", "abcdefghijklmnop", "a=b"] {
            assert_eq!(find_eq(s.as_bytes()), s.find('='), "{s}");
        }
    }
}
