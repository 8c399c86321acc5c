//! Every workbook prints on A4: each sheet of each kind of workbook of a
//! demo year has a print setup (A4, one page wide, a header naming who, what
//! and the period, the footer "Sida x av y", the heading rows repeated on
//! tables, the summaries on one page), and no number or date is wider than
//! its column (Excel would show `###`). Read from the sheets' XML as
//! rust_xlsxwriter writes it.

use super::helpers::*;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Sheets that print on exactly one page (the summaries).
const ONE_PAGE: [&str; 3] = ["Sammanfattning", "Summering", "Utbetalning"];

/// Sheets that are not one table with a heading to repeat: the summaries
/// (label and value per row) and the follow-up (a table per delresa).
const NOT_TABLES: [&str; 3] = ["Sammanfattning", "Utbetalning", "Uppföljning"];

/// Tables wider than this print in landscape.
const PORTRAIT_COLUMNS: u32 = 5;

/// A workbook's parts: each sheet (name, XML) in order, the workbook part and the styles part.
struct Book {
    sheets: Vec<(String, String)>,
    workbook: String,
    styles: String,
}

fn part(zip: &mut zip::ZipArchive<std::fs::File>, name: &str) -> String {
    let mut text = String::new();
    zip.by_name(name).unwrap_or_else(|e| panic!("{name}: {e}")).read_to_string(&mut text).unwrap();
    text
}

fn read_book(path: &Path) -> Book {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let workbook = part(&mut zip, "xl/workbook.xml");
    let rels = part(&mut zip, "xl/_rels/workbook.xml.rels");
    let targets: BTreeMap<String, String> = elements(&rels, "Relationship")
        .into_iter()
        .map(|(a, _)| (a["Id"].to_string(), format!("xl/{}", a["Target"])))
        .collect();
    let sheets = elements(&workbook, "sheet")
        .into_iter()
        .map(|(a, _)| (unescape(a["name"]), part(&mut zip, &targets[a["r:id"]])))
        .collect();
    let styles = part(&mut zip, "xl/styles.xml");
    Book { sheets, workbook, styles }
}

/// Every element `<tag …>` of machine-written XML: its attributes (values
/// as written, escaped) and its content up to `</tag>` (empty for `<tag/>`).
fn elements<'x>(xml: &'x str, tag: &str) -> Vec<(BTreeMap<&'x str, &'x str>, &'x str)> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(at) = rest.find(&open) {
        rest = &rest[at + open.len()..];
        if !rest.starts_with([' ', '>', '/']) {
            continue; // a longer name: <col> vs <cols>
        }
        let end = rest.find('>').expect("a closed tag");
        let (head, empty) = match rest[..end].strip_suffix('/') {
            Some(h) => (h, true),
            None => (&rest[..end], false),
        };
        let mut attrs = BTreeMap::new();
        let mut a = head;
        while let Some(eq) = a.find("=\"") {
            let name = a[..eq].trim();
            let value_end = a[eq + 2..].find('"').expect("a quoted value") + eq + 2;
            attrs.insert(name, &a[eq + 2..value_end]);
            a = &a[value_end + 1..];
        }
        rest = &rest[end + 1..];
        let content = if empty {
            ""
        } else {
            let stop = rest.find(&close).expect("an end tag");
            &rest[..stop]
        };
        out.push((attrs, content));
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"").replace("&apos;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// A cell reference's column number (0-based) and row: `K11` → (10, 11).
fn cell_ref(r: &str) -> (u32, u32) {
    let letters: String = r.chars().take_while(|c| c.is_ascii_uppercase()).collect();
    let col = letters.bytes().fold(0u32, |n, b| n * 26 + u32::from(b - b'A' + 1)) - 1;
    (col, r[letters.len()..].parse().unwrap())
}

/// The number format of each cell style (index in `cellXfs`).
fn number_formats(styles: &str) -> Vec<String> {
    let custom: BTreeMap<&str, String> =
        elements(styles, "numFmt").into_iter().map(|(a, _)| (a["numFmtId"], unescape(a["formatCode"]))).collect();
    let (_, xfs) = elements(styles, "cellXfs").into_iter().next().expect("cellXfs");
    elements(xfs, "xf")
        .into_iter()
        .map(|(a, _)| match a["numFmtId"] {
            "0" => "General".to_string(),
            "2" => "0.00".to_string(),
            "14" => "yyyy-mm-dd".to_string(),
            id => custom.get(id).cloned().unwrap_or_else(|| panic!("number format {id} is not known to the test")),
        })
        .collect()
}

/// What Excel shows for `v` in `format`, as Swedish Excel writes it: a
/// conservative length (every character as wide as a digit; `%` as two).
fn shown_length(v: f64, format: &str) -> usize {
    let decimals = |f: &str| f.split_once('.').map(|(_, d)| d.chars().take_while(|c| *c == '0').count()).unwrap_or(0);
    if format == "General" {
        // Excel's General shows at most 11 characters.
        return if v.fract() == 0.0 { format!("{v:.0}").len() } else { v.to_string().len().min(11) };
    }
    if format.contains("yy") {
        return "2026-03-05".len();
    }
    if format.contains('%') {
        return format!("{:.*}", decimals(format), v * 100.0).len() + 2;
    }
    let fixed = format!("{:.*}", decimals(format), v.abs());
    let (int, dec) = fixed.split_once('.').map(|(i, d)| (i, d.len() + 1)).unwrap_or((&fixed, 0));
    let sign = usize::from(v < 0.0);
    if format.starts_with("#,##0") {
        // Digits in groups of three: "1 234 567,00 kr".
        let groups = (int.len() - 1) / 3;
        let unit = format.split_once('"').map(|(_, u)| u.trim_end_matches('"').chars().count() + 1).unwrap_or(0);
        return sign + int.len() + groups + dec + unit;
    }
    assert!(format.starts_with('0'), "number format {format} is not known to the test");
    sign + int.len() + dec
}

/// The pixels a column shows text in: its width (characters of 7 pixels,
/// padding included) less Excel's 5 pixels of padding. A column with no
/// width set has Excel's default, 8.43 characters.
fn column_pixels(sheet: &str) -> impl Fn(u32) -> f64 {
    let cols: Vec<(u32, u32, f64)> = elements(sheet, "col")
        .into_iter()
        .map(|(a, _)| (a["min"].parse().unwrap(), a["max"].parse().unwrap(), a["width"].parse().unwrap()))
        .collect();
    move |col: u32| {
        let n = col + 1;
        cols.iter()
            .find(|(min, max, _)| (*min..=*max).contains(&n))
            .map(|(_, _, w)| (w * 7.0).round() - 5.0)
            .unwrap_or(59.0)
    }
}

/// The workbooks of every kind the demo writes, with who and the period
/// their page header names.
fn workbooks() -> Vec<(PathBuf, String, String)> {
    let config = config();
    let dir = demo_year();
    let region = config.region.name.clone();
    let mut out = vec![
        (dir.join("fakturaunderlag-2026.xlsx"), region.clone(), "januari–december 2026".to_string()),
        (dir.join("uppfoljning-2026.xlsx"), region.clone(), "2026".to_string()),
        (dir.join("utbildarpott-2026.xlsx"), region.clone(), "2026".to_string()),
        (dir.join("utbetalning-utbildarpott-2026.xlsx"), region, "2026".to_string()),
    ];
    let mut municipal: Vec<PathBuf> =
        std::fs::read_dir(dir.join("kommuner")).unwrap().map(|e| e.unwrap().path()).collect();
    municipal.sort();
    for path in municipal {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let m = config
            .municipalities
            .iter()
            .find(|m| {
                stem.starts_with(&format!("yrkesresan-{}-", m.slug()))
                    || stem.starts_with(&format!("utbildarpott-{}-", m.slug()))
            })
            .unwrap_or_else(|| panic!("{stem}: whose?"));
        // yrkesresan-<kommun>[-<delresor>]-YYYY-MM[-sammanfattning], utbildarpott-<kommun>-YYYY
        let period = if stem.starts_with("yrkesresan-") {
            let mut parts = stem.trim_end_matches("-sammanfattning").rsplit('-');
            let number = parts.next().unwrap();
            let year = parts.next().unwrap();
            yrkesresan::domain::Month::parse(&format!("{year}-{number}")).unwrap().swedish()
        } else {
            stem.rsplit('-').next().unwrap().to_string()
        };
        out.push((path, m.name.clone(), period));
    }
    out
}

#[test]
fn every_sheet_of_every_workbook_prints_on_a4_with_header_footer_and_repeated_headings() {
    let all = workbooks();
    let kinds = ["yrkesresan-falun-aldre-u-2026-03.xlsx", "utbildarpott-falun-2026.xlsx", "fakturaunderlag-2026.xlsx"];
    for kind in kinds {
        assert!(all.iter().any(|(p, _, _)| p.ends_with(kind)), "the demo writes {kind}");
    }
    let mut sheets = 0;
    for (path, who, period) in &all {
        let book = read_book(path);
        let file = path.file_name().unwrap().to_string_lossy();
        let titles: Vec<(&str, &str)> = elements(&book.workbook, "definedName")
            .into_iter()
            .filter(|(a, _)| a["name"] == "_xlnm.Print_Titles")
            .map(|(a, text)| (a["localSheetId"], text))
            .collect();
        for (index, (name, xml)) in book.sheets.iter().enumerate() {
            let at = format!("{file} / {name}");
            let fit = elements(xml, "pageSetUpPr");
            assert!(fit.iter().any(|(a, _)| a.get("fitToPage") == Some(&"1")), "{at}: fit to page");
            let (setup, _) =
                elements(xml, "pageSetup").into_iter().next().unwrap_or_else(|| panic!("{at}: no pageSetup"));
            assert_eq!(setup.get("paperSize"), Some(&"9"), "{at}: A4");
            // rust_xlsxwriter leaves out Excel's defaults: fitToWidth 1 and fitToHeight 1.
            assert_eq!(*setup.get("fitToWidth").unwrap_or(&"1"), "1", "{at}: one page wide");
            let pages_down = *setup.get("fitToHeight").unwrap_or(&"1");
            if ONE_PAGE.contains(&name.as_str()) {
                assert_eq!(pages_down, "1", "{at}: a summary prints on one page");
            } else {
                assert_eq!(pages_down, "0", "{at}: as many pages down as the sheet needs");
            }
            let (dimension, _) = elements(xml, "dimension").into_iter().next().expect("a dimension");
            let last = dimension["ref"].split(':').next_back().unwrap();
            let wide = cell_ref(last).0 + 1 > PORTRAIT_COLUMNS;
            let orientation = if wide { "landscape" } else { "portrait" };
            assert_eq!(setup.get("orientation"), Some(&orientation), "{at}: {} wide", dimension["ref"]);

            let (_, header_footer) =
                elements(xml, "headerFooter").into_iter().next().unwrap_or_else(|| panic!("{at}: no header or footer"));
            let (_, header) =
                elements(header_footer, "oddHeader").into_iter().next().unwrap_or_else(|| panic!("{at}: no header"));
            let expected = format!("&amp;L{who}&amp;CYrkesresan – ");
            assert!(header.starts_with(&expected), "{at}: header {header}, not {expected}…");
            assert!(header.ends_with(&format!("&amp;R{period}")), "{at}: header {header} for {period}");
            let (_, footer) =
                elements(header_footer, "oddFooter").into_iter().next().unwrap_or_else(|| panic!("{at}: no footer"));
            assert!(footer.contains("Sida &amp;P av &amp;N"), "{at}: footer {footer}");

            let repeated = titles.iter().find(|(id, _)| id.parse::<usize>() == Ok(index));
            if NOT_TABLES.contains(&name.as_str()) {
                assert!(repeated.is_none(), "{at}: no heading to repeat, but {repeated:?}");
            } else {
                let (_, rows) = repeated.unwrap_or_else(|| panic!("{at}: the heading rows are not repeated"));
                assert!(rows.contains("!$1:$"), "{at}: from the top down to the heading row: {rows}");
            }
            sheets += 1;
        }
    }
    assert!(sheets > 900, "every sheet of a year's workbooks: {sheets}");
}

#[test]
fn no_number_or_date_is_wider_than_its_column() {
    let mut cells = 0;
    let mut too_wide = Vec::new();
    for (path, _, _) in workbooks() {
        let book = read_book(&path);
        let formats = number_formats(&book.styles);
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        for (name, xml) in &book.sheets {
            let pixels = column_pixels(xml);
            for (a, content) in elements(xml, "c") {
                // Numbers (dates included) have no type or type "n".
                if a.get("t").is_some_and(|t| *t != "n") {
                    continue;
                }
                let Some((_, v)) = elements(content, "v").into_iter().next() else { continue };
                let v: f64 = v.parse().unwrap();
                let format = &formats[a.get("s").map(|s| s.parse::<usize>().unwrap()).unwrap_or(0)];
                let (col, _) = cell_ref(a["r"]);
                let length = shown_length(v, format);
                cells += 1;
                if (length * 7) as f64 > pixels(col) {
                    too_wide.push(format!(
                        "{file} / {name} / {}: {v} as {format} is {length} characters, the column shows {:.1}",
                        a["r"],
                        pixels(col) / 7.0
                    ));
                }
            }
        }
    }
    assert!(cells > 10_000, "the numbers of a year's workbooks: {cells}");
    assert!(too_wide.is_empty(), "{} cells would show ###:\n{}", too_wide.len(), too_wide.join("\n"));
}

/// The test's own reading of what Excel shows, on known values.
#[test]
fn shown_lengths_are_those_of_swedish_excel() {
    let money = "#,##0.00 \"kr\"";
    assert_eq!(shown_length(5200.0, money), "5 200,00 kr".len());
    assert_eq!(shown_length(1_234_567.0, money), "1 234 567,00 kr".len());
    assert_eq!(shown_length(-650.5, money), "-650,50 kr".len());
    assert_eq!(shown_length(45_000.0, "yyyy-mm-dd"), 10);
    assert_eq!(shown_length(12.5, "0.00"), "12,50".len());
    assert_eq!(shown_length(0.875, "0.0%"), "87,5%".len() + 1);
    assert_eq!(shown_length(42.0, "General"), 2);
    assert_eq!(cell_ref("K11"), (10, 11));
    assert_eq!(cell_ref("AA3"), (26, 3));
}

/// The characters of Excel's default font one A4 page holds at 100 %
/// across, within the default margins (0.7" each side): 8.27" − 1.4" in
/// portrait, 11.69" − 1.4" in landscape, at 96 pixels per inch and 7 pixels
/// per character.
const PORTRAIT_CHARACTERS: f64 = 94.0;
const LANDSCAPE_CHARACTERS: f64 = 141.0;

/// Sheets whose width grows with the data (two columns per course): they
/// say so, and print as small as they must.
const MATRICES: [&str; 1] = ["Kursstatus per kommun"];

/// No sheet prints smaller than 60 % when fitted one page wide: titles and
/// notes overflow instead of widening their column, long text (descriptions,
/// comments, explanations) wraps in columns of capped width.
#[test]
fn every_table_prints_at_a_readable_size() {
    const SMALLEST: f64 = 0.6;
    let mut sheets = 0;
    let mut too_small = Vec::new();
    for (path, _, _) in workbooks() {
        let book = read_book(&path);
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        for (name, xml) in &book.sheets {
            if MATRICES.iter().any(|m| name.starts_with(m)) {
                continue;
            }
            let (dimension, _) = elements(xml, "dimension").into_iter().next().expect("a dimension");
            let last = dimension["ref"].split(':').next_back().unwrap();
            let columns = cell_ref(last).0 + 1;
            let pixels = column_pixels(xml);
            // Each column's width in characters, padding included.
            let width: f64 = (0..columns).map(|c| (pixels(c) + 5.0) / 7.0).sum();
            let (setup, _) = elements(xml, "pageSetup").into_iter().next().expect("a page setup");
            let page =
                if setup.get("orientation") == Some(&"landscape") { LANDSCAPE_CHARACTERS } else { PORTRAIT_CHARACTERS };
            let scale = (page / width).min(1.0);
            sheets += 1;
            if scale < SMALLEST {
                too_small
                    .push(format!("{file} / {name}: {width:.0} characters wide, prints at {:.0} %", scale * 100.0));
            }
        }
    }
    assert!(sheets > 900, "every sheet of a year's workbooks: {sheets}");
    assert!(
        too_small.is_empty(),
        "{} sheets print smaller than {SMALLEST}:\n{}",
        too_small.len(),
        too_small.join("\n")
    );
}

/// The findings a contact person reads wrap in capped columns: every text
/// cell of the explanation, subject and what-to-do columns has a wrapping
/// style.
#[test]
fn findings_wrap_in_capped_columns() {
    let mut wrapped = 0;
    for (path, _, _) in workbooks().into_iter().filter(|(p, _, _)| p.to_string_lossy().contains("yrkesresan-")) {
        let book = read_book(&path);
        let wrapping: Vec<bool> = elements(&book.styles, "cellXfs")
            .into_iter()
            .flat_map(|(_, xfs)| elements(xfs, "xf"))
            .map(|(_, content)| content.contains("wrapText=\"1\""))
            .collect();
        for (name, xml) in book.sheets.iter().filter(|(n, _)| n.starts_with("Avvikelser")) {
            for (a, _) in elements(xml, "c") {
                let (col, row) = cell_ref(a["r"]);
                if row > 1 && (2..=4).contains(&col) {
                    let style = a.get("s").map(|s| s.parse::<usize>().unwrap()).unwrap_or(0);
                    assert!(wrapping[style], "{} / {name} / {}: not wrapped", path.display(), a["r"]);
                    wrapped += 1;
                }
            }
        }
    }
    assert!(wrapped > 0, "the demo year has findings for the municipalities");
}
