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
    fn new(list: &'a AccountList) -> Self {
        // Fewer accounts than u32::MAX: a list that long would not fit in memory.
        let numbered = || list.iter().enumerate().map(|(i, a)| (a, i as u32));
        let (by_email, (by_username, lowered)) = std::thread::scope(|scope| {
            let by_email = scope.spawn(|| numbered().map(|(a, i)| (a.email, i)).collect());
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
        Accounts { list, by_email, by_username, lowered }
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
    // The attendance check (every participant-day against the platform) on
    // a second core while this one runs the others; the findings are put
    // together in the same order either way, so the result is the same.
    let (attendance, mut rest) = std::thread::scope(|scope| {
        let attendance = scope.spawn(|| check.attendance());
        let rest = [check.accounts(), check.approval(), check.trainer_roles(), check.staffing()];
        (attendance.join(), rest)
    });
    // A panic in the check is the check's, not the thread's: raise it here.
    let attendance = attendance.unwrap_or_else(|p| std::panic::resume_unwind(p));
    let mut out = super::register_findings(register);
    out.append(&mut rest[0]);
    out.extend(attendance);
    for more in &mut rest[1..] {
        out.append(more);
    }
    out.sort_by(|a, b| (a.kommun, a.code.as_str(), &a.subject).cmp(&(b.kommun, b.code.as_str(), &b.subject)));
    out
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

impl<'a> Check<'a> {
    fn new(register: &'a Register, platform: &'a PlatformData, config: &'a Config) -> Self {
        let accounts = Accounts::new(&platform.accounts);
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
        let keys: Vec<Option<std::borrow::Cow<'a, str>>> = register.participants.iter().map(key_of).collect();
        let mut lower: HashMap<&str, String> = HashMap::default();
        let names = register.rounds.iter().map(|r| r.course.as_str());
        let names = names.chain(platform.completions.iter().map(|c| &*c.course));
        for name in names.chain(platform.signups.iter().map(|s| &*s.course)) {
            lower.entry(name).or_insert_with(|| name.to_lowercase());
        }
        Check {
            register,
            platform,
            config,
            rounds: register.round_index(),
            days: register.day_index(),
            first_day: {
                let mut first: HashMap<&RoundId, NaiveDate> = HashMap::default();
                for d in &register.days {
                    first.entry(&d.round).and_modify(|f| *f = (*f).min(d.date)).or_insert(d.date);
                }
                first
            },
            accounts,
            keys,
            lower,
        }
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

    /// Attendance: the register against the platform's seminar sign-ups.
    ///
    /// Where accounts are known, every key the check compares (a
    /// participant's, a sign-up's, an account's e-mail as a username) is a
    /// username or no key at all, and is compared as its account's place in
    /// the list: a set of (place, date) is a third of one of (text, date),
    /// and at ten times national scale the two sets hold two million each.
    fn attendance(&self) -> Vec<Finding> {
        if !self.platform.has_signups {
            return Vec::new();
        }
        if self.platform.has_accounts {
            self.attendance_by(|key| self.accounts.user(key).copied())
        } else {
            self.attendance_by(Some)
        }
    }

    /// [`Check::attendance`] with user keys compared as `id` gives them
    /// (equal ids for equal keys, none for a key no participant can have).
    fn attendance_by<'k, K: std::hash::Hash + Eq + Copy>(&'k self, id: impl Fn(&'k str) -> Option<K>) -> Vec<Finding> {
        let (mut out, attended_in_register) = self.register_attendance_not_in_platform(&id);
        out.extend(self.platform_attendance_not_in_register(&attended_in_register, &id));
        out
    }

    /// Register attendance on a regional day the platform does not show;
    /// also returns every (participant key, date) the register marks attended.
    fn register_attendance_not_in_platform<'k, K: std::hash::Hash + Eq + Copy>(
        &'k self,
        id: &impl Fn(&'k str) -> Option<K>,
    ) -> (Vec<Finding>, HashSet<(K, NaiveDate)>) {
        let rounds = &self.rounds;
        // Both sets sized at once from what they can hold at most (growing
        // them was a third of this check at national scale: rehashing into
        // fresh, zeroed pages).
        let mut attended_in_platform: HashSet<(K, NaiveDate)> =
            HashSet::with_capacity_and_hasher(self.platform.signups.len(), Default::default());
        attended_in_platform.extend(
            self.platform
                .signups
                .iter()
                .filter(|s| s.status.attended())
                .filter_map(|s| Some((id(s.user_key.as_str())?, s.session_start.date()))),
        );
        let mut out = Vec::new();
        // Each subject is written into one reused buffer and copied out at
        // its length: formatted directly, a subject of 120 bytes took 144
        // (at ten times national scale, a million of them).
        let mut subject = String::new();
        let days = self.register.participants.iter().map(|p| p.attended.len()).sum();
        let mut attended_in_register: HashSet<(K, NaiveDate)> =
            HashSet::with_capacity_and_hasher(days, Default::default());
        for (p, key) in self.register.participants.iter().zip(&self.keys) {
            let round = rounds[&p.round];
            // RSS marks attendance in the platform for its own (regional) days only.
            if round.organiser != Organiser::Regional {
                continue;
            }
            let Some(k) = key else { continue };
            let k = id(k);
            for &d in &p.attended {
                let Some(date) = self.date_of(p, d) else { continue };
                if let Some(k) = k {
                    attended_in_register.insert((k, date));
                    if attended_in_platform.contains(&(k, date)) {
                        continue;
                    }
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
        (out, attended_in_register)
    }

    /// Platform attendance on a register course day the register does not show.
    fn platform_attendance_not_in_register<'k, K: std::hash::Hash + Eq + Copy>(
        &'k self,
        attended_in_register: &HashSet<(K, NaiveDate)>,
        id: &impl Fn(&'k str) -> Option<K>,
    ) -> Vec<Finding> {
        let in_register =
            |key: &'k str, date: NaiveDate| id(key).is_some_and(|k| attended_in_register.contains(&(k, date)));
        let (register, platform, rounds) = (self.register, self.platform, &self.rounds);
        let lc = |name: &str| self.lc(name);
        let course_days: HashMap<(&str, NaiveDate), &Round> =
            register.days.iter().map(|d| ((lc(&rounds[&d.round].course), d.date), rounds[&d.round])).collect();
        let mut out = Vec::new();
        for s in platform.signups.iter().filter(|s| s.status.attended()) {
            let date = s.session_start.date();
            let Some(round) = course_days.get(&(lc(&s.course), date)) else {
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
