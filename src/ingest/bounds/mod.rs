//! What reading a file may cost, checked before any parser sees it.
//!
//! A workbook is a zip: before calamine opens it, every part is unpacked once
//! into a counting sink (never into memory) and held against the caps in
//! `[ingest]` — number of parts, each part's and all parts' unpacked size,
//! the unpacked/packed ratio — whatever sizes the zip declares. Nothing a
//! file declares is trusted where calamine would act on it:
//!
//! - the shared-string table's counts, which calamine reserves room for
//!   ([`strings`]);
//! - cell references (`r="…"`, `<dimension ref="…">`) beyond Excel's grid or
//!   reversed, which overflow calamine's arithmetic ([`cells`]; watched while
//!   each part is unpacked anyway);
//! - an ods file's repeated rows and columns and declared spaces, which
//!   calamine writes out when it opens the file, and a `content.xml` that
//!   ends inside a sheet, which it would read forever ([`ods`]).
//!
//! Cells beyond Excel's grid are refused again where cells are read. Text is
//! cut to a readable length wherever a file's content is echoed in a message.

mod attrs;
mod cells;
mod ods;
mod strings;

use crate::config::IngestLimits;
use std::io::{Read, Seek};

/// Excel's last row (1 048 576) as a 0-based index bound.
pub const MAX_ROWS: u32 = 1_048_576;
/// Excel's last column (XFD, 16 384) as a 0-based index bound.
pub const MAX_COLUMNS: u32 = 16_384;
/// Parts over this size are held against the compression ratio.
const RATIO_FLOOR: u64 = 1 << 20;

/// What the zip check saw: the container a workbook is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// An OpenDocument spreadsheet (it has `content.xml`).
    Ods,
    /// Anything else: read as xlsx.
    Xlsx,
}

/// One part as unpacked by the check.
struct Part {
    name: String,
    unpacked: u64,
    /// A cell reference in it needs the exact check.
    suspect: bool,
}

/// Checks a workbook's zip container against the limits and the counts and
/// references it declares (see the module's documentation).
pub fn check_zip<R: Read + Seek>(reader: R, limits: &IngestLimits) -> Result<Container, String> {
    let mut zip = zip9::ZipArchive::new(reader).map_err(|e| format!("not a readable workbook (zip): {e}"))?;
    if zip.len() > limits.max_zip_entries {
        return Err(format!(
            "the workbook has {} parts, more than ingest.max_zip_entries ({})",
            zip.len(),
            limits.max_zip_entries
        ));
    }
    let parts = unpack_all(&mut zip, limits)?;
    let total: u64 = parts.iter().map(|p| p.unpacked).sum();
    for (i, part) in parts.iter().enumerate() {
        if strings::is_shared_strings(&part.name) {
            strings::check_shared_strings(&mut zip, i, part.unpacked, total)?;
        }
        if part.suspect {
            cells::check_references(&mut zip, i)?;
        }
    }
    match parts.iter().find(|p| p.name == "content.xml") {
        Some(content) => ods::check_ods(&mut zip, content.unpacked).map(|()| Container::Ods),
        None => Ok(Container::Xlsx),
    }
}

/// Unpacks every part once, into nothing, against the size and ratio caps.
fn unpack_all<R: Read + Seek>(zip: &mut zip9::ZipArchive<R>, limits: &IngestLimits) -> Result<Vec<Part>, String> {
    let mut parts = Vec::with_capacity(zip.len());
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let full_name = part_name(zip, i);
        let mut part = zip.by_index(i).map_err(|e| format!("a part of the workbook cannot be read: {e}"))?;
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
        let (unpacked, suspect) = cells::scan_part((&mut part).take(room.saturating_add(1)))
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
        parts.push(Part { name: full_name, unpacked, suspect });
    }
    Ok(parts)
}

/// A part's name as stored (empty if unreadable).
fn part_name<R: Read + Seek>(zip: &zip9::ZipArchive<R>, index: usize) -> String {
    zip.name_for_index(index).and_then(Result::ok).map(|n| n.into_owned()).unwrap_or_default()
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
