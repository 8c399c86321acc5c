//! Domain types: values that can only hold what the rules allow.
//!
//! Every type here is parsed once at an edge (config, register, exports) and is
//! valid from then on, so the billing and reporting stages never re-check them.

mod course;
mod email;
mod kommun;
mod money;
mod period;
mod trainer;

pub use course::{Category, DayNumber, DelresaCode, Organiser, RoundId};
pub use email::Email;
pub use kommun::{KommunKod, Recipient};
pub use money::{Money, Quantity};
pub use period::{Month, Year};
pub use trainer::TrainerRole;

/// Why a text could not become a domain value; the caller adds where it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

impl ParseError {
    pub(crate) fn new(msg: impl Into<String>) -> Self {
        ParseError(msg.into())
    }
}
