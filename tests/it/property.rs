//! Properties over random registers: payouts sum exactly to the pot under both
//! rules, every invoice total is the sum of its lines, and nothing is negative
//! except the pot credit.

use super::helpers::config;
use chrono::NaiveDate;
use proptest::prelude::*;
use std::collections::BTreeSet;
use yrkesresan::billing::{invoice_basis, participant_days, trainer_pot, InvoiceInputs};
use yrkesresan::config::{RssTrainers, Settlement};
use yrkesresan::domain::DistributionRule;
use yrkesresan::domain::{
    Category, DayNumber, DelresaCode, Money, Month, Organiser, Recipient, RoundId, TrainerRole, Year,
};
use yrkesresan::domain::{CourseDay, Participant, Register, Round, TrainerDay};

#[derive(Debug, Clone)]
struct RandomRound {
    chef: bool,
    organiser: u8,
    price: u32,
    days: Vec<(u32, u32)>,                 // (month, day of month)
    trainers: Vec<Vec<(usize, u8)>>,       // per day: (trainer index, role 0..3)
    people: Vec<(usize, Vec<bool>, bool)>, // (municipality index, attended per day, approved)
}

fn round_strategy() -> impl Strategy<Value = RandomRound> {
    (1usize..=4).prop_flat_map(|n| {
        (
            any::<bool>(),
            0u8..6,
            1000u32..1400,
            prop::collection::vec((1u32..=12, 1u32..=28), n),
            prop::collection::vec(prop::collection::vec((0usize..8, 0u8..3), 0..4), n),
            prop::collection::vec((0usize..15, prop::collection::vec(any::<bool>(), n), any::<bool>()), 0..30),
        )
            .prop_map(|(chef, organiser, price, days, trainers, people)| RandomRound {
                chef,
                organiser,
                price,
                days,
                trainers,
                people,
            })
    })
}

fn build(rounds: &[RandomRound]) -> Register {
    let config = config();
    let mut reg = Register::default();
    for (i, r) in rounds.iter().enumerate() {
        let id = RoundId::parse(&format!("R{i}")).unwrap();
        let organiser = match r.organiser {
            0 => Organiser::Nationell,
            1 => Organiser::Kommunal,
            _ => Organiser::Regional,
        };
        reg.rounds.push(Round {
            id: id.clone(),
            course: format!("Kurs {}", i % 3),
            delresa: DelresaCode::parse("bou").unwrap(),
            level: None,
            category: if r.chef { Category::Chef } else { Category::Medarbetare },
            organiser,
            price_per_day: (organiser == Organiser::Nationell).then(|| Money::kr(i64::from(r.price))),
            row: 2,
        });
        for (d, &(m, dom)) in r.days.iter().enumerate() {
            let day = DayNumber::new(d as u8 + 1).unwrap();
            reg.days.push(CourseDay {
                round: id.clone(),
                day,
                date: NaiveDate::from_ymd_opt(2026, m, dom).unwrap(),
                form: String::new(),
                place: String::new(),
            });
            for &(t, role) in &r.trainers[d] {
                reg.trainers.push(TrainerDay {
                    round: id.clone(),
                    day,
                    name: format!("Utbildare {t}"),
                    email: None,
                    employer: if t == 7 {
                        Recipient::Region
                    } else {
                        Recipient::Kommun(config.municipalities[t * 2].code)
                    },
                    role: [TrainerRole::Kursledare, TrainerRole::Utbildare, TrainerRole::Reserv][role as usize],
                });
            }
        }
        for (p, (k, attended, approved)) in r.people.iter().enumerate() {
            reg.participants.push(Participant {
                round: id.clone(),
                name: format!("Person {i}-{p}"),
                email: None,
                kommun: config.municipalities[*k].code,
                approved: Some(*approved),
                attended: attended
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| **a)
                    .map(|(d, _)| DayNumber::new(d as u8 + 1).unwrap())
                    .collect::<BTreeSet<_>>(),
                row: p as u32 + 2,
            });
        }
    }
    reg
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn payouts_sum_to_the_pot_and_invoices_to_their_lines(rounds in prop::collection::vec(round_strategy(), 0..8)) {
        let register = build(&rounds);
        let base = config();
        let year = Year::new(2026).unwrap();
        for (rule, settlement) in [(DistributionRule::PerDay, Settlement::Payout), (DistributionRule::AnnualPool, Settlement::Credit)] {
            for rss in [RssTrainers::Region, RssTrainers::Exclude] {
                let mut config = base.clone();
                config.trainer_pot.rule = rule;
                config.trainer_pot.rss_trainers = rss;
                config.trainer_pot.settlement = settlement;
                let pot = trainer_pot(&register, &config, year, &[]).unwrap();
                prop_assert_eq!(pot.paid(), pot.pot, "{:?} {:?}", rule, rss);
                prop_assert!(pot.rows.iter().all(|r| !r.amount.is_negative()));
                prop_assert!(pot.rows.iter().all(|r| (r.amount - r.exact).as_decimal().abs() < rust_decimal::Decimal::ONE));
                prop_assert_eq!(pot.rows.iter().filter(|r| matches!(r.recipient, Recipient::Kommun(_))).count(), 15);
                // The statement: each recipient's trainer-days add up to its exact share.
                for r in &pot.rows {
                    let days: Money = pot.trainer_days_of(r.recipient).map(|t| t.share).sum();
                    let unallocated = if r.recipient == Recipient::Region { r.exact_days - days } else { Money::ZERO };
                    prop_assert!((days + unallocated - r.exact_days).as_decimal().abs() < rust_decimal::Decimal::new(1, 6));
                }
                for month in year.months() {
                    let days = participant_days(&register, &config, month).unwrap();
                    let inputs = InvoiceInputs { days: &days, extra_lines: &register.extra_lines, pot: Some(&pot) };
                    let basis = invoice_basis(&config, month, inputs).unwrap();
                    let sum: Money = basis.lines.iter().map(|l| l.amount).sum();
                    prop_assert_eq!(basis.total(), sum);
                    for k in basis.municipalities() {
                        prop_assert_eq!(basis.total_of(k), basis.lines_of(k).map(|l| l.amount).sum::<Money>());
                    }
                    for l in &basis.lines {
                        prop_assert_eq!(l.amount, l.unit_price * l.quantity);
                        prop_assert!(!l.amount.is_zero());
                        prop_assert!(!l.amount.is_negative() || l.article == config.billing.articles.pot_credit);
                    }
                    if month == Month::new(year, 12).unwrap() && settlement == Settlement::Credit {
                        let credit: Money = basis.lines.iter().filter(|l| l.article == config.billing.articles.pot_credit).map(|l| l.amount).sum();
                        let to_municipalities: Money = pot.rows.iter().filter(|r| matches!(r.recipient, Recipient::Kommun(_))).map(|r| r.amount).sum();
                        prop_assert_eq!(-credit, to_municipalities);
                    } else {
                        prop_assert!(basis.lines.iter().all(|l| l.article != config.billing.articles.pot_credit));
                    }
                }
            }
        }
    }
}
