//! A real client reads our files: every kind of workbook converts to PDF with
//! LibreOffice headless. Slow and needs LibreOffice, so it is ignored by
//! default; run it with
//! `apt-get install -y libreoffice-calc && cargo test --test it libreoffice -- --ignored`.

use super::helpers::*;

#[test]
#[ignore = "needs LibreOffice: apt-get install -y libreoffice-calc"]
fn libreoffice_opens_every_kind_of_workbook() {
    let w = Workdir::new();
    let out_dir = w.path().join("d");
    let out = bin(
        &["demo", "--out", &out_dir.display().to_string(), "--config", &config_path().display().to_string()],
        w.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let files = [
        out_dir.join("fakturaunderlag-2026.xlsx"),
        out_dir.join("uppfoljning-2026.xlsx"),
        out_dir.join("utbildarpott-2026.xlsx"),
        out_dir.join("kommuner/yrkesresan-falun-2026-03.xlsx"),
    ];
    let pdf_dir = w.path().join("pdf");
    for f in &files {
        let status = std::process::Command::new("libreoffice")
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(&pdf_dir)
            .arg(f)
            .status()
            .expect("libreoffice runs");
        assert!(status.success(), "{}", f.display());
        let pdf = pdf_dir.join(f.with_extension("pdf").file_name().unwrap());
        assert!(std::fs::metadata(&pdf).map(|m| m.len() > 1000).unwrap_or(false), "{}", pdf.display());
    }
}
