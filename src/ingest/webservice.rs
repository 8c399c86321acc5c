//! Totara's REST web services as a source: accounts from `core_user_get_users`
//! (paged with `page`/`perpage`; a server that ignores paging is detected when
//! a page brings no new user) and each configured course's completion from
//! `core_completion_get_course_completion_status`, per user.
//!
//! The answers are written into the inbox as ordinary accounts and
//! completions CSV files (standard English headings), so they pass the same
//! recognition, checks and snapshots as a downloaded report. The token
//! (`wstoken`) comes from the environment and never appears in messages.

use super::http::{describe, token_from_env, with_retries, Attempt, FetchError};
use crate::config::Webservice;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Reads the web service and writes its CSV files into `inbox`; returns them.
pub fn read_webservice(ws: &Webservice, inbox: &Path) -> Result<Vec<PathBuf>, FetchError> {
    let fail = |message: String| FetchError { source_name: ws.name.clone(), message };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| fail(e.to_string()))?;
    rt.block_on(read(ws, inbox)).map_err(fail)
}

struct Client<'a> {
    http: reqwest::Client,
    ws: &'a Webservice,
    token: String,
}

impl Client<'_> {
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
            let bytes = match resp.bytes().await {
                Ok(b) => b,
                Err(e) => return Attempt::Retry(format!("{function}: {}", describe(&e)), None),
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

async fn read(ws: &Webservice, inbox: &Path) -> Result<Vec<PathBuf>, String> {
    let token = token_from_env(&ws.token_env)?;
    let http = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .read_timeout(ws.read_timeout)
        .build()
        .map_err(|e| e.without_url().to_string())?;
    let client = Client { http, ws, token };
    let users = users(&client).await?;
    let mut files = vec![write_csv(inbox, &format!("{}-accounts", ws.name), &accounts_csv(ws, &users))?];
    if !ws.courses.is_empty() {
        let mut rows = vec![vec![
            "Username".to_string(),
            "Course Name".into(),
            "Completion Status".into(),
            "Completion Date".into(),
        ]];
        for (course_id, course_name) in &ws.courses {
            for u in users.values() {
                let params =
                    vec![("courseid".to_string(), course_id.to_string()), ("userid".to_string(), u["id"].to_string())];
                match client.call("core_completion_get_course_completion_status", &params).await? {
                    Ok(v) => rows.push(completion_row(u, course_name, &v)),
                    Err((code, _)) if NOT_APPLICABLE.contains(&code.as_str()) => {}
                    Err((code, msg)) => {
                        return Err(format!("core_completion_get_course_completion_status: {code}: {msg}"))
                    }
                }
            }
        }
        files.push(write_csv(inbox, &format!("{}-completions", ws.name), &rows)?);
    }
    Ok(files)
}

async fn users(client: &Client<'_>) -> Result<BTreeMap<i64, Value>, String> {
    let mut users: BTreeMap<i64, Value> = BTreeMap::new();
    for page in 0u32.. {
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
            break;
        }
    }
    Ok(users)
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
    let mut rows = vec![[
        "Username",
        "User's Email",
        "User ID Number",
        "User First Name",
        "User Last Name",
        "User's Organisation Name(s)",
        "User's Position Name(s)",
        "Yrkesresa",
        "User Status",
    ]
    .map(String::from)
    .to_vec()];
    for u in users.values() {
        let suspended = u.get("suspended").map(|v| v.as_bool() == Some(true) || v.as_i64() == Some(1)).unwrap_or(false);
        rows.push(vec![
            field(u, "username"),
            field(u, "email"),
            field(u, "idnumber"),
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
    let mut w = csv::Writer::from_path(&part).map_err(|e| format!("cannot write {}: {e}", part.display()))?;
    for r in rows {
        w.write_record(r).map_err(|e| e.to_string())?;
    }
    w.flush().map_err(|e| e.to_string())?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%3f");
    let path = inbox.join(format!("{stem}-{stamp}.csv"));
    std::fs::rename(&part, &path).map_err(|e| format!("cannot move {}: {e}", part.display()))?;
    Ok(path)
}
