//! Realistic input for the demo, the tests and the benchmark.
//!
//! [`register_xlsx`] writes a register workbook from rows of cells (so tests
//! can also write broken ones); [`dalarna`] makes a whole plausible Dalarna
//! year: the register and Totara-style exports, deterministic for a seed;
//! [`national`] makes the whole country (290 municipalities, 21 regions) at
//! national scale, with the config beside it, for the benchmark.

pub mod dalarna;
pub mod national;
pub mod register_xlsx;

pub use dalarna::{generate_year, GeneratedYear};
pub use national::{generate_national, GeneratedNational, NationalScale};
pub use register_xlsx::{Cell, RegisterSheets};
