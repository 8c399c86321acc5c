//! Course rounds, their days, categories and organisers.

use super::ParseError;
use std::fmt;

/// The tariff category of a course: employee or manager course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// Employee course (medarbetare).
    Medarbetare,
    /// Manager course (chef / arbetsledare), from 2026.
    Chef,
}

impl Category {
    /// Parses `medarbetare` or `chef` (also `arbetsledare`).
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s.trim().to_lowercase().as_str() {
            "medarbetare" => Ok(Self::Medarbetare),
            "chef" | "arbetsledare" | "chefer" => Ok(Self::Chef),
            other => Err(ParseError::new(format!("'{other}' is not a course category (medarbetare or chef)"))),
        }
    }

    /// The Swedish word used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Medarbetare => "medarbetare",
            Self::Chef => "chef",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who organises a round's course days, which decides how they are billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Organiser {
    /// RSS runs it: billed per attended participant-day at the year's fee.
    Regional,
    /// Bought nationally: billed at the round's price per participant-day.
    Nationell,
    /// Run by the municipality itself: not billed by RSS.
    Kommunal,
}

impl Organiser {
    /// Parses `regional`, `nationell` or `kommunal` (also `regionalt`, `nationellt`, `kommunalt`).
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s.trim().to_lowercase().as_str() {
            "regional" | "regionalt" | "regionell" => Ok(Self::Regional),
            "nationell" | "nationellt" | "national" => Ok(Self::Nationell),
            "kommunal" | "kommunalt" => Ok(Self::Kommunal),
            other => Err(ParseError::new(format!("'{other}' is not an organiser (regional, nationell or kommunal)"))),
        }
    }

    /// The Swedish word used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Regional => "regional",
            Self::Nationell => "nationell",
            Self::Kommunal => "kommunal",
        }
    }
}

impl fmt::Display for Organiser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The id of a course round (`Omgång`), unique within the register.
/// Shared, not copied: each of a round's participants (at ten times
/// national scale a million) names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RoundId(std::sync::Arc<str>);

impl RoundId {
    /// Any non-empty trimmed text (numbers from a spreadsheet arrive as `12`).
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        if t.is_empty() {
            Err(ParseError::new("the round id (Omgång) is empty"))
        } else {
            Ok(RoundId(t.into()))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RoundId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The number of a day within a round: 1 to 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DayNumber(u8);

impl DayNumber {
    /// The most course days a round can have.
    pub const MAX: u8 = 4;

    /// Parses `1`…`4` (also `1.0` as a spreadsheet may store it).
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        let t = t.strip_suffix(".0").unwrap_or(t);
        t.parse::<u8>()
            .ok()
            .and_then(|n| DayNumber::new(n).ok())
            .ok_or_else(|| ParseError::new(format!("'{}' is not a day number (1–{})", s.trim(), Self::MAX)))
    }

    /// A day number in 1..=4.
    pub fn new(n: u8) -> Result<Self, ParseError> {
        if (1..=Self::MAX).contains(&n) {
            Ok(DayNumber(n))
        } else {
            Err(ParseError::new(format!("day {n} is not 1–{}", Self::MAX)))
        }
    }

    /// The number.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for DayNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A delresa code as named in config (`bou`, `funk-u`, …): lower-case letters,
/// digits and dashes. Whether it is a configured one is checked at the edge.
/// Shared, not copied: each of (at ten times national scale) a million
/// findings names the delresa of its round.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DelresaCode(std::sync::Arc<str>);

impl DelresaCode {
    /// Parses a code of `a-z`, `0-9` and `-`.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        if !t.is_empty() && t.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            Ok(DelresaCode(t.into()))
        } else {
            Err(ParseError::new(format!(
                "'{t}' is not a delresa code (lower-case letters, digits and '-', e.g. funk-u)"
            )))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DelresaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
