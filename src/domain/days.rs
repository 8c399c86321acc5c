//! The billed days: each participant on each dated course day with what RSS
//! invoices for it, and each trainer on each regional day with points.

use super::{Category, DayNumber, DelresaCode, Email, KommunKod, Money, Organiser, Recipient, RoundId, TrainerRole};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// One registered participant on one dated course day.
#[derive(Debug, Clone, PartialEq)]
pub struct ParticipantDay {
    /// The municipality billed.
    pub kommun: KommunKod,
    /// The round.
    pub round: RoundId,
    /// The course name.
    pub course: String,
    /// The delresa.
    pub delresa: DelresaCode,
    /// Tariff category.
    pub category: Category,
    /// Regional, national or municipal.
    pub organiser: Organiser,
    /// Day number in the round.
    pub day: DayNumber,
    /// Date of the day.
    pub date: NaiveDate,
    /// Participant's name.
    pub name: String,
    /// Participant's address.
    pub email: Option<Email>,
    /// Attended (else a no-show).
    pub attended: bool,
    /// What RSS invoices for the day: the year's fee, the no-show fee, the
    /// national price (when national days are invoiced), or 0.
    pub fee: Money,
    /// The national round's price for an attended national day: what the
    /// municipality pays the national organiser (shown as information), or
    /// what RSS invoices under `billing.national_days = "invoice"`.
    pub national_price: Option<Money>,
}

/// One trainer on one regional course day, with points.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainerDayRow {
    /// Employer (who receives the pot share).
    pub employer: Recipient,
    /// The date.
    pub date: NaiveDate,
    /// The round.
    pub round: RoundId,
    /// Course name.
    pub course: String,
    /// The round's delresa (a contact person sees only trainers of their delresor).
    pub delresa: DelresaCode,
    /// Day number.
    pub day: DayNumber,
    /// Trainer's name.
    pub name: String,
    /// Role on the day.
    pub role: TrainerRole,
    /// Points earned (leader share, 1 or 0).
    pub points: Decimal,
}
