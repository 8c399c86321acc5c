//! The Totara REST web service against a real HTTP server on loopback that
//! answers like `webservice/rest/server.php`: paged users, per-user course
//! completion, exceptions, and the token checked but never printed.

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

/// A fake Totara: 3 users, 2 per page; course 12 completed by anna, started by bo, cia not enrolled.
fn totara(token: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", server.server_addr().to_ip().unwrap());
    let calls = Arc::new(Mutex::new(Vec::new()));
    let log = calls.clone();
    std::thread::spawn(move || {
        let users = [
            user(1, "anna", "Falun", "Medarbetare"),
            user(2, "bo", "Mora kommun", "Utbildare"),
            user(3, "cia", "2021", "Chef"),
        ];
        for req in server.incoming_requests() {
            let q = query(req.url());
            let f = q.get("wsfunction").cloned().unwrap_or_default();
            log.lock().unwrap().push(f.clone());
            let body = if q.get("wstoken").map(String::as_str) != Some(token) {
                serde_json::json!({"exception": "moodle_exception", "errorcode": "invalidtoken", "message": "Invalid token - token not found"})
            } else if f == "core_user_get_users" {
                let page: usize = q["page"].parse().unwrap();
                let per: usize = q["perpage"].parse().unwrap();
                let list: Vec<_> = users.iter().skip(page * per).take(per).cloned().collect();
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
            };
            let _ = req.respond(tiny_http::Response::from_string(body.to_string()));
        }
    });
    (addr, calls)
}

fn config(w: &Workdir, url: &str) -> std::path::PathBuf {
    w.config_appending(&format!(
        "[ingest]\nsettle_seconds = 3600\n\n[[webservice]]\nname = \"totara\"\nbase_url = \"{url}\"\n\
         token_env = \"YRK_WSTOKEN\"\npage_size = 2\nroles_field = \"customfield:roll\"\nretries = 0\n\
         [[webservice.course]]\nid = 12\nname = \"Samtal och delaktighet\"\n"
    ))
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
    assert!(text(&out).contains("invalidtoken"), "{}", text(&out));
    assert!(!text(&out).contains("wrong-token"));
    let rows = w.csv("ingest-report.csv");
    assert_eq!(row(&rows, "totara")[4], "incomplete");
}
