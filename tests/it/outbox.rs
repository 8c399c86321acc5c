//! The outbox drains itself (issue 15), against the real SMTP server on
//! loopback: a message that failed at close goes out with the next run of
//! any job, to the address the config holds then; one refused address does
//! not stop the others; a transient failure is tried again on the backoff
//! until it is given up (a finding that reaches the project lead, `status`
//! exit 1); `outbox list/resend/cancel`; a kill -9 while draining leaves
//! every address with every message exactly once.

use super::helpers::*;
use super::smtp::{free_port, march, register, SmtpServer};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const SARA: &str = "sara.jansson@mora.example";
const MATS: &str = "mats.andersson@mora.example";

/// The shipped config with a plaintext loopback relay on `port`, `extra`
/// SMTP settings, and text replaced (e.g. a contact's address).
fn mail_config(w: &Workdir, port: u16, extra: &str, replace: &[(&str, &str)]) -> PathBuf {
    let p = w.config_appending(&format!(
        "[ingest]\nsettle_seconds = 0\n\n[smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n\
         timeout_seconds = 10\nretries = 1\nbackoff_ms = 20\n{extra}"
    ));
    let mut text = std::fs::read_to_string(&p).unwrap();
    for (from, to) in replace {
        assert!(text.contains(from), "the config has no '{from}'");
        text = text.replacen(from, to, 1);
    }
    std::fs::write(&p, text).unwrap();
    p
}

/// Every (Message-ID, envelope recipient) the server accepted, in order.
fn pairs(server: &SmtpServer) -> Vec<(String, String)> {
    server
        .received()
        .iter()
        .flat_map(|r| {
            let id = r["message_id"].as_str().unwrap().to_string();
            r["to"].as_array().unwrap().iter().map(move |t| (id.clone(), t.as_str().unwrap().to_string()))
        })
        .collect()
}

fn assert_once(server: &SmtpServer) {
    let all = pairs(server);
    let mut unique = all.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(all.len(), unique.len(), "an address got a message twice: {all:?}");
}

/// The Message-ID of a staged `.eml` copy.
fn staged_id(w: &Workdir, stem: &str) -> String {
    let eml = std::fs::read_to_string(w.out().join(format!("outbox/{stem}.eml"))).unwrap();
    eml.lines().find_map(|l| l.strip_prefix("Message-ID: ")).unwrap().trim().to_string()
}

fn status(w: &Workdir) -> std::process::Output {
    bin(&["status", "--out", &w.out().display().to_string()], w.path())
}

/// A March register with Mora in a bou round and a funk-u round (its two
/// contacts and the copy: three addresses) and Falun in the bou round.
fn mora_in_two_delresor(w: &Workdir) {
    let mut b = RegisterBuilder::new();
    b.round("R1", "Samtal och delaktighet", "bou", "medarbetare", "regional", None).day("R1", 1, "2026-03-03");
    b.round("R2", "Bemötande", "funk-u", "medarbetare", "regional", None).day("R2", 1, "2026-03-04");
    for r in ["R1", "R2"] {
        b.trainer(r, 1, "Karin", "Falun", "kursledare").trainer(r, 1, "Ulf", "Mora", "utbildare");
    }
    b.participants("R1", "Mora", 2, &[1]).participants("R2", "Mora", 1, &[1]).participants("R1", "Falun", 1, &[1]);
    w.register(&b.sheets);
}

#[test]
fn a_message_failing_at_close_goes_out_with_the_next_nightly_sync_to_the_corrected_address() {
    let w = Workdir::new();
    let port = free_port(); // nobody listens: the relay is down at close
    register(&w);
    let bounce = "envelope_from = \"studsar@rss-dalarna.example\"\n";
    let cfg = mail_config(&w, port, bounce, &[]);
    let out = march(&w, &cfg, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("6 to try again"), "{}", text(&out));
    let listed = text(&w.run(&["outbox", "list"], &cfg));
    assert!(listed.contains("pending") && listed.contains(SARA), "{listed}");

    // Sara's address is corrected in the config; the relay is back.
    let cfg = mail_config(&w, port, bounce, &[(SARA, "sara.j@mora.example")]);
    let server = SmtpServer::start_on(w.path(), port, &[]);
    let out = w.run(&["run", "nightly-sync"], &cfg);
    assert!(text(&out).contains("Outbox, before the job: E-mail: 6 message(s) delivered"), "{}", text(&out));
    let got = server.received();
    let mora = got.iter().find(|r| r["attachments"][0] == "yrkesresan-mora-2026-03.xlsx").expect("Mora's message");
    assert_eq!(mora["to"], serde_json::json!(["sara.j@mora.example"]), "the address the config holds now");
    assert!(mora["to_header"].as_str().unwrap().contains("sara.j@mora.example"), "{mora}");
    assert_eq!(mora["message_id"].as_str().unwrap(), staged_id(&w, "yrkesresan-mora-2026-03"), "the same message");
    assert_eq!(mora["from"], "studsar@rss-dalarna.example", "smtp.envelope_from is the bounce address");
    assert!(!pairs(&server).iter().any(|(_, to)| to == SARA));
    let listed = text(&w.run(&["outbox", "list", "--all"], &cfg));
    assert!(listed.contains("sara.j@mora.example") && !listed.contains(SARA), "recipients used: {listed}");

    // Nothing is sent twice by later runs.
    let before = pairs(&server).len();
    w.run(&["run", "nightly-sync"], &cfg);
    march(&w, &cfg, &[]);
    assert_eq!(pairs(&server).len(), before);
    assert_once(&server);
}

/// Mats is made contact for bou too, and a third contact (for every
/// delresa) is added: Mora's March message goes to three addresses.
const THREE_CONTACTS: [(&str, &str); 1] = [(
    "email = \"mats.andersson@mora.example\"\ndelresor = [\"funk-u\", \"aldre-u\"]\n",
    "email = \"mats.andersson@mora.example\"\ndelresor = [\"bou\", \"funk-u\", \"aldre-u\"]\n\n\
     [[municipality.contact]]\nname = \"Eva Ek\"\nemail = \"eva.ek@mora.example\"\ndelresor = [\"alla\"]\n",
)];

#[test]
fn one_refused_address_of_three_does_not_stop_the_others_and_its_correction_gets_the_message() {
    let w = Workdir::new();
    let server = SmtpServer::start(w.path(), &["--reject", SARA]);
    register(&w);
    let cfg = mail_config(&w, server.port, "", &THREE_CONTACTS);
    let out = march(&w, &cfg, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let msg = w.findings();
    let mora = |server: &SmtpServer| -> Vec<String> {
        pairs(server).into_iter().filter(|(id, _)| id.contains("yrkesresan-mora-2026-03")).map(|(_, to)| to).collect()
    };
    let mut two = mora(&server);
    two.sort();
    assert_eq!(two, ["eva.ek@mora.example".to_string(), MATS.to_string()], "two deliveries");
    assert!(
        msg.contains(
            "message-not-sent yrkesresan-mora-2026-03: Sara Jansson <sara.jansson@mora.example>, \
                      kontaktperson i Mora"
        ) && msg.contains("(550): 5.1.1 No such user here"),
        "the finding names the municipality, the contact and the relay's answer: {msg}"
    );
    assert_eq!(status(&w).status.code(), Some(1), "status reports the failed message");
    assert_eq!(w.run(&["outbox", "list"], &cfg).status.code(), Some(1));

    // The address is corrected: the next run sends to it only.
    let corrected = [THREE_CONTACTS[0], (SARA, "sara.j@mora.example")];
    let cfg = mail_config(&w, server.port, "", &corrected);
    w.run(&["run", "nightly-sync"], &cfg);
    assert!(!w.findings().contains("message-not-sent"), "{}", w.findings());
    let got = mora(&server);
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[2], "sara.j@mora.example");
    assert_eq!(status(&w).status.code(), Some(0), "{}", text(&status(&w)));
    assert_once(&server);
}

#[test]
fn a_message_never_accepted_is_given_up_after_seven_days_and_the_project_lead_hears_of_it() {
    let w = Workdir::new();
    let server = SmtpServer::start(w.path(), &["--tempfail", SARA]);
    register(&w);
    let cfg = mail_config(&w, server.port, "", &[]);
    let t0 = chrono::Utc::now();
    let at = |days: i64| (t0 + chrono::Duration::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let out = w.run_env(&["run", "monthly-invoice", "--month", "2026-03"], &cfg, &[("YRKESRESAN_NOW", &at(0))]);
    assert_eq!(out.status.code(), Some(1), "waiting for a retry: {}", text(&out));
    assert!(text(&out).contains("1 to try again") && !text(&out).contains("message-not-sent"), "{}", text(&out));

    // Three days on: still 450, still waiting, no finding yet.
    let out = w.run_env(&["run", "nightly-sync"], &cfg, &[("YRKESRESAN_NOW", &at(3))]);
    assert!(!text(&out).contains("message-not-sent"), "{}", text(&out));
    assert!(text(&out).contains("1 message(s) wait in the outbox"), "{}", text(&out));

    // Eight days on: given up; the finding reaches the project lead.
    let out = w.run_env(&["run", "nightly-sync"], &cfg, &[("YRKESRESAN_NOW", &at(8))]);
    assert!(text(&out).contains("1 given up"), "{}", text(&out));
    let msg = w.findings();
    assert!(msg.contains("message-not-sent yrkesresan-mora-2026-03 till Mora"), "{msg}");
    assert!(msg.contains("kom inte fram på 7 dagar och har getts upp") && msg.contains("450"), "{msg}");
    let lead = server
        .received()
        .into_iter()
        .rev()
        .find(|r| r["to"] == serde_json::json!(["projektledare@rss-dalarna.example"]));
    let lead = lead.expect("a follow-up to the project lead");
    assert!(lead["text"].as_str().unwrap().contains("message-not-sent"), "{lead}");
    assert_eq!(status(&w).status.code(), Some(1));

    // Cancelled: no longer reported, never sent.
    let id = {
        let store = yrkesresan::store::Store::open(&w.out().join("yrkesresan-state.sqlite")).unwrap();
        let failed = store.entries(&[yrkesresan::store::MailState::Failed]).unwrap();
        assert_eq!(failed.len(), 1);
        failed[0].id
    };
    let out = w.run(&["outbox", "cancel", &id.to_string()], &cfg);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(status(&w).status.code(), Some(0), "{}", text(&status(&w)));
    assert!(!pairs(&server).iter().any(|(_, to)| to == SARA));
}

#[test]
fn a_scheduled_drain_keeps_the_backoff_and_a_message_goes_when_its_try_comes() {
    let w = Workdir::new();
    let port = free_port();
    register(&w);
    let cfg = mail_config(&w, port, "", &[]);
    let t0 = chrono::DateTime::parse_from_rfc3339("2026-04-01T06:00:00Z").unwrap().with_timezone(&chrono::Utc);
    let stamp = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let out = w.run_env(&["run", "monthly-invoice", "--month", "2026-03"], &cfg, &[("YRKESRESAN_NOW", &stamp(t0))]);
    assert!(text(&out).contains("6 to try again"), "{}", text(&out));
    let state = w.out().join("yrkesresan-state.sqlite");
    let next_try = || {
        let store = yrkesresan::store::Store::open(&state).unwrap();
        let pending = store.entries(&[yrkesresan::store::MailState::Pending]).unwrap();
        pending.iter().map(|e| e.next_try_at.clone().unwrap()).max().unwrap()
    };
    assert_eq!(next_try(), "2026-04-01T06:05:00Z", "the first wait is 5 minutes");

    let settings = |minutes: i64| {
        let config = yrkesresan::config::load(&cfg).unwrap();
        let mut s = yrkesresan::jobs::JobSettings::new(config, w.inbox(), w.out(), state.clone()).unwrap();
        s.clock = std::sync::Arc::new(yrkesresan::domain::FixedClock(t0 + chrono::Duration::minutes(minutes)));
        s.scheduled_at = Some(stamp(t0));
        s
    };
    // Too early: nothing is tried.
    assert!(yrkesresan::jobs::drain_waiting(&settings(1)).unwrap().is_none());
    // Due, relay still down: the next wait is an hour.
    let drained = yrkesresan::jobs::drain_waiting(&settings(6)).unwrap().expect("due");
    assert_eq!(drained.again.len(), 6);
    assert_eq!(next_try(), "2026-04-01T07:06:00Z");
    let server = SmtpServer::start_on(w.path(), port, &[]);
    assert!(yrkesresan::jobs::drain_waiting(&settings(30)).unwrap().is_none(), "not yet");
    let drained = yrkesresan::jobs::drain_waiting(&settings(67)).unwrap().expect("due");
    assert_eq!(drained.sent.len(), 6);
    assert_eq!(server.received().len(), 6);
    assert_once(&server);
}

#[test]
fn outbox_resend_and_cancel_act_on_one_message() {
    let w = Workdir::new();
    let server = SmtpServer::start(w.path(), &[]);
    register(&w);
    let cfg = mail_config(&w, server.port, "", &[]);
    assert_eq!(march(&w, &cfg, &[]).status.code(), Some(0));
    assert_eq!(server.received().len(), 6);
    let listed = text(&w.run(&["outbox", "list", "--all"], &cfg));
    for column in ["monthly-invoice", "2026-03", "Mora", SARA, "sent", "tries 1", "yrkesresan-mora-2026-03."] {
        assert!(listed.contains(column), "{column} in {listed}");
    }

    // Mora's March message once more, by municipality and period.
    let out = w.run(&["outbox", "resend", "Mora", "--period", "2026-03"], &cfg);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let got = server.received();
    assert_eq!(got.len(), 7);
    assert_eq!(got[6]["attachments"][0], "yrkesresan-mora-2026-03.xlsx");
    // Nothing failed for Mora; unknown ids and delivered messages are errors.
    let out = w.run(&["outbox", "resend", "Mora"], &cfg);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("has no failed message"), "{}", text(&out));
    assert_eq!(w.run(&["outbox", "resend", "999"], &cfg).status.code(), Some(2));
    let out = w.run(&["outbox", "cancel", "1"], &cfg);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("delivered already"), "{}", text(&out));

    // A message waiting for the relay is cancelled: it never goes.
    let w = Workdir::new();
    let port = free_port();
    register(&w);
    let cfg = mail_config(&w, port, "", &[]);
    march(&w, &cfg, &[]);
    let mora = {
        let store = yrkesresan::store::Store::open(&w.out().join("yrkesresan-state.sqlite")).unwrap();
        let all = store.entries(&[]).unwrap();
        all.iter().find(|e| e.stem == "yrkesresan-mora-2026-03").unwrap().id
    };
    assert_eq!(w.run(&["outbox", "cancel", &mora.to_string()], &cfg).status.code(), Some(0));
    let server = SmtpServer::start_on(w.path(), port, &[]);
    w.run(&["run", "nightly-sync"], &cfg);
    let got = server.received();
    assert!(!got.iter().any(|r| r["attachments"][0] == "yrkesresan-mora-2026-03.xlsx"), "{got:?}");
    assert!(got.iter().any(|r| r["attachments"][0] == "yrkesresan-falun-2026-03.xlsx"));
}

#[test]
fn a_kill_9_while_draining_leaves_every_address_with_every_message_exactly_once() {
    let w = Workdir::new();
    let port = free_port();
    mora_in_two_delresor(&w);
    let cfg = mail_config(&w, port, "connections = 1\ncc = [\"arkiv@rss-dalarna.example\"]\n", &[]);
    let out = march(&w, &cfg, &[]);
    // Mora: one message for bou (Sara), one for funk-u (Mats), the copy's
    // summary; Falun the same (its trainer taught funk-u); finance.
    assert!(text(&out).contains("7 to try again"), "{}", text(&out));
    // The relay is back, but hangs in its third transaction: the drain is killed there.
    let server = SmtpServer::start_on(w.path(), port, &["--slow-mail-at", "3", "30"]);
    let args = w.run_args(&["run", "nightly-sync"], &cfg);
    let mut child = Command::new(env!("CARGO_BIN_EXE_yrkesresan")).args(&args).current_dir(w.path()).spawn().unwrap();
    let state = w.out().join("yrkesresan-state.sqlite");
    let delivered = || yrkesresan::store::Store::open(&state).and_then(|s| s.delivered_count()).unwrap_or(0);
    let start = Instant::now();
    while delivered() < 2 {
        assert!(start.elapsed() < Duration::from_secs(30), "two deliveries were never recorded");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(server.received().len(), 2);

    let out = w.run(&["run", "nightly-sync"], &cfg);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", text(&out));
    assert_once(&server);
    let total: usize = pairs(&server).iter().filter(|(id, _)| id.contains("2026-03")).count();
    assert_eq!(total, 7, "{:?}", pairs(&server));
    let store = yrkesresan::store::Store::open(&state).unwrap();
    assert!(store.entries(&[yrkesresan::store::MailState::Pending]).unwrap().is_empty());
}

#[test]
fn check_refuses_a_contact_address_under_two_municipalities_unless_marked_shared() {
    let w = Workdir::new();
    let check = |cfg: &Path| {
        bin(
            &["check", "--config", cfg.to_str().unwrap(), "--pipelines", "pipelines"],
            Path::new(env!("CARGO_MANIFEST_DIR")),
        )
    };
    let twice = w.config_with(&[("nils.karlsson@falun.example", SARA), Workdir::DECIDED_FIXED_COST]);
    let out = check(&twice);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("the contact address {SARA} is listed under both Mora and Falun"))
            || text(&out).contains(&format!("the contact address {SARA} is listed under both Falun and Mora")),
        "{}",
        text(&out)
    );
    let shared = w.config_with(&[
        ("email = \"nils.karlsson@falun.example\"", &format!("email = \"{SARA}\"\nshared = true")),
        (&format!("email = \"{SARA}\""), &format!("email = \"{SARA}\"\nshared = true")),
        Workdir::DECIDED_FIXED_COST,
    ]);
    let out = check(&shared);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}
