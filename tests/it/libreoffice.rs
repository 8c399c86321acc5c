//! A real client reads our files: every kind of workbook converts to PDF with
//! LibreOffice headless, and the municipality's workbook prints one page per
//! sheet (the summary on one page, no table cut across pages). Slow and needs
//! LibreOffice, so it is ignored by default; run it with
//! `apt-get install -y libreoffice-calc poppler-utils && cargo test --test it libreoffice -- --ignored`.

use super::helpers::*;
use calamine::{open_workbook, Reader, Xlsx};

#[test]
#[ignore = "needs LibreOffice: apt-get install -y libreoffice-calc poppler-utils"]
fn libreoffice_opens_every_kind_of_workbook() {
    let w = Workdir::new();
    let out_dir = w.path().join("d");
    let out = bin(
        &["demo", "--out", &out_dir.display().to_string(), "--config", &config_path().display().to_string()],
        w.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Falun's March workbook (per set of contact persons: the first of them).
    let mut march: Vec<_> = std::fs::read_dir(out_dir.join("kommuner"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("yrkesresan-falun-") && name.ends_with("-2026-03.xlsx")
        })
        .collect();
    march.sort();
    let falun = march.first().expect("Falun has a March workbook").clone();
    let files = [
        out_dir.join("fakturaunderlag-2026.xlsx"),
        out_dir.join("uppfoljning-2026.xlsx"),
        out_dir.join("utbildarpott-2026.xlsx"),
        falun.clone(),
    ];
    let pdf_dir = w.path().join("pdf");
    let pdf_of = |f: &std::path::Path| pdf_dir.join(f.with_extension("pdf").file_name().unwrap());
    for f in &files {
        let status = std::process::Command::new("libreoffice")
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(&pdf_dir)
            .arg(f)
            .status()
            .expect("libreoffice runs");
        assert!(status.success(), "{}", f.display());
        let pdf = pdf_of(f);
        assert!(std::fs::metadata(&pdf).map(|m| m.len() > 1000).unwrap_or(false), "{}", pdf.display());
    }

    // Falun's March workbook: every sheet fits on one A4 page (the summary
    // by its print setup, the short tables by fitting to the page width).
    let sheets = open_workbook::<Xlsx<_>, _>(&falun).unwrap().sheet_names();
    let pdf = std::fs::read(pdf_of(&falun)).unwrap();
    assert_eq!(pdf_pages(&pdf), sheets.len(), "one page per sheet of {}: {sheets:?}", falun.display());

    // No cell prints as ### in any of the PDFs (pdftotext, from poppler-utils).
    for f in &files {
        let out = std::process::Command::new("pdftotext")
            .arg(pdf_of(f))
            .arg("-")
            .output()
            .expect("pdftotext runs: apt-get install -y poppler-utils");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Sida 1 av"), "{}: the footer is printed", f.display());
        assert!(!text.contains("###"), "{}: a cell prints as ###", f.display());
    }
}

/// The pages of a PDF: its page objects, `/Type /Page` (not the page tree's
/// `/Type /Pages`), i.e. the regex `/Type\s*/Page[^s]` over the bytes.
fn pdf_pages(pdf: &[u8]) -> usize {
    let key = b"/Type";
    let page = b"/Page";
    (0..pdf.len())
        .filter(|&i| pdf[i..].starts_with(key))
        .filter(|&i| {
            let value = i + key.len() + pdf[i + key.len()..].iter().take_while(|b| b.is_ascii_whitespace()).count();
            pdf[value..].starts_with(page) && pdf.get(value + page.len()).is_some_and(|b| *b != b's')
        })
        .count()
}

/// The page count reads page objects only, however LibreOffice spaces them.
#[test]
fn pdf_pages_are_the_page_objects_not_the_page_tree() {
    let pdf = b"1 0 obj<</Type/Pages/Kids[2 0 R 3 0 R 4 0 R]/Count 3>>endobj\n\
        2 0 obj<</Type/Page/Parent 1 0 R>>endobj\n\
        3 0 obj<</Type /Page /Parent 1 0 R>>endobj\n\
        4 0 obj<</Type\n/Page\n/Parent 1 0 R>>endobj\n\
        5 0 obj<</Type/Catalog/Pages 1 0 R>>endobj\n/Type/Page";
    assert_eq!(pdf_pages(pdf), 3);
}
