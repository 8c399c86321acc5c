//! Why an output could not be written.

use std::path::PathBuf;

/// A failure writing one output file.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Writing a CSV file failed.
    #[error("cannot write {path}: {source}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// Why.
        source: csv::Error,
    },
    /// Building or saving a workbook failed.
    #[error("cannot write the workbook {name}: {source}")]
    Xlsx {
        /// The workbook's name.
        name: String,
        /// Why.
        source: rust_xlsxwriter::XlsxError,
    },
}

impl ReportError {
    pub(crate) fn xlsx(name: &str) -> impl FnOnce(rust_xlsxwriter::XlsxError) -> ReportError + '_ {
        move |source| ReportError::Xlsx { name: name.to_string(), source }
    }
}
