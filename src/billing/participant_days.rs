//! Participant-days: who was registered for which dated course day, and what
//! that day costs the participant's municipality. The basis of the invoice and
//! of each municipality's own specification.

use super::tariff::tariff_for;
use super::BillingError;
use crate::config::{Config, NationalDays};
use crate::domain::{Category, Money, Month, Organiser, ParticipantDay, Register, RoundId};
use chrono::NaiveDate;

/// All participant-days in a month, sorted by municipality, date, round, name.
pub fn participant_days(
    register: &Register,
    config: &Config,
    month: Month,
) -> Result<Vec<ParticipantDay>, BillingError> {
    let rounds = register.round_index();
    let mut out = Vec::new();
    let people = register.participants_by_round();
    for day in register.days.iter().filter(|d| month.contains(d.date)) {
        let round = rounds[&day.round];
        for p in people.get(&day.round).into_iter().flatten() {
            let attended = p.attended.contains(&day.day);
            let fee = fee(config, round.organiser, round.category, round.price_per_day, day.date, attended, &round.id)?;
            let national_price = round.price_per_day.filter(|_| attended && round.organiser == Organiser::Nationell);
            out.push(ParticipantDay {
                kommun: p.kommun,
                round: round.id.clone(),
                course: round.course.clone(),
                delresa: round.delresa.clone(),
                category: round.category,
                organiser: round.organiser,
                day: day.day,
                date: day.date,
                name: p.name.clone(),
                email: p.email.clone(),
                attended,
                fee,
                national_price,
            });
        }
    }
    out.sort_by(|a, b| (a.kommun, a.date, &a.round, a.day, &a.name).cmp(&(b.kommun, b.date, &b.round, b.day, &b.name)));
    Ok(out)
}

fn fee(
    config: &Config,
    organiser: Organiser,
    category: Category,
    price: Option<Money>,
    date: NaiveDate,
    attended: bool,
    round: &RoundId,
) -> Result<Money, BillingError> {
    Ok(match (organiser, attended) {
        (Organiser::Regional, true) => tariff_for(config, date, category, round)?.fee,
        (Organiser::Regional, false) => config.billing.no_show_fee,
        (Organiser::Nationell, true) => match config.billing.national_days {
            NationalDays::Invoice => price.unwrap_or(Money::ZERO),
            NationalDays::Information => Money::ZERO,
        },
        (Organiser::Nationell, false) | (Organiser::Kommunal, _) => Money::ZERO,
    })
}
