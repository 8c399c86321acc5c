//! What kind of file this is, read from its bytes: spreadsheet or text, the
//! text's encoding (BOM → UTF-8; valid UTF-8 → UTF-8; else Windows-1252) and
//! its delimiter (the one of `,` `;` TAB that splits the header into the most
//! fields). Text is checked in a streaming pass, so big files stay cheap.

use crate::ingest::workbook::FileType;
use std::fmt;
use std::io::Read;
use std::path::Path;

/// The container format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Delimited text.
    Csv,
    /// A zip spreadsheet (xlsx or ods).
    Spreadsheet,
    /// Legacy Excel 97–2003.
    Xls,
}

/// The text encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 with a byte-order mark (Totara's "CSV optimised for Excel", Excel's "CSV UTF-8").
    Utf8Bom,
    /// UTF-8 without BOM.
    Utf8,
    /// Windows-1252 (Excel's plain "CSV" in a Swedish Windows).
    Windows1252,
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Encoding::Utf8Bom => "UTF-8 with BOM",
            Encoding::Utf8 => "UTF-8",
            Encoding::Windows1252 => "Windows-1252",
        })
    }
}

/// What sniffing found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    /// Container format.
    pub format: Format,
    /// Encoding, for CSV.
    pub encoding: Option<Encoding>,
    /// Delimiter, for CSV.
    pub delimiter: Option<u8>,
}

impl Sniffed {
    /// A short description, e.g. `CSV, UTF-8 with BOM, ';'`.
    pub fn describe(&self) -> String {
        match (self.format, self.encoding, self.delimiter) {
            (Format::Csv, Some(e), Some(d)) => {
                let d = if d == b'\t' { "TAB".to_string() } else { format!("'{}'", d as char) };
                format!("CSV, {e}, delimiter {d}")
            }
            (Format::Spreadsheet, ..) => "spreadsheet (xlsx/ods)".into(),
            (Format::Xls, ..) => "legacy Excel (.xls)".into(),
            _ => "CSV".into(),
        }
    }
}

/// Sniffs a file.
pub fn sniff(path: &Path) -> std::io::Result<Sniffed> {
    let mut f = std::fs::File::open(path)?;
    let mut head = vec![0u8; 64 * 1024];
    let n = read_up_to(&mut f, &mut head)?;
    head.truncate(n);
    match FileType::sniff(&head) {
        FileType::Zip => return Ok(Sniffed { format: Format::Spreadsheet, encoding: None, delimiter: None }),
        FileType::LegacyXls => return Ok(Sniffed { format: Format::Xls, encoding: None, delimiter: None }),
        FileType::Text => {}
    }
    let encoding = if head.starts_with(b"\xEF\xBB\xBF") {
        Encoding::Utf8Bom
    } else if is_utf8_stream(path)? {
        Encoding::Utf8
    } else {
        Encoding::Windows1252
    };
    let first_line = head.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| (first_line.iter().filter(|b| *b == d).count(), d == &b','))
        .expect("three candidates");
    Ok(Sniffed { format: Format::Csv, encoding: Some(encoding), delimiter: Some(delimiter) })
}

fn read_up_to(f: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Validates UTF-8 over the whole file in chunks (constant memory).
fn is_utf8_stream(path: &Path) -> std::io::Result<bool> {
    let mut f = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path)?);
    let mut buf = vec![0u8; 1 << 20];
    let mut carry = 0usize;
    loop {
        let n = read_up_to(&mut f, &mut buf[carry..])?;
        let filled = carry + n;
        match std::str::from_utf8(&buf[..filled]) {
            Ok(_) => carry = 0,
            Err(e) => match e.error_len() {
                Some(_) => return Ok(false),
                None => {
                    // An incomplete sequence at the end of the chunk: carry it over.
                    let valid = e.valid_up_to();
                    if n == 0 {
                        return Ok(false);
                    }
                    buf.copy_within(valid..filled, 0);
                    carry = filled - valid;
                }
            },
        }
        if n == 0 {
            return Ok(true);
        }
    }
}
