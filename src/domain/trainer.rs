//! The roles a trainer can have on a course day.

use super::ParseError;
use std::fmt;

/// A trainer's role on one course day; it decides the trainer's points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TrainerRole {
    /// Course leader: the year's leader share of points.
    Kursledare,
    /// Trainer: one point.
    Utbildare,
    /// Reserve: did not teach, no points.
    Reserv,
}

impl TrainerRole {
    /// Parses `kursledare`, `utbildare` or `reserv` (any case).
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s.trim().to_lowercase().as_str() {
            "kursledare" => Ok(Self::Kursledare),
            "utbildare" | "samtalsledare" => Ok(Self::Utbildare),
            "reserv" => Ok(Self::Reserv),
            other => Err(ParseError::new(format!("'{other}' is not a trainer role (kursledare, utbildare or reserv)"))),
        }
    }

    /// The Swedish word for the role.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kursledare => "kursledare",
            Self::Utbildare => "utbildare",
            Self::Reserv => "reserv",
        }
    }
}

impl fmt::Display for TrainerRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
