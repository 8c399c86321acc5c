//! The follow-up tables the region publishes (seed 000): per delresa and
//! course, rounds, days, registered, approved and the share approved.

use super::{DelresaCode, Year};
use rust_decimal::{Decimal, RoundingStrategy};

/// One course's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpRow {
    /// Course name (or "Totalt").
    pub course: String,
    /// True if the course had no regional round this year (shown with `*`).
    pub national_only: bool,
    /// Regional rounds.
    pub rounds: u32,
    /// Regional course days.
    pub days: u32,
    /// Registered participants (anmälda).
    pub registered: u32,
    /// Approved participants (godkända).
    pub approved: u32,
}

impl FollowUpRow {
    /// Approved / registered in percent with one decimal, half away from zero.
    pub fn share(&self) -> Option<Decimal> {
        (self.registered > 0).then(|| {
            (Decimal::from(self.approved) * Decimal::from(100) / Decimal::from(self.registered))
                .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
        })
    }

    /// The share as Swedish text, e.g. `91,4%`.
    pub fn share_swedish(&self) -> String {
        self.share().map(|s| format!("{}%", with_one_decimal(s).replace('.', ","))).unwrap_or_default()
    }

    /// The share for CSV, e.g. `91.4`.
    pub fn share_csv(&self) -> String {
        self.share().map(with_one_decimal).unwrap_or_default()
    }
}

fn with_one_decimal(mut d: Decimal) -> String {
    d.rescale(1);
    d.to_string()
}

/// One delresa's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpSection {
    /// The delresa.
    pub delresa: DelresaCode,
    /// Its courses, in register order.
    pub rows: Vec<FollowUpRow>,
    /// The sum of the rows.
    pub total: FollowUpRow,
}

/// The follow-up of a year: one section per delresa with rounds that year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    /// The year.
    pub year: Year,
    /// Sections in config order.
    pub sections: Vec<FollowUpSection>,
}
