//! Reads an export's rows one at a time, whatever its format, as text cells
//! with their 1-based line or row number. CSV is streamed (one reused record);
//! Totara's "CSV optimised for Excel" TAB escape is undone on every cell.

use super::sniff::{Encoding, Format, Sniffed};
use crate::config::IngestLimits;
use crate::ingest::bounds::{beyond_grid, check_zip, short, Container};
use crate::ingest::workbook::cell_text;
use csv::StringRecord;
use encoding_rs_io::DecodeReaderBytesBuilder;
use std::io::Read;
use std::path::Path;

/// The widest export read: a Totara report has tens of columns; a heading
/// beyond this column rejects the file, data cells beyond the last heading
/// are not read (no field could take them).
pub const MAX_EXPORT_COLUMNS: usize = 1024;

/// Calls `f(row_number, cells)` for every row, the heading row first.
/// Stops at the first error `f` returns. Reading is bounded by `limits`
/// (see [`crate::ingest::bounds`]).
pub fn for_each_row<E>(
    path: &Path,
    sniffed: &Sniffed,
    limits: &IngestLimits,
    mut f: impl FnMut(u64, &StringRecord) -> Result<(), E>,
) -> Result<Result<(), E>, String> {
    match sniffed.format {
        Format::Csv => csv_rows(path, sniffed, limits, &mut f),
        Format::Spreadsheet => sheet_rows(path, limits, &mut f),
        Format::Xls => Err("legacy Excel (.xls) is not read: save the report as .xlsx, .ods or CSV".into()),
    }
}

/// A reader that refuses a physical line longer than `max` bytes, so no
/// buffer grows with a line that never ends.
struct LineLimit<R> {
    inner: R,
    max: usize,
    current: usize,
    line: u64,
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        // Line ends found a word at a time (memchr), not byte by byte.
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', &buf[..n]).chain([n]) {
            self.current += end - start;
            if self.current > self.max {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "line {} is longer than ingest.max_line_bytes ({} bytes): not an export, or a damaged one",
                        self.line + 1,
                        self.max
                    ),
                ));
            }
            if end < n {
                self.line += 1;
                self.current = 0;
            }
            start = end + 1;
        }
        Ok(n)
    }
}

fn csv_rows<E>(
    path: &Path,
    sniffed: &Sniffed,
    limits: &IngestLimits,
    f: &mut impl FnMut(u64, &StringRecord) -> Result<(), E>,
) -> Result<Result<(), E>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    for_each_csv_row(file, sniffed, limits, f)
}

/// [`for_each_row`] for a CSV export's bytes as `bytes` reads them (the
/// sync's [`HashedRead`](crate::ingest::hashed_read::HashedRead)).
pub fn for_each_csv_row<E>(
    bytes: impl Read,
    sniffed: &Sniffed,
    limits: &IngestLimits,
    f: &mut impl FnMut(u64, &StringRecord) -> Result<(), E>,
) -> Result<Result<(), E>, String> {
    let file = LineLimit { inner: bytes, max: limits.max_line_bytes, current: 0, line: 0 };
    let reader: Box<dyn Read + '_> = match sniffed.encoding {
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
                if rec.as_slice().len() > limits.max_line_bytes {
                    return Err(format!(
                        "line {line}: the record is longer than ingest.max_line_bytes ({} bytes)",
                        limits.max_line_bytes
                    ));
                }
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
                if let csv::ErrorKind::Io(io) = e.kind() {
                    return Err(io.to_string());
                }
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                return Err(format!("line {line}: not readable as CSV: {}", short(&e.to_string(), 200)));
            }
        }
    }
}

/// A workbook's first sheet, after its zip was checked against the limits.
fn sheet_rows<E>(
    path: &Path,
    limits: &IngestLimits,
    f: &mut impl FnMut(u64, &StringRecord) -> Result<(), E>,
) -> Result<Result<(), E>, String> {
    use calamine::Reader;
    let mut file = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let container = check_zip(std::io::BufReader::with_capacity(1 << 16, &mut file), limits)?;
    // The file checked is the file read (not whatever the path names by now).
    std::io::Seek::rewind(&mut file).map_err(|e| format!("cannot read: {e}"))?;
    match container {
        Container::Ods => {
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).map_err(|e| format!("cannot read: {e}"))?;
            let mut ods = calamine::Ods::new(std::io::Cursor::new(bytes))
                .map_err(|e| format!("not a readable spreadsheet: {e}"))?;
            ods_rows(&mut ods, f)
        }
        Container::Xlsx => {
            let mut x = calamine::Xlsx::new(std::io::BufReader::with_capacity(1 << 16, file))
                .map_err(|e| format!("not a readable spreadsheet: {e}"))?;
            xlsx_rows(&mut x, f)
        }
    }
}

/// The first sheet's rows of a workbook already opened (and so checked).
pub(crate) fn workbook_rows<E>(
    wb: &mut crate::ingest::workbook::Workbook,
    f: &mut impl FnMut(u64, &StringRecord) -> Result<(), E>,
) -> Result<Result<(), E>, String> {
    match wb.sheets_mut() {
        calamine::Sheets::Xlsx(x) => xlsx_rows(x, f),
        calamine::Sheets::Ods(o) => ods_rows(o, f),
        _ => Err("not an xlsx or ods workbook".into()),
    }
}

/// An xlsx sheet's rows, streamed cell by cell (cells beyond Excel's grid
/// reject the file; cells beyond the last heading belong to no field).
fn xlsx_rows<E, R: std::io::Read + std::io::Seek>(
    x: &mut calamine::Xlsx<R>,
    f: &mut impl FnMut(u64, &StringRecord) -> Result<(), E>,
) -> Result<Result<(), E>, String> {
    use calamine::Reader;
    let mut rec = StringRecord::new();
    // xlsx: stream the cells in order; never the dense full-sheet range.
    let first = x.sheet_names().into_iter().next().ok_or("the workbook has no sheets")?;
    let mut cells = x.worksheet_cells_reader(&first).map_err(|e| format!("cannot read the sheet: {e}"))?;
    // One reused String per column: a cell's text is copied once, into its column.
    let mut row: Vec<String> = Vec::new();
    let mut used = 0usize;
    let mut at: Option<u32> = None;
    // The heading row's width: cells beyond it belong to no field.
    let mut width: Option<usize> = None;
    let mut flush = |at: Option<u32>, row: &mut [String], used: &mut usize, rec: &mut StringRecord| {
        let r = at?;
        let cells = &mut row[..*used];
        *used = 0;
        if cells.iter().all(|c| c.is_empty()) {
            return None;
        }
        rec.clear();
        rec.extend(cells.iter());
        cells.iter_mut().for_each(String::clear);
        f(u64::from(r) + 1, rec).err().map(Err)
    };
    while let Some(cell) = cells.next_cell().map_err(|e| format!("cannot read the sheet: {e}"))? {
        let (r, c) = cell.get_position();
        if let Some(e) = beyond_grid(&first, r, c) {
            return Err(e);
        }
        if at != Some(r) {
            if at.is_some() && width.is_none() && used > 0 {
                width = Some(used);
            }
            if let Some(stop) = flush(at, &mut row, &mut used, &mut rec) {
                return Ok(stop);
            }
            at = Some(r);
        }
        let c = c as usize;
        match width {
            Some(w) if c >= w => continue,
            None if c >= MAX_EXPORT_COLUMNS => {
                return Err(format!(
                    "the heading row has a cell in column {}; an export has at most {MAX_EXPORT_COLUMNS} columns",
                    crate::ingest::workbook::column_letter(c as u32)
                ))
            }
            _ => {}
        }
        if row.len() <= c {
            row.resize(c + 1, String::new());
        }
        used = used.max(c + 1);
        let text = &mut row[c];
        text.clear();
        match cell.get_value() {
            calamine::DataRef::String(s) => text.push_str(s.trim()),
            calamine::DataRef::SharedString(s) => text.push_str(s.trim()),
            other => text.push_str(&cell_text(other.into())),
        }
    }
    if let Some(stop) = flush(at, &mut row, &mut used, &mut rec) {
        return Ok(stop);
    }
    Ok(Ok(()))
}

/// An ods sheet's rows (calamine has no streaming ods reader; what it
/// builds was checked with the zip, so the range is bounded).
fn ods_rows<E, R: std::io::Read + std::io::Seek>(
    other: &mut calamine::Ods<R>,
    f: &mut impl FnMut(u64, &StringRecord) -> Result<(), E>,
) -> Result<Result<(), E>, String> {
    use calamine::Reader;
    let mut rec = StringRecord::new();
    let first = other.sheet_names().into_iter().next().ok_or("the workbook has no sheets")?;
    let range = other.worksheet_range(&first).map_err(|e| format!("cannot read the sheet: {e}"))?;
    let start = range.start().map(|(r, _)| r).unwrap_or(0);
    for (i, cells) in range.rows().enumerate() {
        if cells.iter().all(|c| cell_text(c.into()).is_empty()) {
            continue;
        }
        rec.clear();
        for c in cells.iter().take(MAX_EXPORT_COLUMNS) {
            rec.push_field(&cell_text(c.into()));
        }
        if let Err(e) = f(u64::from(start) + i as u64 + 1, &rec) {
            return Ok(Err(e));
        }
    }
    Ok(Ok(()))
}
