//! The trainer pot of a year as the stages exchange it: the days that filled
//! it, the trainer-days that earned it, extras and adjustments, and each
//! recipient's row. Serialised whole when a year is delivered (frozen).

use super::{Category, DayNumber, KommunKod, Money, Recipient, RoundId, TrainerRole, Year};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// How the pot is split among trainers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DistributionRule {
    /// Each day's pot split among that day's trainers by points (Dalarna).
    PerDay,
    /// The year's whole pot split by the year's points (Göteborgsregionen).
    AnnualPool,
}

/// The year's pot, who earned it and what each recipient receives. Stored
/// whole when delivered (frozen), so a later run reproduces it exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PotDistribution {
    /// The year.
    pub year: Year,
    /// The rule used.
    pub rule: DistributionRule,
    /// The whole pot: sum of the days' pots.
    pub pot: Money,
    /// Extras granted from the pot.
    pub extras: Vec<PotExtra>,
    /// Differences carried from earlier years' late changes, paid on top of the pot.
    pub adjustments: Vec<PotAdjustment>,
    /// Each regional course day of the year.
    pub days: Vec<PotDay>,
    /// Each trainer (person and employer) with points and exact share.
    pub trainers: Vec<TrainerShare>,
    /// Each trainer on each day, with the share it earned: the statement.
    pub trainer_days: Vec<PotTrainerDay>,
    /// One row per configured municipality (zeros included), then the region's
    /// row if it receives anything. Shares sum to `pot`, amounts to [`PotDistribution::total`].
    pub rows: Vec<PotRow>,
}

/// One regional course day's contribution to the pot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PotDay {
    /// The round.
    pub round: RoundId,
    /// Course name.
    pub course: String,
    /// The day.
    pub day: DayNumber,
    /// Its date.
    pub date: NaiveDate,
    /// Tariff category.
    pub category: Category,
    /// Participants who attended.
    pub attended: u32,
    /// Pot rate per participant.
    pub rate: Money,
    /// `attended × rate`.
    pub pot: Money,
    /// Points of the trainers who share it.
    #[serde(with = "rust_decimal::serde::str")]
    pub points: Decimal,
}

/// One trainer on one regional course day and what that day earned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PotTrainerDay {
    /// Who receives the share.
    pub recipient: Recipient,
    /// The date.
    pub date: NaiveDate,
    /// The round.
    pub round: RoundId,
    /// Course name.
    pub course: String,
    /// Day number.
    pub day: DayNumber,
    /// The trainer.
    pub name: String,
    /// Role on the day.
    pub role: TrainerRole,
    /// Points that count (0 for a reserve, or an RSS trainer under `exclude`).
    #[serde(with = "rust_decimal::serde::str")]
    pub points: Decimal,
    /// The day's pot.
    pub day_pot: Money,
    /// All points of the day.
    #[serde(with = "rust_decimal::serde::str")]
    pub day_points: Decimal,
    /// The exact share earned (`per_day`: of the day's pot; `annual_pool`: of the year's).
    pub share: Money,
}

/// One trainer's year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainerShare {
    /// Name as in the register.
    pub name: String,
    /// Who the money goes to.
    pub employer: Recipient,
    /// Days taught as kursledare.
    pub leader_days: u32,
    /// Days taught as utbildare.
    pub trainer_days: u32,
    /// Days as reserve (no points).
    pub reserve_days: u32,
    /// Points that count in the split.
    #[serde(with = "rust_decimal::serde::str")]
    pub points: Decimal,
    /// Exact share of the pot (not rounded, before extras).
    pub exact: Money,
}

/// An extra the steering group granted a municipality out of the pot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PotExtra {
    /// Who receives it.
    pub kommun: KommunKod,
    /// How much.
    pub amount: Money,
    /// What for (the register's Beskrivning).
    pub description: String,
    /// The register's Kommentar.
    pub comment: String,
    /// Its row in `Övriga rader`.
    pub row: u32,
}

/// A difference a late register change made to an earlier, delivered year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PotAdjustment {
    /// The delivered year it corrects.
    pub for_year: Year,
    /// Who.
    pub recipient: Recipient,
    /// Positive: paid now; negative: deducted now.
    pub amount: Money,
}

/// One recipient's row: the published table (Kommun, antal utbildningsdagar,
/// Belopp, Kommentarer) and every step from exact share to payout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PotRow {
    /// Municipality or region.
    pub recipient: Recipient,
    /// Its trainers who taught.
    pub trainers: u32,
    /// Of them, how many led at least one day.
    pub leaders: u32,
    /// Trainer-days taught (antal utbildningsdagar; reserve days not counted).
    pub days: u32,
    /// Points of its trainers.
    #[serde(with = "rust_decimal::serde::str")]
    pub points: Decimal,
    /// Exact sum of its trainer-days' shares (and, for the region, days without trainers).
    pub exact_days: Money,
    /// Its part of the extras taken from the pot (zero or negative).
    pub deduction: Money,
    /// Extras granted to it.
    pub extra: Money,
    /// `exact_days + deduction + extra`: its exact share of the pot.
    pub exact: Money,
    /// The exact share rounded (largest remainder): these sum to the pot.
    pub share: Money,
    /// Adjustments carried from earlier years.
    pub adjustment: Money,
    /// What it receives: `share + adjustment`.
    pub amount: Money,
    /// Kommentarer, as the published table has them.
    pub comment: String,
}

impl PotDistribution {
    /// The payout of a recipient (zero if none).
    pub fn payout(&self, r: Recipient) -> Money {
        self.row(r).map(|row| row.amount).unwrap_or(Money::ZERO)
    }

    /// The row of a recipient.
    pub fn row(&self, r: Recipient) -> Option<&PotRow> {
        self.rows.iter().find(|row| row.recipient == r)
    }

    /// Sum of the payouts (always equal to [`PotDistribution::total`]).
    pub fn paid(&self) -> Money {
        self.rows.iter().map(|r| r.amount).sum()
    }

    /// What is paid out this year: the pot plus the carried adjustments.
    pub fn total(&self) -> Money {
        self.pot + self.adjustments_total()
    }

    /// Sum of the carried adjustments.
    pub fn adjustments_total(&self) -> Money {
        self.adjustments.iter().map(|a| a.amount).sum()
    }

    /// Sum of the extras granted from the pot.
    pub fn extras_total(&self) -> Money {
        self.extras.iter().map(|e| e.amount).sum()
    }

    /// Trainer-days taught in the year (the published table's total days).
    pub fn days_total(&self) -> u32 {
        self.rows.iter().map(|r| r.days).sum()
    }

    /// The trainer-days of one recipient, for its statement.
    pub fn trainer_days_of(&self, r: Recipient) -> impl Iterator<Item = &PotTrainerDay> {
        self.trainer_days.iter().filter(move |t| t.recipient == r)
    }
}
