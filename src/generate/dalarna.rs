//! A plausible, deterministic Dalarna year for the demo, the tests and the benchmark.
//!
//! The pipeline's real inputs (the register RSS keeps and the Totara exports)
//! hold personal data and cannot be shipped, so this module makes up a year that
//! looks like one: about 25 regional rounds over the delresor (four of them
//! manager courses), trainer teams drawn from the municipalities and the region,
//! about 400 participants spread over the municipalities by population, a few
//! national rounds and one municipal round, and the three Totara exports that go
//! with the register. It also plants what the pipeline must find: one
//! participant listed twice, participants without a platform account, no-shows.
//!
//! Every random choice comes from one [`StdRng`] seeded by the caller and all
//! collections are ordered, so the same seed gives the same content.

use super::register_xlsx::{Cell, RegisterSheets};
use crate::config::Config;
use crate::domain::{Category, DayNumber, ExportKind, Year};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use rand::distributions::{Distribution, WeightedIndex};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

/// What the generator wrote.
#[derive(Debug, Clone)]
pub struct GeneratedYear {
    /// Every file written, register first.
    pub files: Vec<PathBuf>,
    /// The register workbook.
    pub register: PathBuf,
    /// Regional rounds (employee and manager courses) in the register.
    pub regional_rounds: usize,
    /// National rounds in the register.
    pub national_rounds: usize,
    /// Distinct participants (people) in the register.
    pub participants: usize,
    /// Distinct trainers who appear in the register.
    pub trainers: usize,
}

/// Generates a plausible Dalarna year into `dir` (created if missing).
///
/// Writes `kursdagsregister-<year>.xlsx` and the Totara exports
/// `user_report_<year>1101_3.csv`, `course_completion_<year>1101_4.csv` and
/// `seminar_signups_<year>1101_5.csv`. The same `seed` gives the same content.
pub fn generate_year(config: &Config, year: Year, dir: &Path, seed: u64) -> io::Result<GeneratedYear> {
    std::fs::create_dir_all(dir)?;
    let mut world = World::build(config, year.get(), seed)?;
    let register = dir.join(format!("kursdagsregister-{year}.xlsx"));
    world.register_sheets().write(&register).map_err(io::Error::other)?;
    let accounts = dir.join(format!("user_report_{year}1101_3.csv"));
    world.write_accounts(&accounts)?;
    let completions = dir.join(format!("course_completion_{year}1101_4.csv"));
    world.write_completions(&completions)?;
    let signups = dir.join(format!("seminar_signups_{year}1101_5.csv"));
    world.write_signups(&signups)?;
    Ok(GeneratedYear {
        files: vec![register.clone(), accounts, completions, signups],
        register,
        regional_rounds: world.rounds.iter().filter(|r| r.kind.is_regional()).count(),
        national_rounds: world.rounds.iter().filter(|r| matches!(r.kind, Kind::National(_))).count(),
        participants: world.participant_count(),
        trainers: world.trainer_count(),
    })
}

// ---------------------------------------------------------------------------
// The catalogue: what Dalarna runs in a year.

/// The delresor the generated year covers, in catalogue order.
const DELRESOR: [&str; 4] = ["bou", "funk-u", "beroende", "aldre-u"];

/// A regionally run course and how many rounds of it the year has.
struct CourseSpec {
    delresa: &'static str,
    name: &'static str,
    days: u8,
    level: &'static str,
    rounds: usize,
}

const fn course(delresa: &'static str, name: &'static str, days: u8, level: &'static str, rounds: usize) -> CourseSpec {
    CourseSpec { delresa, name, days, level, rounds }
}

const REGIONAL_COURSES: [CourseSpec; 12] = [
    course("bou", "Handläggning med barnet i centrum", 4, "ny", 2),
    course("bou", "Handläggning av unga lagöverträdare", 1, "van", 2),
    course("bou", "Samtal och delaktighet", 2, "ny", 1),
    course("bou", "Utsatthet och våld", 2, "erfaren", 1),
    course("funk-u", "Bemötande och kommunikation", 1, "ny", 2),
    course("funk-u", "Lågaffektivt bemötande", 2, "van", 2),
    course("funk-u", "Delaktighet och självbestämmande", 1, "erfaren", 1),
    course("beroende", "Uppdrag och ansvar", 1, "ny", 2),
    course("beroende", "Delaktighet och samverkan", 2, "van", 2),
    course("aldre-u", "Personcentrerad vård och omsorg", 1, "ny", 2),
    course("aldre-u", "Demenssjukdom och bemötande", 2, "van", 2),
    course("aldre-u", "Dokumentation i vardagen", 1, "ny", 2),
];

/// The manager course (category `chef` from 2026), one day, run regionally.
const CHEF_COURSE: &str = "Leda lärande och utveckling";
const CHEF_ROUNDS: usize = 4;

/// A nationally bought course: (delresa, name, days, level, price per day).
const NATIONAL_COURSES: [(&str, &str, u8, &str, u32); 3] = [
    ("bou", "Kursledarutbildning Ett hem att växa i", 2, "erfaren", 1200),
    ("funk-u", "Kursledarutbildning Lågaffektivt bemötande", 1, "erfaren", 1050),
    ("beroende", "Fördjupning i motiverande samtal", 2, "van", 1350),
];

/// The municipally run course: (delresa, name).
const MUNICIPAL_COURSE: (&str, &str) = ("aldre-u", "Introduktion till Yrkesresan i äldreomsorgen");

/// Trainers recruited per delresa.
const TRAINERS_PER_DELRESA: usize = 5;
/// Trainers employed by the region itself (they teach the manager course).
const REGION_TRAINERS: usize = 2;
/// Participants left out of the accounts export.
const MISSING_ACCOUNTS: usize = 3;
/// Accounts marked Suspended in the accounts export.
const SUSPENDED_ACCOUNTS: usize = 4;

/// Where on-site course days are held, with weights.
const PLACES: [(&str, u32); 4] = [("Falun", 7), ("Borlänge", 2), ("Mora", 1), ("Ludvika", 1)];

pub(super) const FIRST_NAMES: [&str; 52] = [
    "Anna", "Eva", "Maria", "Karin", "Sara", "Emma", "Lena", "Kerstin", "Ingrid", "Malin", "Jenny", "Sofia", "Hanna",
    "Elin", "Johanna", "Linnea", "Åsa", "Ulrika", "Camilla", "Frida", "Ida", "Helena", "Marie", "Annika", "Birgitta",
    "Louise", "Therese", "Josefin", "Amira", "Fatima", "Leila", "Nadia", "Erik", "Lars", "Johan", "Anders", "Per",
    "Mikael", "Karl", "Peter", "Jonas", "Magnus", "Fredrik", "Daniel", "Mats", "Björn", "Olof", "Henrik", "Niklas",
    "Stefan", "Ahmed", "Yusuf",
];

pub(super) const LAST_NAMES: [&str; 50] = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Jansson",
    "Hansson",
    "Bengtsson",
    "Jönsson",
    "Lindberg",
    "Jakobsson",
    "Magnusson",
    "Olofsson",
    "Lindström",
    "Lindqvist",
    "Lindgren",
    "Berg",
    "Axelsson",
    "Bergström",
    "Lundberg",
    "Lind",
    "Lundgren",
    "Mattsson",
    "Berglund",
    "Fredriksson",
    "Sandberg",
    "Henriksson",
    "Forsberg",
    "Sjöberg",
    "Wallin",
    "Engström",
    "Danielsson",
    "Håkansson",
    "Ali",
    "Mohammed",
    "Nyström",
    "Holm",
    "Åberg",
    "Falk",
    "Ek",
    "Hedlund",
    "Dahlberg",
    "Mårtensson",
];

// ---------------------------------------------------------------------------
// The generated year as plain data.

/// What kind of round, which decides organiser, category and seat count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Regional employee course.
    Regional,
    /// Regional manager course.
    Chef,
    /// Bought nationally at a price per participant-day.
    National(u32),
    /// Run by the municipality (index into `config.municipalities`) itself.
    Municipal(usize),
}

impl Kind {
    fn is_regional(self) -> bool {
        matches!(self, Kind::Regional | Kind::Chef)
    }

    fn organiser(self) -> &'static str {
        match self {
            Kind::Regional | Kind::Chef => "regional",
            Kind::National(_) => "nationell",
            Kind::Municipal(_) => "kommunal",
        }
    }

    /// How many participants a round of this kind registers.
    fn seats(self) -> std::ops::RangeInclusive<usize> {
        match self {
            Kind::Regional => 10..=24,
            Kind::Chef => 8..=14,
            Kind::National(_) => 2..=5,
            Kind::Municipal(_) => 10..=16,
        }
    }
}

/// Who employs a trainer or administrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Employer {
    Kommun(usize),
    Region,
}

/// A trainer or a k-admin: named, with a platform account but no course seats.
struct Staff {
    first: &'static str,
    last: &'static str,
    email: String,
    employer: Employer,
    /// The delresa a trainer teaches; `None` for region trainers and k-admins.
    delresa: Option<&'static str>,
    created: NaiveDate,
}

/// A participant (one person, possibly in several rounds).
struct Person {
    first: &'static str,
    last: &'static str,
    email: String,
    kommun: usize,
    delresa: &'static str,
    chef: bool,
    created: NaiveDate,
    courses: BTreeSet<&'static str>,
}

/// One course day of a round.
struct Day {
    date: NaiveDate,
    digital: bool,
    place: String,
    /// `(trainer index, role)`, regional rounds only.
    team: Vec<(usize, &'static str)>,
}

/// One participant's row in Deltagare.
struct Seat {
    person: usize,
    kommun_text: String,
    /// One attendance mark per day of the round.
    marks: Vec<&'static str>,
    approved: Option<bool>,
}

/// One course round with its days and participants.
struct Round {
    id: String,
    kind: Kind,
    course: &'static str,
    delresa: &'static str,
    level: &'static str,
    category: Category,
    /// Write the delresa's full name instead of its code.
    full_delresa_name: bool,
    days: Vec<Day>,
    seats: Vec<Seat>,
}

impl Round {
    fn first_date(&self) -> NaiveDate {
        self.days[0].date
    }

    fn last_date(&self) -> NaiveDate {
        self.days[self.days.len() - 1].date
    }

    fn id_prefix(&self) -> String {
        match self.kind {
            Kind::Regional => self.delresa.to_uppercase(),
            Kind::Chef => "CHEF".into(),
            Kind::National(_) => "NAT".into(),
            Kind::Municipal(_) => "KOM".into(),
        }
    }
}

/// A round before it has dates.
struct Draft {
    kind: Kind,
    course: &'static str,
    delresa: &'static str,
    level: &'static str,
    category: Category,
    days: u8,
}

/// The whole generated year, and the random source that made it.
struct World<'a> {
    config: &'a Config,
    year: i32,
    rng: StdRng,
    population: WeightedIndex<u32>,
    delresor: Vec<&'static str>,
    used_names: BTreeSet<(&'static str, &'static str)>,
    trainers: Vec<Staff>,
    admins: Vec<Staff>,
    people: Vec<Person>,
    rounds: Vec<Round>,
    /// `(round, seat)` written twice in Deltagare.
    duplicate: Option<(usize, usize)>,
    /// People without a platform account.
    missing: BTreeSet<usize>,
    /// People whose account is suspended.
    suspended: BTreeSet<usize>,
}

// ---------------------------------------------------------------------------
// Building the year.

impl<'a> World<'a> {
    fn build(config: &'a Config, year: i32, seed: u64) -> io::Result<Self> {
        let invalid = |msg: String| io::Error::new(io::ErrorKind::InvalidInput, msg);
        let population = WeightedIndex::new(config.municipalities.iter().map(|m| m.population.max(1)))
            .map_err(|e| invalid(format!("the config has no municipalities to generate participants for ({e})")))?;
        let delresor: Vec<&'static str> =
            DELRESOR.iter().copied().filter(|c| config.resolve_delresa(c).is_some()).collect();
        if delresor.is_empty() {
            return Err(invalid(format!("the config has none of the delresor {}", DELRESOR.join(", "))));
        }
        let mut world = World {
            config,
            year,
            rng: StdRng::seed_from_u64(seed),
            population,
            delresor,
            used_names: BTreeSet::new(),
            trainers: Vec::new(),
            admins: Vec::new(),
            people: Vec::new(),
            rounds: Vec::new(),
            duplicate: None,
            missing: BTreeSet::new(),
            suspended: BTreeSet::new(),
        };
        world.hire_trainers();
        world.hire_admins();
        world.plan_rounds();
        world.assign_teams();
        for r in 0..world.rounds.len() {
            world.fill_round(r);
        }
        world.plant_irregularities();
        Ok(world)
    }

    fn any_name(&mut self) -> (&'static str, &'static str) {
        let first = FIRST_NAMES[self.rng.gen_range(0..FIRST_NAMES.len())];
        let last = LAST_NAMES[self.rng.gen_range(0..LAST_NAMES.len())];
        (first, last)
    }

    /// A name no trainer or k-admin has yet, so their e-mails stay unique.
    fn unique_name(&mut self) -> (&'static str, &'static str) {
        loop {
            let name = self.any_name();
            if self.used_names.insert(name) {
                return name;
            }
        }
    }

    fn random_date(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let span = (to - from).num_days().max(0);
        from + Duration::days(self.rng.gen_range(0..=span))
    }

    fn staff(&mut self, employer: Employer, delresa: Option<&'static str>, created_year: i32) -> Staff {
        let (first, last) = self.unique_name();
        let domain = match employer {
            Employer::Kommun(k) => self.config.municipalities[k].slug(),
            Employer::Region => ascii_slug(&self.config.region.name),
        };
        let created = self.random_date(ymd(created_year, 1, 1), ymd(created_year, 12, 31));
        Staff {
            first,
            last,
            email: format!("{}.{}@{domain}.example", ascii_slug(first), ascii_slug(last)),
            employer,
            delresa,
            created,
        }
    }

    /// A pool of municipal trainers per delresa, and the region's own trainers.
    fn hire_trainers(&mut self) {
        for d in self.delresor.clone() {
            for _ in 0..TRAINERS_PER_DELRESA {
                let kommun = self.population.sample(&mut self.rng);
                let trainer = self.staff(Employer::Kommun(kommun), Some(d), self.year - 2);
                self.trainers.push(trainer);
            }
        }
        for _ in 0..REGION_TRAINERS {
            let trainer = self.staff(Employer::Region, None, self.year - 1);
            self.trainers.push(trainer);
        }
    }

    /// One k-admin account per municipality.
    fn hire_admins(&mut self) {
        for k in 0..self.config.municipalities.len() {
            let admin = self.staff(Employer::Kommun(k), None, self.year - 3);
            self.admins.push(admin);
        }
    }

    /// The year's rounds, dated and sorted by first day, with their ids.
    fn plan_rounds(&mut self) {
        let mut regional = self.regional_drafts();
        regional.shuffle(&mut self.rng);
        let starts = allowed_starts(self.year);
        let n = regional.len();
        for (i, draft) in regional.into_iter().enumerate() {
            // Spread the rounds evenly over the terms; the last one always
            // lands in December, whose approvals are not yet decided.
            let slot = if i + 1 == n {
                starts.len() - 1
            } else {
                let centre = ((2 * i + 1) * starts.len() / (2 * n)) as i64;
                (centre + self.rng.gen_range(-3..=3)).clamp(0, starts.len() as i64 - 1) as usize
            };
            self.add_round(draft, starts[slot]);
        }
        for draft in self.other_drafts() {
            let start = starts[self.rng.gen_range(0..starts.len())];
            self.add_round(draft, start);
        }
        self.rounds.sort_by_key(|r| r.first_date());
        self.number_rounds();
        let count = self.rounds.len();
        for i in rand::seq::index::sample(&mut self.rng, count, 3.min(count)) {
            self.rounds[i].full_delresa_name = true;
        }
    }

    fn regional_drafts(&self) -> Vec<Draft> {
        let mut drafts = Vec::new();
        for c in REGIONAL_COURSES.iter().filter(|c| self.delresor.contains(&c.delresa)) {
            for _ in 0..c.rounds {
                drafts.push(Draft {
                    kind: Kind::Regional,
                    course: c.name,
                    delresa: c.delresa,
                    level: c.level,
                    category: Category::Medarbetare,
                    days: c.days,
                });
            }
        }
        let chef_tariff = self.config.tariffs.get(self.year, Category::Chef).is_some();
        for i in 0..CHEF_ROUNDS {
            drafts.push(Draft {
                kind: Kind::Chef,
                course: CHEF_COURSE,
                delresa: self.delresor[i % self.delresor.len()],
                level: if chef_tariff { "chef" } else { "erfaren" },
                category: if chef_tariff { Category::Chef } else { Category::Medarbetare },
                days: 1,
            });
        }
        drafts
    }

    /// The national rounds and the municipal round.
    fn other_drafts(&mut self) -> Vec<Draft> {
        let mut drafts: Vec<Draft> = NATIONAL_COURSES
            .iter()
            .filter(|c| self.delresor.contains(&c.0))
            .map(|&(delresa, course, days, level, price)| Draft {
                kind: Kind::National(price),
                course,
                delresa,
                level,
                category: Category::Medarbetare,
                days,
            })
            .collect();
        let (delresa, course) = MUNICIPAL_COURSE;
        let delresa = if self.delresor.contains(&delresa) { delresa } else { self.delresor[0] };
        let host = self.population.sample(&mut self.rng);
        drafts.push(Draft {
            kind: Kind::Municipal(host),
            course,
            delresa,
            level: "ny",
            category: Category::Medarbetare,
            days: 1,
        });
        drafts
    }

    fn add_round(&mut self, draft: Draft, start: NaiveDate) {
        let (digital, place) = self.venue(draft.kind);
        let days = course_dates(start, draft.days, self.year)
            .into_iter()
            .map(|date| Day { date, digital, place: place.clone(), team: Vec::new() })
            .collect();
        self.rounds.push(Round {
            id: String::new(),
            kind: draft.kind,
            course: draft.course,
            delresa: draft.delresa,
            level: draft.level,
            category: draft.category,
            full_delresa_name: false,
            days,
            seats: Vec::new(),
        });
    }

    /// `(digital, place)`: on site mostly in Falun, digital on Teams.
    fn venue(&mut self, kind: Kind) -> (bool, String) {
        let digital_share = match kind {
            Kind::Regional => 0.2,
            Kind::Chef | Kind::National(_) => 0.5,
            Kind::Municipal(_) => 0.0,
        };
        if self.rng.gen_bool(digital_share) {
            let place = if self.rng.gen_bool(0.5) { "Teams" } else { "" };
            return (true, place.to_string());
        }
        let place = match kind {
            Kind::National(_) => "Stockholm".to_string(),
            Kind::Municipal(k) => self.config.municipalities[k].name.clone(),
            Kind::Regional | Kind::Chef => {
                let w = WeightedIndex::new(PLACES.iter().map(|p| p.1)).expect("positive weights");
                PLACES[w.sample(&mut self.rng)].0.to_string()
            }
        };
        (false, place)
    }

    /// Ids like `BOU-2026-01`, numbered per prefix in date order.
    fn number_rounds(&mut self) {
        let mut counters: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
        for round in &mut self.rounds {
            let prefix = round.id_prefix();
            let n = counters.entry(prefix.clone()).or_insert(0);
            *n += 1;
            round.id = format!("{prefix}-{}-{:02}", self.year, n);
        }
    }

    /// Gives each regional round a kursledare, 1–2 utbildare and sometimes a reserv.
    fn assign_teams(&mut self) {
        for r in 0..self.rounds.len() {
            if !self.rounds[r].kind.is_regional() {
                continue;
            }
            let (lead, helpers, spares) = self.team_for(r);
            for d in 0..self.rounds[r].days.len() {
                let mut team = vec![(lead, "kursledare")];
                team.extend(helpers.iter().map(|&h| (h, "utbildare")));
                if !spares.is_empty() && self.rng.gen_bool(0.15) {
                    team.push((spares[self.rng.gen_range(0..spares.len())], "reserv"));
                }
                self.rounds[r].days[d].team = team;
            }
        }
    }

    /// `(kursledare, utbildare, possible reserves)` for a round.
    fn team_for(&mut self, r: usize) -> (usize, Vec<usize>, Vec<usize>) {
        let round = &self.rounds[r];
        let mut own: Vec<usize> =
            (0..self.trainers.len()).filter(|&t| self.trainers[t].delresa == Some(round.delresa)).collect();
        own.shuffle(&mut self.rng);
        if round.kind == Kind::Chef {
            let mut region: Vec<usize> =
                (0..self.trainers.len()).filter(|&t| self.trainers[t].employer == Employer::Region).collect();
            region.shuffle(&mut self.rng);
            let helper = match region.get(1) {
                Some(&other) if self.rng.gen_bool(0.5) => other,
                _ => own[0],
            };
            return (region[0], vec![helper], own[1..].to_vec());
        }
        let k = self.rng.gen_range(1..=2);
        (own[0], own[1..=k].to_vec(), own[k + 1..].to_vec())
    }

    /// Registers participants for a round, reusing people now and then.
    fn fill_round(&mut self, r: usize) {
        let range = self.rounds[r].kind.seats();
        let n = self.rng.gen_range(range);
        let mut taken = BTreeSet::new();
        let mut seats = Vec::with_capacity(n);
        for _ in 0..n {
            let p = self.pick_person(r, &taken);
            taken.insert(p);
            self.people[p].courses.insert(self.rounds[r].course);
            seats.push(self.seat(r, p));
        }
        self.rounds[r].seats = seats;
    }

    fn pick_person(&mut self, r: usize, taken: &BTreeSet<usize>) -> usize {
        let round = &self.rounds[r];
        let chef = round.kind == Kind::Chef;
        let host = match round.kind {
            Kind::Municipal(k) => Some(k),
            _ => None,
        };
        let reuse = if matches!(round.kind, Kind::National(_)) { 0.7 } else { 0.07 };
        if self.rng.gen_bool(reuse) {
            let pool: Vec<usize> = (0..self.people.len())
                .filter(|i| {
                    let p = &self.people[*i];
                    p.delresa == round.delresa
                        && p.chef == chef
                        && !p.courses.contains(round.course)
                        && !taken.contains(i)
                        && host.is_none_or(|k| p.kommun == k)
                })
                .collect();
            if let Some(&p) = pool.choose(&mut self.rng) {
                return p;
            }
        }
        let kommun = host.unwrap_or_else(|| self.population.sample(&mut self.rng));
        let (delresa, first_day) = (round.delresa, round.first_date());
        self.new_person(kommun, delresa, chef, first_day)
    }

    fn new_person(&mut self, kommun: usize, delresa: &'static str, chef: bool, first_day: NaiveDate) -> usize {
        let (first, last) = self.any_name();
        let n = self.people.len() + 1;
        let email = format!(
            "{}.{}{n}@{}.example",
            ascii_slug(first),
            ascii_slug(last),
            self.config.municipalities[kommun].slug()
        );
        let created = self.random_date(ymd(self.year - 3, 1, 1), first_day - Duration::days(30));
        self.people.push(Person { first, last, email, kommun, delresa, chef, created, courses: BTreeSet::new() });
        n - 1
    }

    /// A participant's row: mostly attended, a few no-shows and sick days.
    fn seat(&mut self, r: usize, person: usize) -> Seat {
        let kommun_text = kommun_text(self.config, &mut self.rng, self.people[person].kommun, 0.05);
        let round = &self.rounds[r];
        let no_show = round.kind.is_regional() && self.rng.gen_bool(0.05);
        let mut marks = Vec::with_capacity(round.days.len());
        for _ in 0..round.days.len() {
            let mark = if !no_show && self.rng.gen_bool(0.97) {
                "X"
            } else {
                ["", "", "", "sjuk", "nej"][self.rng.gen_range(0..5)]
            };
            marks.push(mark);
        }
        let approved = if round.last_date().month() == 12 {
            None
        } else if marks.iter().all(|m| *m == "X") {
            Some(self.rng.gen_bool(0.95))
        } else {
            Some(false)
        };
        Seat { person, kommun_text, marks, approved }
    }

    /// One duplicated register row, a few people without an account, a few suspended.
    fn plant_irregularities(&mut self) {
        let regional: Vec<usize> = (0..self.rounds.len())
            .filter(|&r| self.rounds[r].kind.is_regional() && !self.rounds[r].seats.is_empty())
            .collect();
        let Some(&r) = regional.choose(&mut self.rng) else {
            return;
        };
        let s = self.rng.gen_range(0..self.rounds[r].seats.len());
        self.duplicate = Some((r, s));
        let twice = self.rounds[r].seats[s].person;
        let mut others: Vec<usize> = (0..self.people.len()).filter(|&p| p != twice).collect();
        others.shuffle(&mut self.rng);
        let missing = MISSING_ACCOUNTS.min(others.len());
        let suspended = (missing + SUSPENDED_ACCOUNTS).min(others.len());
        self.missing = others[..missing].iter().copied().collect();
        self.suspended = others[missing..suspended].iter().copied().collect();
    }

    fn participant_count(&self) -> usize {
        self.rounds.iter().flat_map(|r| r.seats.iter().map(|s| s.person)).collect::<BTreeSet<_>>().len()
    }

    fn trainer_count(&self) -> usize {
        self.rounds
            .iter()
            .flat_map(|r| r.days.iter().flat_map(|d| d.team.iter().map(|t| t.0)))
            .collect::<BTreeSet<_>>()
            .len()
    }
}

// ---------------------------------------------------------------------------
// Writing the register.

impl World<'_> {
    fn register_sheets(&self) -> RegisterSheets {
        let mut sheets = RegisterSheets::empty(DayNumber::MAX);
        for round in &self.rounds {
            sheets.push("Kursomgångar", self.round_row(round));
        }
        for round in &self.rounds {
            for (i, day) in round.days.iter().enumerate() {
                let form = if day.digital { "digitalt" } else { "på plats" };
                sheets.push(
                    "Kursdagar",
                    vec![round.id.clone().into(), day_cell(i), day.date.into(), form.into(), day.place.clone().into()],
                );
            }
        }
        for round in &self.rounds {
            for (i, day) in round.days.iter().enumerate() {
                for &(t, role) in &day.team {
                    sheets.push("Utbildare", self.trainer_row(round, i, t, role));
                }
            }
        }
        for (r, round) in self.rounds.iter().enumerate() {
            for seat in &round.seats {
                sheets.push("Deltagare", self.seat_row(round, seat));
            }
            if let Some((dr, ds)) = self.duplicate.filter(|d| d.0 == r) {
                sheets.push("Deltagare", self.seat_row(&self.rounds[dr], &self.rounds[dr].seats[ds]));
            }
        }
        self.extra_lines(&mut sheets);
        sheets
    }

    /// The sheet `Övriga rader` as an administrator fills it in: a venue
    /// surcharge on the first regional day, and an extra from the pot that the
    /// steering group granted the first course leader's municipality.
    fn extra_lines(&self, sheets: &mut RegisterSheets) {
        let Some(round) = self.rounds.iter().find(|r| matches!(r.kind, Kind::Regional) && !r.seats.is_empty()) else {
            return;
        };
        let (Some(day), Some(seat)) = (round.days.first(), round.seats.first()) else { return };
        let head = ["Typ", "Kommun", "Datum", "Beskrivning", "Antal", "À-pris", "Kommentar"];
        sheets.push("Övriga rader", head.iter().map(|&h| Cell::from(h)).collect());
        let kommun = self.seat_row(round, seat)[3].clone();
        sheets.push(
            "Övriga rader",
            vec![
                "faktura".into(),
                kommun,
                day.date.into(),
                format!("Lokalkostnad, extern lokal {}", day.place).into(),
                Cell::Number(1.0),
                Cell::Number(1500.0),
                "".into(),
            ],
        );
        let leader = round.days.iter().flat_map(|d| &d.team).find(|(_, role)| *role == "kursledare");
        if let Some(&(t, role)) = leader {
            let employer = self.trainer_row(round, 0, t, role)[4].clone();
            if matches!(&employer, Cell::Text(k) if self.config.resolve_kommun(k).is_some()) {
                let december = NaiveDate::from_ymd_opt(day.date.year(), 12, 1).expect("a date");
                sheets.push(
                    "Övriga rader",
                    vec![
                        "pott".into(),
                        employer,
                        december.into(),
                        "kursledare förberett en kursomgång".into(),
                        Cell::Number(1.0),
                        Cell::Number(1000.0),
                        "Beviljat av styrgruppen (exempel)".into(),
                    ],
                );
            }
        }
    }

    fn round_row(&self, round: &Round) -> Vec<Cell> {
        let delresa =
            if round.full_delresa_name { delresa_name(self.config, round.delresa) } else { round.delresa.to_string() };
        let price = match round.kind {
            Kind::National(p) => Cell::Number(f64::from(p)),
            _ => Cell::Empty,
        };
        vec![
            round.id.clone().into(),
            round.course.into(),
            delresa.into(),
            round.level.into(),
            round.category.as_str().into(),
            round.kind.organiser().into(),
            price,
        ]
    }

    fn trainer_row(&self, round: &Round, day: usize, t: usize, role: &str) -> Vec<Cell> {
        let trainer = &self.trainers[t];
        vec![
            round.id.clone().into(),
            day_cell(day),
            format!("{} {}", trainer.first, trainer.last).into(),
            trainer.email.clone().into(),
            self.employer_name(trainer.employer).into(),
            role.into(),
        ]
    }

    fn seat_row(&self, round: &Round, seat: &Seat) -> Vec<Cell> {
        let person = &self.people[seat.person];
        let approved = Cell::approval(seat.approved);
        let mut row = vec![
            round.id.clone().into(),
            format!("{} {}", person.first, person.last).into(),
            person.email.clone().into(),
            seat.kommun_text.clone().into(),
            approved,
        ];
        for d in 0..usize::from(DayNumber::MAX) {
            row.push(match seat.marks.get(d) {
                Some(m) if !m.is_empty() => (*m).into(),
                _ => Cell::Empty,
            });
        }
        row
    }

    fn employer_name(&self, e: Employer) -> String {
        match e {
            Employer::Kommun(k) => self.config.municipalities[k].name.clone(),
            Employer::Region => self.config.region.name.clone(),
        }
    }
}

// ---------------------------------------------------------------------------
// Writing the Totara exports.

/// Totara's English headings of the accounts export (FORMATS.md §1), as the generators write them.
pub(super) fn account_headings() -> [&'static str; 9] {
    use crate::domain::totara::english_row;
    english_row(
        ExportKind::Accounts,
        ["username", "email", "first_name", "last_name", "municipality", "roles", "delresa", "status", "created"],
    )
}

/// Totara's English headings of the completions export (FORMATS.md §2).
pub(super) fn completion_headings() -> [&'static str; 5] {
    crate::domain::totara::english_row(
        ExportKind::Completions,
        ["username", "course", "status", "started", "completed"],
    )
}

/// Totara's English headings of the sign-ups export (FORMATS.md §3).
fn signup_headings() -> [&'static str; 5] {
    crate::domain::totara::english_row(
        ExportKind::Signups,
        ["username", "course", "seminar", "session_start", "status"],
    )
}

impl World<'_> {
    /// Accounts: participants (less the missing ones), trainers and k-admins.
    fn write_accounts(&mut self, path: &Path) -> io::Result<()> {
        let mut w = csv::Writer::from_path(path)?;
        w.write_record(account_headings())?;
        for (i, p) in self.people.iter().enumerate() {
            if self.missing.contains(&i) {
                continue;
            }
            let org = kommun_text(self.config, &mut self.rng, p.kommun, 0.1);
            let status = if self.suspended.contains(&i) { "Suspended" } else { "Active" };
            w.write_record([
                username(&p.email),
                &p.email,
                p.first,
                p.last,
                &org,
                if p.chef { "Chef" } else { "Medarbetare" },
                &delresa_name(self.config, p.delresa),
                status,
                &totara_date(p.created),
            ])?;
        }
        let staff = self.trainers.iter().map(|t| (t, "Medarbetare, Utbildare"));
        for (s, positions) in staff.chain(self.admins.iter().map(|a| (a, "K-admin"))) {
            let org = match s.employer {
                Employer::Kommun(k) => kommun_text(self.config, &mut self.rng, k, 0.1),
                Employer::Region => self.config.region.name.clone(),
            };
            let delresa = s.delresa.map(|d| delresa_name(self.config, d)).unwrap_or_default();
            w.write_record([
                username(&s.email),
                &s.email,
                s.first,
                s.last,
                &org,
                positions,
                &delresa,
                "Active",
                &totara_date(s.created),
            ])?;
        }
        w.flush()
    }

    /// One row per participant and course: Complete when approved.
    fn write_completions(&mut self, path: &Path) -> io::Result<()> {
        let mut w = csv::Writer::from_path(path)?;
        w.write_record(completion_headings())?;
        let year_end = ymd(self.year, 12, 31);
        for round in &self.rounds {
            for seat in round.seats.iter().filter(|s| !self.missing.contains(&s.person)) {
                let started = round.first_date() - Duration::days(self.rng.gen_range(7..=21));
                let (status, completed) = if seat.approved == Some(true) {
                    let done = (round.last_date() + Duration::days(self.rng.gen_range(3..=30))).min(year_end);
                    ("Complete", totara_date(done))
                } else {
                    ("In progress", String::new())
                };
                w.write_record([
                    username(&self.people[seat.person].email),
                    round.course,
                    status,
                    &totara_date(started),
                    &completed,
                ])?;
            }
        }
        w.flush()
    }

    /// One row per participant and regional course day.
    fn write_signups(&self, path: &Path) -> io::Result<()> {
        let mut w = csv::Writer::from_path(path)?;
        w.write_record(signup_headings())?;
        for round in self.rounds.iter().filter(|r| r.kind.is_regional()) {
            let seminar = format!("Kursdagar {}", round.id);
            for seat in round.seats.iter().filter(|s| !self.missing.contains(&s.person)) {
                for (day, mark) in round.days.iter().zip(&seat.marks) {
                    let status = if *mark == "X" { "Fully attended" } else { "No show" };
                    w.write_record([
                        username(&self.people[seat.person].email),
                        round.course,
                        &seminar,
                        &session_start(day),
                        status,
                    ])?;
                }
            }
        }
        w.flush()
    }
}

// ---------------------------------------------------------------------------
// Small helpers.

pub(super) fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid calendar date")
}

/// `Dag` as a number cell, 1-based.
fn day_cell(index: usize) -> Cell {
    Cell::Number(index as f64 + 1.0)
}

/// Lower-case ASCII for e-mail addresses: "Åsa Åberg" → "asa-aberg".
pub(super) fn ascii_slug(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| match c {
            'å' | 'ä' | 'á' | 'à' => 'a',
            'ö' | 'ø' => 'o',
            'é' | 'è' => 'e',
            'ü' => 'u',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        })
        .collect()
}

pub(super) fn username(email: &str) -> &str {
    email.split('@').next().unwrap_or(email)
}

fn delresa_name(config: &Config, code: &str) -> String {
    config.delresor.iter().find(|d| d.code.as_str() == code).map(|d| d.name.clone()).unwrap_or_else(|| code.into())
}

/// A municipality as a person writes it: its name, or with probability
/// `alias_share` a form like "Falu kommun" or "Leksands kommun" that the
/// config resolves to the same municipality.
fn kommun_text(config: &Config, rng: &mut StdRng, k: usize, alias_share: f64) -> String {
    let m = &config.municipalities[k];
    if !rng.gen_bool(alias_share) {
        return m.name.clone();
    }
    [format!("{} kommun", m.name.trim_end_matches('n')), format!("{}s kommun", m.name), format!("{} kommun", m.name)]
        .into_iter()
        .find(|alias| config.resolve_kommun(alias) == Some(m.code))
        .unwrap_or_else(|| m.name.clone())
}

/// Totara's English date text: `5 Mar 2026`.
pub(super) fn totara_date(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// Totara's English session start: `5 March 2026, 9:00 AM` (digital days start 8:30).
fn session_start(day: &Day) -> String {
    let (h, m) = if day.digital { (8, 30) } else { (9, 0) };
    day.date.and_hms_opt(h, m, 0).expect("a valid time").format("%-d %B %Y, %-I:%M %p").to_string()
}

/// Tuesdays to Thursdays in mid-January–mid-June and mid-August–early December
/// that are not public holidays: the days a round may start.
pub(super) fn allowed_starts(year: i32) -> Vec<NaiveDate> {
    let terms = [(ymd(year, 1, 12), ymd(year, 6, 12)), (ymd(year, 8, 17), ymd(year, 12, 10))];
    terms
        .iter()
        .flat_map(|&(from, to)| from.iter_days().take_while(move |d| *d <= to))
        .filter(|d| matches!(d.weekday(), Weekday::Tue | Weekday::Wed | Weekday::Thu) && !is_holiday(*d))
        .collect()
}

/// The dates of a round starting at `start`: two-day rounds on consecutive
/// days, longer ones weekly. Moved a week earlier until every day is a
/// working day outside July and before Christmas.
pub(super) fn course_dates(start: NaiveDate, days: u8, year: i32) -> Vec<NaiveDate> {
    let step = if days == 2 { Duration::days(1) } else { Duration::weeks(1) };
    let dates_from = |s: NaiveDate| (0..i32::from(days)).map(|k| s + step * k).collect::<Vec<_>>();
    let mut s = start;
    for _ in 0..26 {
        let dates = dates_from(s);
        if dates.iter().all(|d| is_course_day(*d, year)) {
            return dates;
        }
        s -= Duration::weeks(1);
    }
    dates_from(start)
}

fn is_course_day(d: NaiveDate, year: i32) -> bool {
    d.year() == year
        && d.month() != 7
        && d <= ymd(year, 12, 18)
        && !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
        && !is_holiday(d)
}

/// Swedish public holidays (and eves) that fall on weekdays in term time.
fn is_holiday(d: NaiveDate) -> bool {
    let fixed = [(1, 1), (1, 6), (5, 1), (6, 6), (12, 24), (12, 25), (12, 26), (12, 31)];
    let easter = easter_sunday(d.year());
    fixed.contains(&(d.month(), d.day())) || [-2, 1, 39].iter().any(|&offset| d == easter + Duration::days(offset))
}

/// Easter Sunday (Gregorian), by the anonymous algorithm.
fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let (b, c) = (year / 100, year % 100);
    let (d, e) = (b / 4, b % 4);
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    ymd(year, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Register;
    use crate::domain::{Organiser, Recipient, TrainerRole};
    use crate::ingest::read_register;

    fn config() -> Config {
        crate::config::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config/dalarna.toml")))
            .expect("the Dalarna config loads")
    }

    fn year() -> Year {
        Year::new(2026).expect("a year")
    }

    fn generate(config: &Config, seed: u64) -> (tempfile::TempDir, GeneratedYear, Register) {
        let dir = tempfile::tempdir().expect("a temp dir");
        let generated = generate_year(config, year(), dir.path(), seed).expect("the generator writes");
        let register = read_register(&generated.register, config).expect("the generated register parses");
        (dir, generated, register)
    }

    fn distinct_participants(register: &Register) -> usize {
        register.participants.iter().filter_map(|p| p.email.as_ref()).collect::<BTreeSet<_>>().len()
    }

    #[test]
    fn register_parses_and_has_the_promised_shape() {
        let config = config();
        let (_dir, generated, register) = generate(&config, 2026);
        let regional = register.rounds.iter().filter(|r| r.organiser == Organiser::Regional).count();
        assert!((20..=30).contains(&regional), "{regional} regional rounds");
        assert_eq!(regional, generated.regional_rounds);
        assert!(register.rounds.iter().any(|r| r.organiser == Organiser::Nationell));
        assert!(register.rounds.iter().any(|r| r.organiser == Organiser::Kommunal));
        assert!(register.rounds.iter().any(|r| r.category == Category::Chef));
        assert!(register.trainers.iter().any(|t| t.employer == Recipient::Region));
        let people = distinct_participants(&register);
        assert!((350..=450).contains(&people), "{people} distinct participants");
        assert_eq!(people, generated.participants);
        let duplicates = register.notes.iter().filter(|n| n.code == crate::domain::Code::DuplicateParticipant).count();
        assert_eq!(duplicates, 1);
        assert_eq!(generated.files.len(), 4);
        assert_eq!(generated.files[0], generated.register);
    }

    #[test]
    fn course_days_are_weekdays_outside_july() {
        let config = config();
        let (_dir, _generated, register) = generate(&config, 7);
        for day in &register.days {
            assert!(!matches!(day.date.weekday(), Weekday::Sat | Weekday::Sun), "{day:?}");
            assert_ne!(day.date.month(), 7, "{day:?}");
            assert_eq!(day.date.year(), 2026);
        }
    }

    #[test]
    fn every_regional_day_has_one_leader_and_no_trainer_is_a_participant() {
        let config = config();
        let (_dir, _generated, register) = generate(&config, 11);
        for day in &register.days {
            let round = register.round(&day.round).expect("a known round");
            let team: Vec<_> = register.trainers.iter().filter(|t| t.round == day.round && t.day == day.day).collect();
            if round.organiser != Organiser::Regional {
                assert!(team.is_empty());
                continue;
            }
            assert_eq!(team.iter().filter(|t| t.role == TrainerRole::Kursledare).count(), 1, "{}", day.round);
            let teachers = team.iter().filter(|t| t.role == TrainerRole::Utbildare).count();
            assert!((1..=2).contains(&teachers), "{}", day.round);
            for t in &team {
                assert!(!register.participants.iter().any(|p| p.round == day.round && p.email == t.email));
            }
        }
    }

    #[test]
    fn participant_count_is_stable_across_seeds() {
        let config = config();
        for seed in 1..=6 {
            let (_dir, generated, _register) = generate(&config, seed);
            assert!((350..=450).contains(&generated.participants), "seed {seed}: {}", generated.participants);
        }
    }

    #[test]
    fn exports_have_totara_headings_and_leave_out_a_few_accounts() {
        let config = config();
        let (_dir, generated, register) = generate(&config, 3);
        let accounts = std::fs::read_to_string(&generated.files[1]).expect("accounts");
        assert!(accounts.starts_with(&account_headings().join(",")));
        assert!(accounts.contains("K-admin"));
        let usernames: BTreeSet<&str> = accounts.lines().skip(1).filter_map(|l| l.split(',').next()).collect();
        let without = register
            .participants
            .iter()
            .filter_map(|p| p.email.as_ref())
            .filter(|e| !usernames.contains(username(e.as_str())))
            .collect::<BTreeSet<_>>()
            .len();
        assert_eq!(without, MISSING_ACCOUNTS);
        let completions = std::fs::read_to_string(&generated.files[2]).expect("completions");
        assert!(completions.starts_with(&completion_headings().join(",")));
        assert!(completions.contains(",Complete,") && completions.contains(",In progress,"));
        let signups = std::fs::read_to_string(&generated.files[3]).expect("signups");
        assert!(signups.starts_with(&signup_headings().join(",")));
        assert!(signups.contains("Fully attended") && signups.contains("No show"));
    }

    #[test]
    fn same_seed_gives_identical_files() {
        let config = config();
        let (_a, first, reg_a) = generate(&config, 42);
        let (_b, second, reg_b) = generate(&config, 42);
        for (x, y) in first.files.iter().zip(&second.files).skip(1) {
            assert_eq!(std::fs::read(x).expect("read"), std::fs::read(y).expect("read"), "{}", x.display());
        }
        assert_eq!(reg_a.rounds, reg_b.rounds);
        assert_eq!(reg_a.days, reg_b.days);
        assert_eq!(reg_a.trainers, reg_b.trainers);
        assert_eq!(reg_a.participants, reg_b.participants);
        let (_c, other, _) = generate(&config, 43);
        assert_ne!(std::fs::read(&first.files[1]).expect("read"), std::fs::read(&other.files[1]).expect("read"));
    }
}
