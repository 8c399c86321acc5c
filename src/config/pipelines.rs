//! Scheduled jobs, one TOML file each under `pipelines/`.
//!
//! Issue-level detail (sources, outputs, recipients) grows here; what exists now
//! is what `yrkesresan check` must prove: a known job, a cron schedule with
//! seconds that parses, a real time zone, and unique names.

use super::diagnostics::{Collector, ConfigError, ConfigErrors};
use croner::parser::{CronParser, Seconds};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use toml::Spanned;

/// The jobs the binary can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Ingest, reconcile and report differences.
    NightlySync,
    /// The invoice basis of a month, workbooks and e-mails.
    MonthlyInvoice,
    /// The year's trainer-pot distribution.
    TrainerPot,
    /// The year's follow-up tables.
    Followup,
    /// Removing personal data older than the retention allows.
    Purge,
}

impl JobKind {
    /// Parses the job names used on the command line and in pipeline files.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "nightly-sync" => Some(Self::NightlySync),
            "monthly-invoice" => Some(Self::MonthlyInvoice),
            "trainer-pot" => Some(Self::TrainerPot),
            "followup" => Some(Self::Followup),
            "purge" => Some(Self::Purge),
            _ => None,
        }
    }

    /// The job's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NightlySync => "nightly-sync",
            Self::MonthlyInvoice => "monthly-invoice",
            Self::TrainerPot => "trainer-pot",
            Self::Followup => "followup",
            Self::Purge => "purge",
        }
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One validated pipeline file.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// The file it came from.
    pub file: PathBuf,
    /// Unique name.
    pub name: String,
    /// What it runs.
    pub job: JobKind,
    /// Cron expression with seconds (6 fields), in `timezone`.
    pub schedule: String,
    /// The time zone the schedule is read in.
    pub timezone: chrono_tz::Tz,
    /// Whether the job sends its e-mails.
    pub email: bool,
    /// Who gets them: `contacts`, `finance`, `project_lead`.
    pub recipients: Vec<String>,
    /// The `[[source]]`/`[[webservice]]` names a sync reads (all if not given).
    pub sources: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPipeline {
    name: Spanned<String>,
    job: Spanned<String>,
    schedule: Spanned<String>,
    #[serde(default)]
    timezone: Option<Spanned<String>>,
    #[serde(default)]
    email: bool,
    #[serde(default)]
    recipients: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    sources: Option<Vec<String>>,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
}

/// Reads and validates every `*.toml` in a folder, collecting all problems.
pub fn load_pipelines(dir: &Path) -> Result<Vec<Pipeline>, ConfigErrors> {
    let mut errors = Vec::new();
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => {
            rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect()
        }
        Err(e) => {
            return Err(ConfigErrors(vec![ConfigError {
                file: dir.to_path_buf(),
                line: None,
                message: format!("cannot read the pipelines folder: {e}"),
            }]))
        }
    };
    files.sort();
    let mut out: Vec<Pipeline> = Vec::new();
    for file in files {
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                errors.push(ConfigError { file: file.clone(), line: None, message: format!("cannot read: {e}") });
                continue;
            }
        };
        let mut c = Collector::new(&file, &text);
        if let Some(p) = parse_one(&file, &text, &mut c) {
            if let Some(prev) = out.iter().find(|o| o.name == p.name) {
                c.file_level(format!("pipeline name '{}' is also used in {}", p.name, prev.file.display()));
            } else {
                out.push(p);
            }
        }
        errors.extend(c.errors);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ConfigErrors(errors))
    }
}

fn parse_one(file: &Path, text: &str, c: &mut Collector) -> Option<Pipeline> {
    let raw: RawPipeline = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            c.toml(&e);
            return None;
        }
    };
    let job = JobKind::parse(raw.job.get_ref());
    if job.is_none() {
        c.at(
            raw.job.span(),
            format!(
                "job '{}' is unknown; use nightly-sync, monthly-invoice, trainer-pot or followup",
                raw.job.get_ref()
            ),
        );
    }
    let schedule = raw.schedule.get_ref().trim().to_string();
    let parser = CronParser::builder().seconds(Seconds::Required).build();
    if let Err(e) = parser.parse(&schedule) {
        c.at(
            raw.schedule.span(),
            format!("schedule '{schedule}' is not a cron expression with seconds (e.g. \"0 30 2 * * *\"): {e}"),
        );
    }
    let tz_text = raw.timezone.as_ref().map(|t| t.get_ref().as_str()).unwrap_or("Europe/Stockholm");
    let timezone = chrono_tz::Tz::from_str(tz_text).ok();
    if timezone.is_none() {
        let span = raw.timezone.as_ref().map(|t| t.span()).unwrap_or(0..0);
        c.at(span, format!("timezone '{tz_text}' is not an IANA time zone (e.g. Europe/Stockholm)"));
    }
    if raw.name.get_ref().trim().is_empty() {
        c.at(raw.name.span(), "name is empty");
    }
    let recipients = raw.recipients.as_ref().map(|r| r.get_ref().clone()).unwrap_or_else(|| vec!["contacts".into()]);
    if let Some(r) = &raw.recipients {
        for who in r.get_ref() {
            if !["contacts", "finance", "project_lead"].contains(&who.as_str()) {
                c.at(r.span(), format!("recipients: '{who}' must be contacts, finance or project_lead"));
            }
        }
    }
    Some(Pipeline {
        sources: raw.sources.clone(),
        recipients,
        file: file.to_path_buf(),
        name: raw.name.get_ref().trim().to_string(),
        job: job?,
        schedule,
        timezone: timezone?,
        email: raw.email,
    })
}

/// What a pipeline asks of the config that the config does not give: a
/// source it does not declare, a recipient without an address, or a time zone
/// other than the region's ("today" and every schedule must agree on the date).
pub fn pipeline_problems(c: &super::Config, p: &Pipeline, config_file: &Path) -> Vec<ConfigError> {
    let problem = |message: String| ConfigError { file: p.file.clone(), line: None, message };
    let mut out = Vec::new();
    for name in p.sources.iter().flatten() {
        if !c.sources.iter().any(|s| &s.name == name) && !c.webservices.iter().any(|w| &w.name == name) {
            out.push(problem(format!(
                "sources names '{name}', which is no [[source]] or [[webservice]] in {}",
                config_file.display()
            )));
        }
    }
    for (who, set) in [("finance", c.email.finance.is_some()), ("project_lead", c.email.project_lead.is_some())] {
        if p.email && p.recipients.iter().any(|r| r == who) && !set {
            out.push(problem(format!(
                "recipients names {who}, but {} has no email.{who} address",
                config_file.display()
            )));
        }
    }
    if p.timezone != c.region.timezone {
        out.push(problem(format!(
            "timezone '{}' differs from region.timezone '{}' in {}: a run would date its \"today\" in one zone and \
             be scheduled in the other; use the region's",
            p.timezone,
            c.region.timezone,
            config_file.display()
        )));
    }
    out
}
