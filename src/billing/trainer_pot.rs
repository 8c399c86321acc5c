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

use super::tariff::tariff_for;
use super::BillingError;
use crate::config::{Config, RssTrainers};
use crate::domain::rounding::largest_remainder;
use crate::domain::DistributionRule;
use crate::domain::ExtraKind;
use crate::domain::Register;
use crate::domain::{Money, Organiser, Recipient, TrainerRole, Year};
use crate::domain::{PotAdjustment, PotDay, PotDistribution, PotExtra, PotRow, PotTrainerDay, TrainerShare};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

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
    let mut tally = Tally::default();
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
        let first = tally.trainer_days.len();
        let mut seen: Vec<(String, Recipient)> = Vec::new();
        for t in teams.get(&(&d.round, d.day)).into_iter().flatten() {
            let key = (t.person_key(), t.employer);
            if seen.contains(&key) {
                continue; // the same person twice on one day counts once
            }
            seen.push(key.clone());
            let counts = !(t.employer == Recipient::Region && rules.rss_trainers == RssTrainers::Exclude);
            let points = if counts { tariff.points(t.role) } else { Decimal::ZERO };
            tally.add_trainer_day(key, t, round, d, points, day_pot);
        }
        let day_points = tally.split_day(first, day_pot, rules.rule);
        tally.days.push(PotDay {
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
    let pot: Money = tally.days.iter().map(|d| d.pot).sum();
    if rules.rule == DistributionRule::AnnualPool {
        tally.split_pool(pot);
    }
    tally.sum_shares();
    let Tally { days, trainer_days, shares, unallocated, .. } = tally;
    let extras = extras(register, year, pot)?;
    rows_of(config, year, Parts { pot, unallocated, extras, carried, trainer_days, days, shares, rule: rules.rule })
}

/// The year's days and trainer-days as they are counted.
#[derive(Default)]
struct Tally {
    days: Vec<PotDay>,
    trainer_days: Vec<PotTrainerDay>,
    /// The (person, employer) key of each trainer-day, beside it.
    keys: Vec<(String, Recipient)>,
    shares: BTreeMap<(String, Recipient), TrainerShare>,
    /// Money no trainer can take (a day without counted trainers) stays with the region.
    unallocated: Money,
}

impl Tally {
    /// Counts one trainer on one day (its share is set by the split).
    fn add_trainer_day(
        &mut self,
        key: (String, Recipient),
        t: &crate::domain::TrainerDay,
        round: &crate::domain::Round,
        d: &crate::domain::CourseDay,
        points: Decimal,
        day_pot: Money,
    ) {
        self.keys.push(key.clone());
        let share = self.shares.entry(key).or_insert_with(|| TrainerShare {
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
        self.trainer_days.push(PotTrainerDay {
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

    /// Under `per_day`, splits the day's pot among its trainer-days from
    /// `first` on (or leaves it with the region); returns the day's points.
    fn split_day(&mut self, first: usize, day_pot: Money, rule: DistributionRule) -> Decimal {
        let day_points: Decimal = self.trainer_days[first..].iter().map(|t| t.points).sum();
        for t in &mut self.trainer_days[first..] {
            t.day_points = day_points;
            if rule == DistributionRule::PerDay && !day_points.is_zero() {
                t.share = day_pot * (t.points / day_points);
            }
        }
        if rule == DistributionRule::PerDay && day_points.is_zero() {
            self.unallocated += day_pot;
        }
        day_points
    }

    /// Under `annual_pool`, splits the year's pot by the year's points.
    fn split_pool(&mut self, pot: Money) {
        let pool_points: Decimal = self.trainer_days.iter().map(|t| t.points).sum();
        if pool_points.is_zero() {
            self.unallocated = pot;
        } else {
            for t in &mut self.trainer_days {
                t.share = pot * (t.points / pool_points);
            }
        }
    }

    /// Each trainer's exact share: the sum of its trainer-days'.
    fn sum_shares(&mut self) {
        for (t, key) in self.trainer_days.iter().zip(&self.keys) {
            if let Some(s) = self.shares.get_mut(key) {
                s.exact += t.share;
            }
        }
    }
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
    let taught = taught_by_recipient(&trainer_days);
    let nobody = Taught::default();
    let mut rows: Vec<PotRow> = recipients
        .iter()
        .map(|&r| {
            let own = exact_days.get(&r).copied().unwrap_or_default();
            let deduction = own * keep - own;
            let extra: Money = extras.iter().filter(|e| Recipient::Kommun(e.kommun) == r).map(|e| e.amount).sum();
            let mine = taught.get(&r).unwrap_or(&nobody);
            PotRow {
                recipient: r,
                trainers: mine.people.len() as u32,
                leaders: mine.leaders.len() as u32,
                days: mine.days,
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

/// Who taught for one recipient: its trainers and course leaders by name,
/// and its trainer-days (reserves not counted).
#[derive(Default)]
struct Taught<'a> {
    people: BTreeSet<&'a str>,
    leaders: BTreeSet<&'a str>,
    days: u32,
}

/// Each recipient's [`Taught`], in one pass over the trainer-days (one pass
/// per recipient was quadratic: 290 municipalities × every trainer-day).
fn taught_by_recipient(trainer_days: &[PotTrainerDay]) -> BTreeMap<Recipient, Taught<'_>> {
    let mut taught: BTreeMap<Recipient, Taught<'_>> = BTreeMap::new();
    for t in trainer_days.iter().filter(|t| t.role != TrainerRole::Reserv) {
        let mine = taught.entry(t.recipient).or_default();
        mine.people.insert(t.name.as_str());
        if t.role == TrainerRole::Kursledare {
            mine.leaders.insert(t.name.as_str());
        }
        mine.days += 1;
    }
    taught
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

#[cfg(test)]
mod taught_tests {
    use super::*;
    use crate::domain::{DayNumber, KommunKod, RoundId};

    fn day(kommun: &str, name: &str, role: TrainerRole) -> PotTrainerDay {
        PotTrainerDay {
            recipient: Recipient::Kommun(KommunKod::parse(kommun).unwrap()),
            date: chrono::NaiveDate::from_ymd_opt(2026, 3, 5).unwrap(),
            round: RoundId::parse("R1").unwrap(),
            course: "Kurs".into(),
            day: DayNumber::new(1).unwrap(),
            name: name.into(),
            role,
            points: Decimal::ONE,
            day_pot: Money::ZERO,
            day_points: Decimal::ONE,
            share: Money::ZERO,
        }
    }

    #[test]
    fn each_recipient_counts_its_own_trainers_leaders_and_days_without_reserves() {
        use TrainerRole::*;
        let days = [
            day("2062", "Ulf", Utbildare),
            day("2062", "Ulf", Utbildare),
            day("2062", "Karin", Kursledare),
            day("2062", "Rea", Reserv),
            day("2080", "Fia", Kursledare),
            day("2080", "Fia", Utbildare),
            day("2081", "Rut", Reserv),
        ];
        let taught = taught_by_recipient(&days);
        let of = |k: &str| taught.get(&Recipient::Kommun(KommunKod::parse(k).unwrap()));
        let mora = of("2062").unwrap();
        assert_eq!((mora.people.len(), mora.leaders.len(), mora.days), (2, 1, 3));
        let falun = of("2080").unwrap();
        assert_eq!((falun.people.len(), falun.leaders.len(), falun.days), (1, 1, 2));
        assert!(of("2081").is_none(), "a reserve alone taught nothing");
    }
}
