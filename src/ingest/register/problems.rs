//! Register errors that name the file, sheet, row and column to fix.

use std::fmt;
use std::path::PathBuf;

/// One thing wrong in a register file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterError {
    /// The file.
    pub file: PathBuf,
    /// The sheet, if the problem is inside one.
    pub sheet: Option<String>,
    /// The 1-based spreadsheet row, if known.
    pub row: Option<u32>,
    /// The column heading (and letter), if known.
    pub column: Option<String>,
    /// What is wrong, with the value found.
    pub message: String,
}

impl fmt::Display for RegisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(s) = &self.sheet {
            write!(f, ", sheet '{s}'")?;
        }
        if let Some(r) = self.row {
            write!(f, ", row {r}")?;
        }
        if let Some(c) = &self.column {
            write!(f, ", column {c}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in a register; the file is rejected whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RegisterProblems(pub Vec<RegisterError>);

impl RegisterProblems {
    /// The most problems printed; the rest are counted.
    const SHOWN: usize = 50;
}

impl fmt::Display for RegisterProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the course-day register has {} problem(s); nothing was billed:", self.0.len())?;
        for e in self.0.iter().take(Self::SHOWN) {
            writeln!(f, "  {e}")?;
        }
        if self.0.len() > Self::SHOWN {
            writeln!(f, "  … and {} more", self.0.len() - Self::SHOWN)?;
        }
        Ok(())
    }
}
