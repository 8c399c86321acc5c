//! National scale: the whole country, as if SKR ran the pipeline for it.
//!
//! 290 municipalities in the 21 counties (regions), each code carrying its
//! county's real two-digit prefix; a register of 5 000 regional rounds run by
//! the counties (15 000 course days, 300 000 participant-days, trainers from the
//! county's own municipalities); and the Totara exports at national size, in
//! the formats real exports come in: 300 000 accounts as xlsx, 3 000 000
//! completion rows as UTF-8 CSV with BOM, 200 000 seminar sign-ups as
//! Windows-1252 `;` CSV with Swedish headings. A [`NationalScale`] scales every
//! count (½ for the linearity check, a few per mille for tests).
//!
//! The config is generated beside the data: one config for the country, its
//! municipalities grouped into regions by their county code. Everything is
//! built in one pass with compact records and constant-time choices, so the
//! generator is linear in the size asked for. Every random choice comes from
//! one seeded [`StdRng`] and workbooks carry a fixed creation date, so a seed
//! gives the same bytes.

use super::dalarna::{
    account_headings, allowed_starts, ascii_slug, completion_headings, course_dates, totara_date, username, ymd,
    FIRST_NAMES, LAST_NAMES,
};
use super::register_xlsx::{fixed_properties, Cell, RegisterSheets};
use crate::domain::{totara, DayNumber, ExportKind, Year};
use chrono::{Datelike, Duration, NaiveDate};
use rand::distributions::{Distribution, WeightedIndex};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// How much to generate. [`NationalScale::FULL`] is the national size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NationalScale {
    /// Platform accounts (participants, e-learning users, trainers, k-admins).
    pub accounts: usize,
    /// Course-completion rows.
    pub completions: usize,
    /// Seminar sign-up rows (about).
    pub signups: usize,
    /// Regional rounds in the register (3 days and 20 participants on average).
    pub rounds: usize,
}

impl NationalScale {
    /// The whole country: 300 000 accounts, 3 M completions, 200 000 sign-ups, 5 000 rounds.
    pub const FULL: NationalScale =
        NationalScale { accounts: 300_000, completions: 3_000_000, signups: 200_000, rounds: 5_000 };

    /// Every count of [`FULL`](Self::FULL) times `fraction` (0 < fraction ≤
    /// [`MAX_FACTOR`]: half for the linearity check, ten for the 10× target;
    /// at least one round).
    pub fn fraction(fraction: f64) -> NationalScale {
        let f = fraction.clamp(0.0, MAX_FACTOR);
        let scale = |n: usize| (n as f64 * f).round() as usize;
        let full = Self::FULL;
        NationalScale {
            accounts: scale(full.accounts),
            completions: scale(full.completions),
            signups: scale(full.signups),
            rounds: scale(full.rounds).max(1),
        }
    }
}

/// What the national generator wrote.
#[derive(Debug, Clone)]
pub struct GeneratedNational {
    /// The generated config (region, 290 municipalities, tariffs).
    pub config: PathBuf,
    /// Every input file written, register first.
    pub files: Vec<PathBuf>,
    /// Regional rounds in the register.
    pub rounds: usize,
    /// Course days in the register.
    pub days: usize,
    /// Participant rows (seats) in the register.
    pub seats: usize,
    /// Participant-days (seats × days of their round).
    pub participant_days: usize,
    /// Account rows written.
    pub accounts: usize,
    /// Completion rows written.
    pub completions: usize,
    /// Sign-up rows written.
    pub signups: usize,
}

/// The 21 counties: code, name, number of municipalities (290 in all).
const COUNTIES: [(u8, &str, usize); 21] = [
    (1, "Stockholm", 26),
    (3, "Uppsala", 8),
    (4, "Södermanland", 9),
    (5, "Östergötland", 13),
    (6, "Jönköping", 13),
    (7, "Kronoberg", 8),
    (8, "Kalmar", 12),
    (9, "Gotland", 1),
    (10, "Blekinge", 5),
    (12, "Skåne", 33),
    (13, "Halland", 6),
    (14, "Västra Götaland", 49),
    (17, "Värmland", 16),
    (18, "Örebro", 12),
    (19, "Västmanland", 10),
    (20, "Dalarna", 15),
    (21, "Gävleborg", 10),
    (22, "Västernorrland", 7),
    (23, "Jämtland", 8),
    (24, "Västerbotten", 15),
    (25, "Norrbotten", 14),
];

/// Made-up place names: every prefix with every suffix (300 names).
const NAME_PREFIXES: [&str; 30] = [
    "Björk", "Gran", "Ek", "Lind", "Al", "Asp", "Berg", "Dal", "Sjö", "Strand", "Vik", "Holm", "Ås", "Myr", "Hag",
    "Lund", "Tall", "Rönn", "Sand", "Sten", "Mark", "Fors", "Älv", "Bäck", "Ängs", "Hed", "Kärr", "Näs", "Udd", "Sol",
];
const NAME_SUFFIXES: [&str; 10] = ["by", "vik", "sund", "åsen", "hammar", "köping", "stad", "torp", "berga", "fors"];

/// The generated config's region.
const REGION_NAME: &str = "SKR";

/// The largest multiple of the national size generated (10 × national).
pub const MAX_FACTOR: f64 = 10.0;

/// The data rows of one xlsx sheet (Excel's 1 048 576 rows, less the headings).
const XLSX_DATA_ROWS: usize = 1_048_575;

/// The delresor the national year covers.
const DELRESOR: [&str; 5] = ["bou", "funk-u", "beroende", "aldre-u", "funk-m"];

/// A regional course: delresa index, name, days, level. Three days on average.
const COURSES: [(usize, &str, u8, &str); 15] = [
    (0, "Handläggning med barnet i centrum", 4, "ny"),
    (0, "Samtal och delaktighet", 2, "ny"),
    (0, "Utsatthet och våld", 3, "erfaren"),
    (1, "Lågaffektivt bemötande", 3, "van"),
    (1, "Bemötande och kommunikation", 2, "ny"),
    (1, "Delaktighet och självbestämmande", 4, "erfaren"),
    (2, "Uppdrag och ansvar", 2, "ny"),
    (2, "Delaktighet och samverkan", 3, "van"),
    (2, "Motiverande samtal", 4, "erfaren"),
    (3, "Personcentrerad vård och omsorg", 3, "ny"),
    (3, "Demenssjukdom och bemötande", 4, "van"),
    (3, "Dokumentation i vardagen", 2, "ny"),
    (4, "Utredning enligt LSS", 3, "ny"),
    (4, "Handläggning och dokumentation", 2, "van"),
    (4, "Beslut och uppföljning", 4, "erfaren"),
];
/// The manager course (category `chef`), three days; about one round in twenty.
const CHEF_COURSE: usize = COURSES.len();
const CHEF_NAME: &str = "Leda lärande och utveckling";
/// The nationally bought course; one round per hundred regional ones.
const NATIONAL_COURSE: usize = COURSES.len() + 1;
const NATIONAL_NAME: &str = "Kursledarutbildning Ett hem att växa i";
const NATIONAL_PRICE: f64 = 1200.0;

/// E-learning modules on the platform (not in the register).
const MODULE_TOPICS: [&str; 10] = [
    "Socialtjänstlagen",
    "Dokumentation",
    "Barnkonventionen",
    "Våld i nära relationer",
    "Sekretess",
    "Missbruk och beroende",
    "Demens",
    "LSS",
    "Etik",
    "Samverkan",
];
const MODULES: usize = MODULE_TOPICS.len() * 4;

/// Trainers recruited per county and delresa.
const TRAINERS_PER_POOL: usize = 4;

/// A person with a platform account and possibly register seats.
struct Person {
    first: u8,
    last: u8,
    kommun: u16,
    delresa: u8,
    chef: bool,
    /// Register courses taken, as bits of `COURSES` indices (and the chef/national course).
    courses: u32,
    created: NaiveDate,
    /// The person's latest seat (a linked list through `Seat::previous`).
    last_seat: Option<u32>,
    /// Left out of the accounts export (the register knows them, the platform doesn't).
    missing: bool,
}

/// A trainer: a person employed by a municipality of the round's county.
struct Trainer {
    first: u8,
    last: u8,
    kommun: u16,
    delresa: u8,
}

/// A generated municipality: (code, name, population).
type Place = (u16, String, u32);

/// One participant's row in Deltagare.
struct Seat {
    person: u32,
    round: u32,
    /// Attendance per day, bit `d` for day `d + 1`.
    attended: u8,
    approved: Option<bool>,
    previous: Option<u32>,
}

/// One round with its days and team.
struct Round {
    id: String,
    course: usize,
    county: usize,
    delresa: usize,
    days: Vec<NaiveDate>,
    digital: bool,
    /// `(trainer, role)`, the same team every day.
    team: Vec<(u32, &'static str)>,
}

/// The whole generated year.
struct Nation {
    year: i32,
    rng: StdRng,
    /// Municipalities, county by county.
    municipalities: Vec<Place>,
    /// Index range of each county's municipalities.
    counties: Vec<std::ops::Range<usize>>,
    /// Each county's municipalities weighted by population.
    by_population: Vec<WeightedIndex<u32>>,
    people: Vec<Person>,
    trainers: Vec<Trainer>,
    /// Trainers by (county, delresa).
    pools: Vec<Vec<u32>>,
    /// People by (county, delresa, chef), for reuse in a later round.
    alumni: Vec<Vec<u32>>,
    rounds: Vec<Round>,
    seats: Vec<Seat>,
    /// Platform users outside the register: (first, last, kommun, delresa).
    learners: Vec<(u8, u8, u16, u8)>,
}

/// Generates a national year into `dir`: `config.toml` and `inbox/` with the
/// register, `user_report_<year>1101.xlsx`, `course_completion_<year>1101.csv`
/// and `seminar_signups_<year>1101.csv`. The same seed gives the same bytes.
pub fn generate_national(dir: &Path, year: Year, seed: u64, scale: NationalScale) -> io::Result<GeneratedNational> {
    let inbox = dir.join("inbox");
    std::fs::create_dir_all(&inbox)?;
    let mut nation = Nation::build(year.get(), seed, scale);
    let config = dir.join("config.toml");
    std::fs::write(&config, nation.config_text())?;
    let register = inbox.join(format!("kursdagsregister-{year}.xlsx"));
    nation.register_sheets().write(&register).map_err(io::Error::other)?;
    // Beyond a sheet's rows (10 × national) Totara can only export CSV.
    let accounts_file = if scale.accounts < XLSX_DATA_ROWS {
        inbox.join(format!("user_report_{year}1101.xlsx"))
    } else {
        inbox.join(format!("user_report_{year}1101.csv"))
    };
    let accounts = nation.write_accounts(&accounts_file)?;
    let completions_file = inbox.join(format!("course_completion_{year}1101.csv"));
    let completions = nation.write_completions(&completions_file, accounts, scale.completions)?;
    let signups_file = inbox.join(format!("seminar_signups_{year}1101.csv"));
    let signups = nation.write_signups(&signups_file, scale.signups)?;
    let days = nation.rounds.iter().map(|r| r.days.len()).sum();
    let participant_days = nation.seats.iter().map(|s| nation.rounds[s.round as usize].days.len()).sum();
    Ok(GeneratedNational {
        config,
        files: vec![register, accounts_file, completions_file, signups_file],
        rounds: nation.rounds.len(),
        days,
        seats: nation.seats.len(),
        participant_days,
        accounts,
        completions,
        signups,
    })
}

// ---------------------------------------------------------------------------
// Building the year.

impl Nation {
    fn build(year: i32, seed: u64, scale: NationalScale) -> Nation {
        let mut rng = StdRng::seed_from_u64(seed);
        let (municipalities, counties) = make_municipalities(&mut rng);
        let pools = vec![Vec::new(); COUNTIES.len() * DELRESOR.len()];
        let alumni = vec![Vec::new(); COUNTIES.len() * DELRESOR.len() * 2];
        let by_population = counties
            .iter()
            .map(|r| {
                WeightedIndex::new(municipalities[r.clone()].iter().map(|m| m.2)).expect("populations are positive")
            })
            .collect();
        let mut nation = Nation {
            year,
            rng,
            municipalities,
            counties,
            by_population,
            people: Vec::new(),
            trainers: Vec::new(),
            pools,
            alumni,
            rounds: Vec::new(),
            seats: Vec::new(),
            learners: Vec::new(),
        };
        nation.hire_trainers();
        nation.plan_rounds(scale.rounds);
        nation.enrol_learners(scale.accounts);
        nation
    }

    /// E-learning users until the accounts export has `accounts` rows.
    fn enrol_learners(&mut self, accounts: usize) {
        let known = self.people.iter().filter(|p| !p.missing).count() + self.trainers.len() + self.municipalities.len();
        let weights = WeightedIndex::new(self.municipalities.iter().map(|m| m.2)).expect("populations are positive");
        for _ in known..accounts {
            let (first, last) = self.name();
            let kommun = weights.sample(&mut self.rng) as u16;
            let delresa = self.rng.gen_range(0..DELRESOR.len()) as u8;
            self.learners.push((first, last, kommun, delresa));
        }
    }

    /// A municipality of the county, by population.
    fn kommun_in(&mut self, county: usize) -> u16 {
        (self.counties[county].start + self.by_population[county].sample(&mut self.rng)) as u16
    }

    fn name(&mut self) -> (u8, u8) {
        (self.rng.gen_range(0..FIRST_NAMES.len()) as u8, self.rng.gen_range(0..LAST_NAMES.len()) as u8)
    }

    fn hire_trainers(&mut self) {
        for county in 0..COUNTIES.len() {
            for delresa in 0..DELRESOR.len() {
                for _ in 0..TRAINERS_PER_POOL {
                    let kommun = self.kommun_in(county);
                    let (first, last) = self.name();
                    self.pools[county * DELRESOR.len() + delresa].push(self.trainers.len() as u32);
                    self.trainers.push(Trainer { first, last, kommun, delresa: delresa as u8 });
                }
            }
        }
    }

    fn plan_rounds(&mut self, regional: usize) {
        let county_weights: Vec<u64> =
            self.counties.iter().map(|r| self.municipalities[r.clone()].iter().map(|m| u64::from(m.2)).sum()).collect();
        let county_pick = WeightedIndex::new(&county_weights).expect("counties have inhabitants");
        let starts = allowed_starts(self.year);
        let national = regional / 100;
        let mut counters = std::collections::BTreeMap::new();
        for i in 0..regional + national {
            let county = county_pick.sample(&mut self.rng);
            let course = if i >= regional {
                NATIONAL_COURSE
            } else if self.rng.gen_bool(0.05) {
                CHEF_COURSE
            } else {
                self.rng.gen_range(0..COURSES.len())
            };
            let start = starts[self.rng.gen_range(0..starts.len())];
            let days = course_dates(start, course_days(course), self.year);
            let prefix = match course {
                CHEF_COURSE => format!("CHEF-{:02}", COUNTIES[county].0),
                NATIONAL_COURSE => "NAT".to_string(),
                c => format!("{}-{:02}", DELRESOR[COURSES[c].0].to_uppercase(), COUNTIES[county].0),
            };
            let n = counters.entry(prefix.clone()).or_insert(0);
            *n += 1;
            let id = format!("{prefix}-{}-{:04}", self.year, n);
            let digital = self.rng.gen_bool(0.2);
            let delresa = course_delresa(course, i);
            let team = if course == NATIONAL_COURSE { Vec::new() } else { self.team(county, delresa) };
            self.rounds.push(Round { id, course, county, delresa, days, digital, team });
            let r = self.rounds.len() - 1;
            let seats = if course == NATIONAL_COURSE { self.rng.gen_range(2..=5) } else { self.rng.gen_range(14..=26) };
            for _ in 0..seats {
                self.seat(r, delresa);
            }
        }
    }

    fn team(&mut self, county: usize, delresa: usize) -> Vec<(u32, &'static str)> {
        let pool = &self.pools[county * DELRESOR.len() + delresa];
        let lead = self.rng.gen_range(0..pool.len());
        let helpers = self.rng.gen_range(1..=2);
        let mut team = vec![(pool[lead], "kursledare")];
        team.extend((1..=helpers).map(|k| (pool[(lead + k) % pool.len()], "utbildare")));
        team
    }

    /// A participant: now and then someone from an earlier round of the
    /// county and delresa who has not taken this course, else a new person.
    fn seat(&mut self, r: usize, delresa: usize) {
        let round = &self.rounds[r];
        let (course, county, ndays) = (round.course, round.county, round.days.len());
        let last = *round.days.last().expect("a round has days");
        let chef = course == CHEF_COURSE;
        let county = if course == NATIONAL_COURSE { self.rng.gen_range(0..COUNTIES.len()) } else { county };
        let key = (county * DELRESOR.len() + delresa) * 2 + usize::from(chef);
        let bit = 1u32 << course;
        let reuse = if self.alumni[key].is_empty() || !self.rng.gen_bool(0.08) {
            None
        } else {
            // Not someone who took this course (this round included: the bit is set on seating).
            let candidate = self.alumni[key][self.rng.gen_range(0..self.alumni[key].len())];
            (self.people[candidate as usize].courses & bit == 0).then_some(candidate)
        };
        let person = match reuse {
            Some(p) => p,
            None => {
                let kommun = self.kommun_in(county);
                let (first, last_name) = self.name();
                let first_day = self.rounds[r].days[0];
                let created = first_day - Duration::days(self.rng.gen_range(30..=900));
                let missing = self.rng.gen_bool(0.001);
                self.people.push(Person {
                    first,
                    last: last_name,
                    kommun,
                    delresa: delresa as u8,
                    chef,
                    courses: 0,
                    created,
                    last_seat: None,
                    missing,
                });
                let p = (self.people.len() - 1) as u32;
                self.alumni[key].push(p);
                p
            }
        };
        let no_show = self.rng.gen_bool(0.04);
        let mut attended = 0u8;
        for d in 0..ndays {
            if !no_show && self.rng.gen_bool(0.97) {
                attended |= 1 << d;
            }
        }
        let all = attended == (1u8 << ndays) - 1;
        let approved = if last.month() == 12 {
            None
        } else if all {
            Some(self.rng.gen_bool(0.95))
        } else {
            Some(false)
        };
        let p = &mut self.people[person as usize];
        p.courses |= bit;
        let previous = p.last_seat.replace(self.seats.len() as u32);
        self.seats.push(Seat { person, round: r as u32, attended, approved, previous });
    }
}

fn course_days(course: usize) -> u8 {
    match course {
        CHEF_COURSE => 3,
        NATIONAL_COURSE => 2,
        c => COURSES[c].2,
    }
}

fn course_name(course: usize) -> &'static str {
    match course {
        CHEF_COURSE => CHEF_NAME,
        NATIONAL_COURSE => NATIONAL_NAME,
        c => COURSES[c].1,
    }
}

/// The delresa of a round: the course's own, or spread over all for the chef and national courses.
fn course_delresa(course: usize, i: usize) -> usize {
    match course {
        CHEF_COURSE | NATIONAL_COURSE => i % DELRESOR.len(),
        c => COURSES[c].0,
    }
}

/// 290 municipalities, county by county, with made-up names and populations.
fn make_municipalities(rng: &mut StdRng) -> (Vec<Place>, Vec<std::ops::Range<usize>>) {
    let mut out = Vec::new();
    let mut ranges = Vec::new();
    for &(county, _, count) in &COUNTIES {
        let start = out.len();
        for k in 0..count {
            let i = out.len();
            let name = format!("{}{}", NAME_PREFIXES[i % NAME_PREFIXES.len()], NAME_SUFFIXES[i / NAME_PREFIXES.len()]);
            let code = u16::from(county) * 100 + 10 + k as u16;
            let base = 2_500 + (rng.gen::<f64>().powi(3) * 120_000.0) as u32;
            let population = if k == 0 { base * 4 } else { base };
            out.push((code, name, population));
        }
        ranges.push(start..out.len());
    }
    (out, ranges)
}

// ---------------------------------------------------------------------------
// The generated config.

/// The shipped Dalarna config: delresor, tariffs, billing, e-mail and ingest
/// settings are taken from it; region and municipalities are replaced.
const TEMPLATE: &str = include_str!("../../config/dalarna.toml");

impl Nation {
    fn config_text(&self) -> String {
        let part = |from: &str| TEMPLATE.find(from).unwrap_or_else(|| panic!("config/dalarna.toml lost '{from}'"));
        let delresor = part("[[delresa]]");
        let municipalities = part("# Municipalities:");
        let ingest = part("# ---------------------------------------------------------------------------\n# Ingest");
        let mut s = String::new();
        s.push_str("# GENERATED by `yrkesresan generate --scale national`: the whole country as one\n");
        s.push_str("# configuration, as if SKR ran the pipeline. The 21 regions are the counties,\n");
        s.push_str("# the first two digits of each municipality code. Names, populations and\n");
        s.push_str("# contacts are made up. Everything else is copied from config/dalarna.toml.\n\n");
        let _ = writeln!(
            s,
            "[region]\nname = \"{REGION_NAME}\"\ncode = \"00\"\naliases = [\"Sveriges Kommuner och Regioner\"]\n"
        );
        s.push_str(
            &TEMPLATE[delresor..municipalities].replace("RSS Dalarna", REGION_NAME).replace("rss-dalarna", "skr"),
        );
        let all = DELRESOR.map(|d| format!("\"{d}\"")).join(", ");
        for (i, (code, name, population)) in self.municipalities.iter().enumerate() {
            let county = COUNTIES[self.counties.iter().position(|r| r.contains(&i)).expect("in a county")].1;
            let slug = ascii_slug(name);
            let _ = write!(
                s,
                "[[municipality]]\n# {county}\ncode = \"{code:04}\"\nname = \"{name}\"\naliases = [\"{name} kommun\"]\n\
                 population = {population}\npopulation_year = 2024\ninvoice_reference = \"{code:04}-YR\"\n\n\
                 [[municipality.contact]]\nname = \"Kontaktperson {name}\"\nemail = \"yrkesresan@{slug}.example\"\n\
                 delresor = [{all}]\n\n"
            );
        }
        let tail = TEMPLATE[ingest..].replace("RSS Dalarna", REGION_NAME).replace("rss-dalarna", "skr");
        // Generated files are complete when written: no need to let them settle.
        s.push_str(&tail.replace("settle_seconds = 60", "settle_seconds = 0"));
        s
    }
}

// ---------------------------------------------------------------------------
// Writing the register.

impl Nation {
    // Long: one generated register, sheet by sheet, reads best in one piece.
    fn register_sheets(&self) -> RegisterSheets {
        let mut sheets = RegisterSheets::empty(DayNumber::MAX);
        for round in &self.rounds {
            let delresa = DELRESOR[round.delresa];
            let (level, category, organiser, price) = match round.course {
                CHEF_COURSE => ("chef", "chef", "regional", Cell::Empty),
                NATIONAL_COURSE => ("erfaren", "medarbetare", "nationell", Cell::Number(NATIONAL_PRICE)),
                c => (COURSES[c].3, "medarbetare", "regional", Cell::Empty),
            };
            sheets.push(
                "Kursomgångar",
                vec![
                    round.id.clone().into(),
                    course_name(round.course).into(),
                    delresa.into(),
                    level.into(),
                    category.into(),
                    organiser.into(),
                    price,
                ],
            );
        }
        for round in &self.rounds {
            let (form, place) =
                if round.digital { ("digitalt", "Teams") } else { ("på plats", COUNTIES[round.county].1) };
            for (d, date) in round.days.iter().enumerate() {
                sheets.push(
                    "Kursdagar",
                    vec![
                        round.id.clone().into(),
                        Cell::Number(d as f64 + 1.0),
                        (*date).into(),
                        form.into(),
                        place.into(),
                    ],
                );
            }
        }
        for round in &self.rounds {
            for d in 0..round.days.len() {
                for &(t, role) in &round.team {
                    let email = self.trainer_email(t);
                    let t = &self.trainers[t as usize];
                    sheets.push(
                        "Utbildare",
                        vec![
                            round.id.clone().into(),
                            Cell::Number(d as f64 + 1.0),
                            format!("{} {}", FIRST_NAMES[t.first as usize], LAST_NAMES[t.last as usize]).into(),
                            email.into(),
                            self.municipalities[t.kommun as usize].1.clone().into(),
                            role.into(),
                        ],
                    );
                }
            }
        }
        for (i, seat) in self.seats.iter().enumerate() {
            let round = &self.rounds[seat.round as usize];
            let p = &self.people[seat.person as usize];
            let approved = Cell::approval(seat.approved);
            let mut row = vec![
                round.id.clone().into(),
                format!("{} {}", FIRST_NAMES[p.first as usize], LAST_NAMES[p.last as usize]).into(),
                self.email(seat.person).into(),
                self.municipalities[p.kommun as usize].1.clone().into(),
                approved,
            ];
            for d in 0..usize::from(DayNumber::MAX) {
                row.push(if d >= round.days.len() {
                    Cell::Empty
                } else if seat.attended & (1 << d) != 0 {
                    "X".into()
                } else {
                    ["", "sjuk", "nej"][i % 3].into()
                });
            }
            sheets.push("Deltagare", row);
        }
        sheets
    }

    fn email(&self, person: u32) -> String {
        let p = &self.people[person as usize];
        mailbox(p.first, p.last, person + 1, &self.municipalities[p.kommun as usize].1)
    }

    fn trainer_email(&self, i: u32) -> String {
        let t = &self.trainers[i as usize];
        mailbox(t.first, t.last, format!(".u{}", i + 1), &self.municipalities[t.kommun as usize].1)
    }
}

/// `first.last<tag>@place.example`, unique by its tag.
fn mailbox(first: u8, last: u8, tag: impl std::fmt::Display, place: &str) -> String {
    format!(
        "{}.{}{tag}@{}.example",
        ascii_slug(FIRST_NAMES[first as usize]),
        ascii_slug(LAST_NAMES[last as usize]),
        ascii_slug(place)
    )
}

// ---------------------------------------------------------------------------
// Writing the Totara exports.

/// One account row as the writers see it.
struct Account {
    username: String,
    email: String,
    first: &'static str,
    last: &'static str,
    kommun: usize,
    roles: &'static str,
    delresa: Option<usize>,
    created: NaiveDate,
    /// The person's latest register seat.
    last_seat: Option<u32>,
}

impl Account {
    /// An account without register seats; the username is the e-mail's local part.
    fn new(
        email: String,
        (first, last): (&'static str, &'static str),
        kommun: usize,
        roles: &'static str,
        delresa: Option<usize>,
        created: NaiveDate,
    ) -> Account {
        Account {
            username: username(&email).to_string(),
            email,
            first,
            last,
            kommun,
            roles,
            delresa,
            created,
            last_seat: None,
        }
    }
}

impl Nation {
    /// Every account in export order: participants, e-learning users, trainers, k-admins.
    fn accounts(&self) -> impl Iterator<Item = Account> + '_ {
        let people = self.people.iter().enumerate().filter(|(_, p)| !p.missing).map(|(i, p)| Account {
            last_seat: p.last_seat,
            ..Account::new(
                self.email(i as u32),
                (FIRST_NAMES[p.first as usize], LAST_NAMES[p.last as usize]),
                p.kommun as usize,
                if p.chef { "Chef" } else { "Medarbetare" },
                Some(p.delresa as usize),
                p.created,
            )
        });
        let base = self.people.len();
        let learners = self.learners.iter().enumerate().map(move |(j, &(first, last, kommun, delresa))| {
            Account::new(
                mailbox(first, last, base + j + 1, &self.municipalities[kommun as usize].1),
                (FIRST_NAMES[first as usize], LAST_NAMES[last as usize]),
                kommun as usize,
                "Medarbetare",
                Some(delresa as usize),
                ymd(self.year - 1, 1, 1) + Duration::days((j % 700) as i64),
            )
        });
        let trainers = self.trainers.iter().enumerate().map(|(i, t)| {
            Account::new(
                self.trainer_email(i as u32),
                (FIRST_NAMES[t.first as usize], LAST_NAMES[t.last as usize]),
                t.kommun as usize,
                "Medarbetare, Utbildare",
                Some(t.delresa as usize),
                ymd(self.year - 2, 3, 1),
            )
        });
        let admins = self.municipalities.iter().enumerate().map(|(k, m)| Account {
            username: format!("kadmin.{}", ascii_slug(&m.1)),
            ..Account::new(
                format!("kadmin@{}.example", ascii_slug(&m.1)),
                ("Kommun", "Administratör"),
                k,
                "K-admin",
                None,
                ymd(self.year - 3, 1, 15),
            )
        });
        people.chain(learners).chain(trainers).chain(admins)
    }

    /// The accounts export as an xlsx workbook (constant-memory writer), or
    /// as CSV when `path` says so; returns its row count.
    fn write_accounts(&self, path: &Path) -> io::Result<usize> {
        if path.extension().is_some_and(|e| e == "csv") {
            return self.write_accounts_csv(path);
        }
        let xlsx = |e: rust_xlsxwriter::XlsxError| io::Error::other(e);
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.set_properties(&fixed_properties());
        let ws = wb.add_worksheet_with_constant_memory().map_err(xlsx)?;
        ws.set_name("User report").map_err(xlsx)?;
        for (c, h) in account_headings().iter().enumerate() {
            ws.write_string(0, c as u16, *h).map_err(xlsx)?;
        }
        let mut rows = 0u32;
        for a in self.accounts() {
            rows += 1;
            let delresa = a.delresa.map(|d| DELRESOR[d]).unwrap_or("");
            let created = totara_date(a.created);
            let cells: [&str; 9] = [
                &a.username,
                &a.email,
                a.first,
                a.last,
                &self.municipalities[a.kommun].1,
                a.roles,
                delresa,
                "Active",
                &created,
            ];
            for (c, v) in cells.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(rows, c as u16, *v).map_err(xlsx)?;
                }
            }
        }
        wb.save(path).map_err(xlsx)?;
        Ok(rows as usize)
    }

    /// The accounts export as CSV (UTF-8 with BOM), the same columns and rows.
    fn write_accounts_csv(&self, path: &Path) -> io::Result<usize> {
        let mut file = io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
        file.write_all("\u{feff}".as_bytes())?;
        let mut w = csv::Writer::from_writer(file);
        w.write_record(account_headings())?;
        let mut rows = 0;
        for a in self.accounts() {
            rows += 1;
            let delresa = a.delresa.map(|d| DELRESOR[d]).unwrap_or("");
            let created = totara_date(a.created);
            let kommun = &self.municipalities[a.kommun].1;
            w.write_record([&a.username, &a.email, a.first, a.last, kommun, a.roles, delresa, "Active", &created])?;
        }
        w.flush()?;
        Ok(rows)
    }

    /// The completions export: `total` rows spread evenly over the accounts,
    /// each account's register courses first, then e-learning modules. UTF-8 with BOM.
    fn write_completions(&mut self, path: &Path, accounts: usize, total: usize) -> io::Result<usize> {
        let mut file = io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
        file.write_all("\u{feff}".as_bytes())?;
        let mut w = csv::Writer::from_writer(file);
        w.write_record(completion_headings())?;
        let year_end = ymd(self.year, 12, 31);
        let mut rng = StdRng::seed_from_u64(self.rng.gen());
        let mut written = 0;
        let list: Vec<Account> = self.accounts().collect();
        for (i, a) in list.iter().enumerate() {
            let mut k = total / accounts.max(1) + usize::from(i < total % accounts.max(1));
            let mut seat = a.last_seat;
            while let (Some(s), true) = (seat, k > 0) {
                let s = &self.seats[s as usize];
                let round = &self.rounds[s.round as usize];
                let started = totara_date(round.days[0] - Duration::days(rng.gen_range(7..=21)));
                let done = (*round.days.last().expect("days") + Duration::days(rng.gen_range(3..=30))).min(year_end);
                let (status, completed) = if s.approved == Some(true) {
                    ("Complete", totara_date(done))
                } else {
                    ("In progress", String::new())
                };
                w.write_record([a.username.as_str(), course_name(round.course), status, &started, &completed])?;
                written += 1;
                k -= 1;
                seat = s.previous;
            }
            let offset = rng.gen_range(0..MODULES);
            for m in 0..k.min(MODULES) {
                let module = (offset + m) % MODULES;
                let name = format!("Webbkurs {} {}", MODULE_TOPICS[module / 4], module % 4 + 1);
                let started = ymd(self.year, 1, 1) + Duration::days(rng.gen_range(0..300));
                let (status, completed) = match rng.gen_range(0..10) {
                    0..=4 => ("Complete", totara_date((started + Duration::days(rng.gen_range(1..60))).min(year_end))),
                    5..=7 => ("In progress", String::new()),
                    _ => ("Not yet started", String::new()),
                };
                let started = if status == "Not yet started" { String::new() } else { totara_date(started) };
                w.write_record([a.username.as_str(), &name, status, &started, &completed])?;
                written += 1;
            }
        }
        w.flush()?;
        Ok(written)
    }

    /// Seminar sign-ups for whole regional rounds until about `target` rows:
    /// Windows-1252, `;`, Swedish headings and dates, numeric status codes.
    fn write_signups(&self, path: &Path, target: usize) -> io::Result<usize> {
        let mut out = io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
        let mut w = semicolon_writer();
        w.write_record(
            ["username", "course", "session_start", "status"].map(|f| totara::swedish(ExportKind::Signups, f)),
        )?;
        let mut written = 0;
        let mut seats_of_round: Vec<Vec<u32>> = vec![Vec::new(); self.rounds.len()];
        for (i, s) in self.seats.iter().enumerate() {
            seats_of_round[s.round as usize].push(i as u32);
        }
        for (r, round) in self.rounds.iter().enumerate() {
            if written >= target {
                break;
            }
            if round.course == NATIONAL_COURSE {
                continue;
            }
            for &s in &seats_of_round[r] {
                let seat = &self.seats[s as usize];
                if self.people[seat.person as usize].missing {
                    continue;
                }
                let email = self.email(seat.person);
                for (d, date) in round.days.iter().enumerate() {
                    let time = if round.digital { "08:30" } else { "09:00" };
                    let start = format!("{}, {time}", crate::domain::swedish_date(*date));
                    let status = if seat.attended & (1 << d) != 0 { "100" } else { "80" };
                    w.write_record([username(&email), course_name(round.course), &start, status])?;
                    written += 1;
                }
            }
            drain_as_windows_1252(&mut w, &mut out)?;
        }
        drain_as_windows_1252(&mut w, &mut out)?;
        out.flush()?;
        Ok(written)
    }
}

/// Moves what the CSV writer holds to `out`, encoded as Windows-1252.
fn drain_as_windows_1252(w: &mut csv::Writer<Vec<u8>>, out: &mut impl Write) -> io::Result<()> {
    let full = std::mem::replace(w, semicolon_writer());
    let buf = full.into_inner().map_err(|e| io::Error::other(e.to_string()))?;
    let text = std::str::from_utf8(&buf).map_err(io::Error::other)?;
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    if unmappable {
        return Err(io::Error::other("a sign-up row has a character Windows-1252 cannot hold"));
    }
    out.write_all(&bytes)
}

fn semicolon_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::with_capacity(1 << 16))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fraction_scales_every_count() {
        let half = NationalScale::fraction(0.5);
        assert_eq!((half.accounts, half.completions, half.signups, half.rounds), (150_000, 1_500_000, 100_000, 2_500));
        assert_eq!(NationalScale::fraction(1e-9).rounds, 1, "at least one round");
    }

    #[test]
    fn the_generated_year_has_the_sizes_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let scale = NationalScale::fraction(0.004);
        let made = generate_national(dir.path(), Year::new(2026).unwrap(), 3, scale).unwrap();
        assert_eq!((made.accounts, made.completions), (scale.accounts, scale.completions));
        assert_eq!(made.rounds, scale.rounds + scale.rounds / 100, "regional rounds and one national per hundred");
        let per_round = |n: usize| n as f64 / made.rounds as f64;
        assert!((2.5..=3.5).contains(&per_round(made.days)), "{} days per round", per_round(made.days));
        assert!((15.0..=25.0).contains(&per_round(made.seats)), "{} seats per round", per_round(made.seats));
        assert!(made.signups >= scale.signups && made.signups < scale.signups + 500, "{}", made.signups);
    }

    #[test]
    fn municipality_names_and_codes_are_unique() {
        let (places, counties) = make_municipalities(&mut StdRng::seed_from_u64(1));
        assert_eq!((places.len(), counties.len()), (290, 21));
        let slugs: std::collections::BTreeSet<String> = places.iter().map(|p| ascii_slug(&p.1)).collect();
        let codes: std::collections::BTreeSet<u16> = places.iter().map(|p| p.0).collect();
        assert_eq!((slugs.len(), codes.len()), (290, 290));
    }
}
