//! Config problems, each with the file and line a user must edit.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in a config or pipeline file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file that holds the problem.
    pub file: PathBuf,
    /// The 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong and what to write instead.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.file.display(), l, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// All problems found in one pass; never empty when returned as an error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} problem(s) in the configuration:", self.0.len())?;
        for e in &self.0 {
            writeln!(f, "  {e}")?;
        }
        Ok(())
    }
}

/// Collects problems for one file and turns byte spans into line numbers.
pub(crate) struct Collector<'a> {
    file: &'a Path,
    text: &'a str,
    pub(crate) errors: Vec<ConfigError>,
}

impl<'a> Collector<'a> {
    pub(crate) fn new(file: &'a Path, text: &'a str) -> Self {
        Collector { file, text, errors: Vec::new() }
    }

    /// The file being checked.
    pub(crate) fn file(&self) -> &Path {
        self.file
    }

    /// The 1-based line of a byte offset.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
    }

    /// Records a problem at a span (the start of it).
    pub(crate) fn at(&mut self, span: std::ops::Range<usize>, message: impl Into<String>) {
        let line = Some(self.line_of(span.start));
        self.errors.push(ConfigError { file: self.file.to_path_buf(), line, message: message.into() });
    }

    /// Records a problem with no better place than the file.
    pub(crate) fn file_level(&mut self, message: impl Into<String>) {
        self.errors.push(ConfigError { file: self.file.to_path_buf(), line: None, message: message.into() });
    }

    /// Records a TOML syntax or shape error.
    pub(crate) fn toml(&mut self, e: &toml::de::Error) {
        let line = e.span().map(|s| self.line_of(s.start));
        self.errors.push(ConfigError { file: self.file.to_path_buf(), line, message: e.message().trim().to_string() });
    }
}
