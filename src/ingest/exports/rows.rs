//! Reads an export's rows one at a time, whatever its format, as text cells
//! with their 1-based line or row number. CSV is streamed (one reused record);
//! Totara's "CSV optimised for Excel" TAB escape is undone on every cell.

use super::sniff::{Encoding, Format, Sniffed};
use crate::ingest::workbook::{cell_text, Workbook};
use csv::StringRecord;
use encoding_rs_io::DecodeReaderBytesBuilder;
use std::io::Read;
use std::path::Path;

/// Calls `f(row_number, cells)` for every row, the heading row first.
/// Stops at the first error `f` returns.
pub fn for_each_row<E>(
    path: &Path,
    sniffed: &Sniffed,
    mut f: impl FnMut(u64, &StringRecord) -> Result<(), E>,
) -> Result<Result<(), E>, String> {
    match sniffed.format {
        Format::Csv => csv_rows(path, sniffed, &mut f),
        Format::Spreadsheet => sheet_rows(path, &mut f),
        Format::Xls => Err("legacy Excel (.xls) is not read: save the report as .xlsx, .ods or CSV".into()),
    }
}

fn csv_rows<E>(
    path: &Path,
    sniffed: &Sniffed,
    f: &mut impl FnMut(u64, &StringRecord) -> Result<(), E>,
) -> Result<Result<(), E>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let reader: Box<dyn Read> = match sniffed.encoding {
        Some(Encoding::Windows1252) => Box::new(
            DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding_rs::WINDOWS_1252))
                .bom_override(true)
                .build(std::io::BufReader::with_capacity(1 << 16, file)),
        ),
        _ => Box::new(file),
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniffed.delimiter.unwrap_or(b','))
        .buffer_capacity(1 << 16)
        .from_reader(reader);
    let mut rec = StringRecord::new();
    let mut clean = StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => return Ok(Ok(())),
            Ok(true) => {
                let line = rec.position().map(|p| p.line()).unwrap_or(0);
                if rec.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                let row = if rec.iter().any(|c| c.starts_with('\t')) {
                    clean.clear();
                    for c in rec.iter() {
                        clean.push_field(c.strip_prefix('\t').unwrap_or(c));
                    }
                    &clean
                } else {
                    &rec
                };
                if let Err(e) = f(line, row) {
                    return Ok(Err(e));
                }
            }
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                return Err(format!("line {line}: not readable as CSV: {e}"));
            }
        }
    }
}

fn sheet_rows<E>(
    path: &Path,
    f: &mut impl FnMut(u64, &StringRecord) -> Result<(), E>,
) -> Result<Result<(), E>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot open: {e}"))?;
    let mut wb = Workbook::from_bytes(bytes)?;
    let first = wb.sheet_names().into_iter().next().ok_or("the workbook has no sheets")?;
    let table = wb.table(&first)?;
    let mut rec = StringRecord::new();
    rec.extend(table.headings().iter());
    if let Err(e) = f(u64::from(table.header_row_number()), &rec) {
        return Ok(Err(e));
    }
    for (row, cells) in table.rows() {
        rec.clear();
        for c in cells {
            rec.push_field(&cell_text(c));
        }
        if let Err(e) = f(u64::from(row), &rec) {
            return Ok(Err(e));
        }
    }
    Ok(Ok(()))
}
