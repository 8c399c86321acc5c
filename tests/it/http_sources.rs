//! HTTP sources against a real HTTP server on loopback: retry after 503, a
//! conditional GET answered 304, bearer auth from the environment (never
//! printed), a timeout, a body that breaks off, a body over `max_bytes`
//! (announced, unannounced or announced too small) and a server that trickles
//! bytes until the deadline.

use super::helpers::*;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    assert!(
        w.findings().contains("the environment variable YRK_TEST_TOKEN (the token) is not set"),
        "{}",
        w.findings()
    );
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

/// A valid accounts export of about 5 000 bytes: ingested if it were let through.
fn big_accounts() -> String {
    let mut body = String::from("Username,User's Email,User's Organisation Name(s),User's Position Name(s)\n");
    for n in 0..100 {
        body += &format!("user{n},user{n}@falun.example,Falun,Medarbetare\n");
    }
    assert!(body.len() > 4000);
    body
}

/// Runs the sync against `url` with `max_bytes = 1000` and two retries, and
/// checks the body was refused at the first attempt and nothing was left.
fn assert_refused_over_cap(url: &str, requests: impl Fn() -> usize) {
    let w = Workdir::new();
    let config = w.config_appending(&source(url, "max_bytes = 1000\n"));
    let out = w.run(&["run", "nightly-sync"], &config);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let line = ingest_line(&w, "accounts-report");
    assert_eq!(line[4], "incomplete", "{line:?}");
    assert!(
        line[5].contains("the download exceeded source.max_bytes (1000 bytes") && line[5].contains("raise the cap"),
        "{line:?}"
    );
    assert!(!line[5].contains("attempt(s)"), "not retried: {line:?}");
    assert!(text(&out).contains("download-failed"), "{}", text(&out));
    assert_eq!(requests(), 1, "a body over the cap is not fetched again");
    assert_eq!(entries(&w.inbox()), Vec::<String>::new(), "no file, not even a .part, is left");
}

#[test]
fn a_body_announced_larger_than_max_bytes_is_refused_at_once() {
    let body: &'static str = Box::leak(big_accounts().into_boxed_str());
    let (url, seen) = serve(move |_, _| Reply::Status(200, vec![("Content-Type", "text/csv")], body));
    assert_refused_over_cap(&url, || seen.lock().unwrap().len());
}

#[test]
fn a_chunked_body_without_content_length_is_cut_at_max_bytes() {
    let (url, connections) = raw_server(|s| {
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n");
        for line in big_accounts().lines() {
            let chunk = format!("{line}\n");
            let _ = s.write_all(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes());
        }
        let _ = s.write_all(b"0\r\n\r\n");
    });
    assert_refused_over_cap(&url, || connections.load(Ordering::SeqCst));
}

#[test]
fn a_body_that_runs_until_the_connection_closes_is_cut_at_max_bytes() {
    let (url, connections) = raw_server(|s| {
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nConnection: close\r\n\r\n");
        let _ = s.write_all(big_accounts().as_bytes());
    });
    assert_refused_over_cap(&url, || connections.load(Ordering::SeqCst));
}

#[test]
fn a_small_content_length_does_not_lift_max_bytes_for_a_longer_chunked_body() {
    // Transfer-Encoding wins over Content-Length (RFC 9112 §6.3): the body is
    // as long as its chunks, whatever the header claims.
    let (url, connections) = raw_server(|s| {
        let body = big_accounts();
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 20\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
            body.len()
        );
        let _ = s.write_all(head.as_bytes());
        let _ = s.write_all(body.as_bytes());
        let _ = s.write_all(b"\r\n0\r\n\r\n");
    });
    assert_refused_over_cap(&url, || connections.load(Ordering::SeqCst));
}

#[test]
fn a_short_content_length_never_lets_more_bytes_into_the_inbox() {
    // Without Transfer-Encoding the announced length ends the body: the bytes
    // after it are never read, so at most 40 bytes (half a header) land.
    let (url, _) = raw_server(|s| {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 40\r\nConnection: close\r\n\r\n";
        let _ = s.write_all(head.as_bytes());
        let _ = s.write_all(big_accounts().as_bytes());
    });
    let w = Workdir::new();
    let config = w.config_appending(&source(&url, "max_bytes = 1000\n"));
    let out = w.run(&["run", "nightly-sync"], &config);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let line = ingest_line(&w, "accounts-report-");
    assert_eq!(line[4], "rejected", "40 bytes are not an export: {line:?}");
    let rejected = w.inbox().join("rejected").join(&line[0]);
    assert_eq!(std::fs::metadata(&rejected).unwrap().len(), 40);
}

#[test]
fn the_deadline_stops_a_server_that_trickles_bytes_forever() {
    let (url, connections) = raw_server(trickle);
    let w = Workdir::new();
    // Each byte comes well within the read timeout (400 ms); only the deadline ends it.
    let config = w.config_appending(&source(&url, "deadline_seconds = 1\n"));
    let started = Instant::now();
    let out = w.run(&["run", "nightly-sync"], &config);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(took < Duration::from_secs(30), "the trickle lasts 2 minutes; the run took {took:?}");
    let line = ingest_line(&w, "accounts-report");
    assert_eq!(line[4], "incomplete", "{line:?}");
    assert!(line[5].contains("did not finish within source.deadline_seconds (1 s"), "{line:?}");
    assert!(connections.load(Ordering::SeqCst) >= 1);
    assert_eq!(entries(&w.inbox()), Vec::<String>::new(), "the .part file is deleted");
}
