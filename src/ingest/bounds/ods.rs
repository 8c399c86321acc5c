//! What calamine's ods reader would build, worked out before it builds it.
//!
//! calamine reads an ods workbook whole on opening: every sheet becomes a
//! dense rectangle (a value and a formula per cell) between its first and
//! last non-empty cell, repeated rows and columns written out. `content.xml`
//! is read here the way calamine reads it (same events, same attributes,
//! same places where it stops with an error) and what it would allocate is
//! added up over the whole file: the cells it collects row by row and the
//! rectangles. That total may not exceed [`CELLS_PER_VALUE`] times the cells
//! that hold a value plus [`SLACK_CELLS`], nor [`MAX_CELLS`] at all. The
//! spaces `<text:s text:c="…"/>` declares are written out by calamine too:
//! together they may not exceed the part's own size. A `content.xml` that
//! ends inside a sheet or a cell's note would keep calamine reading forever;
//! it is refused as truncated.

use super::attrs::{calamine_reader, raw_attr, raw_attrs};
use super::{MAX_COLUMNS, MAX_ROWS};
use quick_xml::events::{BytesStart, Event};
use std::io::{BufRead, Read, Seek};

/// Cells an ods workbook may expand to per cell that holds a value (the
/// empty cells between them).
const CELLS_PER_VALUE: u64 = 16;
/// Expansion allowed whatever the workbook holds, over the whole file.
const SLACK_CELLS: u64 = 2_000_000;
/// The most cells an ods workbook may expand to (about 1 GB in calamine's
/// rectangles); an xlsx file is read cell by cell and has no such limit.
const MAX_CELLS: u64 = 20_000_000;
/// Spaces `text:s` may declare beyond the part's own size.
const SLACK_SPACES: u64 = 1 << 20;

/// What calamine would build from `content.xml`, so far.
#[derive(Debug, Default)]
struct Tally {
    /// Cell elements that hold a value or a formula.
    values: u64,
    /// Cells allocated: collected per row, and in the sheets' rectangles.
    cells: u64,
    /// Spaces written out for `text:s`.
    spaces: u64,
}

/// Why the reading ended early.
enum Halt {
    /// calamine stops here with an error: nothing after it is built.
    Stop,
    /// calamine would never stop: the part ends inside a sheet or a note.
    Truncated(&'static str),
}

/// Checks `content.xml` (of `size` bytes unpacked) as calamine would read it.
pub(super) fn check_ods<R: Read + Seek>(zip: &mut zip9::ZipArchive<R>, size: u64) -> Result<(), String> {
    let part = zip.by_name("content.xml").map_err(|e| format!("content.xml: {e}"))?;
    let mut xml = calamine_reader(std::io::BufReader::new(part));
    let mut tally = Tally::default();
    let (mut buf, mut inner) = (Vec::new(), Vec::new());
    loop {
        let named = match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.name().as_ref() == "table:table" => {
                raw_attr(&e, "table:name").is_some_and(|n| quick_xml::escape::unescape(n).is_ok())
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => false,
        };
        buf.clear();
        if named {
            match read_table(&mut xml, &mut inner, &mut tally) {
                Ok(()) => {}
                Err(Halt::Stop) => break,
                Err(Halt::Truncated(inside)) => {
                    return Err(format!("content.xml ends inside {inside}: the ods file is truncated or damaged"))
                }
            }
        }
    }
    tally.judge(size)
}

impl Tally {
    /// Holds the totals against the limits.
    fn judge(&self, size: u64) -> Result<(), String> {
        let allowed = self.values.saturating_mul(CELLS_PER_VALUE).saturating_add(SLACK_CELLS);
        if self.cells > allowed {
            return Err(format!(
                "the ods workbook's sheets would expand to {} cells, but it holds only {} cells with a value: \
                 repeated rows or columns that no export has",
                self.cells, self.values
            ));
        }
        if self.cells > MAX_CELLS {
            return Err(format!(
                "the ods workbook's sheets would expand to {} cells, more than the {MAX_CELLS} an ods file may \
                 have (its sheets are read whole): save it as xlsx, which is read cell by cell",
                self.cells
            ));
        }
        if self.spaces > size.saturating_add(SLACK_SPACES) {
            return Err(format!(
                "content.xml declares {} spaces (text:s) in its {size} bytes: the ods file is damaged or crafted",
                self.spaces
            ));
        }
        Ok(())
    }
}

/// One sheet, as calamine's `read_table` reads it: its rows until the end
/// of the sheet; adds what it collects and its rectangle to the tally.
fn read_table<R: BufRead>(xml: &mut quick_xml::Reader<R>, buf: &mut Vec<u8>, tally: &mut Tally) -> Result<(), Halt> {
    let (mut rows, mut span_to_last, mut span) = (0u64, 0u64, 0u64);
    let (mut col_min, mut col_max, mut any) = (u64::MAX, 0u64, false);
    let mut inner = Vec::new();
    let result = loop {
        let repeats = match xml.read_event_into(buf) {
            Ok(Event::Start(e)) if e.name().as_ref() == "table:table-row" => {
                match raw_attr(&e, "table:number-rows-repeated") {
                    Some(v) => match quick_xml::escape::unescape(v).ok().and_then(|v| v.parse::<u64>().ok()) {
                        Some(n) => n,
                        None => break Err(Halt::Stop),
                    },
                    None => 1,
                }
            }
            Ok(Event::End(e)) if e.name().as_ref() == "table:table" => break Ok(()),
            Ok(Event::Eof) => break Err(Halt::Truncated("a sheet (table:table)")),
            Err(_) => break Err(Halt::Stop),
            Ok(_) => {
                buf.clear();
                continue;
            }
        };
        buf.clear();
        let capped = repeats.min(u64::from(MAX_ROWS).saturating_sub(rows));
        rows += capped;
        let row = read_row(xml, buf, &mut inner, tally);
        let Ok((first, last)) = row else { break row.map(|_| ()) };
        if any {
            span += capped;
        }
        if let (Some(first), Some(last)) = (first, last) {
            if !any {
                (any, span) = (true, capped);
            }
            span_to_last = span;
            col_min = col_min.min(first);
            col_max = col_max.max(last);
        }
    };
    if any {
        let width = col_max + 1 - col_min;
        tally.cells = tally.cells.saturating_add(span_to_last.saturating_mul(width));
    }
    result
}

/// One row, as calamine's `read_row` reads it; adds the cells it collects
/// (pending empty cells are written out before each later cell) and returns
/// the positions of its first and last non-empty cell.
fn read_row<R: BufRead>(
    xml: &mut quick_xml::Reader<R>,
    buf: &mut Vec<u8>,
    inner: &mut Vec<u8>,
    tally: &mut Tally,
) -> Result<(Option<u64>, Option<u64>), Halt> {
    let (mut pushed, mut pending) = (0u64, 0u64);
    let (mut first, mut last) = (None, None);
    loop {
        match xml.read_event_into(buf) {
            Ok(Event::Start(e))
                if e.name().as_ref() == "table:table-cell" || e.name().as_ref() == "table:covered-table-cell" =>
            {
                let repeats = match raw_attr(&e, "table:number-columns-repeated") {
                    Some(v) => v.parse::<u64>().map_err(|_| Halt::Stop)?,
                    None => 1,
                };
                let name = e.name().as_ref().to_string();
                let (valued, content) = datatype(&e)?;
                buf.clear();
                let closed = content && read_content(xml, buf, inner, tally)?;
                let flushed = pending.min(u64::from(MAX_COLUMNS).saturating_sub(pushed));
                pushed += flushed;
                let capped = repeats.min(u64::from(MAX_COLUMNS).saturating_sub(pushed));
                if valued || content {
                    tally.values += 1;
                    first.get_or_insert(pushed);
                    pushed += capped;
                    if capped > 0 {
                        last = Some(pushed - 1);
                    }
                    pending = 0;
                } else {
                    pending = capped;
                }
                if !closed {
                    inner.clear();
                    xml.read_to_end_into(quick_xml::name::QName(&name), inner).map_err(|_| Halt::Stop)?;
                }
            }
            Ok(Event::End(e)) if e.name().as_ref() == "table:table-row" => break,
            // Anything else in a row (the end of the file included) is calamine's error.
            _ => return Err(Halt::Stop),
        }
        buf.clear();
    }
    buf.clear();
    tally.cells = tally.cells.saturating_add(pushed);
    Ok((first, last))
}

/// A cell's attributes as calamine's `get_datatype` reads them: whether it
/// holds a value or formula, and whether its value is its text content.
fn datatype(e: &BytesStart) -> Result<(bool, bool), Halt> {
    let (mut set, mut string, mut error, mut empty_string, mut formula) = (false, false, false, false, false);
    let mut attrs = raw_attrs(e);
    for (key, value) in attrs.by_ref() {
        match key {
            "office:value" if !set => {
                value.parse::<f64>().map_err(|_| Halt::Stop)?;
                set = true;
            }
            "office:string-value" | "office:date-value" | "office:time-value" if !set => {
                let decoded = quick_xml::escape::unescape(value).map_err(|_| Halt::Stop)?;
                empty_string = key == "office:string-value" && decoded.is_empty();
                set = true;
            }
            "office:boolean-value" if !set => set = true,
            "office:value-type" if !set => string = value == "string",
            "calcext:value-type" => error = value == "error",
            "table:formula" => formula = !quick_xml::escape::unescape(value).map_err(|_| Halt::Stop)?.is_empty(),
            _ => {}
        }
    }
    if attrs.malformed {
        return Err(Halt::Stop);
    }
    let content = (!set && string) || (error && empty_string);
    Ok((set || formula, content))
}

/// A string cell's content, as calamine reads it up to the cell's end
/// (notes skipped); counts the spaces `text:s` declares. Returns true: the
/// cell's end was read.
fn read_content<R: BufRead>(
    xml: &mut quick_xml::Reader<R>,
    buf: &mut Vec<u8>,
    inner: &mut Vec<u8>,
    tally: &mut Tally,
) -> Result<bool, Halt> {
    loop {
        match xml.read_event_into(buf) {
            Ok(Event::End(e))
                if e.name().as_ref() == "table:table-cell" || e.name().as_ref() == "table:covered-table-cell" =>
            {
                buf.clear();
                return Ok(true);
            }
            Ok(Event::Start(e)) if e.name().as_ref() == "office:annotation" => {
                buf.clear();
                skip_annotation(xml, inner)?;
            }
            Ok(Event::Start(e)) if e.name().as_ref() == "text:s" => {
                let count = match raw_attr(&e, "text:c") {
                    Some(v) => {
                        quick_xml::escape::unescape(v).ok().and_then(|v| v.parse::<u64>().ok()).ok_or(Halt::Stop)?
                    }
                    None => 1,
                };
                tally.spaces = tally.spaces.saturating_add(count);
            }
            Ok(Event::Eof) | Err(_) => return Err(Halt::Stop),
            Ok(_) => {}
        }
        buf.clear();
    }
}

/// A cell's note, skipped to its end as calamine skips it (which never ends
/// when the file does first).
fn skip_annotation<R: BufRead>(xml: &mut quick_xml::Reader<R>, buf: &mut Vec<u8>) -> Result<(), Halt> {
    loop {
        let done = match xml.read_event_into(buf) {
            Ok(Event::End(e)) => e.name().as_ref() == "office:annotation",
            Ok(Event::Eof) => return Err(Halt::Truncated("a cell's note (office:annotation)")),
            Err(_) => return Err(Halt::Stop),
            Ok(_) => false,
        };
        buf.clear();
        if done {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expansion_is_held_against_the_values_and_a_ceiling() {
        let fine = Tally { values: 10, cells: 2_000_160, spaces: 0 };
        assert!(fine.judge(100).is_ok());
        let sparse = Tally { values: 10, cells: 2_000_161, spaces: 0 };
        assert!(sparse.judge(100).unwrap_err().contains("holds only 10 cells with a value"));
        let huge = Tally { values: 2_000_000, cells: 20_000_001, spaces: 0 };
        assert!(huge.judge(100).unwrap_err().contains("more than the 20000000 an ods file may have"));
        let spaces = Tally { values: 1, cells: 1, spaces: (1 << 20) + 101 };
        assert!(spaces.judge(100).unwrap_err().contains("declares 1048677 spaces (text:s) in its 100 bytes"));
    }
}
