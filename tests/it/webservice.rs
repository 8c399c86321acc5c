//! The Totara REST web service against a real HTTP server on loopback that
//! answers like `webservice/rest/server.php`: paged users, per-user course
//! completion, exceptions, the token checked but never printed, and the
//! bounds: `max_pages`, `max_bytes` over all answers, `deadline_seconds`.

use super::helpers::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

fn query(url: &str) -> HashMap<String, String> {
    url.split_once('?')
        .map(|(_, q)| q)
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.replace("%40", "@").replace("%25", "%")))
        .collect()
}

fn user(id: i64, name: &str, kommun: &str, roles: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "username": name, "email": format!("{name}@example.se"),
        "firstname": name, "lastname": "Test", "institution": kommun,
        "department": "", "suspended": false,
        "customfields": [{"shortname": "roll", "value": roles}]
    })
}

fn users() -> [serde_json::Value; 3] {
    [user(1, "anna", "Falun", "Medarbetare"), user(2, "bo", "Mora kommun", "Utbildare"), user(3, "cia", "2021", "Chef")]
}

/// The fake Totara's answer to one call.
fn answer(q: &HashMap<String, String>, token: &str) -> serde_json::Value {
    let f = q.get("wsfunction").cloned().unwrap_or_default();
    if q.get("wstoken").map(String::as_str) != Some(token) {
        serde_json::json!({"exception": "moodle_exception", "errorcode": "invalidtoken", "message": "Invalid token - token not found"})
    } else if f == "core_user_get_users" {
        let page: usize = q["page"].parse().unwrap();
        let per: usize = q["perpage"].parse().unwrap();
        let list: Vec<_> = users().into_iter().skip(page * per).take(per).collect();
        serde_json::json!({"users": list, "warnings": []})
    } else {
        match q["userid"].as_str() {
            "1" => {
                serde_json::json!({"completionstatus": {"completed": true, "aggregation": 1,
                "completions": [{"type": 4, "complete": true, "timecompleted": 1772700000}]}, "warnings": []})
            }
            "2" => {
                serde_json::json!({"completionstatus": {"completed": false, "aggregation": 1,
                "completions": [{"type": 4, "complete": true, "timecompleted": null}, {"type": 2, "complete": false}]}, "warnings": []})
            }
            _ => {
                serde_json::json!({"exception": "moodle_exception", "errorcode": "notenroled", "message": "not enrolled"})
            }
        }
    }
}

/// A fake Totara: 3 users, 2 per page; course 12 completed by anna, started by bo, cia not enrolled.
fn totara(token: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
    totara_answering(token, false)
}

/// As [`totara`]; `chunked` answers without `Content-Length`.
fn totara_answering(token: &'static str, chunked: bool) -> (String, Arc<Mutex<Vec<String>>>) {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", server.server_addr().to_ip().unwrap());
    let calls = Arc::new(Mutex::new(Vec::new()));
    let log = calls.clone();
    std::thread::spawn(move || {
        for req in server.incoming_requests() {
            let q = query(req.url());
            log.lock().unwrap().push(q.get("wsfunction").cloned().unwrap_or_default());
            let body = answer(&q, token).to_string().into_bytes();
            let length = if chunked { None } else { Some(body.len()) };
            let _ = req.respond(tiny_http::Response::new(200.into(), vec![], &body[..], length, None));
        }
    });
    (addr, calls)
}

fn config(w: &Workdir, url: &str) -> std::path::PathBuf {
    config_with(w, url, "")
}

/// The web service with `extra` keys (e.g. `max_pages = 1\n`); no retries unless `extra` sets them.
fn config_with(w: &Workdir, url: &str, extra: &str) -> std::path::PathBuf {
    let retries = if extra.contains("retries") { "" } else { "retries = 0\n" };
    w.config_appending(&format!(
        "[ingest]\nsettle_seconds = 3600\n\n[[webservice]]\nname = \"totara\"\nbase_url = \"{url}\"\n\
         token_env = \"YRK_WSTOKEN\"\npage_size = 2\nroles_field = \"customfield:roll\"\n{retries}{extra}\
         [[webservice.course]]\nid = 12\nname = \"Samtal och delaktighet\"\n"
    ))
}

fn count(calls: &Mutex<Vec<String>>, function: &str) -> usize {
    calls.lock().unwrap().iter().filter(|c| *c == function).count()
}

#[test]
fn users_are_read_page_by_page_and_completions_per_user() {
    let (url, calls) = totara("ws-s3cret");
    let w = Workdir::new();
    let cfg = config(&w, &url);
    let out = w.run_env(&["run", "nightly-sync"], &cfg, &[("YRK_WSTOKEN", "ws-s3cret")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!text(&out).contains("ws-s3cret"));
    let rows = w.csv("ingest-report.csv");
    let acc = rows.iter().find(|r| r[0].starts_with("totara-accounts-")).expect("accounts line");
    assert_eq!((acc[1].as_str(), acc[2].as_str(), acc[4].as_str()), ("accounts", "3", "ingested"), "{rows:?}");
    let comp = rows.iter().find(|r| r[0].starts_with("totara-completions-")).expect("completions line");
    assert_eq!((comp[1].as_str(), comp[2].as_str()), ("completions", "2"), "cia is not enrolled: {rows:?}");
    let calls = calls.lock().unwrap();
    assert_eq!(calls.iter().filter(|c| *c == "core_user_get_users").count(), 2, "pages 0 and 1: {calls:?}");
    assert_eq!(calls.iter().filter(|c| *c == "core_completion_get_course_completion_status").count(), 3);

    let processed = w.inbox().join("processed");
    let file = std::fs::read_dir(&processed)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("totara-completions"))
        .unwrap();
    let csv = std::fs::read_to_string(file).unwrap();
    assert!(csv.contains("anna,Samtal och delaktighet,Complete,2026-03-05"), "{csv}");
    assert!(csv.contains("bo,Samtal och delaktighet,In progress,"), "{csv}");
}

#[test]
fn a_wrong_token_is_reported_without_printing_it() {
    let (url, _) = totara("right-token");
    let w = Workdir::new();
    let cfg = config(&w, &url);
    let out = w.run_env(&["run", "nightly-sync"], &cfg, &[("YRK_WSTOKEN", "wrong-token")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(w.findings().contains("invalidtoken"), "{}", w.findings());
    assert!(!text(&out).contains("wrong-token") && !w.findings().contains("wrong-token"));
    let rows = w.csv("ingest-report.csv");
    assert_eq!(row(&rows, "totara")[4], "incomplete");
}

#[test]
fn paging_stops_at_max_pages_and_the_sync_reports_it() {
    let (url, calls) = totara("ws-s3cret");
    let w = Workdir::new();
    let cfg = config_with(&w, &url, "max_pages = 1\n");
    let out = w.run_env(&["run", "nightly-sync"], &cfg, &[("YRK_WSTOKEN", "ws-s3cret")]);
    assert_eq!(out.status.code(), Some(1), "a finding to read: {}", text(&out));
    assert_eq!(count(&calls, "core_user_get_users"), 1, "one page only");
    assert_eq!(count(&calls, "core_completion_get_course_completion_status"), 2, "for the users read");
    let rows = w.csv("ingest-report.csv");
    let acc = rows.iter().find(|r| r[0].starts_with("totara-accounts-")).expect("accounts line");
    assert_eq!((acc[2].as_str(), acc[4].as_str()), ("2", "ingested"), "what was read is kept: {rows:?}");
    assert!(acc[5].contains("webservice.max_pages (1)"), "{acc:?}");
    let msg = text(&out);
    assert!(msg.contains("download-incomplete"), "{msg}");
    assert!(!msg.contains("download-failed"), "{msg}");
}

#[test]
fn a_read_that_ends_within_max_pages_is_complete() {
    let (url, calls) = totara("ws-s3cret");
    let w = Workdir::new();
    // Exactly the pages needed: page 1 is short, so nothing is missing.
    let cfg = config_with(&w, &url, "max_pages = 2\n");
    let out = w.run_env(&["run", "nightly-sync"], &cfg, &[("YRK_WSTOKEN", "ws-s3cret")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(count(&calls, "core_user_get_users"), 2);
    assert!(!text(&out).contains("download-incomplete"), "{}", text(&out));
}

#[test]
fn answers_over_max_bytes_together_stop_the_read_without_retrying() {
    let (url, calls) = totara_answering("ws-s3cret", true);
    let page = |n: usize| {
        let q = query(&format!("?wstoken=ws-s3cret&wsfunction=core_user_get_users&page={n}&perpage=2"));
        answer(&q, "ws-s3cret").to_string().len()
    };
    // Page 0 fits; pages 0 and 1 together do not, and no answer announces its length.
    let cap = page(0) + page(1) - 1;
    let w = Workdir::new();
    let cfg = config_with(&w, &url, &format!("max_bytes = {cap}\nretries = 2\nbackoff_ms = 10\n"));
    let out = w.run_env(&["run", "nightly-sync"], &cfg, &[("YRK_WSTOKEN", "ws-s3cret")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(count(&calls, "core_user_get_users"), 2, "page 1 is refused once, not retried");
    let line = row(&w.csv("ingest-report.csv"), "totara").clone();
    assert_eq!(line[4], "incomplete", "{line:?}");
    assert!(line[5].contains(&format!("the answers exceeded webservice.max_bytes ({cap} bytes in all")), "{line:?}");
    assert!(!text(&out).contains("ws-s3cret"));
    assert_eq!(entries(&w.inbox()), Vec::<String>::new(), "nothing is written from a failed read");
}

#[test]
fn the_deadline_stops_a_webservice_that_trickles_forever() {
    let (url, _) = raw_server(trickle);
    let w = Workdir::new();
    let cfg = config_with(&w, &url, "deadline_seconds = 1\n");
    let started = std::time::Instant::now();
    let out = w.run_env(&["run", "nightly-sync"], &cfg, &[("YRK_WSTOKEN", "ws-s3cret")]);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(took < std::time::Duration::from_secs(30), "the trickle lasts 2 minutes; the run took {took:?}");
    let line = row(&w.csv("ingest-report.csv"), "totara").clone();
    assert!(line[5].contains("did not finish within webservice.deadline_seconds (1 s"), "{line:?}");
}
