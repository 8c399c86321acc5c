//! The register as typed records.

use crate::domain::{
    Category, DayNumber, DelresaCode, Email, KommunKod, Money, Organiser, Recipient, RoundId, TrainerRole,
};
use chrono::NaiveDate;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// One register file (or several merged), valid and cross-checked.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Register {
    /// The files it was read from (not stored with a parsed register: the
    /// reader names them).
    #[serde(skip)]
    pub sources: Vec<PathBuf>,
    /// What its content is known as, when it was kept in packed form (the
    /// SHA-256 of that form; for a merged register, of its parts' in
    /// order): a key to what is made from it without serialising it again.
    /// Not stored either.
    #[serde(skip)]
    pub content_key: Option<String>,
    /// Rounds in sheet order.
    pub rounds: Vec<Round>,
    /// Course days, in sheet order.
    pub days: Vec<CourseDay>,
    /// Trainer-days, in sheet order.
    pub trainers: Vec<TrainerDay>,
    /// Participants, one per person and round (duplicates merged).
    pub participants: Vec<Participant>,
    /// Lines added by hand in the sheet `Övriga rader` (invoice lines and pot extras).
    pub extra_lines: Vec<ExtraLine>,
    /// Problems that do not stop billing (a participant listed twice).
    pub notes: Vec<RegisterNote>,
}

/// What a hand-added line is (column `Typ` of `Övriga rader`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum ExtraKind {
    /// `faktura`: an invoice line in the month of its date (venue surcharge,
    /// correction, credit).
    Faktura,
    /// `pott`: an extra the steering group granted a municipality out of the
    /// year's trainer pot ("kursledare förberett en kursomgång").
    Pott,
}

/// One row of the optional sheet `Övriga rader`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExtraLine {
    /// Invoice line or pot extra.
    pub kind: ExtraKind,
    /// The municipality invoiced or granted.
    pub kommun: KommunKod,
    /// Its date: the month invoiced, or the pot's year.
    pub date: NaiveDate,
    /// What it is (the invoice line's text).
    pub description: String,
    /// How many.
    pub quantity: u32,
    /// Price per unit (negative for a credit).
    pub unit_price: Money,
    /// `quantity × unit_price`.
    pub amount: Money,
    /// The administrator's comment (shown beside a pot extra).
    pub comment: String,
    /// The sheet row, for messages pointing back to the register.
    pub row: u32,
}

/// A course round (kursomgång).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Round {
    /// Unique id.
    pub id: RoundId,
    /// Course name (kurs).
    pub course: String,
    /// The delresa it belongs to.
    pub delresa: DelresaCode,
    /// Level (steg), if given.
    pub level: Option<String>,
    /// Tariff category.
    pub category: Category,
    /// Who organises it.
    pub organiser: Organiser,
    /// Price per participant-day of a national round.
    pub price_per_day: Option<Money>,
    /// The sheet row (Kursomgångar), for messages pointing back to the register.
    pub row: u32,
}

/// One course day of a round.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CourseDay {
    /// The round.
    pub round: RoundId,
    /// Its number within the round.
    pub day: DayNumber,
    /// When.
    pub date: NaiveDate,
    /// `på plats` or `digitalt`, as written.
    pub form: String,
    /// Where.
    pub place: String,
}

/// One trainer on one course day.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainerDay {
    /// The round.
    pub round: RoundId,
    /// The day.
    pub day: DayNumber,
    /// Trainer's name.
    pub name: String,
    /// Trainer's address, if given.
    pub email: Option<Email>,
    /// The municipality (or the region) the trainer works for.
    pub employer: Recipient,
    /// Role on the day.
    pub role: TrainerRole,
}

impl TrainerDay {
    /// A stable key for the person: the e-mail, else the lower-cased name.
    pub fn person_key(&self) -> String {
        self.email.as_ref().map(|e| e.to_string()).unwrap_or_else(|| self.name.to_lowercase())
    }
}

/// A registered participant of a round.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Participant {
    /// The round.
    pub round: RoundId,
    /// Name.
    pub name: String,
    /// Address, if given.
    pub email: Option<Email>,
    /// Home municipality (billing follows this).
    pub kommun: KommunKod,
    /// `Godkänd`: yes, no or not yet decided.
    pub approved: Option<bool>,
    /// The days attended.
    pub attended: BTreeSet<DayNumber>,
    /// The sheet row (for reports pointing back to the register).
    pub row: u32,
}

/// A problem that is reported but does not stop the run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RegisterNote {
    /// What kind of finding it becomes.
    pub code: super::Code,
    /// Municipality concerned, if any.
    pub kommun: Option<KommunKod>,
    /// Who or what it is about.
    pub subject: String,
    /// What happened and what to do.
    pub detail: String,
    /// The round's first course day, if it concerns a round.
    pub date: Option<chrono::NaiveDate>,
    /// The round's delresa, if it concerns a round.
    pub delresa: Option<DelresaCode>,
    /// The round it concerns, if any.
    pub round: Option<RoundId>,
}

impl Register {
    /// The round of an id.
    pub fn round(&self, id: &RoundId) -> Option<&Round> {
        self.rounds.iter().find(|r| &r.id == id)
    }

    /// Rounds by id, for lookups in loops (hashed: an ordered map compared
    /// ids letter by letter at every level, which at 10 × national scale
    /// was most of the reconciliation's attendance check; never iterated).
    pub fn round_index(&self) -> super::hash::HashMap<&RoundId, &Round> {
        let mut index = super::hash::HashMap::with_capacity_and_hasher(self.rounds.len(), Default::default());
        index.extend(self.rounds.iter().map(|r| (&r.id, r)));
        index
    }

    /// The dated days of each round, for lookups (hashed like [`Register::round_index`]).
    pub fn day_index(&self) -> super::hash::HashMap<(&RoundId, DayNumber), &CourseDay> {
        let mut index = super::hash::HashMap::with_capacity_and_hasher(self.days.len(), Default::default());
        index.extend(self.days.iter().map(|d| ((&d.round, d.day), d)));
        index
    }

    /// Participants grouped by round, in sheet order (one pass, for loops over days).
    pub fn participants_by_round(&self) -> super::hash::HashMap<&RoundId, Vec<&Participant>> {
        let mut map: super::hash::HashMap<&RoundId, Vec<&Participant>> = super::hash::HashMap::default();
        for p in &self.participants {
            map.entry(&p.round).or_default().push(p);
        }
        map
    }

    /// Trainers grouped by (round, day), in sheet order.
    pub fn trainers_by_day(&self) -> super::hash::HashMap<(&RoundId, DayNumber), Vec<&TrainerDay>> {
        let mut map: super::hash::HashMap<(&RoundId, DayNumber), Vec<&TrainerDay>> = super::hash::HashMap::default();
        for t in &self.trainers {
            map.entry((&t.round, t.day)).or_default().push(t);
        }
        map
    }

    /// Course days grouped by round.
    pub fn days_by_round(&self) -> super::hash::HashMap<&RoundId, Vec<&CourseDay>> {
        let mut map: super::hash::HashMap<&RoundId, Vec<&CourseDay>> = super::hash::HashMap::default();
        for d in &self.days {
            map.entry(&d.round).or_default().push(d);
        }
        map
    }

    /// The year of the first course day: which year a register file covers.
    pub fn period(&self) -> Option<String> {
        self.days.iter().map(|d| d.date).min().map(|d| chrono::Datelike::year(&d).to_string())
    }

    /// Merges another register; round ids must not collide (checked by the caller).
    pub fn merge(&mut self, other: Register) {
        self.sources.extend(other.sources);
        self.rounds.extend(other.rounds);
        self.days.extend(other.days);
        self.trainers.extend(other.trainers);
        self.participants.extend(other.participants);
        self.extra_lines.extend(other.extra_lines);
        self.notes.extend(other.notes);
    }
}
