//! Trainer-days of a month with their points: what each municipality's
//! trainers did, for its own workbook.

use super::tariff::tariff_for;
use super::BillingError;
use crate::config::Config;
use crate::domain::{Month, Organiser, Register, TrainerDayRow};

/// The regional trainer-days of a month, sorted by employer, date and name.
pub fn trainer_days(register: &Register, config: &Config, month: Month) -> Result<Vec<TrainerDayRow>, BillingError> {
    let rounds = register.round_index();
    let days = register.day_index();
    let mut out = Vec::new();
    for t in &register.trainers {
        let Some(day) = days.get(&(&t.round, t.day)) else {
            continue;
        };
        let round = rounds[&t.round];
        if !month.contains(day.date) || round.organiser != Organiser::Regional {
            continue;
        }
        let tariff = tariff_for(config, day.date, round.category, &round.id)?;
        let points = tariff.points(t.role);
        out.push(TrainerDayRow {
            employer: t.employer,
            date: day.date,
            round: t.round.clone(),
            course: round.course.clone(),
            delresa: round.delresa.clone(),
            day: t.day,
            name: t.name.clone(),
            role: t.role,
            points,
        });
    }
    out.sort_by(|a, b| {
        (a.employer, a.date, &a.round, a.day, &a.name).cmp(&(b.employer, b.date, &b.round, b.day, &b.name))
    });
    Ok(out)
}
