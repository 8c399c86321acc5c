//! A stored register copy without one person: for `yrkesresan forget`.
//!
//! The rows of the sheets *Deltagare* and *Utbildare* whose e-mail is the
//! person's (or, without an e-mail, whose name is) keep their place and
//! attendance, so what open months bill stays the same, but the name
//! becomes a pseudonym and the e-mail goes. The rest of the workbook is
//! copied cell by cell (values; formatting is not kept: only this program
//! reads the stored copy).

use crate::config::IngestLimits;
use crate::ingest::workbook::{cell_text, Workbook};
use calamine::Data;
use rust_xlsxwriter::{Format, Workbook as Out};

/// The sheets that name people, and their name and e-mail headings.
const PEOPLE_SHEETS: [&str; 2] = ["Deltagare", "Utbildare"];

/// The register without the person: the new bytes and how many rows named them.
pub fn redact_register(
    bytes: Vec<u8>,
    emails: &[String],
    names: &[String],
    pseudonym: &str,
    limits: &IngestLimits,
) -> Result<(Vec<u8>, usize), String> {
    let mut wb = Workbook::from_bytes(bytes, limits)?;
    let mut out = Out::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let mut changed = 0;
    let is = |text: &str, list: &[String]| list.iter().any(|x| x.eq_ignore_ascii_case(text.trim()));
    for sheet in wb.sheet_names() {
        let mut cells = wb.cells(&sheet)?;
        if PEOPLE_SHEETS.iter().any(|p| p.eq_ignore_ascii_case(sheet.trim())) {
            changed += redact_rows(
                &mut cells,
                |name, email| {
                    if email.is_empty() {
                        is(name, names)
                    } else {
                        is(email, emails)
                    }
                },
                pseudonym,
            );
        }
        let ws = out.add_worksheet();
        ws.set_name(&sheet).map_err(|e| e.to_string())?;
        for (r, c, d) in cells {
            let col = u16::try_from(c).map_err(|_| format!("sheet {sheet}: column {c} is beyond Excel's"))?;
            let written = match &d {
                Data::String(t) => ws.write_string(r, col, t).map(|_| ()),
                Data::Float(f) => ws.write_number(r, col, *f).map(|_| ()),
                Data::Int(i) => ws.write_number(r, col, *i as f64).map(|_| ()),
                Data::Bool(b) => ws.write_boolean(r, col, *b).map(|_| ()),
                Data::DateTime(t) => ws.write_number_with_format(r, col, t.as_f64(), &date).map(|_| ()),
                Data::DateTimeIso(t) | Data::DurationIso(t) => ws.write_string(r, col, t).map(|_| ()),
                Data::Error(_) | Data::Empty => Ok(()),
            };
            written.map_err(|e| format!("sheet {sheet}: {e}"))?;
        }
    }
    let bytes = out.save_to_buffer().map_err(|e| e.to_string())?;
    Ok((bytes, changed))
}

/// Replaces name and e-mail in the rows `names_them(name, email)` picks;
/// the first row holds the headings `Namn` and `E-post`. Returns the rows changed.
fn redact_rows(cells: &mut [(u32, u32, Data)], names_them: impl Fn(&str, &str) -> bool, pseudonym: &str) -> usize {
    let Some(head) = cells.iter().map(|(r, _, _)| *r).min() else { return 0 };
    let col = |heading: &str| {
        cells
            .iter()
            .find(|(r, _, d)| *r == head && cell_text(d.into()).trim().eq_ignore_ascii_case(heading))
            .map(|(_, c, _)| *c)
    };
    let (Some(name_col), email_col) = (col("Namn"), col("E-post")) else { return 0 };
    let text_at = |row: u32, c: Option<u32>| {
        cells
            .iter()
            .find(|(r, cc, _)| *r == row && Some(*cc) == c)
            .map(|(_, _, d)| cell_text(d.into()))
            .unwrap_or_default()
    };
    let rows: Vec<u32> = cells
        .iter()
        .map(|(r, _, _)| *r)
        .filter(|r| *r != head)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|&r| names_them(&text_at(r, Some(name_col)), &text_at(r, email_col)))
        .collect();
    for (r, c, d) in cells.iter_mut() {
        if rows.contains(r) {
            if *c == name_col {
                *d = Data::String(pseudonym.to_string());
            } else if Some(*c) == email_col {
                *d = Data::Empty;
            }
        }
    }
    rows.len()
}
