//! The follow-up table (uppföljning) per delresa and course for a year, in the
//! shape of the region's published reports (seed 000).
//!
//! A round belongs to the year of its first course day. Rounds and course days
//! count regional rounds only; national and municipal rounds add their
//! registered and approved participants but no rounds or days.

use crate::config::Config;
use crate::domain::{DelresaCode, Organiser, Year};
use crate::ingest::Register;
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

/// Computes the follow-up tables of a year.
pub fn followup(register: &Register, config: &Config, year: Year) -> FollowUp {
    let mut sections = Vec::new();
    let by_round = register.participants_by_round();
    let days_of = register.days_by_round();
    for delresa in &config.delresor {
        let mut rows: Vec<FollowUpRow> = Vec::new();
        for round in register.rounds.iter().filter(|r| r.delresa == delresa.code) {
            let mut days: Vec<_> = days_of.get(&round.id).cloned().unwrap_or_default();
            days.sort_by_key(|d| d.date);
            let Some(first) = days.first() else { continue };
            if !year.contains(first.date) {
                continue;
            }
            let regional = round.organiser == Organiser::Regional;
            let people: Vec<_> = by_round.get(&round.id).cloned().unwrap_or_default();
            let i = match rows.iter().position(|r| r.course == round.course) {
                Some(i) => i,
                None => {
                    rows.push(FollowUpRow {
                        course: round.course.clone(),
                        national_only: true,
                        rounds: 0,
                        days: 0,
                        registered: 0,
                        approved: 0,
                    });
                    rows.len() - 1
                }
            };
            let row = &mut rows[i];
            if regional {
                row.national_only = false;
                row.rounds += 1;
                row.days += days.len() as u32;
            }
            row.registered += people.len() as u32;
            row.approved += people.iter().filter(|p| p.approved == Some(true)).count() as u32;
        }
        if rows.is_empty() {
            continue;
        }
        let total = FollowUpRow {
            course: "Totalt".to_string(),
            national_only: false,
            rounds: rows.iter().map(|r| r.rounds).sum(),
            days: rows.iter().map(|r| r.days).sum(),
            registered: rows.iter().map(|r| r.registered).sum(),
            approved: rows.iter().map(|r| r.approved).sum(),
        };
        sections.push(FollowUpSection { delresa: delresa.code.clone(), rows, total });
    }
    FollowUp { year, sections }
}
