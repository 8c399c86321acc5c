//! Ingest: files in, typed records out.
//!
//! This is the only stage that reads input files. Everything past it works on
//! typed records ([`Register`]), never on cells or strings from a file.

pub mod bounds;
pub mod exports;
pub mod hashed_read;
pub mod http;
mod inbox;
pub mod register;
mod table;
pub mod webservice;
mod workbook;

pub use crate::domain::totara::report_identity;
pub use inbox::{
    inbox_paths, is_spreadsheet, kind_of, open_spreadsheet, recognise, recognise_file, sha256_file, unknown_reason,
    InputKind, OpenedSheet, RecognisedFile,
};
pub use register::{read_register, read_register_bytes, redact_register, RegisterError, RegisterProblems};
