//! Downloading report files over HTTP(S) into the inbox (reqwest, rustls).
//!
//! Each source is fetched with its own credentials (from the environment,
//! never from config), connect and read timeouts, retries with exponential
//! backoff on 5xx, 429, timeouts and broken bodies, and a conditional GET
//! (`If-None-Match` / `If-Modified-Since`) so an unchanged export is not
//! fetched again. The body streams to a hidden `.part` file that is renamed
//! into the inbox only when complete. Error texts never contain the URL's
//! query (where a token may be) nor the token.
//!
//! Every fetch is bounded: the body may have at most `max_bytes` (counted as
//! it streams; `Content-Length` is only compared, never trusted nor used to
//! allocate), and the whole fetch, retries and their waits included, must end
//! within `deadline`. A body over the cap is refused at once, never retried.

use crate::config::{HttpAuth, HttpSource};
pub use crate::domain::Validators;
use reqwest::header::{
    HeaderMap, HeaderValue, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, RETRY_AFTER,
};
use reqwest::StatusCode;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// The result of fetching one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// A new file is in the inbox.
    Downloaded {
        /// Its path.
        path: PathBuf,
        /// The validators to remember.
        validators: Validators,
        /// How many attempts it took.
        attempts: u32,
    },
    /// 304: the export has not changed.
    NotModified,
}

/// Why a source could not be fetched (after all retries).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("source '{source_name}': {message}")]
pub struct FetchError {
    /// The source.
    pub source_name: String,
    /// What went wrong, without secrets.
    pub message: String,
}

/// Fetches every source into `inbox`, one after the other.
pub fn fetch_all(
    sources: &[HttpSource],
    inbox: &Path,
    known: &dyn Fn(&str) -> Validators,
) -> Vec<(String, Result<Fetched, FetchError>)> {
    if sources.is_empty() {
        return Vec::new();
    }
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            return sources
                .iter()
                .map(|s| {
                    (
                        s.name.clone(),
                        Err(FetchError { source_name: s.name.clone(), message: format!("no async runtime: {e}") }),
                    )
                })
                .collect()
        }
    };
    sources.iter().map(|s| (s.name.clone(), rt.block_on(fetch(s, inbox, &known(&s.name))))).collect()
}

/// The outcome of one attempt at a network call.
pub(crate) enum Attempt<T> {
    /// Finished.
    Done(T),
    /// Worth trying again (after the server's `Retry-After`, if it gave one).
    Retry(String, Option<Duration>),
    /// Not worth trying again.
    Fail(String),
}

/// Runs `attempt(n)` (n from 1) until it is done, fails, or `retries` retries
/// have been used, sleeping `backoff × 2^(n-1)` (or the server's wait) between.
pub(crate) async fn with_retries<T, F, Fut>(
    what: &str,
    retries: u32,
    backoff: Duration,
    mut attempt: F,
) -> Result<T, String>
where
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = Attempt<T>>,
{
    let mut last = String::new();
    for n in 0..=retries {
        match attempt(n + 1).await {
            Attempt::Done(t) => return Ok(t),
            Attempt::Fail(m) => return Err(m),
            Attempt::Retry(m, wait) => {
                tracing::warn!("{what} failed (attempt {}): {m}.", n + 1);
                last = m;
                if n < retries {
                    let backoff = backoff * 2u32.saturating_pow(n);
                    tokio::time::sleep(wait.unwrap_or(backoff).min(Duration::from_secs(300))).await;
                }
            }
        }
    }
    Err(format!("failed after {} attempt(s): {last}", retries + 1))
}

/// Reads a secret from the environment, naming the variable if it is missing.
pub(crate) fn token_from_env(env: &str) -> Result<String, String> {
    std::env::var(env).map_err(|_| format!("the environment variable {env} (the token) is not set"))
}

/// Fetches one source with retries.
pub async fn fetch(source: &HttpSource, inbox: &Path, known: &Validators) -> Result<Fetched, FetchError> {
    let fail = |message: String| FetchError { source_name: source.name.clone(), message };
    let token = match &source.auth {
        HttpAuth::None => None,
        HttpAuth::Bearer { env } | HttpAuth::Query { env, .. } => Some(token_from_env(env).map_err(fail)?),
    };
    let client = reqwest::Client::builder()
        .connect_timeout(source.connect_timeout)
        .read_timeout(source.read_timeout)
        .build()
        .map_err(|e| fail(format!("cannot build the HTTP client: {}", e.without_url())))?;
    let what = format!("Download of {}", source.name);
    let retried = with_retries(&what, source.retries, source.backoff, |n| {
        attempt_once(&client, source, token.as_deref(), inbox, known, n)
    });
    match tokio::time::timeout(source.deadline, retried).await {
        Ok(result) => result.map_err(fail),
        Err(_) => {
            // The attempt was dropped mid-body: its `.part` file must not stay.
            let _ = tokio::fs::remove_file(part_path(inbox, &source.name)).await;
            Err(fail(past_deadline("download", "source", source.deadline)))
        }
    }
}

/// The message for a fetch cut off at its deadline (`section` names the config table).
pub(crate) fn past_deadline(what: &str, section: &str, deadline: Duration) -> String {
    format!(
        "the {what} did not finish within {section}.deadline_seconds ({} s, retries included); \
         raise it or check the server",
        deadline.as_secs()
    )
}

/// The hidden file a source's body streams to before it is complete.
fn part_path(inbox: &Path, source: &str) -> PathBuf {
    inbox.join(format!(".{source}.part"))
}

/// Why a body could not be read to its end.
#[derive(Debug)]
pub(crate) enum BodyStop {
    /// More than the cap came (or was announced); `Some(n)` when the server announced `n` bytes.
    TooBig(Option<u64>),
    /// The body broke off or timed out: worth trying again.
    Broken(String),
    /// The bytes could not be stored.
    Write(String),
}

/// Copies a body chunk by chunk into `sink`, counting into `got`, and stops as
/// soon as more than `cap` bytes came. A declared `Content-Length` above the
/// cap is refused before reading; a smaller or missing one changes nothing,
/// since every chunk is counted.
pub(crate) async fn copy_capped<W: tokio::io::AsyncWrite + Unpin>(
    resp: &mut reqwest::Response,
    sink: &mut W,
    cap: u64,
    got: &mut u64,
) -> Result<(), BodyStop> {
    if let Some(declared) = resp.content_length().filter(|&n| n > cap) {
        return Err(BodyStop::TooBig(Some(declared)));
    }
    loop {
        match resp.chunk().await {
            Ok(Some(bytes)) => {
                if got.saturating_add(bytes.len() as u64) > cap {
                    return Err(BodyStop::TooBig(None));
                }
                *got += bytes.len() as u64;
                sink.write_all(&bytes).await.map_err(|e| BodyStop::Write(e.to_string()))?;
            }
            Ok(None) => return Ok(()),
            Err(e) => return Err(BodyStop::Broken(format!("the body broke off after {got} bytes: {}", describe(&e)))),
        }
    }
}

/// The message for a download over `source.max_bytes`.
fn over_cap(cap: u64, declared: Option<u64>) -> String {
    let announced = declared.map(|n| format!(", the server announced {n}")).unwrap_or_default();
    format!("the download exceeded source.max_bytes ({cap} bytes{announced}); raise the cap or check the report")
}

async fn attempt_once(
    client: &reqwest::Client,
    source: &HttpSource,
    token: Option<&str>,
    inbox: &Path,
    known: &Validators,
    attempt: u32,
) -> Attempt<Fetched> {
    let mut headers = HeaderMap::new();
    if let Some(etag) = known.etag.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
        headers.insert(IF_NONE_MATCH, etag);
    }
    if let Some(lm) = known.last_modified.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
        headers.insert(IF_MODIFIED_SINCE, lm);
    }
    let mut req = client.get(&source.url).headers(headers);
    match (&source.auth, token) {
        (HttpAuth::Bearer { .. }, Some(t)) => req = req.bearer_auth(t),
        (HttpAuth::Query { param, .. }, Some(t)) => req = req.query(&[(param.as_str(), t)]),
        _ => {}
    }
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) => return Attempt::Retry(describe(&e), None),
    };
    let status = resp.status();
    if status == StatusCode::NOT_MODIFIED {
        return Attempt::Done(Fetched::NotModified);
    }
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        let wait = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        return Attempt::Retry(format!("the server answered {status}"), wait);
    }
    if !status.is_success() {
        return Attempt::Fail(format!("the server answered {status}; check the URL and the token"));
    }
    let header = |name| resp.headers().get(name).and_then(|v: &HeaderValue| v.to_str().ok()).map(str::to_string);
    let validators = Validators { etag: header(ETAG), last_modified: header(LAST_MODIFIED) };
    let ext = extension(header(CONTENT_TYPE).as_deref(), &source.url);
    let part = part_path(inbox, &source.name);
    if let Err(stop) = stream_to(resp, &part, source.max_bytes).await {
        let _ = tokio::fs::remove_file(&part).await;
        return match stop {
            BodyStop::TooBig(declared) => Attempt::Fail(over_cap(source.max_bytes, declared)),
            BodyStop::Broken(m) | BodyStop::Write(m) => Attempt::Retry(m, None),
        };
    }
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%3f");
    let path = inbox.join(format!("{}-{stamp}.{ext}", source.name));
    if let Err(e) = tokio::fs::rename(&part, &path).await {
        return Attempt::Fail(format!("cannot move the download into the inbox: {e}"));
    }
    Attempt::Done(Fetched::Downloaded { path, validators, attempts: attempt })
}

/// Streams the body into `part`, at most `cap` bytes; a body shorter than its
/// `Content-Length` broke off.
async fn stream_to(mut resp: reqwest::Response, part: &Path, cap: u64) -> Result<(), BodyStop> {
    let cannot = |e: std::io::Error| BodyStop::Write(format!("cannot write {}: {e}", part.display()));
    let expected = resp.content_length();
    // A fresh file, never written through a link someone left at the name.
    let _ = std::fs::remove_file(part);
    let mut file = tokio::fs::File::from_std(crate::safe_fs::create_new(part).map_err(cannot)?);
    let mut got = 0u64;
    copy_capped(&mut resp, &mut file, cap, &mut got).await?;
    if let Some(n) = expected.filter(|&n| got < n) {
        return Err(BodyStop::Broken(format!("the download broke off after {got} of {n} bytes")));
    }
    file.flush().await.map_err(cannot)?;
    file.sync_all().await.map_err(cannot)?;
    Ok(())
}

/// An error without its URL (which may carry a token).
pub(crate) fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the body could not be read"
    } else {
        "request failed"
    };
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_string()
    } else {
        format!("{kind} ({detail})")
    }
}

fn extension(content_type: Option<&str>, url: &str) -> &'static str {
    let ct = content_type.unwrap_or("").to_lowercase();
    if ct.contains("spreadsheetml") {
        "xlsx"
    } else if ct.contains("opendocument.spreadsheet") {
        "ods"
    } else if ct.contains("csv") || ct.starts_with("text/") {
        "csv"
    } else {
        let path = url.split('?').next().unwrap_or("").to_lowercase();
        ["xlsx", "ods", "csv"].into_iter().find(|e| path.ends_with(&format!(".{e}"))).unwrap_or("dat")
    }
}
