//! Report: the result tables written as CSV (FORMATS.md §5) and as workbooks
//! for finance, each municipality and the steering group.
//!
//! Writers take computed values and a destination; they compute nothing that
//! billing has not already decided, so every total is a sum of shown rows.
//!
//! A table written both as CSV and in a workbook is declared once, its CSV
//! columns, Swedish headings and values together (`tables`, `invoice_lines`).
//!
//! No output can be turned against its reader: CSV text cells that a
//! spreadsheet would run as a formula are neutralised (`csv_out`), workbooks
//! hold user text as string cells only; and Excel's limits never fail a job
//! (`sheet`: text cut to fit, long tables continued on further sheets). Every
//! sheet prints on A4 with a header, page numbers and no `###` (`print`).

mod csv_out;
mod error;
mod finance_workbook;
mod ingest_report;
mod invoice_lines;
mod municipality_workbook;
mod pot_tables;
mod print;
mod regional_workbook;
mod sheet;
mod style;
mod tables;

pub use csv_out::{
    write_accounts_csv, write_followup_csv, write_invoice_csv, write_payout_csv, write_pot_csv, write_progress_csv,
    write_reconciliation_csv,
};
pub use error::ReportError;
pub use finance_workbook::finance_workbook;
pub use ingest_report::{write_ingest_problems_csv, write_ingest_report_csv, IngestLine, IngestStatus};
pub use invoice_lines::invoice_line_text;
pub use municipality_workbook::{municipality_workbook, AccountsRow, MunicipalityReport, Part};
pub use pot_tables::{
    payout_workbook, pot_statement, published_rows as published_rows_of, PUBLISHED_HEADINGS, STATEMENT_HEADINGS,
};
pub use regional_workbook::{regional_workbook, AccountTable, RegionalReport};

/// The zip compression of the workbooks built in bulk (each municipality's,
/// the regional one): level 3 of 1–9 instead of rust_xlsxwriter's 6. The
/// sheets inside are the same; the files are 5–13 % larger and built in a
/// fifth less time (README, Speed).
const ZIP_LEVEL: u8 = 3;
