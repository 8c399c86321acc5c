//! The shared-string table's declared counts, held against its real size.
//!
//! calamine reserves room for `uniqueCount` strings as soon as it meets the
//! table's root element, before reading a single string. The root is found
//! here as calamine finds it (the first start tag whose local name is `sst`,
//! whatever its prefix, after any comments or processing instructions, its
//! attributes quoted either way), and both counts are held against what the
//! bytes can hold: a string entry is at least `<si><t/></si>` (13 bytes) in
//! this part, and each use of a string is a cell of at least 16 bytes
//! (`<c t="s"><v>0</v></c>` is 21) somewhere in the workbook.

use super::attrs::{calamine_reader, raw_attrs};
use super::short;
use std::io::{Read, Seek};

/// The fewest bytes of one string entry.
const ENTRY_BYTES: u64 = 13;
/// The fewest bytes of a cell using a shared string.
const USE_BYTES: u64 = 16;

/// Whether a part is a shared-string table calamine may read (it looks for
/// `<workbook folder>/sharedStrings.xml`, case-insensitively).
pub(super) fn is_shared_strings(name: &str) -> bool {
    name.replace('\\', "/").to_ascii_lowercase().ends_with("sharedstrings.xml")
}

/// Checks the counts part `index` (of `size` bytes, in a workbook of
/// `total` bytes unpacked) declares.
pub(super) fn check_shared_strings<R: Read + Seek>(
    zip: &mut zip9::ZipArchive<R>,
    index: usize,
    size: u64,
    total: u64,
) -> Result<(), String> {
    use quick_xml::events::Event;
    let name = short(&super::part_name(zip, index), 60);
    let part = zip.by_index(index).map_err(|e| format!("a part of the workbook cannot be read: {e}"))?;
    let mut xml = calamine_reader(std::io::BufReader::new(part));
    let mut buf = Vec::new();
    let root = loop {
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.local_name().as_ref() == "sst" => break e.into_owned(),
            // calamine stops here too, with an error, before reserving anything.
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => buf.clear(),
        }
    };
    let counts = [
        ("uniqueCount", size / ENTRY_BYTES + 1, format!("its {size} bytes"), "strings (uniqueCount)"),
        ("count", total / USE_BYTES + 1, format!("the workbook's {total} unpacked bytes"), "uses (count)"),
    ];
    for (attr, most, holder, what) in counts {
        // Every attribute of the name counts: calamine takes the first.
        let named = raw_attrs(&root).filter(|(k, _)| k.rsplit(':').next() == Some(attr));
        let Some((declared, value)) = named.filter_map(|(_, v)| count(v)).max_by_key(|(n, _)| *n) else { continue };
        if declared > most {
            return Err(format!(
                "the part '{name}' declares {} {what}, but {holder} can hold at most {most}: the workbook is \
                 damaged or crafted",
                short(value.trim_start_matches('0'), 30)
            ));
        }
    }
    Ok(())
}

/// A count as calamine reads one (plain digits; anything else it ignores),
/// saturating, with the digits as written.
fn count(value: &str) -> Option<(u64, &str)> {
    (!value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()))
        .then(|| (value.bytes().fold(0u64, |n, b| n.saturating_mul(10).saturating_add(u64::from(b - b'0'))), value))
}
