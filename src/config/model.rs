//! The validated configuration: only domain types, ready for the stages.

use crate::domain::{Category, DelresaCode, Email, KommunKod, Money, Recipient, Year};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// Everything a region configures, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from.
    pub source: PathBuf,
    /// The regional support structure itself.
    pub region: Region,
    /// The delresor, in the order reports list them.
    pub delresor: Vec<Delresa>,
    /// The municipalities, sorted by code.
    pub municipalities: Vec<Municipality>,
    /// Fees and pot rates per year and category.
    pub tariffs: Tariffs,
    /// What is invoiced when.
    pub billing: Billing,
    /// How the trainer pot is distributed.
    pub trainer_pot: TrainerPotRules,
    /// Sender and templates of the e-mails to contact persons.
    pub email: EmailSettings,
    /// How the Totara exports are read.
    pub ingest: IngestSettings,
    /// Report files downloaded over HTTP before each sync.
    pub sources: Vec<HttpSource>,
    /// Totara web services read before each sync.
    pub webservices: Vec<Webservice>,
    /// Reconciliation rules.
    pub reconcile: ReconcileSettings,
    /// The SMTP relay; without it messages only go to the outbox folder.
    pub smtp: Option<SmtpSettings>,
    /// How long personal data is kept (`yrkesresan purge`).
    pub retention: Retention,
    pub(super) names: HashMap<String, Recipient>,
    pub(super) delresa_names: HashMap<String, DelresaCode>,
    /// SHA-256 of the config text: what was derived from it (a parsed
    /// register) is reused only under the same config.
    pub(crate) fingerprint: String,
}

/// The regional support structure (RSS).
#[derive(Debug, Clone)]
pub struct Region {
    /// Display name, e.g. "RSS Dalarna".
    pub name: String,
    /// The code its own row uses in outputs (e.g. the county code "20").
    pub code: String,
    /// Other names the register may use for it.
    pub aliases: Vec<String>,
    /// Its time zone: what "today" is for a run (default Europe/Stockholm).
    pub timezone: chrono_tz::Tz,
}

/// One delresa of Yrkesresan.
#[derive(Debug, Clone)]
pub struct Delresa {
    /// Short code, e.g. `bou`.
    pub code: DelresaCode,
    /// Full Swedish name.
    pub name: String,
}

/// One municipality of the region.
#[derive(Debug, Clone)]
pub struct Municipality {
    /// Official code.
    pub code: KommunKod,
    /// Name, e.g. "Falun".
    pub name: String,
    /// Inhabitants, the key for fixed costs.
    pub population: u32,
    /// The year the population figure is from.
    pub population_year: i32,
    /// The reference finance puts on the municipality's invoice.
    pub invoice_reference: String,
    /// Contact persons (kontaktpersoner).
    pub contacts: Vec<Contact>,
}

impl Municipality {
    /// An ASCII file-name slug: "Malung-Sälen" → "malung-salen".
    pub fn slug(&self) -> String {
        slug_of(&self.name)
    }
}

/// The ASCII file-name slug of a municipality name (unique per config, `check` makes sure).
pub fn slug_of(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .map(|c| match c {
            'å' | 'ä' => 'a',
            'ö' => 'o',
            'é' => 'e',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        })
        .collect()
}

/// A contact person for one or more delresor.
#[derive(Debug, Clone)]
pub struct Contact {
    /// Full name.
    pub name: String,
    /// Address the workbook is sent to.
    pub email: Email,
    /// The delresor the person is contact for; empty: every delresa
    /// (`delresor = ["alla"]` or none given).
    pub delresor: Vec<DelresaCode>,
    /// Marked as one person who is contact for several municipalities
    /// (`shared = true` on each entry); otherwise `check` refuses an address
    /// under two municipalities.
    pub shared: bool,
}

impl Contact {
    /// Whether the person is contact for a delresa.
    pub fn covers(&self, d: &DelresaCode) -> bool {
        self.delresor.is_empty() || self.delresor.contains(d)
    }
}

/// The tariff for one year and category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tariff {
    /// Fee per attended participant per regional course day.
    pub fee: Money,
    /// The part of the fee that goes to the trainer pot.
    pub pot: Money,
    /// The course leader's points per day taught (a trainer has 1).
    pub leader_share: Decimal,
}

impl Tariff {
    /// A trainer's points for one day in a role: the leader share, 1, or 0 for a reserve.
    pub fn points(&self, role: crate::domain::TrainerRole) -> Decimal {
        match role {
            crate::domain::TrainerRole::Kursledare => self.leader_share,
            crate::domain::TrainerRole::Utbildare => Decimal::ONE,
            crate::domain::TrainerRole::Reserv => Decimal::ZERO,
        }
    }
}

/// Tariffs by year and category.
#[derive(Debug, Clone, Default)]
pub struct Tariffs(pub(crate) BTreeMap<(i32, Category), Tariff>);

impl Tariffs {
    /// The tariff of a year and category, if configured.
    pub fn get(&self, year: i32, category: Category) -> Option<&Tariff> {
        self.0.get(&(year, category))
    }

    /// The leader share of a year (from whichever category is configured).
    pub fn leader_share(&self, year: i32, category: Category) -> Option<Decimal> {
        self.get(year, category).map(|t| t.leader_share)
    }

    /// All configured (year, category) pairs.
    pub fn keys(&self) -> impl Iterator<Item = (i32, Category)> + '_ {
        self.0.keys().copied()
    }
}

/// Who decided a setting that puts amounts on an invoice, and where the
/// setting stands in the config. An undecided setting may be shown marked
/// preliminary (`--dry-run`, `demo`) but never reaches a delivered invoice.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Decision {
    /// The decision as the config records it, e.g. "Styrgruppen 2026-01-15 §4".
    pub by: Option<String>,
    /// The config line of the setting.
    pub line: usize,
}

impl Decision {
    /// True when the config records who decided it.
    pub fn is_decided(&self) -> bool {
        self.by.is_some()
    }
}

/// A setting that would bill without a recorded decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecided {
    /// The setting's name as invoice lines carry it, e.g. `billing.regional_fixed_cost (2026)`.
    pub setting: String,
    /// Its config line.
    pub line: usize,
    /// What it would bill and when, in plain words.
    pub bills: String,
}

/// How national course days are handled (DOMAIN.md "Invoice basis" 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NationalDays {
    /// The municipality buys them itself: shown to it as information only.
    Information,
    /// RSS buys them on the members' behalf and invoices them.
    Invoice,
}

/// How the trainer pot is settled once a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// Paid back to the municipalities (Dalarna): a payout list for finance
    /// and a statement to each municipality, no invoice line.
    Payout,
    /// Credited on the home municipality's invoice (Göteborgsregionen).
    Credit,
}

/// Invoice rules.
#[derive(Debug, Clone)]
pub struct Billing {
    /// Fee for a registered participant who did not attend a day (assumption: 0).
    pub no_show_fee: Money,
    /// Who decided the no-show fee.
    pub no_show_fee_decided: Decision,
    /// National course days: information (default) or invoiced.
    pub national_days: NationalDays,
    /// Who decided to invoice national days.
    pub national_days_decided: Decision,
    /// Regional fixed cost per year, split by population share.
    pub regional_fixed_cost: BTreeMap<i32, FixedCost>,
    /// Months (1–12) in which an instalment of the fixed cost is invoiced.
    pub fixed_cost_months: Vec<u32>,
    /// The month the trainer-pot payout is credited (12 = December).
    pub pot_credit_month: u32,
    /// National fixed fee to SKR per inhabitant, by year (information only).
    pub national_fee: BTreeMap<i32, Money>,
    /// Article codes and descriptions on the invoice basis.
    pub articles: Articles,
}

/// The regional fixed cost of one year.
#[derive(Debug, Clone)]
pub struct FixedCost {
    /// The amount for the whole region.
    pub amount: Money,
    /// Who decided it; without a decision it is only ever shown as preliminary.
    pub decided: Decision,
}

/// Article codes finance imports.
#[derive(Debug, Clone)]
pub struct Articles {
    /// Regional course day, employee course.
    pub regional_medarbetare: String,
    /// Regional course day, manager course.
    pub regional_chef: String,
    /// No-show on a regional course day.
    pub no_show: String,
    /// National course day.
    pub national: String,
    /// Regional fixed cost instalment.
    pub fixed_cost: String,
    /// Trainer-pot credit.
    pub pot_credit: String,
    /// Lines the register's sheet `Övriga rader` adds (venue, correction, credit).
    pub other: String,
}

impl Articles {
    /// The article of a regional course day of a category.
    pub fn regional(&self, c: Category) -> &str {
        match c {
            Category::Medarbetare => &self.regional_medarbetare,
            Category::Chef => &self.regional_chef,
        }
    }
}

pub use crate::domain::DistributionRule;

/// What happens with trainers employed by RSS itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RssTrainers {
    /// Their points count and their money stays with the region (a row of its own).
    Region,
    /// Their points do not count; the others share the pot.
    Exclude,
}

/// The trainer-pot rules.
#[derive(Debug, Clone, Copy)]
pub struct TrainerPotRules {
    /// Per day or pooled for the year.
    pub rule: DistributionRule,
    /// RSS-employed trainers.
    pub rss_trainers: RssTrainers,
    /// Payouts are rounded to multiples of this (1 = whole kronor).
    pub rounding_unit: Money,
    /// Paid back (Dalarna) or credited on the invoice (Göteborgsregionen).
    pub settlement: Settlement,
}

/// How a download authenticates; the secret itself only ever comes from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpAuth {
    /// No credentials.
    None,
    /// `Authorization: Bearer <token>`.
    Bearer {
        /// The environment variable holding the token.
        env: String,
    },
    /// The token as a query parameter (Totara's `token=` / `wstoken=`).
    Query {
        /// The environment variable holding the token.
        env: String,
        /// The parameter name.
        param: String,
    },
}

/// A report file fetched over HTTP(S) into the inbox.
#[derive(Debug, Clone)]
pub struct HttpSource {
    /// Unique name (used in file names and the report).
    pub name: String,
    /// Where to fetch it.
    pub url: String,
    /// Credentials.
    pub auth: HttpAuth,
    /// Connect timeout.
    pub connect_timeout: std::time::Duration,
    /// Timeout between two reads of the body (not the whole download).
    pub read_timeout: std::time::Duration,
    /// Retries after the first attempt, on 5xx, 429, timeouts and broken bodies.
    pub retries: u32,
    /// First backoff; doubled for each retry.
    pub backoff: std::time::Duration,
    /// The most bytes a download may have; a longer body is refused, not retried.
    pub max_bytes: u64,
    /// The whole fetch, retries and waits included, must end within this.
    pub deadline: std::time::Duration,
}

/// A Totara REST web service (`webservice/rest/server.php`), read as an
/// alternative to report files: accounts with `core_user_get_users`, and the
/// listed courses' completions with `core_completion_get_course_completion_status`.
#[derive(Debug, Clone)]
pub struct Webservice {
    /// Unique name.
    pub name: String,
    /// The site, e.g. `https://yrkesresan.example`.
    pub base_url: String,
    /// The environment variable holding `wstoken`.
    pub token_env: String,
    /// Users per page.
    pub page_size: u32,
    /// The user field with the municipality (`institution`, `department`, or `customfield:<shortname>`).
    pub municipality_field: String,
    /// The user field with the roles.
    pub roles_field: String,
    /// The user field with the delresa, if any.
    pub delresa_field: Option<String>,
    /// Courses whose completion is read: (Totara course id, course name).
    pub courses: Vec<(u64, String)>,
    /// Read timeout.
    pub read_timeout: std::time::Duration,
    /// Retries per call.
    pub retries: u32,
    /// First backoff.
    pub backoff: std::time::Duration,
    /// The most bytes all answers of one read may have together.
    pub max_bytes: u64,
    /// The whole read, every call and retry included, must end within this.
    pub deadline: std::time::Duration,
    /// The most pages of users read; more is reported as an incomplete read, not an error.
    pub max_pages: u32,
}

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// STARTTLS, required (port 587).
    StartTls,
    /// Implicit TLS (port 465).
    Tls,
    /// Plaintext: only for a relay on loopback, and only when written explicitly.
    None,
}

/// The SMTP relay. User and password come from the environment variables
/// named here, never from the file.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// Host name.
    pub host: String,
    /// Port.
    pub port: u16,
    /// TLS mode.
    pub tls: SmtpTls,
    /// Environment variable with the user name, if the relay wants a login.
    pub user_env: Option<String>,
    /// Environment variable with the password.
    pub password_env: Option<String>,
    /// An extra trusted CA (PEM), e.g. a relay's self-signed certificate.
    pub ca_file: Option<std::path::PathBuf>,
    /// Our own timeout around each send (lettre's covers only the connect).
    pub timeout: std::time::Duration,
    /// Retries of a transient failure within a run.
    pub retries: u32,
    /// First backoff; doubled for each retry.
    pub backoff: std::time::Duration,
    /// Messages sent at the same time, each on its own connection.
    pub connections: usize,
    /// Who gets a copy of each municipality's monthly message.
    pub cc: Vec<Email>,
    /// What the copy holds: a summary without names (default) or the
    /// whole workbook (`cc_content = "full"`).
    pub cc_full: bool,
    /// The envelope sender (bounces go there); `email.from` if not set.
    pub envelope_from: Option<Email>,
    /// A message not through after this long is given up (`message-not-sent`).
    pub give_up_after: chrono::Duration,
    /// The waits between tries of a message not through; the last repeats.
    pub retry_after: Vec<chrono::Duration>,
}

/// How long personal data is kept before `yrkesresan purge` removes it
/// (defaults and reasons in the README, "Personuppgifter").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Snapshot rows (accounts, completions, sign-ups) and replaced register
    /// copies, in months; the current view and what open months need stay.
    pub snapshots_months: u32,
    /// Files in `inbox/processed` and `inbox/rejected`, in days.
    pub inbox_days: u32,
    /// Message bodies and attachments after delivery, in months (who, when
    /// and the Message-ID stay).
    pub messages_months: u32,
    /// Copies in the output folder (`kommuner/*.xlsx`, `outbox/*.eml`), in months.
    pub outputs_months: u32,
    /// Run-log details (error texts, input paths), in months.
    pub run_log_months: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention { snapshots_months: 13, inbox_days: 30, messages_months: 3, outputs_months: 13, run_log_months: 24 }
    }
}

/// Reconciliation rules.
#[derive(Debug, Clone)]
pub struct ReconcileSettings {
    /// Trainers (kursledare included) a regional course day needs.
    pub team_size: u32,
    /// A different team size for named rounds.
    pub team_size_by_round: BTreeMap<String, u32>,
    /// Whether a regional day of a category needs a kursledare (seed 003 makes
    /// the leader optional; default: medarbetare yes, chef no).
    pub course_leader_required: BTreeMap<Category, bool>,
}

impl Default for ReconcileSettings {
    fn default() -> Self {
        ReconcileSettings {
            team_size: 2,
            team_size_by_round: BTreeMap::new(),
            course_leader_required: [(Category::Medarbetare, true), (Category::Chef, false)].into_iter().collect(),
        }
    }
}

impl ReconcileSettings {
    /// The team size of a round.
    pub fn team_size(&self, round: &str) -> u32 {
        self.team_size_by_round.get(round).copied().unwrap_or(self.team_size)
    }

    /// Whether a day of this category needs a course leader.
    pub fn leader_required(&self, category: Category) -> bool {
        self.course_leader_required.get(&category).copied().unwrap_or(true)
    }
}

/// How the exports of one kind are read.
#[derive(Debug, Clone)]
pub struct ExportSettings {
    /// Reject a file with bad rows whole (default), or skip and list them.
    pub reject_bad_rows: bool,
    /// Extra accepted headings per field, tried before the defaults.
    pub columns: BTreeMap<String, Vec<String>>,
}

impl Default for ExportSettings {
    fn default() -> Self {
        ExportSettings { reject_bad_rows: true, columns: BTreeMap::new() }
    }
}

/// Caps on what reading one input file may cost, whatever the file declares:
/// a file beyond them is rejected with the cap named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestLimits {
    /// The most bytes one part of a workbook (zip) may unpack to.
    pub max_part_bytes: u64,
    /// The most bytes all parts of a workbook together may unpack to.
    pub max_unpacked_bytes: u64,
    /// The most parts (zip entries) a workbook may have.
    pub max_zip_entries: usize,
    /// The highest unpacked/packed ratio of a part over 1 MiB (zip bombs reach thousands).
    pub max_compression_ratio: u64,
    /// The longest line or field of a CSV file.
    pub max_line_bytes: usize,
}

impl Default for IngestLimits {
    fn default() -> Self {
        IngestLimits {
            max_part_bytes: 512 << 20,
            max_unpacked_bytes: 512 << 20,
            max_zip_entries: 10_000,
            max_compression_ratio: 1_000,
            max_line_bytes: 1 << 20,
        }
    }
}

/// Ingest settings.
#[derive(Debug, Clone)]
pub struct IngestSettings {
    /// A file modified less than this many seconds ago is left for the next run.
    pub settle_seconds: u64,
    /// What reading one file may cost.
    pub limits: IngestLimits,
    /// Accounts exports.
    pub accounts: ExportSettings,
    /// Completion exports.
    pub completions: ExportSettings,
    /// Sign-up exports.
    pub signups: ExportSettings,
}

impl Default for IngestSettings {
    fn default() -> Self {
        IngestSettings {
            settle_seconds: 10,
            limits: IngestLimits::default(),
            accounts: ExportSettings::default(),
            completions: ExportSettings::default(),
            signups: ExportSettings::default(),
        }
    }
}

impl IngestSettings {
    /// The settings of a kind.
    pub fn get(&self, kind: crate::domain::ExportKind) -> &ExportSettings {
        use crate::domain::ExportKind;
        match kind {
            ExportKind::Accounts => &self.accounts,
            ExportKind::Completions => &self.completions,
            ExportKind::Signups => &self.signups,
        }
    }
}

/// E-mail sender and message templates.
#[derive(Debug, Clone)]
pub struct EmailSettings {
    /// `From:` as `Name <address>`.
    pub from: String,
    /// `Reply-To:`, if any.
    pub reply_to: Option<String>,
    /// Finance, who get the invoice basis.
    pub finance: Option<Email>,
    /// The project lead, who gets the regional follow-up when findings change.
    pub project_lead: Option<Email>,
    /// The domain of our own Message-IDs.
    pub message_id_domain: String,
    /// Subject template: `{kommun}`, `{period}`, `{total}`.
    pub subject: String,
    /// Body template: `{kommun}`, `{period}`, `{total}`, `{lines}`, `{region}`.
    pub body: String,
    /// Subject of the trainer-pot statement: `{kommun}`, `{year}`, `{amount}`.
    pub payout_subject: String,
    /// Body of the trainer-pot statement: `{kommun}`, `{year}`, `{amount}`, `{days}`, `{region}`.
    pub payout_body: String,
    /// Subject of the summary to the copy addresses (`smtp.cc`): as `subject`.
    pub copy_subject: String,
    /// Body of the summary to the copy addresses: as `body`.
    pub copy_body: String,
}

impl Config {
    pub(crate) fn with_indexes(mut self) -> Self {
        let mut names = HashMap::new();
        for m in &self.municipalities {
            names.insert(m.code.to_string(), Recipient::Kommun(m.code));
            names.insert(normalise(&m.name), Recipient::Kommun(m.code));
            names.insert(normalise(&format!("{} kommun", m.name)), Recipient::Kommun(m.code));
        }
        names.insert(normalise(&self.region.name), Recipient::Region);
        names.insert(normalise(&self.region.code), Recipient::Region);
        for a in &self.region.aliases {
            names.insert(normalise(a), Recipient::Region);
        }
        self.names = names;
        let mut dn = HashMap::new();
        for d in &self.delresor {
            dn.insert(normalise(d.code.as_str()), d.code.clone());
            dn.insert(normalise(&d.name), d.code.clone());
        }
        self.delresa_names = dn;
        self
    }

    pub(crate) fn add_alias(&mut self, alias: &str, r: Recipient) {
        self.names.insert(normalise(alias), r);
    }

    pub(crate) fn add_delresa_alias(&mut self, alias: &str, code: DelresaCode) {
        self.delresa_names.insert(normalise(alias), code);
    }

    /// Resolves a municipality or region name, alias or code as written in a file.
    pub fn resolve(&self, text: &str) -> Option<Recipient> {
        self.names.get(normalised(text).as_ref()).copied()
    }

    /// Resolves a municipality only (the region is not a municipality).
    pub fn resolve_kommun(&self, text: &str) -> Option<KommunKod> {
        match self.resolve(text) {
            Some(Recipient::Kommun(k)) => Some(k),
            _ => None,
        }
    }

    /// Resolves a delresa code or name.
    pub fn resolve_delresa(&self, text: &str) -> Option<DelresaCode> {
        self.delresa_names.get(normalised(text).as_ref()).cloned()
    }

    /// The municipality of a code.
    pub fn municipality(&self, code: KommunKod) -> Option<&Municipality> {
        self.municipalities.binary_search_by_key(&code, |m| m.code).ok().map(|i| &self.municipalities[i])
    }

    /// The display name of a delresa code.
    pub fn delresa_name<'a>(&'a self, code: &'a DelresaCode) -> &'a str {
        self.delresor.iter().find(|d| &d.code == code).map(|d| d.name.as_str()).unwrap_or(code.as_str())
    }

    /// The code a payout recipient is shown with.
    pub fn recipient_code(&self, r: Recipient) -> String {
        match r {
            Recipient::Region => self.region.code.clone(),
            Recipient::Kommun(k) => k.to_string(),
        }
    }

    /// The name a payout recipient is shown with.
    pub fn recipient_name(&self, r: Recipient) -> String {
        match r {
            Recipient::Region => self.region.name.clone(),
            Recipient::Kommun(k) => self.municipality(k).map(|m| m.name.clone()).unwrap_or_default(),
        }
    }

    /// Every setting that would put an amount on an invoice without a recorded
    /// decision, with what it would bill (for `check` and the invoice job).
    pub fn undecided(&self) -> Vec<Undecided> {
        let b = &self.billing;
        let mut out = Vec::new();
        for (year, cost) in &b.regional_fixed_cost {
            if !cost.decided.is_decided() && !cost.amount.is_zero() {
                let months: Vec<String> = b.fixed_cost_months.iter().map(|m| format!("{year}-{m:02}")).collect();
                out.push(Undecided {
                    setting: format!("billing.regional_fixed_cost ({year})"),
                    line: cost.decided.line,
                    bills: format!("{} kr, invoiced in {}", cost.amount.to_swedish(), months.join(", ")),
                });
            }
        }
        if !b.no_show_fee_decided.is_decided() && !b.no_show_fee.is_zero() {
            out.push(Undecided {
                setting: "billing.no_show_fee".into(),
                line: b.no_show_fee_decided.line,
                bills: format!("{} kr per no-show, in every month with a no-show", b.no_show_fee.to_swedish()),
            });
        }
        if b.national_days == NationalDays::Invoice && !b.national_days_decided.is_decided() {
            out.push(Undecided {
                setting: "billing.national_days".into(),
                line: b.national_days_decided.line,
                bills: "national course days, in every month with one".into(),
            });
        }
        out
    }

    /// The national SKR fee per inhabitant in a year, if configured.
    pub fn national_fee(&self, year: Year) -> Option<Money> {
        self.billing.national_fee.get(&year.get()).copied()
    }
}

/// Lower-cased, trimmed, inner white space folded: how names are matched.
pub(crate) fn normalise(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// [`normalise`]d, borrowing text that already is (ASCII, no capitals,
/// single spaces between words): a file's every row is looked up this way.
fn normalised(s: &str) -> std::borrow::Cow<'_, str> {
    let b = s.as_bytes();
    let plain = b.iter().all(|&c| c.is_ascii() && !c.is_ascii_uppercase() && !(9..=13).contains(&c))
        && !b.starts_with(b" ")
        && !b.ends_with(b" ")
        && !b.windows(2).any(|w| w == b"  ");
    if plain {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(normalise(s))
    }
}

#[cfg(test)]
mod tests {
    use super::{normalise, normalised};

    #[test]
    fn borrowed_names_are_the_normalised_ones() {
        for s in [
            "",
            " ",
            "falun",
            "Falun",
            " falun",
            "falun ",
            "ludvika kommun",
            "ludvika  kommun",
            "ludvika\tkommun",
            "\u{a0}falun",
            "älvdalen",
            "Älvdalen",
            "mora\u{b}",
            "2080",
            "smedjebacken kommun ",
        ] {
            assert_eq!(normalised(s), normalise(s), "{s:?}");
        }
        assert!(matches!(normalised("ludvika kommun"), std::borrow::Cow::Borrowed(_)));
    }
}
