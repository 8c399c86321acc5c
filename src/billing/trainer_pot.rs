//! The trainer pot (utbildarpott) of a year and its distribution.
//!
//! Every regional course day adds `attended participants × pot rate`. Trainers
//! earn points per day taught (kursledare: the year's leader share; utbildare:
//! 1; reserv: 0). `per_day` splits each day's pot among that day's trainers;
//! `annual_pool` splits the year's pot by the year's points. Extras the
//! steering group grants from the pot (register sheet `Övriga rader`, type
//! `pott`) are taken from everyone's share in proportion and paid to their
//! municipality; late changes to an earlier, already delivered year arrive as
//! adjustments. Exact amounts are summed per recipient and only then rounded
//! (largest remainder), so the payouts always add up to the pot.

use super::rounding::largest_remainder;
use super::tariff::tariff_for;
use super::BillingError;
use crate::config::{Config, DistributionRule, RssTrainers};
use crate::domain::{Category, DayNumber, KommunKod, Money, Organiser, Recipient, RoundId, TrainerRole, Year};
use crate::ingest::register::ExtraKind;
use crate::ingest::Register;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

/// Computes the year's pot and its distribution; `carried` are the
/// adjustments from earlier years' late changes that this year pays.
pub fn trainer_pot(
    register: &Register,
    config: &Config,
    year: Year,
    carried: &[PotAdjustment],
) -> Result<PotDistribution, BillingError> {
    let rules = config.trainer_pot;
    let rounds = register.round_index();
    let mut days = Vec::new();
    let mut trainer_days: Vec<PotTrainerDay> = Vec::new();
    // The (person, employer) key of each trainer-day, beside it.
    let mut keys: Vec<(String, Recipient)> = Vec::new();
    let mut shares: BTreeMap<(String, Recipient), TrainerShare> = BTreeMap::new();
    // Money no trainer can take (a day without counted trainers) stays with the region.
    let mut unallocated = Money::ZERO;

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
        let first = trainer_days.len();
        let mut seen: Vec<(String, Recipient)> = Vec::new();
        for t in teams.get(&(&d.round, d.day)).into_iter().flatten() {
            let key = (t.person_key(), t.employer);
            if seen.contains(&key) {
                continue; // the same person twice on one day counts once
            }
            seen.push(key.clone());
            keys.push(key.clone());
            let counts = !(t.employer == Recipient::Region && rules.rss_trainers == RssTrainers::Exclude);
            let points = if counts { tariff.points(t.role) } else { Decimal::ZERO };
            let share = shares.entry(key).or_insert_with(|| TrainerShare {
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
            share.points += points;
            trainer_days.push(PotTrainerDay {
                recipient: t.employer,
                date: d.date,
                round: round.id.clone(),
                course: round.course.clone(),
                day: d.day,
                name: t.name.clone(),
                role: t.role,
                points,
                day_pot,
                day_points: Decimal::ZERO,
                share: Money::ZERO,
            });
        }
        let day_points: Decimal = trainer_days[first..].iter().map(|t| t.points).sum();
        for t in &mut trainer_days[first..] {
            t.day_points = day_points;
            if rules.rule == DistributionRule::PerDay && !day_points.is_zero() {
                t.share = day_pot * (t.points / day_points);
            }
        }
        if rules.rule == DistributionRule::PerDay && day_points.is_zero() {
            unallocated += day_pot;
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
        let pool_points: Decimal = trainer_days.iter().map(|t| t.points).sum();
        if pool_points.is_zero() {
            unallocated = pot;
        } else {
            for t in &mut trainer_days {
                t.share = pot * (t.points / pool_points);
            }
        }
    }
    for (t, key) in trainer_days.iter().zip(&keys) {
        if let Some(s) = shares.get_mut(key) {
            s.exact += t.share;
        }
    }
    let extras = extras(register, year, pot)?;
    rows_of(config, year, Parts { pot, unallocated, extras, carried, trainer_days, days, shares, rule: rules.rule })
}

/// The extras granted from the year's pot; more than the pot holds is an error.
fn extras(register: &Register, year: Year, pot: Money) -> Result<Vec<PotExtra>, BillingError> {
    let list: Vec<PotExtra> = register
        .extra_lines
        .iter()
        .filter(|x| x.kind == ExtraKind::Pott && year.contains(x.date))
        .map(|x| PotExtra {
            kommun: x.kommun,
            amount: x.amount,
            description: x.description.clone(),
            comment: x.comment.clone(),
            row: x.row,
        })
        .collect();
    let total: Money = list.iter().map(|e| e.amount).sum();
    if total > pot {
        let rows = list.iter().map(|e| e.row.to_string()).collect::<Vec<_>>().join(", ");
        return Err(BillingError::ExtrasExceedPot { year, extras: total, pot, rows });
    }
    Ok(list)
}

struct Parts<'a> {
    pot: Money,
    unallocated: Money,
    extras: Vec<PotExtra>,
    carried: &'a [PotAdjustment],
    trainer_days: Vec<PotTrainerDay>,
    days: Vec<PotDay>,
    shares: BTreeMap<(String, Recipient), TrainerShare>,
    rule: DistributionRule,
}

/// Per recipient: exact share, extras, rounding, adjustments and the comment.
fn rows_of(config: &Config, year: Year, p: Parts) -> Result<PotDistribution, BillingError> {
    let Parts { pot, unallocated, extras, carried, trainer_days, days, shares, rule } = p;
    let mut recipients: Vec<Recipient> = config.municipalities.iter().map(|m| Recipient::Kommun(m.code)).collect();
    let mut exact_days: BTreeMap<Recipient, Money> = BTreeMap::new();
    let mut points: BTreeMap<Recipient, Decimal> = BTreeMap::new();
    for t in &trainer_days {
        *exact_days.entry(t.recipient).or_default() += t.share;
        *points.entry(t.recipient).or_default() += t.points;
    }
    *exact_days.entry(Recipient::Region).or_default() += unallocated;
    let region_has = points.get(&Recipient::Region).is_some_and(|p| !p.is_zero())
        || exact_days.get(&Recipient::Region).is_some_and(|m| !m.is_zero())
        || carried.iter().any(|a| a.recipient == Recipient::Region);
    if region_has {
        recipients.push(Recipient::Region);
    }
    let extras_total: Money = extras.iter().map(|e| e.amount).sum();
    let keep = if pot.is_zero() { Decimal::ONE } else { Decimal::ONE - extras_total.as_decimal() / pot.as_decimal() };
    let mut rows: Vec<PotRow> = recipients
        .iter()
        .map(|&r| {
            let own = exact_days.get(&r).copied().unwrap_or_default();
            let deduction = own * keep - own;
            let extra: Money = extras.iter().filter(|e| Recipient::Kommun(e.kommun) == r).map(|e| e.amount).sum();
            let mine = trainer_days.iter().filter(|t| t.recipient == r && t.role != TrainerRole::Reserv);
            let people: std::collections::BTreeSet<&str> = mine.clone().map(|t| t.name.as_str()).collect();
            let leaders: std::collections::BTreeSet<&str> =
                mine.clone().filter(|t| t.role == TrainerRole::Kursledare).map(|t| t.name.as_str()).collect();
            PotRow {
                recipient: r,
                trainers: people.len() as u32,
                leaders: leaders.len() as u32,
                days: mine.count() as u32,
                points: points.get(&r).copied().unwrap_or_default(),
                exact_days: own,
                deduction,
                extra,
                exact: own + deduction + extra,
                share: Money::ZERO,
                adjustment: carried.iter().filter(|a| a.recipient == r).map(|a| a.amount).sum(),
                amount: Money::ZERO,
                comment: String::new(),
            }
        })
        .collect();
    let exacts: Vec<Money> = rows.iter().map(|r| r.exact).collect();
    let rounded = largest_remainder(&exacts, pot, config.trainer_pot.rounding_unit)
        .map_err(|source| BillingError::Rounding { what: format!("trainer pot {year}"), source })?;
    for (row, share) in rows.iter_mut().zip(rounded) {
        row.share = share;
        row.amount = share + row.adjustment;
        row.comment = comment(row, &extras, carried);
    }
    let mut trainers: Vec<TrainerShare> = shares.into_values().collect();
    trainers.sort_by(|a, b| (a.employer, &a.name).cmp(&(b.employer, &b.name)));
    Ok(PotDistribution { year, rule, pot, extras, adjustments: carried.to_vec(), days, trainers, trainer_days, rows })
}

/// The published table's Kommentarer: who taught, extras, adjustments.
fn comment(row: &PotRow, extras: &[PotExtra], carried: &[PotAdjustment]) -> String {
    let mut parts = Vec::new();
    if row.recipient == Recipient::Region && !row.share.is_zero() {
        parts.push("stannar hos regionen".to_string());
    }
    if row.trainers > 0 {
        let mut s = format!("{} utbildare", row.trainers);
        if row.leaders > 0 {
            s += &format!(", varav {} kursledare", row.leaders);
        }
        parts.push(s);
    }
    for e in extras.iter().filter(|e| Recipient::Kommun(e.kommun) == row.recipient) {
        let mut s = format!("plus {} ({} kr)", e.description, e.amount.to_swedish());
        if !e.comment.is_empty() {
            s += &format!(": {}", e.comment);
        }
        parts.push(s);
    }
    for a in carried.iter().filter(|a| a.recipient == row.recipient && !a.amount.is_zero()) {
        let sign = if a.amount.is_negative() { "" } else { "+" };
        parts.push(format!("justering {}: {sign}{} kr", a.for_year, a.amount.to_swedish()));
    }
    parts.join("; ")
}
