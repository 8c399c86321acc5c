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

/// Serde as text for a domain type: written with `Display`, read back
/// through its parser, so a stored value is as valid as a parsed one.
macro_rules! serde_as_text {
    ($($t:ty => $parse:expr),* $(,)?) => {$(
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                let parse: fn(&str) -> Result<$t, ParseError> = $parse;
                parse(&text).map_err(serde::de::Error::custom)
            }
        }
    )*};
}

serde_as_text! {
    KommunKod => KommunKod::parse,
    Recipient => Recipient::parse,
    Money => Money::parse,
    Year => Year::parse,
    Month => Month::parse,
    Category => Category::parse,
    TrainerRole => TrainerRole::parse,
    RoundId => RoundId::parse,
    DayNumber => DayNumber::parse,
    DelresaCode => DelresaCode::parse,
}
