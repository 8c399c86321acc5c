//! Why a billing computation cannot be done, and what to add to the config.

use crate::domain::Category;

/// A rule the config does not cover for the data at hand.
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
}

/// The tariff of a course day: its year and its round's category, or an error
/// that says which tariff to add.
pub(crate) fn tariff_for<'a>(
    config: &'a crate::config::Config,
    date: chrono::NaiveDate,
    category: Category,
    round: &crate::domain::RoundId,
) -> Result<&'a crate::config::Tariff, BillingError> {
    use chrono::Datelike;
    config.tariffs.get(date.year(), category).ok_or_else(|| BillingError::MissingTariff {
        year: date.year(),
        category,
        round: round.to_string(),
        date: date.to_string(),
    })
}
