//! Register against platform: who lacks an account, whose municipality or
//! attendance or approval differs, which days are understaffed. A pure
//! function from typed records to findings with stable codes.

use crate::config::Config;
use crate::domain::hash::{HashMap, HashSet};
use crate::domain::PlatformData;
use crate::domain::{swedish_date, Code, Finding, Severity};
use crate::domain::{Account, AccountStatus, CompletionStatus, Roles};
use crate::domain::{CourseDay, DayNumber, KommunKod, Organiser, Recipient, Round, RoundId, TrainerRole};
use crate::domain::{Participant, Register};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

struct Accounts<'a> {
    by_email: HashMap<&'a str, &'a Account>,
    by_username: HashMap<std::borrow::Cow<'a, str>, &'a Account>,
}

impl<'a> Accounts<'a> {
    /// The two maps are built on two cores: at national scale each is
    /// 300 000 accounts, and the reconciliation's checks wait for both.
    fn new(list: &'a [Account]) -> Self {
        let (by_email, by_username) = std::thread::scope(|scope| {
            let by_email = scope.spawn(|| list.iter().map(|a| (a.email.as_str(), a)).collect());
            // Stored usernames are lower-cased already: borrowed, not copied.
            let by_username = list.iter().map(|a| (crate::domain::platform::lower(&a.username), a)).collect();
            // A panic there is the check's, not the thread's: raise it here.
            (by_email.join().unwrap_or_else(|p| std::panic::resume_unwind(p)), by_username)
        });
        Accounts { by_email, by_username }
    }

    /// Matches on e-mail, then on the e-mail as username, then its local part.
    fn find(&self, email: Option<&str>) -> Option<&'a Account> {
        let e = email?;
        self.by_email
            .get(e)
            .or_else(|| self.by_username.get(e))
            .or_else(|| e.split('@').next().and_then(|local| self.by_username.get(local)))
            .copied()
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
    match &p.email {
        Some(e) => format!("{} <{e}>", p.name),
        None => p.name.clone(),
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
    keys: Vec<Option<String>>,
    lower: HashMap<&'a str, String>,
}

impl<'a> Check<'a> {
    fn new(register: &'a Register, platform: &'a PlatformData, config: &'a Config) -> Self {
        let accounts = Accounts::new(&platform.accounts);
        // The platform's key for a participant: the matched account's username, else
        // the e-mail. Without an account (when accounts are known) the platform can
        // hold nothing of the person: that is reported once, as the missing account.
        let key_of = |p: &Participant| -> Option<String> {
            let email = p.email.as_ref().map(|e| e.as_str());
            match accounts.find(email) {
                Some(a) => Some(a.username.to_lowercase()),
                None if platform.has_accounts => None,
                None => email.map(str::to_string),
            }
        };
        let keys: Vec<Option<String>> = register.participants.iter().map(key_of).collect();
        let mut lower: HashMap<&str, String> = HashMap::default();
        let names = register.rounds.iter().map(|r| r.course.as_str());
        let names = names.chain(platform.completions.iter().map(|c| c.course.as_str()));
        for name in names.chain(platform.signups.iter().map(|s| s.course.as_str())) {
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
    fn attendance(&self) -> Vec<Finding> {
        if !self.platform.has_signups {
            return Vec::new();
        }
        let (mut out, attended_in_register) = self.register_attendance_not_in_platform();
        out.extend(self.platform_attendance_not_in_register(&attended_in_register));
        out
    }

    /// Register attendance on a regional day the platform does not show;
    /// also returns every (participant key, date) the register marks attended.
    fn register_attendance_not_in_platform(&self) -> (Vec<Finding>, HashSet<(&str, NaiveDate)>) {
        let rounds = &self.rounds;
        // Both sets sized at once from what they can hold at most (growing
        // them was a third of this check at national scale: rehashing into
        // fresh, zeroed pages).
        let mut attended_in_platform: HashSet<(&str, NaiveDate)> =
            HashSet::with_capacity_and_hasher(self.platform.signups.len(), Default::default());
        attended_in_platform.extend(
            self.platform
                .signups
                .iter()
                .filter(|s| s.status.attended())
                .map(|s| (s.user_key.as_str(), s.session_start.date())),
        );
        let mut out = Vec::new();
        let days = self.register.participants.iter().map(|p| p.attended.len()).sum();
        let mut attended_in_register: HashSet<(&str, NaiveDate)> =
            HashSet::with_capacity_and_hasher(days, Default::default());
        for (p, key) in self.register.participants.iter().zip(&self.keys) {
            let round = rounds[&p.round];
            // RSS marks attendance in the platform for its own (regional) days only.
            if round.organiser != Organiser::Regional {
                continue;
            }
            let Some(k) = key else { continue };
            for &d in &p.attended {
                let Some(date) = self.date_of(p, d) else { continue };
                attended_in_register.insert((k.as_str(), date));
                if attended_in_platform.contains(&(k.as_str(), date)) {
                    continue;
                }
                out.push(
                    finding(
                        Severity::Warning,
                        Code::AttendanceNotInPlatform,
                        Some(p.kommun),
                        format!("{}, {} omgång {} dag {d} ({})", who(p), round.course, round.id, swedish_date(date)),
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
    fn platform_attendance_not_in_register(&self, attended_in_register: &HashSet<(&str, NaiveDate)>) -> Vec<Finding> {
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
            if attended_in_register.contains(&(s.user_key.as_str(), date)) {
                continue;
            }
            let account = self.accounts.by_username.get(s.user_key.as_str()).copied();
            if account.is_some_and(|a| attended_in_register.contains(&(a.email.as_str(), date))) {
                continue;
            }
            out.push(
                finding(
                    Severity::Warning,
                    Code::PlatformAttendanceNotInRegister,
                    account.and_then(|a| a.kommun),
                    format!(
                        "{} ({}), {} {}",
                        account.map(|a| a.name.as_str()).unwrap_or(""),
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
                let status = done.get(&(key.as_str(), lc(&round.course))).copied();
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
