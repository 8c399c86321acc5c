//! The tariff of a course day: its calendar year and its round's category.

use super::BillingError;
use crate::config::{Config, Tariff};
use crate::domain::{Category, RoundId};
use chrono::{Datelike, NaiveDate};

/// The tariff of a course day, or an error that says which tariff to add.
pub(crate) fn tariff_for<'a>(
    config: &'a Config,
    date: NaiveDate,
    category: Category,
    round: &RoundId,
) -> Result<&'a Tariff, BillingError> {
    config.tariffs.get(date.year(), category).ok_or_else(|| BillingError::MissingTariff {
        year: date.year(),
        category,
        round: round.to_string(),
        date: date.to_string(),
    })
}
