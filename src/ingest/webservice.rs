//! Totara's REST web services as a source: accounts from `core_user_get_users`
//! (paged with `page`/`perpage`; a server that ignores paging is detected when
//! a page brings no new user) and each configured course's completion from
//! `core_completion_get_course_completion_status`, per user.
//!
//! The answers are written into the inbox as ordinary accounts and
//! completions CSV files (standard English headings), so they pass the same
//! recognition, checks and snapshots as a downloaded report. The token
//! (`wstoken`) comes from the environment and never appears in messages.
//!
//! A read is bounded: all answers together may have at most `max_bytes`
//! (each body counted as it streams, `Content-Length` never trusted), the
//! whole read must end within `deadline`, and paging stops after `max_pages`
//! pages — then the users read so far are written and the result says the
//! read stopped there. Files are written only once every call succeeded.

use super::http::{copy_capped, describe, past_deadline, token_from_env, with_retries};
use super::http::{Attempt, BodyStop, FetchError};
use crate::config::Webservice;
use crate::domain::totara::english_row;
use crate::domain::ExportKind;
use serde_json::Value;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What one read of a web service wrote into the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebserviceRead {
    /// The CSV files written: accounts, then completions when courses are configured.
    pub paths: Vec<PathBuf>,
    /// Set when paging stopped at `max_pages`: the files hold only the users read until then.
    pub stopped: Option<PagingStopped>,
}

/// Paging stopped at `webservice.max_pages` while the last page was still full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PagingStopped {
    /// The cap that was reached.
    pub max_pages: u32,
    /// The users read (and written) until then.
    pub users: usize,
}

/// Reads the web service and writes its CSV files into `inbox`, within the
/// service's deadline.
pub fn read_webservice(ws: &Webservice, inbox: &Path) -> Result<WebserviceRead, FetchError> {
    let fail = |message: String| FetchError { source_name: ws.name.clone(), message };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| fail(e.to_string()))?;
    let bounded = async {
        match tokio::time::timeout(ws.deadline, read(ws, inbox)).await {
            Ok(result) => result,
            Err(_) => Err(past_deadline("read", "webservice", ws.deadline)),
        }
    };
    rt.block_on(bounded).map_err(fail)
}

struct Client<'a> {
    http: reqwest::Client,
    ws: &'a Webservice,
    token: String,
    /// Bytes of all answers so far, against `ws.max_bytes`.
    received: Cell<u64>,
}

impl Client<'_> {
    /// Reads an answer's body within what is left of `max_bytes`, counting it.
    async fn body(&self, mut resp: reqwest::Response) -> Result<Vec<u8>, BodyStop> {
        let left = self.ws.max_bytes.saturating_sub(self.received.get());
        let mut buf = Vec::new();
        let mut got = 0u64;
        let result = copy_capped(&mut resp, &mut buf, left, &mut got).await;
        self.received.set(self.received.get() + got);
        result.map(|()| buf)
    }

    /// The message for answers over `webservice.max_bytes` together.
    fn over_cap(&self) -> String {
        format!(
            "the answers exceeded webservice.max_bytes ({} bytes in all; {} had come when the read stopped); \
             raise the cap or check the server",
            self.ws.max_bytes,
            self.received.get()
        )
    }

    /// Calls a function; an `exception` answer is returned as `Err(Some(errorcode, message))`.
    async fn call(
        &self,
        function: &str,
        params: &[(String, String)],
    ) -> Result<Result<Value, (String, String)>, String> {
        let url = format!("{}/webservice/rest/server.php", self.ws.base_url);
        let what = format!("{} {function}", self.ws.name);
        with_retries(&what, self.ws.retries, self.ws.backoff, |_| async {
            let mut q: Vec<(&str, &str)> =
                vec![("wstoken", self.token.as_str()), ("wsfunction", function), ("moodlewsrestformat", "json")];
            q.extend(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let resp = match self.http.get(&url).query(&q).send().await {
                Ok(r) => r,
                Err(e) => return Attempt::Retry(describe(&e), None),
            };
            let status = resp.status();
            if status.is_server_error() || status.as_u16() == 429 {
                return Attempt::Retry(format!("the server answered {status}"), None);
            }
            if !status.is_success() {
                return Attempt::Fail(format!("{function}: the server answered {status}"));
            }
            let bytes = match self.body(resp).await {
                Ok(b) => b,
                Err(BodyStop::TooBig(_)) => return Attempt::Fail(self.over_cap()),
                Err(BodyStop::Broken(m) | BodyStop::Write(m)) => {
                    return Attempt::Retry(format!("{function}: {m}"), None)
                }
            };
            let body: Value = match serde_json::from_slice(&bytes) {
                Ok(v) => v,
                Err(e) => return Attempt::Fail(format!("{function}: the answer is not JSON: {e}")),
            };
            if body.get("exception").is_some() {
                let code = body.get("errorcode").and_then(Value::as_str).unwrap_or("").to_string();
                let msg = body.get("message").and_then(Value::as_str).unwrap_or("").to_string();
                return Attempt::Done(Err((code, msg)));
            }
            Attempt::Done(Ok(body))
        })
        .await
    }
}

/// Error codes that mean "this user has no completion in this course".
const NOT_APPLICABLE: [&str; 4] = ["notenroled", "nottracked", "nocompletion", "invaliduser"];

async fn read(ws: &Webservice, inbox: &Path) -> Result<WebserviceRead, String> {
    let token = token_from_env(&ws.token_env)?;
    let http = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .read_timeout(ws.read_timeout)
        .build()
        .map_err(|e| e.without_url().to_string())?;
    let client = Client { http, ws, token, received: Cell::new(0) };
    let (users, stopped) = users(&client).await?;
    let completions = if ws.courses.is_empty() { None } else { Some(completions(&client, &users).await?) };
    let mut paths = vec![write_csv(inbox, &format!("{}-accounts", ws.name), &accounts_csv(ws, &users))?];
    if let Some(rows) = completions {
        paths.push(write_csv(inbox, &format!("{}-completions", ws.name), &rows)?);
    }
    let stopped = stopped.then_some(PagingStopped { max_pages: ws.max_pages, users: users.len() });
    Ok(WebserviceRead { paths, stopped })
}

/// Each configured course's completion for each user, as CSV rows with headings.
async fn completions(client: &Client<'_>, users: &BTreeMap<i64, Value>) -> Result<Vec<Vec<String>>, String> {
    let mut rows = vec![english_row(ExportKind::Completions, ["username", "course", "status", "completed"])
        .map(String::from)
        .to_vec()];
    for (course_id, course_name) in &client.ws.courses {
        for u in users.values() {
            let params =
                vec![("courseid".to_string(), course_id.to_string()), ("userid".to_string(), u["id"].to_string())];
            match client.call("core_completion_get_course_completion_status", &params).await? {
                Ok(v) => rows.push(completion_row(u, course_name, &v)),
                Err((code, _)) if NOT_APPLICABLE.contains(&code.as_str()) => {}
                Err((code, msg)) => return Err(format!("core_completion_get_course_completion_status: {code}: {msg}")),
            }
        }
    }
    Ok(rows)
}

/// All users, page by page, at most `max_pages` pages; `true` when paging
/// stopped at that cap while the last page was full (so more are likely).
async fn users(client: &Client<'_>) -> Result<(BTreeMap<i64, Value>, bool), String> {
    let mut users: BTreeMap<i64, Value> = BTreeMap::new();
    for page in 0..client.ws.max_pages {
        let params = vec![
            ("criteria[0][key]".to_string(), "email".to_string()),
            ("criteria[0][value]".to_string(), "%".to_string()),
            ("page".to_string(), page.to_string()),
            ("perpage".to_string(), client.ws.page_size.to_string()),
        ];
        let body = client
            .call("core_user_get_users", &params)
            .await?
            .map_err(|(code, msg)| format!("core_user_get_users: {code}: {msg}"))?;
        let list = body.get("users").and_then(Value::as_array).cloned().unwrap_or_default();
        let before = users.len();
        for u in list.iter() {
            if let Some(id) = u.get("id").and_then(Value::as_i64) {
                users.entry(id).or_insert_with(|| u.clone());
            }
        }
        if list.len() < client.ws.page_size as usize || users.len() == before {
            return Ok((users, false));
        }
    }
    Ok((users, true))
}

/// A user field: a plain property or `customfield:<shortname>`.
fn field(u: &Value, spec: &str) -> String {
    match spec.strip_prefix("customfield:") {
        Some(short) => u
            .get("customfields")
            .and_then(Value::as_array)
            .and_then(|fs| fs.iter().find(|f| f.get("shortname").and_then(Value::as_str) == Some(short)))
            .and_then(|f| f.get("value"))
            .map(text)
            .unwrap_or_default(),
        None => u.get(spec).map(text).unwrap_or_default(),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn accounts_csv(ws: &Webservice, users: &BTreeMap<i64, Value>) -> Vec<Vec<String>> {
    // No ID number: no stage uses it, so it is not even written down.
    let fields = ["username", "email", "first_name", "last_name", "municipality", "roles", "delresa", "status"];
    let mut rows = vec![english_row(ExportKind::Accounts, fields).map(String::from).to_vec()];
    for u in users.values() {
        let suspended = u.get("suspended").map(|v| v.as_bool() == Some(true) || v.as_i64() == Some(1)).unwrap_or(false);
        rows.push(vec![
            field(u, "username"),
            field(u, "email"),
            field(u, "firstname"),
            field(u, "lastname"),
            field(u, &ws.municipality_field),
            field(u, &ws.roles_field),
            ws.delresa_field.as_deref().map(|f| field(u, f)).unwrap_or_default(),
            if suspended { "Suspended".into() } else { "Active".into() },
        ]);
    }
    rows
}

fn completion_row(u: &Value, course: &str, v: &Value) -> Vec<String> {
    let status = v.get("completionstatus").cloned().unwrap_or_default();
    let completed = status.get("completed").and_then(Value::as_bool).unwrap_or(false);
    let parts = status.get("completions").and_then(Value::as_array).cloned().unwrap_or_default();
    let any = parts.iter().any(|c| c.get("complete").and_then(Value::as_bool) == Some(true));
    let when = parts
        .iter()
        .filter_map(|c| c.get("timecompleted").and_then(Value::as_i64))
        .max()
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|d| d.date_naive().to_string())
        .unwrap_or_default();
    let word = if completed {
        "Complete"
    } else if any {
        "In progress"
    } else {
        "Not yet started"
    };
    vec![field(u, "username"), course.to_string(), word.to_string(), if completed { when } else { String::new() }]
}

fn write_csv(inbox: &Path, stem: &str, rows: &[Vec<String>]) -> Result<PathBuf, String> {
    let part = inbox.join(format!(".{stem}.part"));
    // A fresh file, never written through a link someone left at the name.
    let _ = std::fs::remove_file(&part);
    let file = crate::safe_fs::create_new(&part).map_err(|e| format!("cannot write {}: {e}", part.display()))?;
    let mut w = csv::Writer::from_writer(file);
    for r in rows {
        w.write_record(r).map_err(|e| e.to_string())?;
    }
    w.flush().map_err(|e| e.to_string())?;
    let file = w.into_inner().map_err(|e| e.to_string())?;
    file.sync_all().map_err(|e| format!("cannot write {}: {e}", part.display()))?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%3f");
    let path = inbox.join(format!("{stem}-{stamp}.csv"));
    std::fs::rename(&part, &path).map_err(|e| format!("cannot move {}: {e}", part.display()))?;
    Ok(path)
}
