//! HTTP sources against a real HTTP server on loopback: retry after 503, a
//! conditional GET answered 304, bearer auth from the environment (never
//! printed), a timeout, and a body that breaks off.

use super::helpers::*;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const ACCOUNTS: &str = "Username,User's Email,User's Organisation Name(s),User's Position Name(s)\n\
anna,anna@falun.example,Falun,Medarbetare\n\
bo,bo@mora.example,Mora,Utbildare\n";

/// What the test server does with the n-th request (0-based).
enum Reply {
    Status(u16, Vec<(&'static str, &'static str)>, &'static str),
    SlowOk(Duration),
}

/// Requests the server saw: (url, headers as "Name: value").
type Seen = Arc<Mutex<Vec<(String, Vec<String>)>>>;

fn serve(script: impl Fn(usize, &[String]) -> Reply + Send + 'static) -> (String, Seen) {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", server.server_addr().to_ip().unwrap());
    let seen: Seen = Arc::default();
    let log = seen.clone();
    std::thread::spawn(move || {
        for (n, req) in server.incoming_requests().enumerate() {
            let headers: Vec<String> = req.headers().iter().map(|h| format!("{}: {}", h.field, h.value)).collect();
            log.lock().unwrap().push((req.url().to_string(), headers.clone()));
            let resp = match script(n, &headers) {
                Reply::Status(code, hs, body) => {
                    let mut r = tiny_http::Response::from_string(body).with_status_code(code);
                    for (k, v) in hs {
                        r.add_header(tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).unwrap());
                    }
                    r
                }
                Reply::SlowOk(d) => {
                    std::thread::sleep(d);
                    tiny_http::Response::from_string(ACCOUNTS)
                }
            };
            let _ = req.respond(resp);
        }
    });
    (addr, seen)
}

fn source(url: &str, extra: &str) -> String {
    format!(
        "[ingest]\nsettle_seconds = 3600\n\n[[source]]\nname = \"accounts-report\"\nurl = \"{url}/report.csv\"\n\
         kind = \"accounts\"\nread_timeout_ms = 400\nconnect_timeout_ms = 1000\nretries = 2\nbackoff_ms = 10\n{extra}"
    )
}

fn ingest_line(w: &Workdir, name_prefix: &str) -> Vec<String> {
    let rows = w.csv("ingest-report.csv");
    rows.into_iter().find(|r| r[0].starts_with(name_prefix)).unwrap_or_else(|| panic!("no line for {name_prefix}"))
}

#[test]
fn a_503_is_retried_and_an_unchanged_export_is_not_fetched_again() {
    let (url, seen) = serve(|n, headers| {
        if n == 0 {
            Reply::Status(503, vec![], "busy")
        } else if headers.iter().any(|h| h.eq_ignore_ascii_case("If-None-Match: \"v1\"")) {
            Reply::Status(304, vec![], "")
        } else {
            Reply::Status(200, vec![("ETag", "\"v1\""), ("Content-Type", "text/csv")], ACCOUNTS)
        }
    });
    let w = Workdir::new();
    let config = w.config_appending(&source(&url, ""));
    let out = w.run(&["run", "nightly-sync"], &config);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let line = ingest_line(&w, "accounts-report-");
    assert_eq!((line[1].as_str(), line[2].as_str(), line[4].as_str()), ("accounts", "2", "ingested"), "{line:?}");
    assert_eq!(seen.lock().unwrap().len(), 2, "one 503, one 200");

    let out = w.run(&["run", "nightly-sync"], &config);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let line = ingest_line(&w, "accounts-report");
    assert_eq!(line[4], "unchanged");
    assert!(line[5].contains("304"));
    assert_eq!(seen.lock().unwrap().len(), 3);
    let store = yrkesresan::store::Store::open(&w.out().join("yrkesresan-state.sqlite")).unwrap();
    assert_eq!(store.snapshot_count("accounts").unwrap(), 1);
}

#[test]
fn the_bearer_token_comes_from_the_environment_and_is_never_printed() {
    let (url, seen) = serve(|_, headers| {
        if headers.iter().any(|h| h.eq_ignore_ascii_case("Authorization: Bearer s3cret-token")) {
            Reply::Status(200, vec![], ACCOUNTS)
        } else {
            Reply::Status(401, vec![], "no")
        }
    });
    let w = Workdir::new();
    let config = w.config_appending(&source(&url, "auth = \"bearer\"\ntoken_env = \"YRK_TEST_TOKEN\"\n"));
    let out = w.run(&["run", "nightly-sync"], &config);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("the environment variable YRK_TEST_TOKEN (the token) is not set"), "{}", text(&out));
    assert!(seen.lock().unwrap().is_empty(), "nothing is sent without the token");

    let out =
        w.run_env(&["run", "nightly-sync"], &config, &[("YRK_TEST_TOKEN", "s3cret-token"), ("RUST_LOG", "debug")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(ingest_line(&w, "accounts-report-")[4], "ingested");
    assert!(!text(&out).contains("s3cret"), "the token leaked: {}", text(&out));
}

#[test]
fn a_server_that_never_answers_in_time_leaves_the_source_for_the_next_run() {
    let (url, seen) = serve(|_, _| Reply::SlowOk(Duration::from_millis(1500)));
    let w = Workdir::new();
    let config = w.config_appending(&source(&url, "retries = 1\n").replace("retries = 2\n", ""));
    let out = w.run(&["run", "nightly-sync"], &config);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let line = ingest_line(&w, "accounts-report");
    assert_eq!(line[4], "incomplete", "{line:?}");
    assert!(line[5].contains("timed out") && line[5].contains("2 attempt(s)"), "{line:?}");
    assert!(text(&out).contains("download-failed"));
    assert!(!seen.lock().unwrap().is_empty());
    let leftovers: Vec<_> = std::fs::read_dir(w.inbox())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name())
        .collect();
    assert!(leftovers.is_empty(), "no partial file: {leftovers:?}");
}

#[test]
fn a_body_that_breaks_off_is_fetched_again_and_never_half_ingested() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let attempts = Arc::new(Mutex::new(0));
    let count = attempts.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut s = stream.unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let n = {
                let mut c = count.lock().unwrap();
                *c += 1;
                *c
            };
            let body = ACCOUNTS.as_bytes();
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            if n == 1 {
                let _ = s.write_all(&body[..body.len() / 2]);
            } else {
                let _ = s.write_all(body);
            }
            let _ = s.flush();
        }
    });
    let w = Workdir::new();
    let config = w.config_appending(&source(&url, ""));
    let out = w.run(&["run", "nightly-sync"], &config);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let line = ingest_line(&w, "accounts-report-");
    assert_eq!((line[2].as_str(), line[4].as_str()), ("2", "ingested"), "{line:?}");
    assert_eq!(*attempts.lock().unwrap(), 2);
}
