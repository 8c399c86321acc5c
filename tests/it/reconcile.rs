//! Every reconciliation finding code triggered by a small fixture that differs
//! from a clean one in exactly one way; the clean fixture gives no finding.

use super::helpers::{config, config_path, date, text, RegisterBuilder, Workdir};
use chrono::NaiveDate;
use std::collections::BTreeSet;
use yrkesresan::domain::{Account, AccountStatus, CompletionStatus, Roles, SignupStatus};
use yrkesresan::domain::{
    Category, DayNumber, DelresaCode, Email, KommunKod, Organiser, Recipient, RoundId, TrainerRole,
};
use yrkesresan::domain::{CourseDay, Participant, Register, RegisterNote, Round, TrainerDay};
use yrkesresan::domain::{PlatformData, StoredCompletion, StoredSignup};
use yrkesresan::reconcile::reconcile;

const COURSE: &str = "Samtal och delaktighet";
const DAYS: [&str; 2] = ["2026-03-03", "2026-03-04"];

fn k(code: &str) -> KommunKod {
    KommunKod::parse(code).unwrap()
}

fn rid() -> RoundId {
    RoundId::parse("R1").unwrap()
}

fn account(user: &str, kommun: &str, roles: Roles) -> Account {
    Account {
        username: user.into(),
        email: Email::parse(&format!("{user}@kommun.example")).unwrap(),
        name: user.into(),
        kommun: Some(k(kommun)),
        organisation: kommun.into(),
        roles,
        delresa: None,
        status: AccountStatus::Active,
        created: None,
    }
}

fn participant(user: &str, kommun: &str) -> Participant {
    Participant {
        round: rid(),
        name: user.into(),
        email: Some(Email::parse(&format!("{user}@kommun.example")).unwrap()),
        kommun: k(kommun),
        approved: Some(true),
        attended: [1, 2].iter().map(|&d| DayNumber::new(d).unwrap()).collect::<BTreeSet<_>>(),
        row: 2,
    }
}

fn trainer(name: &str, day: u8, kommun: &str, role: TrainerRole) -> TrainerDay {
    TrainerDay {
        round: rid(),
        day: DayNumber::new(day).unwrap(),
        name: name.into(),
        email: Some(Email::parse(&format!("{name}@kommun.example")).unwrap()),
        employer: Recipient::Kommun(k(kommun)),
        role,
    }
}

fn on(d: &str) -> NaiveDate {
    date(d)
}

/// One regional round of two days, fully staffed, two participants whose
/// platform records agree with the register in every way.
fn clean() -> (Register, PlatformData) {
    let mut reg = Register::default();
    reg.rounds.push(Round {
        id: rid(),
        course: COURSE.into(),
        delresa: DelresaCode::parse("bou").unwrap(),
        level: None,
        category: Category::Medarbetare,
        organiser: Organiser::Regional,
        price_per_day: None,
        row: 2,
    });
    for (i, d) in DAYS.iter().enumerate() {
        let day = i as u8 + 1;
        reg.days.push(CourseDay {
            round: rid(),
            day: DayNumber::new(day).unwrap(),
            date: on(d),
            form: String::new(),
            place: String::new(),
        });
        reg.trainers.push(trainer("karin", day, "2080", TrainerRole::Kursledare));
        reg.trainers.push(trainer("ulf", day, "2062", TrainerRole::Utbildare));
    }
    reg.participants.push(participant("anna", "2080"));
    reg.participants.push(participant("bo", "2081"));
    let mut platform =
        PlatformData { has_accounts: true, has_completions: true, has_signups: true, ..Default::default() };
    platform.accounts = vec![
        account("anna", "2080", Roles::MEDARBETARE),
        account("bo", "2081", Roles::MEDARBETARE),
        account("karin", "2080", Roles::UTBILDARE),
        account("ulf", "2062", Roles::UTBILDARE),
    ]
    .into_iter()
    .collect();
    for user in ["anna", "bo"] {
        platform.completions.push(StoredCompletion {
            user_key: user.into(),
            course: COURSE.into(),
            status: CompletionStatus::Complete,
        });
        for d in DAYS {
            platform.signups.push(StoredSignup {
                user_key: user.into(),
                course: COURSE.into(),
                session_start: on(d).and_hms_opt(9, 0, 0).unwrap(),
                status: SignupStatus::parse("Fully attended").unwrap(),
            });
        }
    }
    (reg, platform)
}

fn codes(reg: &Register, platform: &PlatformData) -> Vec<String> {
    let mut c: Vec<String> = reconcile(reg, platform, &config()).into_iter().map(|f| f.code.to_string()).collect();
    c.sort();
    c.dedup();
    c
}

#[test]
fn the_clean_fixture_gives_no_finding() {
    let (reg, platform) = clean();
    assert_eq!(codes(&reg, &platform), Vec::<String>::new());
}

/// Changes the fixture's accounts as a list of owned accounts.
fn edit_accounts(p: &mut PlatformData, change: impl FnOnce(&mut Vec<Account>)) {
    let mut list: Vec<Account> = p
        .accounts
        .iter()
        .map(|a| Account {
            username: a.username.into(),
            email: Email::parse(a.email).unwrap(),
            name: a.name.into(),
            kommun: a.kommun,
            organisation: String::new(),
            roles: a.roles,
            delresa: a.delresa.cloned(),
            status: a.status,
            created: None,
        })
        .collect();
    change(&mut list);
    p.accounts = list.into_iter().collect();
}

/// Applies `change` to the clean fixture and expects exactly `code`.
fn expect(code: &str, change: impl FnOnce(&mut Register, &mut PlatformData)) {
    let (mut reg, mut platform) = clean();
    change(&mut reg, &mut platform);
    assert_eq!(codes(&reg, &platform), vec![code.to_string()], "expected only {code}");
}

#[test]
fn each_finding_code_is_triggered_by_its_own_fixture() {
    expect("participant-without-account", |_, p| {
        // Without an account the platform holds nothing of the person.
        edit_accounts(p, |a| a.retain(|a| a.username != "anna"));
        p.signups.retain(|s| s.user_key != "anna");
        p.completions.retain(|c| c.user_key != "anna");
    });
    expect("municipality-mismatch", |_, p| {
        edit_accounts(p, |a| a[0].kommun = Some(k("2085")));
    });
    expect("attendance-not-in-platform", |_, p| {
        p.signups[0].status = SignupStatus::parse("No show").unwrap();
    });
    expect("platform-attendance-not-in-register", |r, _| {
        r.participants[1].attended.remove(&DayNumber::new(2).unwrap());
    });
    expect("approved-not-completed", |_, p| {
        p.completions[0].status = CompletionStatus::InProgress;
    });
    expect("completed-not-approved", |r, _| {
        r.participants[0].approved = Some(false);
    });
    expect("trainer-without-trainer-role", |_, p| {
        edit_accounts(p, |a| a[3].roles = Roles::MEDARBETARE);
    });
    expect("understaffed-day", |r, _| {
        r.trainers.retain(|t| !(t.name == "ulf" && t.day.get() == 2));
    });
    expect("duplicate-participant", |r, _| {
        r.notes.push(RegisterNote {
            code: yrkesresan::domain::Code::DuplicateParticipant,
            kommun: Some(k("2080")),
            subject: "anna, omgång R1".into(),
            detail: "listed twice".into(),
            date: None,
            delresa: None,
            round: None,
        });
    });
    expect("trainer-also-participant", |r, p| {
        let mut ulf = participant("ulf", "2062");
        ulf.approved = None;
        r.participants.push(ulf);
        for d in DAYS {
            p.signups.push(StoredSignup {
                user_key: "ulf".into(),
                course: COURSE.into(),
                session_start: on(d).and_hms_opt(9, 0, 0).unwrap(),
                status: SignupStatus::parse("Fully attended").unwrap(),
            });
        }
    });
    expect("inactive-account-attending", |_, p| {
        edit_accounts(p, |a| a[1].status = AccountStatus::Suspended);
    });
}

#[test]
fn attendance_is_matched_on_usernames_with_accounts_and_on_e_mails_without() {
    // With accounts a participant is the matched account's username; a
    // sign-up under another username is not their attendance, and one
    // under their e-mail only where it is some account's username.
    let (reg, mut platform) = clean();
    for s in platform.signups.iter_mut().filter(|s| s.user_key == "anna") {
        s.user_key = "anna@kommun.example".into();
    }
    let found = reconcile(&reg, &platform, &config());
    let subjects: Vec<&str> = found.iter().map(|f| f.subject.as_str()).collect();
    assert_eq!(found.len(), 2 * 2, "anna's two days each way: {subjects:?}");
    assert!(found.iter().all(|f| f.subject.contains("anna@kommun.example")), "{subjects:?}");
    // An account whose username is that e-mail makes the sign-ups anna's.
    edit_accounts(&mut platform, |a| a[0].username = "anna@kommun.example".into());
    platform.completions[0].user_key = "anna@kommun.example".into();
    assert_eq!(codes(&reg, &platform), Vec::<String>::new());
    // Without accounts the key is the e-mail: e-mail sign-ups are attendance,
    // username ones are not (and count as no one's).
    let (reg, mut platform) = clean();
    platform.has_accounts = false;
    platform.accounts = Default::default();
    for c in &mut platform.completions {
        c.user_key = format!("{}@kommun.example", c.user_key);
    }
    assert_eq!(
        codes(&reg, &platform),
        ["attendance-not-in-platform", "platform-attendance-not-in-register"],
        "username sign-ups do not match e-mail keys"
    );
    for s in &mut platform.signups {
        s.user_key = format!("{}@kommun.example", s.user_key);
    }
    assert_eq!(codes(&reg, &platform), Vec::<String>::new());
}

#[test]
fn every_finding_code_is_in_the_readme_table_with_its_severity_owner_and_explanation() {
    use yrkesresan::domain::{Code, Owner};
    let readme = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let rows: Vec<&str> = readme.lines().filter(|l| l.starts_with("| `") && l.contains("` | ")).collect();
    for code in Code::ALL {
        let owner = match code.owner() {
            Owner::Kommun => "kommunen",
            Owner::Rss => "RSS",
        };
        let row = format!("| `{code}` | {} | {owner} | {} |", code.severity(), code.explanation());
        assert!(rows.contains(&row.as_str()), "README lacks the row\n{row}");
    }
    let listed = rows.iter().filter(|r| Code::ALL.iter().any(|c| r.starts_with(&format!("| `{c}` |")))).count();
    assert_eq!(listed, Code::ALL.len(), "one row per code");
}

#[test]
fn a_missing_kursledare_is_understaffed_even_with_enough_trainers() {
    let (mut reg, platform) = clean();
    for t in reg.trainers.iter_mut().filter(|t| t.day.get() == 1) {
        t.role = TrainerRole::Utbildare;
    }
    let f = reconcile(&reg, &platform, &config());
    assert_eq!(f.len(), 1);
    assert!(f[0].detail.contains("ingen kursledare"), "{}", f[0].detail);
}

#[test]
fn a_manager_day_without_a_kursledare_is_not_a_finding_but_an_employee_day_is() {
    // Seed 003 makes the course leader optional; config: medarbetare yes, chef no.
    let (mut reg, platform) = clean();
    for t in reg.trainers.iter_mut() {
        t.role = TrainerRole::Utbildare;
    }
    let employee = reconcile(&reg, &platform, &config());
    assert!(!employee.is_empty() && employee.iter().all(|f| f.code.as_str() == "understaffed-day"), "{employee:?}");
    for r in reg.rounds.iter_mut() {
        r.category = Category::Chef;
    }
    let manager = reconcile(&reg, &platform, &config());
    assert!(manager.is_empty(), "{manager:?}");
    // The team size still holds for a manager day.
    reg.trainers.retain(|t| !(t.name == "ulf" && t.day.get() == 2));
    let f = reconcile(&reg, &platform, &config());
    assert_eq!(f.iter().map(|f| f.code.as_str()).collect::<Vec<_>>(), ["understaffed-day"]);
    assert!(!f[0].detail.contains("kursledare"), "{}", f[0].detail);
}

/// The same rule through the binary and a real register workbook: the chef
/// round's day without a kursledare raises nothing, the medarbetare round's does.
#[test]
fn a_manager_day_without_a_leader_is_not_a_finding_in_a_real_run() {
    let w = Workdir::new();
    let mut b = RegisterBuilder::new();
    b.round("CHEF", "Ledarskap i socialtjänsten", "bou", "chef", "regional", None).day("CHEF", 1, "2026-03-10");
    b.trainer("CHEF", 1, "Karin", "Falun", "utbildare").trainer("CHEF", 1, "Ulf", "Mora", "utbildare");
    b.participants("CHEF", "Gagnef", 3, &[1]);
    b.round("MED", "Samtal och delaktighet", "bou", "medarbetare", "regional", None).day("MED", 1, "2026-03-11");
    b.trainer("MED", 1, "Karin", "Falun", "utbildare").trainer("MED", 1, "Ulf", "Mora", "utbildare");
    b.participants("MED", "Gagnef", 3, &[1]);
    w.register(&b.sheets);
    let out = w.run(&["run", "monthly-invoice", "--month", "2026-03", "--dry-run"], &config_path());
    assert_eq!(out.status.code(), Some(1), "a warning: {}", text(&out));
    let rows = w.csv("findings.csv");
    let understaffed: Vec<&Vec<String>> = rows.iter().filter(|r| r[1] == "understaffed-day").collect();
    assert_eq!(understaffed.len(), 1, "{rows:?}");
    assert!(understaffed[0].iter().any(|c| c.contains("MED")), "the medarbetare round: {:?}", understaffed[0]);
    assert!(!rows.iter().any(|r| r.iter().any(|c| c.contains("CHEF"))), "{rows:?}");
}

/// More participants and sign-ups than one part of the attendance check
/// holds (it runs in parts on both cores): every difference is found
/// exactly once, whichever part holds it, and nothing else is found.
#[test]
fn attendance_checked_in_parts_finds_each_difference_once() {
    use yrkesresan::domain::Code;
    let (mut reg, mut platform) = clean();
    let fully = SignupStatus::parse("Fully attended").unwrap();
    let signup = |user: &str, day: &str| StoredSignup {
        user_key: user.into(),
        course: COURSE.into(),
        session_start: on(day).and_hms_opt(9, 0, 0).unwrap(),
        status: fully,
    };
    // 10 000 participants: every third has no sign-up for the second day.
    let mut missing = BTreeSet::new();
    for i in 0..10_000 {
        let user = format!("p{i}");
        reg.participants.push(participant(&user, "2080"));
        platform.accounts.push(account(&user, "2080", Roles::MEDARBETARE).view());
        platform.completions.push(StoredCompletion {
            user_key: user.clone(),
            course: COURSE.into(),
            status: CompletionStatus::Complete,
        });
        platform.signups.push(signup(&user, DAYS[0]));
        if i % 3 == 0 {
            missing.insert(format!("{user} <{user}@kommun.example>, {COURSE} omgång R1 dag 2"));
        } else {
            platform.signups.push(signup(&user, DAYS[1]));
        }
    }
    // 5 000 users with accounts attend the first day in the platform only.
    let mut extra = BTreeSet::new();
    for i in 0..5_000 {
        let user = format!("q{i}");
        platform.accounts.push(account(&user, "2080", Roles::MEDARBETARE).view());
        platform.signups.push(signup(&user, DAYS[0]));
        extra.insert(format!("{user} ({user}), {COURSE}"));
    }
    let found = reconcile(&reg, &platform, &config());
    let subjects = |code: Code, cut: &str| -> Vec<String> {
        found.iter().filter(|f| f.code == code).map(|f| f.subject.split(cut).next().unwrap().to_string()).collect()
    };
    let not_in_platform = subjects(Code::AttendanceNotInPlatform, " (");
    assert_eq!(not_in_platform.len(), missing.len(), "each missing day once");
    assert_eq!(not_in_platform.into_iter().collect::<BTreeSet<_>>(), missing);
    let not_in_register = subjects(Code::PlatformAttendanceNotInRegister, " 3 mars");
    assert_eq!(not_in_register.len(), extra.len(), "each platform-only day once");
    assert_eq!(not_in_register.into_iter().collect::<BTreeSet<_>>(), extra);
    let others: Vec<_> = found
        .iter()
        .filter(|f| ![Code::AttendanceNotInPlatform, Code::PlatformAttendanceNotInRegister].contains(&f.code))
        .map(|f| f.code)
        .collect();
    assert!(others.is_empty(), "nothing else: {others:?}");
}
