//! The follow-up table (uppföljning) per delresa and course for a year, in the
//! shape of the region's published reports (seed 000).
//!
//! A round belongs to the year of its first course day. Rounds and course days
//! count regional rounds only; national and municipal rounds add their
//! registered and approved participants but no rounds or days.

use crate::config::Config;
use crate::domain::{FollowUp, FollowUpRow, FollowUpSection, Organiser, Register, Year};

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
