//! What reading a file may cost, checked before any parser sees it.
//!
//! A workbook is a zip: before calamine opens it, every part is unpacked once
//! into a counting sink (never into memory) and held against the caps in
//! `[ingest]` — number of parts, each part's and all parts' unpacked size,
//! the unpacked/packed ratio — whatever sizes the zip declares. The counts a
//! file declares are never trusted for allocation: a `sharedStrings.xml` that
//! declares more strings than its bytes can hold is refused (calamine reserves
//! room for the declared count), and an ods sheet whose repeated rows and
//! columns would expand far beyond its real cells is refused (calamine's ods
//! reader materialises the whole rectangle). Cells beyond Excel's grid are
//! refused where cells are read. Text is cut to a readable length wherever a
//! file's content is echoed in a message.

use crate::config::IngestLimits;
use std::io::{Read, Seek};

/// Excel's last row (1 048 576) as a 0-based index bound.
pub const MAX_ROWS: u32 = 1_048_576;
/// Excel's last column (XFD, 16 384) as a 0-based index bound.
pub const MAX_COLUMNS: u32 = 16_384;
/// The most cells an ods sheet may expand to beyond its real cells (slack for
/// the empty cells between real ones).
const ODS_SLACK_CELLS: u64 = 2_000_000;
/// Parts over this size are held against the compression ratio.
const RATIO_FLOOR: u64 = 1 << 20;

/// Checks a workbook's zip container against the limits.
pub fn check_zip<R: Read + Seek>(reader: R, limits: &IngestLimits) -> Result<(), String> {
    let mut zip = zip9::ZipArchive::new(reader).map_err(|e| format!("not a readable workbook (zip): {e}"))?;
    if zip.len() > limits.max_zip_entries {
        return Err(format!(
            "the workbook has {} parts, more than ingest.max_zip_entries ({})",
            zip.len(),
            limits.max_zip_entries
        ));
    }
    let mut total: u64 = 0;
    let mut shared_strings: Option<u64> = None;
    let mut ods = false;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| format!("a part of the workbook cannot be read: {e}"))?;
        let full_name = part.name().map(|n| n.into_owned()).unwrap_or_default();
        let name = short(&full_name, 60);
        let packed = part.compressed_size();
        if part.size() > limits.max_part_bytes {
            return Err(format!(
                "the part '{name}' declares {} bytes unpacked, more than ingest.max_part_bytes ({})",
                part.size(),
                limits.max_part_bytes
            ));
        }
        let room = limits.max_part_bytes.min(limits.max_unpacked_bytes.saturating_sub(total));
        let unpacked = std::io::copy(&mut (&mut part).take(room.saturating_add(1)), &mut std::io::sink())
            .map_err(|e| format!("the part '{name}' of the workbook is damaged: {e}"))?;
        if unpacked > room {
            return Err(if unpacked > limits.max_part_bytes {
                format!("the part '{name}' unpacks to more than ingest.max_part_bytes ({})", limits.max_part_bytes)
            } else {
                format!("the workbook unpacks to more than ingest.max_unpacked_bytes ({})", limits.max_unpacked_bytes)
            });
        }
        if unpacked > RATIO_FLOOR && unpacked / packed.max(1) > limits.max_compression_ratio {
            return Err(format!(
                "the part '{name}' unpacks {} times its packed size, more than ingest.max_compression_ratio ({}): \
                 a zip bomb, not an export",
                unpacked / packed.max(1),
                limits.max_compression_ratio
            ));
        }
        total += unpacked;
        match full_name.as_str() {
            "xl/sharedStrings.xml" => shared_strings = Some(unpacked),
            "content.xml" => ods = true,
            _ => {}
        }
    }
    if let Some(size) = shared_strings {
        check_shared_strings(&mut zip, size)?;
    }
    if ods {
        check_ods_extent(&mut zip)?;
    }
    Ok(())
}

/// The shortest `<si>` is `<si><t/></si>`: 13 bytes. A declared count beyond
/// what the part's bytes can hold is a lie calamine would allocate for.
fn check_shared_strings<R: Read + Seek>(zip: &mut zip9::ZipArchive<R>, size: u64) -> Result<(), String> {
    let part = zip.by_name("xl/sharedStrings.xml").map_err(|e| format!("sharedStrings.xml: {e}"))?;
    let mut head = Vec::with_capacity(4096);
    part.take(4096).read_to_end(&mut head).map_err(|e| format!("sharedStrings.xml is damaged: {e}"))?;
    let head = String::from_utf8_lossy(&head);
    let Some(start) = head.find("<sst") else { return Ok(()) };
    let tag = &head[start..head[start..].find('>').map(|e| start + e).unwrap_or(head.len())];
    let most = size / 13 + 1;
    for attr in ["uniqueCount", "count"] {
        let Some(at) = tag.find(&format!(" {attr}=\"")) else { continue };
        let digits: String = tag[at + attr.len() + 3..].chars().take_while(|c| c.is_ascii_digit()).collect();
        let declared: u128 = digits.parse().unwrap_or(u128::MAX);
        if attr == "uniqueCount" && declared > u128::from(most) {
            return Err(format!(
                "sharedStrings.xml declares {} strings, but its {size} bytes can hold at most {most}: the workbook is damaged or crafted",
                short(&digits, 30)
            ));
        }
    }
    Ok(())
}

/// An ods sheet as calamine would expand it: rows × columns between the first
/// and last real cell, repeats included. Refused when that is far beyond the
/// cells the file really holds.
fn check_ods_extent<R: Read + Seek>(zip: &mut zip9::ZipArchive<R>) -> Result<(), String> {
    use quick_xml::events::Event;
    let part = zip.by_name("content.xml").map_err(|e| format!("content.xml: {e}"))?;
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(part));
    let mut buf = Vec::new();
    let attr = |e: &quick_xml::events::BytesStart, name: &str| -> u64 {
        e.attributes().flatten().find(|a| a.key.as_ref() == name).and_then(|a| a.value.parse::<u64>().ok()).unwrap_or(1)
    };
    let (mut row, mut col, mut row_repeat) = (0u64, 0u64, 1u64);
    let (mut real, mut first_row, mut last_row, mut last_col) = (0u64, u64::MAX, 0u64, 0u64);
    let mut row_has = false;
    loop {
        let ev = xml.read_event_into(&mut buf).map_err(|e| format!("content.xml is not readable: {e}"))?;
        let opened = matches!(ev, Event::Start(_));
        match ev {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "table:table" => {
                (row, real, first_row, last_row, last_col) = (0, 0, u64::MAX, 0, 0);
            }
            Event::Start(e) if e.name().as_ref() == "table:table-row" => {
                row_repeat = attr(&e, "table:number-rows-repeated").min(u64::from(MAX_ROWS));
                (col, row_has) = (0, false);
            }
            Event::Start(e) | Event::Empty(e)
                if e.name().as_ref() == "table:table-cell" || e.name().as_ref() == "table:covered-table-cell" =>
            {
                let repeat = attr(&e, "table:number-columns-repeated").min(u64::from(MAX_COLUMNS));
                let valued = e.attributes().flatten().any(|a| a.key.as_ref() == "office:value-type");
                if valued || opened {
                    real += 1;
                    row_has = true;
                    last_col = last_col.max((col + repeat).min(u64::from(MAX_COLUMNS)));
                }
                col = (col + repeat).min(u64::from(MAX_COLUMNS));
            }
            Event::End(e) if e.name().as_ref() == "table:table-row" => {
                if row_has {
                    first_row = first_row.min(row);
                    last_row = (row + row_repeat).min(u64::from(MAX_ROWS));
                }
                row = (row + row_repeat).min(u64::from(MAX_ROWS));
            }
            Event::End(e) if e.name().as_ref() == "table:table" && first_row != u64::MAX => {
                let expanded = (last_row - first_row).saturating_mul(last_col);
                if expanded > real.saturating_mul(64).saturating_add(ODS_SLACK_CELLS) {
                    return Err(format!(
                        "an ods sheet spans {} rows × {last_col} columns ({expanded} cells) but holds only {real} \
                         cells: repeated rows or columns that no export has",
                        last_row - first_row
                    ));
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

/// A cell position beyond Excel's grid, named the spreadsheet way.
pub fn beyond_grid(sheet: &str, row: u32, col: u32) -> Option<String> {
    (row >= MAX_ROWS || col >= MAX_COLUMNS).then(|| {
        format!(
            "sheet '{}', cell {}{} lies beyond Excel's last column XFD or row 1 048 576: the workbook is damaged or crafted",
            short(sheet, 40),
            crate::ingest::workbook::column_letter(col),
            u64::from(row) + 1
        )
    })
}

/// Text from a file cut to `max` characters with "…", for messages.
pub fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_beyond_the_grid_are_named() {
        assert!(beyond_grid("Blad1", 0, 16_383).is_none());
        assert!(beyond_grid("Blad1", 1_048_575, 0).is_none());
        let e = beyond_grid("Blad1", 1, 321_272_405).unwrap();
        assert!(e.contains("sheet 'Blad1', cell ZZZZZZ2"), "{e}");
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis() {
        assert_eq!(short("abc", 5), "abc");
        assert_eq!(short(&"x".repeat(100), 3), "xxx…");
    }
}
