//! Unattended operation with real processes: a missed run caught up once,
//! one `serve` per state, one job at a time, and SIGTERM in the middle of a
//! run leaving the state as it was so the next run completes.

use super::helpers::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};
use yrkesresan::store::{Outcome, RunRecord, Store};

const SYNC: &str = "[ingest]\nsettle_seconds = 0\n";

fn pipelines(w: &Workdir) -> PathBuf {
    let dir = w.path().join("pipelines");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("nightly-sync.toml"), "name = \"nightly-sync\"\njob = \"nightly-sync\"\nschedule = \"0 30 2 * * *\"\ntimezone = \"Europe/Stockholm\"\n").unwrap();
    dir
}

fn state(w: &Workdir) -> PathBuf {
    w.out().join("yrkesresan-state.sqlite")
}

fn spawn(w: &Workdir, args: &[&str], config: &Path) -> Child {
    let all = w.run_args(args, config);
    Command::new(env!("CARGO_BIN_EXE_yrkesresan"))
        .args(&all)
        .current_dir(w.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

fn sigterm(child: &Child) {
    // SAFETY: sending a signal to our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// A completions export big enough that ingesting it takes a while.
fn big_export(w: &Workdir, rows: usize) {
    let mut text = String::from("Username,Course Name,Completion Status,Date Started\n");
    for i in 0..rows {
        text += &format!("user{i},Kurs {},Complete,5 Mar 2026\n", i % 7);
    }
    w.inbox_file("course_completion_big.csv", text.as_bytes());
}

fn lock_note(w: &Workdir) -> String {
    std::fs::read_to_string(w.out().join("yrkesresan-state.sqlite.lock")).unwrap_or_default()
}

#[test]
fn a_missed_scheduled_run_is_caught_up_once_and_serve_stops_cleanly() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    let dir = pipelines(&w);
    w.inbox();
    // The run log says the last scheduled run was months ago: many runs were missed.
    let seed = RunRecord {
        job: "nightly-sync".into(),
        period: "2026-01-01".into(),
        started_at: "2026-01-01T01:30:00Z".into(),
        ended_at: "2026-01-01T01:31:00Z".into(),
        outcome: Outcome::Ok,
        error: None,
        findings: 0,
        outputs: 0,
        inputs: Vec::new(),
        scheduled_at: Some("2026-01-01T01:30:00Z".into()),
        files: 0,
        rows: 0,
    };
    Store::open(&state(&w)).unwrap().commit_run(&seed, |_| Ok(())).unwrap();
    // The service runs on a fixed clock, so the time it catches up is known
    // (no race with a 02:30 passing while the test runs).
    let now = "2026-06-15T12:00:00Z";
    let due = yrkesresan::schedule::Schedule::new("0 30 2 * * *", chrono_tz::Europe::Stockholm)
        .unwrap()
        .previous_at_or_before(chrono::DateTime::parse_from_rfc3339(now).unwrap().with_timezone(&chrono::Utc))
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(due, "2026-06-15T00:30:00Z");
    let args = w.run_args(&["serve", "--pipelines", dir.to_str().unwrap(), "--grace-seconds", "30"], &config);
    let mut serve = Command::new(env!("CARGO_BIN_EXE_yrkesresan"))
        .args(&args)
        .current_dir(w.path())
        .env("YRKESRESAN_NOW", now)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the catch-up run", || {
        Store::open(&state(&w))
            .unwrap()
            .recent_runs(10)
            .unwrap()
            .iter()
            .any(|r| r.scheduled_at.as_deref() == Some(due.as_str()))
    });

    // A second service for the same state is refused.
    let second = w.run(&["serve", "--pipelines", dir.to_str().unwrap()], &config);
    assert_eq!(second.status.code(), Some(2), "{}", text(&second));
    assert!(text(&second).contains("another `yrkesresan serve` is running"), "{}", text(&second));

    sigterm(&serve);
    let status = serve.wait().unwrap();
    assert_eq!(status.code(), Some(0), "serve exits cleanly on SIGTERM");
    let runs = Store::open(&state(&w)).unwrap().recent_runs(100).unwrap();
    assert_eq!(runs.len(), 2, "the seed and one catch-up, not one per missed night: {runs:?}");
}

#[test]
fn a_second_job_against_the_same_state_is_refused_while_one_runs() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    std::fs::create_dir_all(w.out()).unwrap();
    // A job holds the state's lock (taken here, so nothing races its end).
    let state = w.out().join("yrkesresan-state.sqlite");
    let held = yrkesresan::jobs::StateLock::job(&state, "nightly-sync", "2026-11-23T02:30:00Z").unwrap();
    let second = w.run(&["run", "followup", "--year", "2026"], &config);
    assert_eq!(second.status.code(), Some(2), "{}", text(&second));
    assert!(
        text(&second).contains("the state is in use (pid") && text(&second).contains("nightly-sync"),
        "{}",
        text(&second)
    );
    drop(held);
    // Released: the same command gets the state (and fails for its own reason: no register here).
    let after = w.run(&["run", "followup", "--year", "2026"], &config);
    assert!(!text(&after).contains("the state is in use"), "{}", text(&after));
    assert!(text(&after).contains("no course-day register was found"), "{}", text(&after));
}

#[test]
fn sigterm_during_a_run_leaves_the_state_as_it_was_and_the_next_run_completes() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    big_export(&w, 300_000);
    let mut run = spawn(&w, &["run", "nightly-sync"], &config);
    wait_for("the run to start", || lock_note(&w).contains("nightly-sync"));
    // Stopped while it reads the big export (its reading marker is on disk).
    wait_for("the run to read the export", || w.out().join("yrkesresan-state.sqlite.reading").exists());
    sigterm(&run);
    let status = run.wait().unwrap();
    assert!(!status.success(), "the run was stopped");
    let store = Store::open(&state(&w)).unwrap();
    assert_eq!(store.snapshot_count("completions").unwrap(), 0, "nothing half-stored");
    assert!(w.inbox().join("course_completion_big.csv").exists(), "the file waits for the next run");
    drop(store);

    let out = w.run(&["run", "nightly-sync"], &config);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(row(&w.csv("ingest-report.csv"), "course_completion_big.csv")[2], "300000");
}
