//! Register against platform: who lacks an account, whose municipality or
//! attendance or approval differs, which days are understaffed. A pure
//! function from typed records to findings with stable codes.

use crate::config::Config;
use crate::domain::hash::{HashMap, HashSet};
use crate::domain::PlatformData;
use crate::domain::{swedish_date, Code, Finding, Severity};
use crate::domain::{AccountList, AccountRef, AccountStatus, CompletionStatus, Roles};
use crate::domain::{CourseDay, DayNumber, KommunKod, Organiser, Recipient, Round, RoundId, TrainerRole};
use crate::domain::{Participant, Register};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The accounts by e-mail and by username, each key naming its account's
/// place in the list.
struct Accounts<'a> {
    list: &'a AccountList,
    by_email: HashMap<&'a str, u32>,
    /// Usernames as the list holds them: stored ones are lower-cased already,
    /// and borrowed (an owned key per account was a third more memory).
    by_username: HashMap<&'a str, u32>,
    /// Usernames not held lower-cased, lower-cased (none that were stored).
    lowered: HashMap<String, u32>,
}

impl<'a> Accounts<'a> {
    /// The two maps are built on two cores: at national scale each is
    /// 300 000 accounts, and the reconciliation's checks wait for both.
    /// Where two accounts have one key, the later one is found, in either map.
    /// The e-mail map takes less time: `beside` runs after it, on its thread.
    fn new<T: Send>(list: &'a AccountList, beside: impl FnOnce() -> T + Send) -> (Self, T) {
        // Fewer accounts than u32::MAX: a list that long would not fit in memory.
        let numbered = || list.iter().enumerate().map(|(i, a)| (a, i as u32));
        let ((by_email, also), (by_username, lowered)) = std::thread::scope(|scope| {
            let by_email = scope.spawn(|| {
                let by_email: HashMap<&str, u32> = numbered().map(|(a, i)| (a.email, i)).collect();
                (by_email, beside())
            });
            let mut by_username: HashMap<&str, u32> = HashMap::with_capacity_and_hasher(list.len(), Default::default());
            let mut lowered: HashMap<String, u32> = HashMap::default();
            for (a, i) in numbered() {
                match crate::domain::platform::lower(a.username) {
                    std::borrow::Cow::Borrowed(name) => {
                        by_username.insert(name, i);
                        if !lowered.is_empty() {
                            lowered.remove(name);
                        }
                    }
                    std::borrow::Cow::Owned(name) => {
                        by_username.remove(name.as_str());
                        lowered.insert(name, i);
                    }
                }
            }
            // A panic there is the check's, not the thread's: raise it here.
            (by_email.join().unwrap_or_else(|p| std::panic::resume_unwind(p)), (by_username, lowered))
        });
        (Accounts { list, by_email, by_username, lowered }, also)
    }

    /// The place of the account whose lower-cased username is `key`.
    fn user(&self, key: &str) -> Option<&u32> {
        self.by_username.get(key).or_else(|| self.lowered.get(key))
    }

    /// Matches on e-mail, then on the e-mail as username, then its local part.
    fn find(&self, email: Option<&str>) -> Option<AccountRef<'a>> {
        let e = email?;
        self.by_email
            .get(e)
            .or_else(|| self.user(e))
            .or_else(|| e.split('@').next().and_then(|local| self.user(local)))
            .map(|&i| self.list.get(i as usize))
    }

    /// The account whose (lower-cased) username is `key`.
    fn named(&self, key: &str) -> Option<AccountRef<'a>> {
        self.user(key).map(|&i| self.list.get(i as usize))
    }
}

fn finding(
    severity: Severity,
    code: Code,
    kommun: Option<KommunKod>,
    subject: String,
    detail: impl Into<std::borrow::Cow<'static, str>>,
) -> Finding {
    Finding::new(code, kommun, subject, detail).with_severity(severity)
}

fn who(p: &Participant) -> String {
    Who(p).to_string()
}

/// A participant as findings name them: the name and the e-mail address
/// in angle brackets, or the name alone.
struct Who<'a>(&'a Participant);

impl std::fmt::Display for Who<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0.email {
            Some(e) => write!(f, "{} <{e}>", self.0.name),
            None => f.write_str(&self.0.name),
        }
    }
}

/// Reconciles the register with the platform's latest snapshots: the
/// register's own notes, then each check in turn.
pub fn reconcile(register: &Register, platform: &PlatformData, config: &Config) -> Vec<Finding> {
    let check = Check::new(register, platform, config);
    let mut out = super::register_findings(register);
    if platform.has_accounts {
        check.checks(&mut out, |key| check.accounts.user(key).copied());
    } else {
        check.checks(&mut out, Some);
    }
    crate::parallel::sort_by(&mut out, |a, b| {
        (a.kommun, a.code.as_str(), &a.subject).cmp(&(b.kommun, b.code.as_str(), &b.subject))
    });
    out
}

/// A part of the checks, run on whichever core is free ([`Check::checks`]).
enum Part {
    Accounts,
    Approval,
    TrainerRoles,
    Staffing,
    /// The (user, date) pairs the platform shows attended.
    PlatformAttended,
    /// The (user, date) pairs the register marks attended.
    RegisterAttended,
    /// Regional days by (course, date).
    CourseDays,
    /// Register attendance the platform does not show, for these participants.
    RegisterDays(std::ops::Range<usize>),
    /// Platform attendance the register does not show, for these sign-ups.
    PlatformDays(std::ops::Range<usize>),
}

/// What a [`Part`] gives.
enum Made<'a, K> {
    Findings(Vec<Finding>),
    Attended(HashSet<(K, NaiveDate)>),
    CourseDays(HashMap<(&'a str, NaiveDate), &'a Round>),
}

impl<'a, K> Made<'a, K> {
    fn findings(self) -> Vec<Finding> {
        match self {
            Made::Findings(f) => f,
            _ => unreachable!("a part that finds gives findings"),
        }
    }

    fn attended(self) -> HashSet<(K, NaiveDate)> {
        match self {
            Made::Attended(a) => a,
            _ => unreachable!("a set part gives a set"),
        }
    }

    fn course_days(self) -> HashMap<(&'a str, NaiveDate), &'a Round> {
        match self {
            Made::CourseDays(d) => d,
            _ => unreachable!("the course days part gives the course days"),
        }
    }
}

/// Attendance is checked in parts of at least this many participants or sign-ups.
const MIN_PART: usize = 4096;

/// Attendance parts per list: enough for two cores to end together.
const PARTS: usize = 8;

/// `0..len` in up to [`PARTS`] ranges of at least [`MIN_PART`] (one if shorter).
fn ranges(len: usize) -> Vec<std::ops::Range<usize>> {
    let size = len.div_ceil(PARTS).max(MIN_PART);
    (0..len.div_ceil(size).max(1)).map(|i| i * size..((i + 1) * size).min(len)).collect()
}

/// What the attendance findings' parts read: the first round's sets and index.
struct Sets<'s, 'a, K> {
    in_platform: &'s HashSet<(K, NaiveDate)>,
    in_register: &'s HashSet<(K, NaiveDate)>,
    course_days: &'s HashMap<(&'a str, NaiveDate), &'a Round>,
}

/// What every check reads, computed once: rounds and days by id, accounts
/// by e-mail and username, each participant's platform key, course names
/// lower-cased once per distinct name.
struct Check<'a> {
    register: &'a Register,
    platform: &'a PlatformData,
    config: &'a Config,
    rounds: HashMap<&'a RoundId, &'a Round>,
    days: HashMap<(&'a RoundId, DayNumber), &'a CourseDay>,
    first_day: HashMap<&'a RoundId, NaiveDate>,
    accounts: Accounts<'a>,
    keys: Vec<Option<std::borrow::Cow<'a, str>>>,
    lower: HashMap<&'a str, String>,
}

/// The parts of a [`Check`] that need no accounts: rounds and days by id,
/// each round's first day, course names lower-cased once per distinct name.
struct Indexes<'a> {
    rounds: HashMap<&'a RoundId, &'a Round>,
    days: HashMap<(&'a RoundId, DayNumber), &'a CourseDay>,
    first_day: HashMap<&'a RoundId, NaiveDate>,
    lower: HashMap<&'a str, String>,
}

impl<'a> Indexes<'a> {
    fn of(register: &'a Register, platform: &'a PlatformData) -> Self {
        let mut lower: HashMap<&str, String> = HashMap::default();
        let names = register.rounds.iter().map(|r| r.course.as_str());
        let names = names.chain(platform.completions.iter().map(|c| &*c.course));
        for name in names.chain(platform.signups.iter().map(|s| &*s.course)) {
            lower.entry(name).or_insert_with(|| name.to_lowercase());
        }
        let mut first_day: HashMap<&RoundId, NaiveDate> = HashMap::default();
        for d in &register.days {
            first_day.entry(&d.round).and_modify(|f| *f = (*f).min(d.date)).or_insert(d.date);
        }
        Indexes { rounds: register.round_index(), days: register.day_index(), first_day, lower }
    }
}

impl<'a> Check<'a> {
    fn new(register: &'a Register, platform: &'a PlatformData, config: &'a Config) -> Self {
        let (accounts, indexes) = Accounts::new(&platform.accounts, || Indexes::of(register, platform));
        // The platform's key for a participant: the matched account's username, else
        // the e-mail. Without an account (when accounts are known) the platform can
        // hold nothing of the person: that is reported once, as the missing account.
        // (Borrowed: stored usernames are lower-cased already.)
        let key_of = |p: &'a Participant| -> Option<std::borrow::Cow<'a, str>> {
            let email = p.email.as_ref().map(|e| e.as_str());
            match accounts.find(email) {
                Some(a) => Some(crate::domain::platform::lower(a.username)),
                None if platform.has_accounts => None,
                None => email.map(std::borrow::Cow::Borrowed),
            }
        };
        // Each participant's key, half of them on a second core: a million
        // look-ups at 10 × national took as long as all the rest.
        let (first, second) = register.participants.split_at(register.participants.len() / 2);
        let key_of = &key_of;
        let (mut keys, rest): (Vec<_>, Vec<_>) =
            crate::parallel::both(|| first.iter().map(key_of).collect(), || second.iter().map(key_of).collect());
        keys.extend(rest);
        let Indexes { rounds, days, first_day, lower } = indexes;
        Check { register, platform, config, rounds, days, first_day, accounts, keys, lower }
    }

    fn lc(&self, name: &str) -> &str {
        self.lower.get(name).map(String::as_str).unwrap_or("")
    }

    fn date_of(&self, p: &Participant, d: DayNumber) -> Option<NaiveDate> {
        self.days.get(&(&p.round, d)).map(|cd| cd.date)
    }

    /// A finding about a participant concerns their round's delresa, from
    /// its first course day (or their first attended day).
    fn about(&self, p: &Participant, f: Finding) -> Finding {
        let round = self.rounds[&p.round];
        let first = p
            .attended
            .iter()
            .filter_map(|&d| self.date_of(p, d))
            .min()
            .or_else(|| self.first_day.get(&p.round).copied());
        let f = f.in_delresa(&round.delresa);
        match first {
            Some(d) => f.on(d),
            None => f,
        }
    }

    /// Per person (e-mail or name), once: no account, another municipality, an inactive account.
    fn accounts(&self) -> Vec<Finding> {
        let register = self.register;
        let platform = self.platform;
        let config = self.config;
        let accounts = &self.accounts;
        let mut out = Vec::new();
        // Per person (e-mail or name): account checks once.
        let mut seen_people: HashSet<std::borrow::Cow<str>> = HashSet::default();
        for p in &register.participants {
            let person = match &p.email {
                Some(e) => std::borrow::Cow::Borrowed(e.as_str()),
                None => std::borrow::Cow::Owned(p.name.to_lowercase()),
            };
            if !platform.has_accounts || !seen_people.insert(person) {
                continue;
            }
            match accounts.find(p.email.as_ref().map(|e| e.as_str())) {
                None => out.push(self.about(
                    p,
                    finding(
                        Severity::Warning,
                        Code::ParticipantWithoutAccount,
                        Some(p.kommun),
                        who(p),
                        "Deltagaren finns i kursdagsregistret men har inget konto i lärplattformen (sökt på e-post och \
                         användarnamn). Be kommunens k-admin skapa kontot, eller rätta e-postadressen i registret.",
                    ),
                )),
                Some(a) => {
                    if let Some(k) = a.kommun.filter(|k| *k != p.kommun) {
                        out.push(self.about(p, finding(
                            Severity::Warning,
                            Code::MunicipalityMismatch,
                            Some(p.kommun),
                            who(p),
                            format!(
                                "Registret anger {} men kontot i lärplattformen hör till {}. Faktureringen följer registret. \
                                 Rätta den uppgift som är fel.",
                                config.recipient_name(Recipient::Kommun(p.kommun)),
                                config.recipient_name(Recipient::Kommun(k))
                            ),
                        )));
                    }
                    if matches!(a.status, AccountStatus::Suspended | AccountStatus::Deleted) && !p.attended.is_empty() {
                        out.push(self.about(p, finding(
                            Severity::Warning,
                            Code::InactiveAccountAttending,
                            Some(p.kommun),
                            who(p),
                            format!(
                                "Deltagaren har närvaro i registret men kontot är {} i lärplattformen. Aktivera kontot eller kontrollera närvaron.",
                                if a.status == AccountStatus::Deleted { "borttaget" } else { "avstängt" }
                            ),
                        )));
                    }
                }
            }
        }
        out
    }

    /// Every check after the register's own notes, in their order: the
    /// accounts, attendance (the register's days the platform does not
    /// show, then the platform's the register does not), approval, trainer
    /// roles, staffing. The checks and the attendance check's parts are
    /// spread over the cores, largest first, in two rounds: the attendance
    /// sets and indexes beside the other checks, then the attendance
    /// findings in parts of the participants and the sign-ups (at ten
    /// times national scale the attendance check alone was 2.6 s of one
    /// core, the others 1.4 s of the other; README, Speed, change 77).
    ///
    /// Where accounts are known, every key the attendance check compares (a
    /// participant's, a sign-up's, an account's e-mail as a username) is a
    /// username or no key at all, and is compared as its account's place in
    /// the list: a set of (place, date) is a third of one of (text, date),
    /// and at ten times national scale the two sets hold two million each.
    /// `id` gives that comparison (equal ids for equal keys, none for a key
    /// no participant can have).
    ///
    /// The findings are added to `out`, which is grown once: at ten times
    /// national scale they are a million, and a list that doubles as it
    /// grows holds two copies at a time.
    fn checks<'k, K>(&'k self, out: &mut Vec<Finding>, id: impl Fn(&'k str) -> Option<K> + Sync)
    where
        K: std::hash::Hash + Eq + Copy + Send + Sync,
    {
        let signups = self.platform.has_signups;
        let mut first = vec![Part::Accounts, Part::Approval, Part::Staffing, Part::TrainerRoles];
        if signups {
            first.splice(0..0, [Part::PlatformAttended, Part::RegisterAttended, Part::CourseDays]);
        }
        let mut made: Vec<Option<Made<K>>> =
            crate::parallel::parallel_map(&first, |part| Some(self.part(part, &id, None)));
        let mut take = |want: Part| {
            let at = first.iter().position(|p| std::mem::discriminant(p) == std::mem::discriminant(&want));
            at.and_then(|i| made[i].take()).expect("each part of the first round run once")
        };
        let accounts = take(Part::Accounts).findings();
        let approval = take(Part::Approval).findings();
        let staffing = take(Part::Staffing).findings();
        let trainer_roles = take(Part::TrainerRoles).findings();
        let mut attendance = Vec::new();
        if signups {
            let in_platform = take(Part::PlatformAttended).attended();
            let in_register = take(Part::RegisterAttended).attended();
            let course_days = take(Part::CourseDays).course_days();
            let sets = Sets { in_platform: &in_platform, in_register: &in_register, course_days: &course_days };
            let second: Vec<Part> = ranges(self.register.participants.len())
                .into_iter()
                .map(Part::RegisterDays)
                .chain(ranges(self.platform.signups.len()).into_iter().map(Part::PlatformDays))
                .collect();
            let found = crate::parallel::parallel_map(&second, |part| self.part(part, &id, Some(&sets)));
            attendance = found.into_iter().map(Made::findings).collect();
        }
        let parts: Vec<Vec<Finding>> =
            std::iter::once(accounts).chain(attendance).chain([approval, trainer_roles, staffing]).collect();
        out.reserve_exact(parts.iter().map(Vec::len).sum());
        for mut part in parts {
            out.append(&mut part);
        }
    }

    /// Runs one part; the attendance findings' parts need the `sets` the first round made.
    fn part<'k, K>(
        &'k self,
        part: &Part,
        id: &impl Fn(&'k str) -> Option<K>,
        sets: Option<&Sets<'_, 'k, K>>,
    ) -> Made<'k, K>
    where
        K: std::hash::Hash + Eq + Copy,
    {
        let sets = || sets.expect("the first round's sets");
        match part {
            Part::Accounts => Made::Findings(self.accounts()),
            Part::Approval => Made::Findings(self.approval()),
            Part::TrainerRoles => Made::Findings(self.trainer_roles()),
            Part::Staffing => Made::Findings(self.staffing()),
            Part::PlatformAttended => Made::Attended(self.platform_attended(id)),
            Part::RegisterAttended => Made::Attended(self.register_attended(id)),
            Part::CourseDays => Made::CourseDays(self.course_days()),
            Part::RegisterDays(r) => {
                Made::Findings(self.register_attendance_not_in_platform(r.clone(), sets().in_platform, id))
            }
            Part::PlatformDays(r) => Made::Findings(self.platform_attendance_not_in_register(r.clone(), sets(), id)),
        }
    }

    /// The (user, date) pairs the platform shows attended.
    fn platform_attended<'k, K: std::hash::Hash + Eq + Copy>(
        &'k self,
        id: &impl Fn(&'k str) -> Option<K>,
    ) -> HashSet<(K, NaiveDate)> {
        // Sized at once from what it can hold at most (growing it was a
        // third of this check at national scale: rehashing into fresh,
        // zeroed pages).
        let mut attended: HashSet<(K, NaiveDate)> =
            HashSet::with_capacity_and_hasher(self.platform.signups.len(), Default::default());
        attended.extend(
            self.platform
                .signups
                .iter()
                .filter(|s| s.status.attended())
                .filter_map(|s| Some((id(s.user_key.as_str())?, s.session_start.date()))),
        );
        attended
    }

    /// The participants in `range` of a regional round who have a platform
    /// key, with their round and key.
    fn regional<'k>(
        &'k self,
        range: std::ops::Range<usize>,
    ) -> impl Iterator<Item = (&'k Participant, &'k Round, &'k str)> + 'k {
        let participants = &self.register.participants[range.clone()];
        participants.iter().zip(&self.keys[range]).filter_map(move |(p, key)| {
            let round = self.rounds[&p.round];
            // RSS marks attendance in the platform for its own (regional) days only.
            (round.organiser == Organiser::Regional).then_some(())?;
            Some((p, round, key.as_deref()?))
        })
    }

    /// A participant's attended days that have a date, with it.
    fn attended_days<'k>(&'k self, p: &'k Participant) -> impl Iterator<Item = (DayNumber, NaiveDate)> + 'k {
        p.attended.iter().filter_map(move |&d| Some((d, self.date_of(p, d)?)))
    }

    /// Every (user, date) the register marks attended on a regional day.
    fn register_attended<'k, K: std::hash::Hash + Eq + Copy>(
        &'k self,
        id: &impl Fn(&'k str) -> Option<K>,
    ) -> HashSet<(K, NaiveDate)> {
        let days = self.register.participants.iter().map(|p| p.attended.len()).sum();
        let mut attended: HashSet<(K, NaiveDate)> = HashSet::with_capacity_and_hasher(days, Default::default());
        for (p, _, key) in self.regional(0..self.register.participants.len()) {
            let Some(k) = id(key) else { continue };
            attended.extend(self.attended_days(p).map(|(_, date)| (k, date)));
        }
        attended
    }

    /// Register attendance on a regional day the platform does not show, for the participants in `range`.
    fn register_attendance_not_in_platform<'k, K: std::hash::Hash + Eq + Copy>(
        &'k self,
        range: std::ops::Range<usize>,
        in_platform: &HashSet<(K, NaiveDate)>,
        id: &impl Fn(&'k str) -> Option<K>,
    ) -> Vec<Finding> {
        let mut out = Vec::new();
        // Each subject is written into one reused buffer and copied out at
        // its length: formatted directly, a subject of 120 bytes took 144
        // (at ten times national scale, a million of them).
        let mut subject = String::new();
        for (p, round, key) in self.regional(range) {
            let k = id(key);
            for (d, date) in self.attended_days(p) {
                if k.is_some_and(|k| in_platform.contains(&(k, date))) {
                    continue;
                }
                subject.clear();
                let _ = write!(
                    subject,
                    "{}, {} omgång {} dag {d} ({})",
                    Who(p),
                    round.course,
                    round.id,
                    swedish_date(date)
                );
                out.push(
                    finding(
                        Severity::Warning,
                        Code::AttendanceNotInPlatform,
                        Some(p.kommun),
                        subject.as_str().to_owned(),
                        "Närvaro är registrerad i kursdagsregistret men inte i lärplattformen (ingen \
                         anmälan med status Fully attended eller Partially attended). Markera närvaron på \
                         seminariet i lärplattformen.",
                    )
                    .on(date)
                    .in_delresa(&round.delresa),
                );
            }
        }
        out
    }

    /// The register's days by (course lower-cased, date).
    fn course_days(&self) -> HashMap<(&str, NaiveDate), &Round> {
        let rounds = &self.rounds;
        self.register.days.iter().map(|d| ((self.lc(&rounds[&d.round].course), d.date), rounds[&d.round])).collect()
    }

    /// Platform attendance on a register course day the register does not show, for the sign-ups in `range`.
    fn platform_attendance_not_in_register<'k, K: std::hash::Hash + Eq + Copy>(
        &'k self,
        range: std::ops::Range<usize>,
        sets: &Sets<'_, 'k, K>,
        id: &impl Fn(&'k str) -> Option<K>,
    ) -> Vec<Finding> {
        let in_register =
            |key: &'k str, date: NaiveDate| id(key).is_some_and(|k| sets.in_register.contains(&(k, date)));
        let lc = |name: &str| self.lc(name);
        let mut out = Vec::new();
        for s in self.platform.signups[range].iter().filter(|s| s.status.attended()) {
            let date = s.session_start.date();
            let Some(round) = sets.course_days.get(&(lc(&s.course), date)) else {
                continue; // a platform course the register does not hold
            };
            if in_register(s.user_key.as_str(), date) {
                continue;
            }
            let account = self.accounts.named(s.user_key.as_str());
            if account.is_some_and(|a| in_register(a.email, date)) {
                continue;
            }
            out.push(
                finding(
                    Severity::Warning,
                    Code::PlatformAttendanceNotInRegister,
                    account.and_then(|a| a.kommun),
                    format!(
                        "{} ({}), {} {}",
                        account.map(|a| a.name).unwrap_or(""),
                        s.user_key,
                        s.course,
                        swedish_date(date)
                    ),
                    "Lärplattformen visar närvaro på kursdagen men kursdagsregistret har ingen närvaro för personen. \
                     Kontrollera närvaron och för in den i registret (den faktureras annars inte).",
                )
                .on(date)
                .in_delresa(&round.delresa),
            );
        }
        out
    }

    /// Approval: register Godkänd against the platform's course completion.
    fn approval(&self) -> Vec<Finding> {
        let register = self.register;
        let platform = self.platform;
        let rounds = &self.rounds;
        let keys = &self.keys;
        let lc = |name: &str| self.lc(name);
        let mut out = Vec::new();
        // Approval: register Godkänd against the platform's course completion.
        if platform.has_completions {
            let done: HashMap<(&str, &str), CompletionStatus> =
                platform.completions.iter().map(|c| ((c.user_key.as_str(), lc(&c.course)), c.status)).collect();
            for (p, key) in register.participants.iter().zip(keys) {
                let round = rounds[&p.round];
                let Some(key) = key else { continue };
                let status = done.get(&(key.as_ref(), lc(&round.course))).copied();
                // Made only for a finding: most participants have none.
                let subject = || format!("{}, {} omgång {}", who(p), round.course, round.id);
                match (p.approved, status) {
                    (Some(true), s) if s != Some(CompletionStatus::Complete) => out.push(self.about(
                        p,
                        finding(
                            Severity::Warning,
                            Code::ApprovedNotCompleted,
                            Some(p.kommun),
                            subject(),
                            "Deltagaren är godkänd i registret men kursen är inte slutförd i lärplattformen. \
                         Kontrollera att webbdelarna är gjorda eller rätta Godkänd i registret.",
                        ),
                    )),
                    (a, Some(CompletionStatus::Complete)) if a != Some(true) => out.push(self.about(
                        p,
                        finding(
                            if a == Some(false) { Severity::Warning } else { Severity::Info },
                            Code::CompletedNotApproved,
                            Some(p.kommun),
                            subject(),
                            "Kursen är slutförd i lärplattformen men deltagaren är inte godkänd i registret. \
                         Sätt Godkänd = ja om kursdagarna är genomförda.",
                        ),
                    )),
                    _ => {}
                }
            }
        }
        out
    }

    /// Trainers who teach without the utbildare role on the platform.
    fn trainer_roles(&self) -> Vec<Finding> {
        let register = self.register;
        let platform = self.platform;
        let accounts = &self.accounts;
        let mut out = Vec::new();
        // Trainers: role on the platform, team size, and not also a participant.
        let mut trainer_people: BTreeMap<String, (&str, Recipient)> = BTreeMap::new();
        for t in &register.trainers {
            if let Some(e) = &t.email {
                trainer_people.entry(e.to_string()).or_insert((t.name.as_str(), t.employer));
            }
        }
        if platform.has_accounts {
            for (email, (name, employer)) in &trainer_people {
                let kommun = match employer {
                    Recipient::Kommun(k) => Some(*k),
                    Recipient::Region => None,
                };
                let detail = match accounts.find(Some(email)) {
                    None => "Utbildaren har inget konto i lärplattformen. Be k-admin skapa ett konto med rollen utbildare.",
                    Some(a) if !a.roles.contains(Roles::UTBILDARE) => {
                        "Utbildaren undervisar enligt registret men kontot saknar rollen utbildare i lärplattformen. Lägg till rollen."
                    }
                    Some(_) => continue,
                };
                out.push(finding(
                    Severity::Warning,
                    Code::TrainerWithoutTrainerRole,
                    kommun,
                    format!("{name} <{email}>"),
                    detail,
                ));
            }
        }
        out
    }

    /// Regional days short of trainers (or a required leader), and trainers who also sit as participants.
    fn staffing(&self) -> Vec<Finding> {
        let register = self.register;
        let config = self.config;
        let rounds = &self.rounds;
        let date_of = |p: &Participant, d| self.date_of(p, d);
        let mut out = Vec::new();
        let teams = register.trainers_by_day();
        // The trainers' e-mails on each regional day, and who of them attended
        // as a participant on that date: one lookup per trainer and day, not
        // a scan of the date, and a list only where a trainer is looked for.
        let mut attending: HashMap<(&str, NaiveDate), Vec<&Participant>> = HashMap::default();
        for d in register.days.iter().filter(|d| rounds[&d.round].organiser == Organiser::Regional) {
            for t in teams.get(&(&d.round, d.day)).into_iter().flatten() {
                if let Some(e) = &t.email {
                    attending.entry((e.as_str(), d.date)).or_default();
                }
            }
        }
        for p in &register.participants {
            let Some(email) = &p.email else { continue };
            for &n in &p.attended {
                if let Some(list) = date_of(p, n).and_then(|date| attending.get_mut(&(email.as_str(), date))) {
                    list.push(p);
                }
            }
        }
        for d in &register.days {
            let round = rounds[&d.round];
            if round.organiser != Organiser::Regional {
                continue;
            }
            let team: Vec<_> = teams.get(&(&d.round, d.day)).cloned().unwrap_or_default();
            let teaching = team.iter().filter(|t| t.role != TrainerRole::Reserv).count() as u32;
            let leader = team.iter().any(|t| t.role == TrainerRole::Kursledare);
            let leader_needed = config.reconcile.leader_required(round.category);
            let need = config.reconcile.team_size(round.id.as_str());
            if (leader_needed && !leader) || teaching < need {
                out.push(
                    finding(
                        Severity::Warning,
                        Code::UnderstaffedDay,
                        None,
                        format!("{} omgång {} dag {} ({})", round.course, round.id, d.day, swedish_date(d.date)),
                        format!(
                            "Kursdagen har {teaching} utbildare{} men behöver {need}{}. \
                         Komplettera utbildarteamet i bladet Utbildare.",
                            if leader || !leader_needed { "" } else { " och ingen kursledare" },
                            if leader_needed { " inklusive en kursledare" } else { "" }
                        ),
                    )
                    .on(d.date)
                    .in_delresa(&round.delresa),
                );
            }
            let trainer_emails: BTreeSet<&str> =
                team.iter().filter_map(|t| t.email.as_ref().map(|e| e.as_str())).collect();
            let mut seen = BTreeSet::new();
            let sitting = trainer_emails.iter().flat_map(|e| attending.get(&(*e, d.date)).into_iter().flatten());
            for p in sitting {
                if !seen.insert((&p.round, &p.name)) {
                    continue;
                }
                out.push(
                    finding(
                        Severity::Error,
                        Code::TrainerAlsoParticipant,
                        Some(p.kommun),
                        format!("{}, {}", who(p), swedish_date(d.date)),
                        format!(
                            "Personen är utbildare i omgång {} och samtidigt deltagare med närvaro samma dag. \
                         Ta bort närvaron eller utbildaruppdraget.",
                            round.id
                        ),
                    )
                    .on(d.date)
                    .in_delresa(&round.delresa),
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parts cover the list once, in order, none shorter than
    /// [`MIN_PART`] but the last, and at most [`PARTS`] of them.
    #[test]
    fn attendance_parts_cover_each_list_once_in_order() {
        for len in [0, 1, MIN_PART - 1, MIN_PART, MIN_PART + 1, 8 * MIN_PART + 3, 1_000_003] {
            let parts = ranges(len);
            assert!(!parts.is_empty() && parts.len() <= PARTS, "{len}: {} parts", parts.len());
            assert_eq!(parts[0].start, 0);
            assert_eq!(parts.last().unwrap().end, len);
            for w in parts.windows(2) {
                assert_eq!(w[0].end, w[1].start, "{len}: contiguous");
                assert!(w[0].len() >= MIN_PART, "{len}: {:?} too short", w[0]);
            }
        }
        assert_eq!(
            ranges(MIN_PART - 1),
            vec![std::ops::Range { start: 0, end: MIN_PART - 1 }],
            "a short list is one part"
        );
    }
}
