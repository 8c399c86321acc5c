//! Why a billing computation cannot be done, and what to change to make it possible.

use crate::domain::rounding::RoundingError;
use crate::domain::{Category, Money, Year};

/// A rule the config or the register does not cover for the data at hand.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BillingError {
    /// A regional course day falls in a year/category with no tariff.
    #[error(
        "no tariff for {year} {category}: round '{round}' has a course day on {date}; \
         add a [[tariff]] with year = {year} and category = \"{category}\" to the config"
    )]
    MissingTariff {
        /// Year of the day.
        year: i32,
        /// Category of the round.
        category: Category,
        /// The round.
        round: String,
        /// The date of the day.
        date: String,
    },
    /// The extras granted from the pot are more than the pot holds.
    #[error(
        "the extras granted from the trainer pot {year} ({extras} kr, sheet 'Övriga rader' row(s) {rows}) \
         exceed the pot of {pot} kr; correct the rows of type pott"
    )]
    ExtrasExceedPot {
        /// The pot's year.
        year: Year,
        /// Their sum.
        extras: Money,
        /// The pot.
        pot: Money,
        /// The register rows.
        rows: String,
    },
    /// Shares could not be rounded to add up to their total.
    #[error("{what}: {source}")]
    Rounding {
        /// What was split.
        what: String,
        /// Why it could not add up.
        source: RoundingError,
    },
}
