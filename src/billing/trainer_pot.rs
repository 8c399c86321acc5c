//! The trainer pot (utbildarpott) of a year and its distribution.
//!
//! Every regional course day adds `attended participants × pot rate`. Trainers
//! earn points per day taught (kursledare: the year's leader share; utbildare:
//! 1; reserv: 0). `per_day` splits each day's pot among that day's trainers;
//! `annual_pool` splits the year's pot by the year's points. Exact amounts are
//! summed per municipality and only then rounded (largest remainder), so the
//! payouts always add up to the pot.

use super::error::tariff_for;
use super::rounding::largest_remainder;
use super::BillingError;
use crate::config::{Config, DistributionRule, RssTrainers};
use crate::domain::{Category, DayNumber, Money, Organiser, Recipient, RoundId, TrainerRole, Year};
use crate::ingest::Register;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// The year's pot, who earned it and what each municipality receives.
#[derive(Debug, Clone, PartialEq)]
pub struct PotDistribution {
    /// The year.
    pub year: Year,
    /// The rule used.
    pub rule: DistributionRule,
    /// The whole pot: sum of the days' pots.
    pub pot: Money,
    /// Each regional course day of the year.
    pub days: Vec<PotDay>,
    /// Each trainer (person and employer) with points and exact share.
    pub trainers: Vec<TrainerShare>,
    /// One row per configured municipality (zeros included), then the region's
    /// row if it receives anything. Amounts sum to `pot` exactly.
    pub rows: Vec<PotRow>,
}

/// One regional course day's contribution to the pot.
#[derive(Debug, Clone, PartialEq)]
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
    pub points: Decimal,
}

/// One trainer's year.
#[derive(Debug, Clone, PartialEq)]
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
    pub points: Decimal,
    /// Exact share of the pot (not rounded).
    pub exact: Money,
}

/// One recipient's payout.
#[derive(Debug, Clone, PartialEq)]
pub struct PotRow {
    /// Municipality or region.
    pub recipient: Recipient,
    /// Points of its trainers.
    pub points: Decimal,
    /// Exact share.
    pub exact: Money,
    /// Rounded payout.
    pub amount: Money,
}

impl PotDistribution {
    /// The payout of a municipality (zero if none).
    pub fn payout(&self, r: Recipient) -> Money {
        self.rows.iter().find(|row| row.recipient == r).map(|row| row.amount).unwrap_or(Money::ZERO)
    }

    /// Sum of the rounded payouts (always equal to `pot`).
    pub fn paid(&self) -> Money {
        self.rows.iter().map(|r| r.amount).sum()
    }
}

struct DayTrainer {
    key: (String, Recipient),
    points: Decimal,
}

/// Computes the year's pot and its distribution.
pub fn trainer_pot(register: &Register, config: &Config, year: Year) -> Result<PotDistribution, BillingError> {
    let rules = config.trainer_pot;
    let rounds = register.round_index();
    let mut days = Vec::new();
    let mut shares: BTreeMap<(String, Recipient), TrainerShare> = BTreeMap::new();
    // Exact money per trainer key, and money no trainer can take (a day without
    // counted trainers), which stays with the region.
    let mut exact: BTreeMap<(String, Recipient), Money> = BTreeMap::new();
    let mut unallocated = Money::ZERO;
    let mut pool_points = Decimal::ZERO;
    let mut pool_entries: Vec<((String, Recipient), Decimal)> = Vec::new();

    let people = register.participants_by_round();
    let teams = register.trainers_by_day();
    let mut dated: Vec<_> = register.days.iter().filter(|d| year.contains(d.date)).collect();
    dated.sort_by(|a, b| (a.date, &a.round, a.day).cmp(&(b.date, &b.round, b.day)));
    for d in dated {
        let round = rounds[&d.round];
        if round.organiser != Organiser::Regional {
            continue;
        }
        let tariff = tariff_for(config, d.date, round.category, &round.id)?;
        let attended =
            people.get(&d.round).into_iter().flatten().filter(|p| p.attended.contains(&d.day)).count() as u32;
        let day_pot = tariff.pot * attended;
        let mut team: Vec<DayTrainer> = Vec::new();
        for t in teams.get(&(&d.round, d.day)).into_iter().flatten() {
            let key = (t.person_key(), t.employer);
            if team.iter().any(|x| x.key == key) {
                continue; // the same person twice on one day counts once
            }
            let counts = !(t.employer == Recipient::Region && rules.rss_trainers == RssTrainers::Exclude);
            let points = tariff.points(t.role);
            let share = shares.entry(key.clone()).or_insert_with(|| TrainerShare {
                name: t.name.clone(),
                employer: t.employer,
                leader_days: 0,
                trainer_days: 0,
                reserve_days: 0,
                points: Decimal::ZERO,
                exact: Money::ZERO,
            });
            match t.role {
                TrainerRole::Kursledare => share.leader_days += 1,
                TrainerRole::Utbildare => share.trainer_days += 1,
                TrainerRole::Reserv => share.reserve_days += 1,
            }
            let points = if counts { points } else { Decimal::ZERO };
            share.points += points;
            team.push(DayTrainer { key, points });
        }
        let day_points: Decimal = team.iter().map(|t| t.points).sum();
        match rules.rule {
            DistributionRule::PerDay => {
                if day_points.is_zero() {
                    unallocated += day_pot;
                } else {
                    for t in &team {
                        *exact.entry(t.key.clone()).or_default() += day_pot * (t.points / day_points);
                    }
                }
            }
            DistributionRule::AnnualPool => {
                pool_points += day_points;
                pool_entries.extend(team.iter().map(|t| (t.key.clone(), t.points)));
            }
        }
        days.push(PotDay {
            round: round.id.clone(),
            course: round.course.clone(),
            day: d.day,
            date: d.date,
            category: round.category,
            attended,
            rate: tariff.pot,
            pot: day_pot,
            points: day_points,
        });
    }
    let pot: Money = days.iter().map(|d| d.pot).sum();
    if rules.rule == DistributionRule::AnnualPool {
        if pool_points.is_zero() {
            unallocated = pot;
        } else {
            for (key, points) in pool_entries {
                *exact.entry(key).or_default() += pot * (points / pool_points);
            }
        }
    }
    for (key, m) in &exact {
        if let Some(s) = shares.get_mut(key) {
            s.exact = *m;
        }
    }

    // Per recipient: every municipality, then the region if it has anything.
    let mut recipients: Vec<Recipient> = config.municipalities.iter().map(|m| Recipient::Kommun(m.code)).collect();
    let mut points_of: BTreeMap<Recipient, Decimal> = BTreeMap::new();
    let mut exact_of: BTreeMap<Recipient, Money> = BTreeMap::new();
    for s in shares.values() {
        *points_of.entry(s.employer).or_default() += s.points;
        *exact_of.entry(s.employer).or_default() += s.exact;
    }
    *exact_of.entry(Recipient::Region).or_default() += unallocated;
    let region_has = points_of.get(&Recipient::Region).is_some_and(|p| !p.is_zero())
        || exact_of.get(&Recipient::Region).is_some_and(|m| !m.is_zero());
    if region_has {
        recipients.push(Recipient::Region);
    }
    let exacts: Vec<Money> = recipients.iter().map(|r| exact_of.get(r).copied().unwrap_or_default()).collect();
    let amounts = largest_remainder(&exacts, pot, rules.rounding_unit);
    let rows = recipients
        .iter()
        .zip(exacts.iter().zip(amounts))
        .map(|(&recipient, (&exact, amount))| PotRow {
            recipient,
            points: points_of.get(&recipient).copied().unwrap_or_default(),
            exact,
            amount,
        })
        .collect();
    let mut trainers: Vec<TrainerShare> = shares.into_values().collect();
    trainers.sort_by(|a, b| (a.employer, &a.name).cmp(&(b.employer, &b.name)));
    Ok(PotDistribution { year, rule: rules.rule, pot, days, trainers, rows })
}
