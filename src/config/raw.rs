//! The config file as written, with spans so errors can name the line.

use super::number::RawNumber;
use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    pub region: Spanned<RawRegion>,
    #[serde(default)]
    pub delresa: Vec<Spanned<RawDelresa>>,
    #[serde(default)]
    pub municipality: Vec<Spanned<RawMunicipality>>,
    #[serde(default)]
    pub tariff: Vec<Spanned<RawTariff>>,
    pub billing: Spanned<RawBilling>,
    pub trainer_pot: Spanned<RawTrainerPot>,
    pub email: Spanned<RawEmail>,
    #[serde(default)]
    pub ingest: Option<Spanned<RawIngest>>,
    #[serde(default)]
    pub source: Vec<Spanned<RawSource>>,
    #[serde(default)]
    pub webservice: Vec<Spanned<RawWebservice>>,
    #[serde(default)]
    pub reconcile: Option<Spanned<RawReconcile>>,
    #[serde(default)]
    pub smtp: Option<Spanned<RawSmtp>>,
    #[serde(default)]
    pub retention: Option<Spanned<RawRetention>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRetention {
    #[serde(default)]
    pub snapshots_months: Option<Spanned<i64>>,
    #[serde(default)]
    pub inbox_days: Option<Spanned<i64>>,
    #[serde(default)]
    pub messages_months: Option<Spanned<i64>>,
    #[serde(default)]
    pub outputs_months: Option<Spanned<i64>>,
    #[serde(default)]
    pub run_log_months: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSmtp {
    pub host: Spanned<String>,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub tls: Option<Spanned<String>>,
    #[serde(default)]
    pub user_env: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default)]
    pub ca_file: Option<Spanned<String>>,
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
    #[serde(default)]
    pub retries: Option<u32>,
    #[serde(default)]
    pub connections: Option<Spanned<i64>>,
    #[serde(default)]
    pub backoff_ms: Option<u64>,
    #[serde(default)]
    pub cc: Vec<Spanned<String>>,
    #[serde(default)]
    pub envelope_from: Option<Spanned<String>>,
    #[serde(default)]
    pub cc_content: Option<Spanned<String>>,
    #[serde(default)]
    pub give_up_after_days: Option<Spanned<i64>>,
    #[serde(default)]
    pub retry_after_minutes: Option<Spanned<Vec<i64>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReconcile {
    #[serde(default)]
    pub team_size: Option<u32>,
    #[serde(default)]
    pub team_size_by_round: std::collections::BTreeMap<String, u32>,
    #[serde(default)]
    pub course_leader_required: Option<Spanned<std::collections::BTreeMap<String, bool>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWebservice {
    pub name: Spanned<String>,
    pub base_url: Spanned<String>,
    pub token_env: Spanned<String>,
    #[serde(default)]
    pub page_size: Option<u32>,
    #[serde(default)]
    pub municipality_field: Option<String>,
    #[serde(default)]
    pub roles_field: Option<String>,
    #[serde(default)]
    pub delresa_field: Option<String>,
    #[serde(default)]
    pub course: Vec<RawWsCourse>,
    #[serde(default)]
    pub read_timeout_ms: Option<u64>,
    #[serde(default)]
    pub retries: Option<u32>,
    #[serde(default)]
    pub backoff_ms: Option<u64>,
    #[serde(default)]
    pub max_bytes: Option<Spanned<i64>>,
    #[serde(default)]
    pub deadline_seconds: Option<Spanned<i64>>,
    #[serde(default)]
    pub max_pages: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWsCourse {
    pub id: u64,
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSource {
    pub name: Spanned<String>,
    pub url: Spanned<String>,
    #[serde(default)]
    pub kind: Option<Spanned<String>>,
    #[serde(default)]
    pub auth: Option<Spanned<String>>,
    #[serde(default)]
    pub token_env: Option<Spanned<String>>,
    #[serde(default)]
    pub token_param: Option<String>,
    #[serde(default)]
    pub connect_timeout_ms: Option<u64>,
    #[serde(default)]
    pub read_timeout_ms: Option<u64>,
    #[serde(default)]
    pub retries: Option<u32>,
    #[serde(default)]
    pub backoff_ms: Option<u64>,
    #[serde(default)]
    pub max_bytes: Option<Spanned<i64>>,
    #[serde(default)]
    pub deadline_seconds: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIngest {
    #[serde(default)]
    pub settle_seconds: Option<Spanned<i64>>,
    #[serde(default)]
    pub max_part_bytes: Option<Spanned<i64>>,
    #[serde(default)]
    pub max_unpacked_bytes: Option<Spanned<i64>>,
    #[serde(default)]
    pub max_zip_entries: Option<Spanned<i64>>,
    #[serde(default)]
    pub max_compression_ratio: Option<Spanned<i64>>,
    #[serde(default)]
    pub max_line_bytes: Option<Spanned<i64>>,
    #[serde(default)]
    pub accounts: Option<Spanned<RawExportSettings>>,
    #[serde(default)]
    pub completions: Option<Spanned<RawExportSettings>>,
    #[serde(default)]
    pub signups: Option<Spanned<RawExportSettings>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExportSettings {
    #[serde(default)]
    pub reject_bad_rows: Option<bool>,
    #[serde(default)]
    pub columns: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRegion {
    pub name: String,
    pub code: Spanned<String>,
    #[serde(default)]
    pub timezone: Option<Spanned<String>>,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDelresa {
    pub code: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Documentation for the reader of the config; not used in computations.
    #[serde(default)]
    #[allow(dead_code)]
    pub started: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMunicipality {
    pub code: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub population: Spanned<i64>,
    pub population_year: i64,
    pub invoice_reference: Spanned<String>,
    #[serde(default)]
    pub contact: Vec<Spanned<RawContact>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawContact {
    pub name: String,
    pub email: Spanned<String>,
    #[serde(default)]
    pub delresor: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    pub shared: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTariff {
    pub year: Spanned<i64>,
    pub category: Spanned<String>,
    pub fee: Spanned<RawNumber>,
    pub pot: Spanned<RawNumber>,
    pub leader_share: Spanned<RawNumber>,
    /// Where the tariff was decided; documentation only.
    #[serde(default)]
    #[allow(dead_code)]
    pub source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBilling {
    pub no_show_fee: Spanned<RawNumber>,
    #[serde(default)]
    pub no_show_fee_decided: Option<String>,
    #[serde(default)]
    pub national_days: Option<Spanned<String>>,
    #[serde(default)]
    pub national_days_decided: Option<String>,
    pub fixed_cost_months: Spanned<Vec<i64>>,
    pub pot_credit_month: Spanned<i64>,
    #[serde(default)]
    pub regional_fixed_cost: Vec<Spanned<RawFixedCost>>,
    #[serde(default)]
    pub national_fee: Vec<Spanned<RawNationalFee>>,
    pub articles: RawArticles,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFixedCost {
    pub year: i64,
    pub amount: Spanned<RawNumber>,
    #[serde(default)]
    pub decided: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNationalFee {
    pub from: i64,
    pub to: i64,
    pub per_inhabitant: Spanned<RawNumber>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawArticles {
    pub regional_medarbetare: String,
    pub regional_chef: String,
    pub no_show: String,
    pub national: String,
    pub fixed_cost: String,
    pub pot_credit: String,
    #[serde(default)]
    pub other: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTrainerPot {
    pub rule: Spanned<String>,
    pub rss_trainers: Spanned<String>,
    pub rounding_unit: Spanned<RawNumber>,
    #[serde(default)]
    pub settlement: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEmail {
    pub from: Spanned<String>,
    #[serde(default)]
    pub finance: Option<Spanned<String>>,
    #[serde(default)]
    pub project_lead: Option<Spanned<String>>,
    #[serde(default)]
    pub reply_to: Option<Spanned<String>>,
    pub message_id_domain: Spanned<String>,
    pub subject: String,
    pub body: String,
    #[serde(default)]
    pub payout_subject: Option<String>,
    #[serde(default)]
    pub payout_body: Option<String>,
    #[serde(default)]
    pub copy_subject: Option<String>,
    #[serde(default)]
    pub copy_body: Option<String>,
}
