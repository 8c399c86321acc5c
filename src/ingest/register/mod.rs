//! The region's course-day register (FORMATS.md §4): the authority for billing.

mod problems;
pub(crate) mod read;
mod redact;

pub use problems::{RegisterError, RegisterProblems};
pub(crate) use read::read_register_workbook;
pub use read::{read_register, read_register_bytes};
pub use redact::redact_register;
