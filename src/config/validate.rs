//! Turns the raw config into a [`Config`], collecting every problem.

use super::diagnostics::{Collector, ConfigErrors};
use super::model::*;
use super::number::RawNumber;
use super::raw::*;
use crate::domain::{Category, DelresaCode, Email, KommunKod, Money, Recipient};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use toml::Spanned;

/// The largest course-leader share `check` accepts (points per leader day).
const MAX_LEADER_SHARE: i64 = 100;

/// Reads and validates a config file.
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(path, &text),
        Err(e) => {
            let mut c = Collector::new(path, "");
            c.file_level(format!("cannot read the config file: {e}"));
            Err(ConfigErrors(c.errors))
        }
    }
}

/// Validates config text as if read from `path`.
pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigErrors> {
    let mut c = Collector::new(path, text);
    let raw: RawConfig = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            c.toml(&e);
            return Err(ConfigErrors(c.errors));
        }
    };
    let config = build(raw, &mut c);
    if c.errors.is_empty() {
        let mut config = config.expect("no errors means a config");
        config.fingerprint = crate::domain::hash::sha256_hex(text);
        Ok(config)
    } else {
        Err(ConfigErrors(c.errors))
    }
}

fn build(raw: RawConfig, c: &mut Collector) -> Option<Config> {
    let region = region(&raw.region, c);
    let delresor = delresor(&raw.delresa, c);
    let known: BTreeSet<&str> = delresor.iter().map(|(d, _)| d.code.as_str()).collect();
    let municipalities = municipalities(&raw.municipality, &known, c);
    let tariffs = tariffs(&raw.tariff, c);
    let billing = billing(&raw.billing, c);
    let trainer_pot = trainer_pot(&raw.trainer_pot, c);
    let email = email(&raw.email, c);
    let ingest = ingest(raw.ingest.as_ref(), c);
    let sources = sources(&raw.source, c);
    let webservices = webservices(&raw.webservice, &sources, c);
    let reconcile = raw.reconcile.as_ref().map(|r| reconcile(r, c)).unwrap_or_default();
    let smtp = raw.smtp.as_ref().and_then(|s| smtp(s, c));
    let retention = raw.retention.as_ref().map(|r| retention(r, c)).unwrap_or_default();
    if let Some(tp) = &trainer_pot {
        pots_in_rounding_units(&tariffs, tp, c);
    }
    unique_names(&raw, c);

    let (region, billing, trainer_pot, email) = (region?, billing?, trainer_pot?, email?);
    let mut config = Config {
        source: c_path(c),
        region,
        delresor: delresor.iter().map(|(d, _)| d.clone()).collect(),
        municipalities: municipalities.iter().map(|(m, _)| m.clone()).collect(),
        tariffs,
        billing,
        trainer_pot,
        email,
        ingest,
        sources,
        webservices,
        reconcile,
        smtp,
        retention,
        names: Default::default(),
        delresa_names: Default::default(),
        fingerprint: String::new(),
    }
    .with_indexes();
    for (m, aliases) in &municipalities {
        for a in aliases {
            config.add_alias(a, Recipient::Kommun(m.code));
        }
    }
    for a in &raw.region.get_ref().aliases {
        config.add_alias(a, Recipient::Region);
    }
    for (d, aliases) in &delresor {
        for a in aliases {
            config.add_delresa_alias(a, d.code.clone());
        }
    }
    Some(config)
}

/// Every tariff's pot is a whole number of rounding units, or payouts could not add up to it.
fn pots_in_rounding_units(tariffs: &Tariffs, tp: &TrainerPotRules, c: &mut Collector) {
    for ((year, cat), t) in &tariffs.0 {
        let units = t.pot.as_decimal() / tp.rounding_unit.as_decimal();
        if units.fract() != Decimal::ZERO {
            c.file_level(format!(
                "tariff {year} {cat}: pot {} is not a multiple of trainer_pot.rounding_unit {}; \
                 payouts could not add up to the pot",
                t.pot, tp.rounding_unit
            ));
        }
    }
}

/// A name or alias names one municipality (or the region), never two.
fn unique_names(raw: &RawConfig, c: &mut Collector) {
    let mut aliases_seen: HashMap<String, String> = HashMap::new();
    let mut check_alias = |alias: &str, owner: &str, span: std::ops::Range<usize>, c: &mut Collector| {
        if let Some(prev) = aliases_seen.insert(normalise(alias), owner.to_string()) {
            if prev != owner {
                c.at(span, format!("the name '{alias}' is used for both {prev} and {owner}"));
            }
        }
    };
    for m in &raw.municipality {
        let owner = m.get_ref().name.clone();
        for a in std::iter::once(&m.get_ref().name).chain(m.get_ref().aliases.iter()) {
            check_alias(a, &owner, m.span(), c);
        }
    }
    for a in std::iter::once(&raw.region.get_ref().name).chain(raw.region.get_ref().aliases.iter()) {
        check_alias(a, &raw.region.get_ref().name, raw.region.span(), c);
    }
}

fn reconcile(r: &Spanned<RawReconcile>, c: &mut Collector) -> ReconcileSettings {
    let rr = r.get_ref();
    if rr.team_size == Some(0) || rr.team_size_by_round.values().any(|&n| n == 0) {
        c.at(r.span(), "reconcile.team_size must be at least 1");
    }
    let mut out = ReconcileSettings {
        team_size: rr.team_size.unwrap_or(2),
        team_size_by_round: rr.team_size_by_round.clone(),
        ..ReconcileSettings::default()
    };
    if let Some(req) = &rr.course_leader_required {
        for (cat, needed) in req.get_ref() {
            match Category::parse(cat) {
                Ok(cat) => {
                    out.course_leader_required.insert(cat, *needed);
                }
                Err(e) => c.at(req.span(), format!("reconcile.course_leader_required: {e}")),
            }
        }
    }
    out
}

fn c_path(c: &Collector) -> std::path::PathBuf {
    c.file().to_path_buf()
}

fn region(r: &Spanned<RawRegion>, c: &mut Collector) -> Option<Region> {
    let raw = r.get_ref();
    if raw.name.trim().is_empty() {
        c.at(r.span(), "region.name is empty");
    }
    let code = raw.code.get_ref().trim();
    if code.is_empty() || KommunKod::parse(code).is_ok() {
        c.at(raw.code.span(), format!("region.code '{code}' must be set and must not look like a municipality code"));
    }
    let timezone = match &raw.timezone {
        None => chrono_tz::Europe::Stockholm,
        Some(t) => t.get_ref().parse::<chrono_tz::Tz>().unwrap_or_else(|_| {
            c.at(t.span(), format!("region.timezone '{}' is not a time zone (e.g. Europe/Stockholm)", t.get_ref()));
            chrono_tz::Europe::Stockholm
        }),
    };
    Some(Region { name: raw.name.trim().to_string(), code: code.to_string(), aliases: raw.aliases.clone(), timezone })
}

fn delresor(list: &[Spanned<RawDelresa>], c: &mut Collector) -> Vec<(Delresa, Vec<String>)> {
    let mut out: Vec<(Delresa, Vec<String>)> = Vec::new();
    if list.is_empty() {
        c.file_level("no [[delresa]] is configured");
    }
    for d in list {
        let raw = d.get_ref();
        match DelresaCode::parse(raw.code.get_ref()) {
            Ok(code) => {
                if out.iter().any(|(o, _)| o.code == code) {
                    c.at(raw.code.span(), format!("delresa '{code}' is configured twice"));
                }
                out.push((Delresa { code, name: raw.name.trim().to_string() }, raw.aliases.clone()));
            }
            Err(e) => c.at(raw.code.span(), format!("delresa.code: {e}")),
        }
    }
    out
}

fn municipalities(
    list: &[Spanned<RawMunicipality>],
    delresor: &BTreeSet<&str>,
    c: &mut Collector,
) -> Vec<(Municipality, Vec<String>)> {
    let mut out: Vec<(Municipality, Vec<String>)> = Vec::new();
    if list.is_empty() {
        c.file_level("no [[municipality]] is configured");
    }
    for m in list {
        let raw = m.get_ref();
        let code = match KommunKod::parse(raw.code.get_ref()) {
            Ok(k) => k,
            Err(e) => {
                c.at(raw.code.span(), format!("municipality.code: {e}"));
                continue;
            }
        };
        let who = format!("municipality {code} {}", raw.name);
        if out.iter().any(|(o, _)| o.code == code) {
            c.at(raw.code.span(), format!("{who} is configured twice"));
        }
        let population = *raw.population.get_ref();
        if population <= 0 || population > u32::MAX as i64 {
            c.at(raw.population.span(), format!("{who}: population must be a positive number of inhabitants"));
        }
        if raw.invoice_reference.get_ref().trim().is_empty() {
            c.at(raw.invoice_reference.span(), format!("{who}: invoice_reference is empty"));
        }
        if raw.contact.is_empty() {
            c.at(m.span(), format!("{who} has no contact person ([[municipality.contact]])"));
        }
        let contacts = raw.contact.iter().filter_map(|k| contact(k, &who, delresor, c)).collect();
        out.push((
            Municipality {
                code,
                name: raw.name.trim().to_string(),
                population: population.clamp(0, u32::MAX as i64) as u32,
                population_year: raw.population_year as i32,
                invoice_reference: raw.invoice_reference.get_ref().trim().to_string(),
                contacts,
            },
            raw.aliases.clone(),
        ));
    }
    shared_contacts(list, c);
    // Each municipality's files are named after it: two names must not give one file name.
    let mut slugs: HashMap<String, &str> = HashMap::new();
    for raw in list {
        let name = raw.get_ref().name.trim();
        let slug = slug_of(name);
        if let Some(first) = slugs.insert(slug.clone(), name) {
            c.at(
                raw.span(),
                format!(
                    "municipality {name} gives the file name '{slug}', as {first} does: municipality names must give distinct file names"
                ),
            );
        }
    }
    out.sort_by_key(|(m, _)| m.code);
    out
}

/// A contact address under two municipalities would send one municipality's
/// workbook to another's contact: refused unless every entry of it says
/// `shared = true` (one person who is contact for both).
fn shared_contacts(list: &[Spanned<RawMunicipality>], c: &mut Collector) {
    let mut first: HashMap<String, (&str, bool)> = HashMap::new();
    for m in list {
        let raw = m.get_ref();
        for k in &raw.contact {
            let kr = k.get_ref();
            let address = kr.email.get_ref().trim().to_lowercase();
            match first.get(&address) {
                None => {
                    first.insert(address, (raw.name.trim(), kr.shared));
                }
                Some(&(other, shared)) if other != raw.name.trim() && !(shared && kr.shared) => c.at(
                    kr.email.span(),
                    format!(
                        "the contact address {address} is listed under both {other} and {}: each would get the \
                         other's workbook. Give each municipality its own contact, or mark both entries \
                         shared = true if one person really is contact for both",
                        raw.name.trim()
                    ),
                ),
                Some(_) => {}
            }
        }
    }
}

/// An amount of money: exact, whole öre and within [`Money::MAX`] (never rounded silently).
/// One contact person: an address and the configured delresor they are contact for.
fn contact(k: &Spanned<RawContact>, who: &str, delresor: &BTreeSet<&str>, c: &mut Collector) -> Option<Contact> {
    let kr = k.get_ref();
    let email = match Email::parse(kr.email.get_ref()) {
        Ok(e) => Some(e),
        Err(e) => {
            c.at(kr.email.span(), format!("{who}, contact {}: {e}", kr.name));
            None
        }
    };
    // No delresa, or `alla`, is contact for every delresa.
    let mut ds = Vec::new();
    let Some(listed) = &kr.delresor else {
        return email.map(|email| Contact { name: kr.name.clone(), email, delresor: ds, shared: kr.shared });
    };
    let all = listed.get_ref().iter().any(|d| d.trim().eq_ignore_ascii_case("alla"));
    for d in listed.get_ref().iter().filter(|_| !all) {
        if delresor.contains(d.as_str()) {
            ds.push(DelresaCode::parse(d).expect("configured codes are valid"));
        } else {
            c.at(
                listed.span(),
                format!(
                    "{who}, contact {}: '{d}' is not a configured delresa (one of: {}, or alla for every delresa)",
                    kr.name,
                    delresor.iter().copied().collect::<Vec<_>>().join(", ")
                ),
            );
        }
    }
    email.map(|email| Contact { name: kr.name.clone(), email, delresor: ds, shared: kr.shared })
}

fn money(n: &Spanned<RawNumber>, what: &str, c: &mut Collector) -> Option<Money> {
    match n.get_ref().to_decimal().and_then(|d| Money::new(d).exact_amount().map_err(|e| e.to_string())) {
        Ok(m) => Some(m),
        Err(e) => {
            c.at(n.span(), format!("{what}: {e}"));
            None
        }
    }
}

fn non_negative(n: &Spanned<RawNumber>, what: &str, c: &mut Collector) -> Option<Money> {
    let m = money(n, what, c)?;
    non_negative_value(m, n, what, c)
}

fn non_negative_value(m: Money, n: &Spanned<RawNumber>, what: &str, c: &mut Collector) -> Option<Money> {
    if m.is_negative() {
        c.at(n.span(), format!("{what} must not be negative"));
        return None;
    }
    Some(m)
}

fn tariffs(list: &[Spanned<RawTariff>], c: &mut Collector) -> Tariffs {
    let mut map = BTreeMap::new();
    if list.is_empty() {
        c.file_level("no [[tariff]] is configured");
    }
    for t in list {
        let raw = t.get_ref();
        let year = *raw.year.get_ref();
        if !(2000..=2100).contains(&year) {
            c.at(raw.year.span(), format!("tariff year {year} is outside 2000–2100"));
            continue;
        }
        let cat = match Category::parse(raw.category.get_ref()) {
            Ok(cat) => cat,
            Err(e) => {
                c.at(raw.category.span(), format!("tariff {year}: {e}"));
                continue;
            }
        };
        let what = format!("tariff {year} {cat}");
        let fee = non_negative(&raw.fee, &format!("{what}: fee"), c);
        let pot = non_negative(&raw.pot, &format!("{what}: pot"), c);
        let share = match raw.leader_share.get_ref().to_decimal() {
            Ok(d) => non_negative_value(Money::new(d), &raw.leader_share, &format!("{what}: leader_share"), c),
            Err(e) => {
                c.at(raw.leader_share.span(), format!("{what}: leader_share: {e}"));
                None
            }
        };
        if let (Some(fee), Some(pot)) = (fee, pot) {
            if pot > fee {
                c.at(raw.pot.span(), format!("{what}: pot {pot} is larger than the fee {fee}"));
            }
        }
        if let Some(s) = share {
            if s < Money::kr(1) {
                c.at(raw.leader_share.span(), format!("{what}: leader_share {s} is below a trainer's 1 point"));
            } else if s > Money::kr(MAX_LEADER_SHARE) {
                // Points are summed over every trainer-day of a year: an unbounded
                // share could overflow that sum; no programme weighs a leader so.
                c.at(
                    raw.leader_share.span(),
                    format!("{what}: leader_share {s} is above {MAX_LEADER_SHARE} points (a trainer has 1); use a share between 1 and {MAX_LEADER_SHARE}"),
                );
            }
        }
        if let (Some(fee), Some(pot), Some(share)) = (fee, pot, share) {
            if map.insert((year as i32, cat), Tariff { fee, pot, leader_share: share.as_decimal() }).is_some() {
                c.at(t.span(), format!("{what} is configured twice"));
            }
        }
    }
    Tariffs(map)
}

fn month_number(n: i64, span: std::ops::Range<usize>, what: &str, c: &mut Collector) -> Option<u32> {
    if (1..=12).contains(&n) {
        Some(n as u32)
    } else {
        c.at(span, format!("{what}: {n} is not a month number 1–12"));
        None
    }
}

fn billing(b: &Spanned<RawBilling>, c: &mut Collector) -> Option<Billing> {
    let raw = b.get_ref();
    let no_show_fee = non_negative(&raw.no_show_fee, "billing.no_show_fee", c);
    let no_show_fee_decided = decision(&raw.no_show_fee_decided, raw.no_show_fee.span(), "billing.no_show_fee", c);
    let national_days = match raw.national_days.as_ref().map(|n| (n.get_ref().as_str(), n.span())) {
        None | Some(("information", _)) => NationalDays::Information,
        Some(("invoice", _)) => NationalDays::Invoice,
        Some((other, span)) => {
            c.at(span, format!("billing.national_days '{other}' must be \"information\" or \"invoice\""));
            NationalDays::Information
        }
    };
    let national_span = raw.national_days.as_ref().map(|n| n.span()).unwrap_or(b.span());
    let national_days_decided = decision(&raw.national_days_decided, national_span, "billing.national_days", c);
    let mut months = Vec::new();
    for m in raw.fixed_cost_months.get_ref() {
        if let Some(m) = month_number(*m, raw.fixed_cost_months.span(), "billing.fixed_cost_months", c) {
            if !months.contains(&m) {
                months.push(m);
            }
        }
    }
    months.sort_unstable();
    if months.is_empty() {
        c.at(raw.fixed_cost_months.span(), "billing.fixed_cost_months must name at least one month");
    }
    let pot_credit_month =
        month_number(*raw.pot_credit_month.get_ref(), raw.pot_credit_month.span(), "billing.pot_credit_month", c);
    let fixed = fixed_costs(&raw.regional_fixed_cost, c);
    let national = national_fees(&raw.national_fee, c);
    let a = &raw.articles;
    let articles = Articles {
        regional_medarbetare: a.regional_medarbetare.clone(),
        regional_chef: a.regional_chef.clone(),
        no_show: a.no_show.clone(),
        national: a.national.clone(),
        fixed_cost: a.fixed_cost.clone(),
        pot_credit: a.pot_credit.clone(),
        other: a.other.clone().unwrap_or_else(|| "YR-OVRIGT".into()),
    };
    let codes = [
        &articles.other,
        &articles.regional_medarbetare,
        &articles.regional_chef,
        &articles.no_show,
        &articles.national,
        &articles.fixed_cost,
        &articles.pot_credit,
    ];
    let distinct: BTreeSet<_> = codes.iter().collect();
    if distinct.len() != codes.len() || codes.iter().any(|s| s.trim().is_empty()) {
        c.at(b.span(), "billing.articles: every article needs its own non-empty code");
    }
    Some(Billing {
        no_show_fee: no_show_fee?,
        no_show_fee_decided,
        national_days,
        national_days_decided,
        regional_fixed_cost: fixed,
        fixed_cost_months: months,
        pot_credit_month: pot_credit_month?,
        national_fee: national,
        articles,
    })
}

/// Who decided a setting that bills (an empty `decided` is an error: say who).
fn decision(by: &Option<String>, span: std::ops::Range<usize>, what: &str, c: &mut Collector) -> Decision {
    let by = by.as_ref().map(|s| s.trim().to_string());
    if by.as_deref() == Some("") {
        c.at(
            span.clone(),
            format!("{what}: decided is empty; write who decided it, e.g. \"Styrgruppen 2026-01-15 §4\""),
        );
    }
    Decision { by: by.filter(|s| !s.is_empty()), line: c.line_of(span.start) }
}

/// The regional fixed cost of each year, with its decision.
fn fixed_costs(list: &[Spanned<RawFixedCost>], c: &mut Collector) -> BTreeMap<i32, FixedCost> {
    let mut fixed = BTreeMap::new();
    for f in list {
        let fr = f.get_ref();
        let what = format!("billing.regional_fixed_cost {}", fr.year);
        let decided = decision(&fr.decided, f.span(), &what, c);
        if let Some(amount) = non_negative(&fr.amount, &what, c) {
            if fixed.insert(fr.year as i32, FixedCost { amount, decided }).is_some() {
                c.at(f.span(), format!("regional_fixed_cost for {} is configured twice", fr.year));
            }
        }
    }
    fixed
}

/// The SKR fee per inhabitant of each year.
fn national_fees(list: &[Spanned<RawNationalFee>], c: &mut Collector) -> BTreeMap<i32, Money> {
    let mut national = BTreeMap::new();
    for f in list {
        let fr = f.get_ref();
        if fr.to < fr.from {
            c.at(f.span(), format!("national_fee: 'to' {} is before 'from' {}", fr.to, fr.from));
        }
        if let Some(per) = non_negative(&fr.per_inhabitant, "national_fee.per_inhabitant", c) {
            for y in fr.from..=fr.to {
                if national.insert(y as i32, per).is_some() {
                    c.at(f.span(), format!("national_fee for {y} is configured twice"));
                }
            }
        }
    }
    national
}

fn trainer_pot(t: &Spanned<RawTrainerPot>, c: &mut Collector) -> Option<TrainerPotRules> {
    let raw = t.get_ref();
    let rule = match raw.rule.get_ref().as_str() {
        "per_day" => Some(DistributionRule::PerDay),
        "annual_pool" => Some(DistributionRule::AnnualPool),
        other => {
            c.at(raw.rule.span(), format!("trainer_pot.rule '{other}' must be \"per_day\" or \"annual_pool\""));
            None
        }
    };
    let rss = match raw.rss_trainers.get_ref().as_str() {
        "region" => Some(RssTrainers::Region),
        "exclude" => Some(RssTrainers::Exclude),
        other => {
            c.at(
                raw.rss_trainers.span(),
                format!("trainer_pot.rss_trainers '{other}' must be \"region\" or \"exclude\""),
            );
            None
        }
    };
    let unit = money(&raw.rounding_unit, "trainer_pot.rounding_unit", c);
    if let Some(u) = unit {
        if u <= Money::ZERO {
            c.at(raw.rounding_unit.span(), "trainer_pot.rounding_unit must be above zero (1 = whole kronor)");
            return None;
        }
    }
    let settlement = match raw.settlement.as_ref().map(|s| (s.get_ref().as_str(), s.span())) {
        None | Some(("payout", _)) => Some(Settlement::Payout),
        Some(("credit", _)) => Some(Settlement::Credit),
        Some((other, span)) => {
            c.at(span, format!("trainer_pot.settlement '{other}' must be \"payout\" or \"credit\""));
            None
        }
    };
    Some(TrainerPotRules { rule: rule?, rss_trainers: rss?, rounding_unit: unit?, settlement: settlement? })
}

fn email(e: &Spanned<RawEmail>, c: &mut Collector) -> Option<EmailSettings> {
    let raw = e.get_ref();
    let mut ok = true;
    if raw.from.get_ref().parse::<lettre::message::Mailbox>().is_err() {
        c.at(raw.from.span(), format!("email.from '{}' is not a mailbox (Name <address>)", raw.from.get_ref()));
        ok = false;
    }
    if let Some(r) = &raw.reply_to {
        if r.get_ref().parse::<lettre::message::Mailbox>().is_err() {
            c.at(r.span(), format!("email.reply_to '{}' is not a mailbox", r.get_ref()));
            ok = false;
        }
    }
    let domain = raw.message_id_domain.get_ref();
    if domain.is_empty() || !domain.contains('.') || domain.contains(['@', ' ', '<', '>']) {
        c.at(raw.message_id_domain.span(), format!("email.message_id_domain '{domain}' is not a domain"));
        ok = false;
    }
    let mut address = |a: &Option<Spanned<String>>, what: &str| -> Option<Email> {
        let a = a.as_ref()?;
        Email::parse(a.get_ref()).map_err(|e| c.at(a.span(), format!("email.{what}: {e}"))).ok()
    };
    let finance = address(&raw.finance, "finance");
    let project_lead = address(&raw.project_lead, "project_lead");
    ok.then(|| EmailSettings {
        from: raw.from.get_ref().clone(),
        finance,
        project_lead,
        reply_to: raw.reply_to.as_ref().map(|r| r.get_ref().clone()),
        message_id_domain: domain.clone(),
        subject: raw.subject.clone(),
        body: raw.body.clone(),
        payout_subject: raw.payout_subject.clone().unwrap_or_else(|| DEFAULT_PAYOUT_SUBJECT.into()),
        payout_body: raw.payout_body.clone().unwrap_or_else(|| DEFAULT_PAYOUT_BODY.into()),
        copy_subject: raw.copy_subject.clone().unwrap_or_else(|| DEFAULT_COPY_SUBJECT.into()),
        copy_body: raw.copy_body.clone().unwrap_or_else(|| DEFAULT_COPY_BODY.into()),
    })
}

/// The copy's subject when the config gives none.
const DEFAULT_COPY_SUBJECT: &str = "Yrkesresan {kommun}: sammanfattning {period}";

/// The copy's body when the config gives none.
const DEFAULT_COPY_BODY: &str = "Hej!

Här kommer en sammanfattning av Yrkesresan i {kommun} för {period}, utan
deltagarnas och utbildarnas namn.

Att fakturera: {total} kr exkl. moms.
{lines}
Kommunens kontaktpersoner har fått arbetsböckerna med deltagarna för sina delresor.

Hälsningar
{region}
";

/// The trainer-pot statement's subject when the config gives none.
const DEFAULT_PAYOUT_SUBJECT: &str = "Yrkesresan {kommun}: utbetalning ur utbildarpotten {year}";

/// The trainer-pot statement's body when the config gives none.
const DEFAULT_PAYOUT_BODY: &str = "Hej!

{kommun} får {amount} kr ur utbildarpotten för Yrkesresan {year}, för {days} utbildningsdagar \
som kommunens utbildare har hållit i regionalt anordnade kurser.

I bifogad arbetsbok finns varje utbildningsdag med dagens pott, utbildarens poäng och kommunens \
andel, och hela årets fördelning mellan kommunerna.

Hälsningar
{region}
";

fn ingest(raw: Option<&Spanned<RawIngest>>, c: &mut Collector) -> IngestSettings {
    use crate::domain::totara::fields;
    use crate::domain::ExportKind;
    let mut out = IngestSettings::default();
    let Some(raw) = raw else { return out };
    let r = raw.get_ref();
    if let Some(s) = &r.settle_seconds {
        if *s.get_ref() < 0 {
            c.at(s.span(), "ingest.settle_seconds must not be negative");
        } else {
            out.settle_seconds = *s.get_ref() as u64;
        }
    }
    let mut cap = |v: &Option<Spanned<i64>>, name: &str, target: &mut u64| {
        if let Some(v) = v {
            if *v.get_ref() <= 0 {
                c.at(v.span(), format!("ingest.{name} must be above 0"));
            } else {
                *target = *v.get_ref() as u64;
            }
        }
    };
    let l = &mut out.limits;
    let (mut entries, mut line) = (l.max_zip_entries as u64, l.max_line_bytes as u64);
    cap(&r.max_part_bytes, "max_part_bytes", &mut l.max_part_bytes);
    cap(&r.max_unpacked_bytes, "max_unpacked_bytes", &mut l.max_unpacked_bytes);
    cap(&r.max_zip_entries, "max_zip_entries", &mut entries);
    cap(&r.max_compression_ratio, "max_compression_ratio", &mut l.max_compression_ratio);
    cap(&r.max_line_bytes, "max_line_bytes", &mut line);
    (l.max_zip_entries, l.max_line_bytes) = (entries as usize, line as usize);
    for (kind, section) in [
        (ExportKind::Accounts, &r.accounts),
        (ExportKind::Completions, &r.completions),
        (ExportKind::Signups, &r.signups),
    ] {
        let Some(section) = section else { continue };
        let sr = section.get_ref();
        let known: Vec<&str> = fields(kind).iter().map(|f| f.name).collect();
        for (field, headings) in &sr.columns {
            if !known.contains(&field.as_str()) {
                c.at(
                    section.span(),
                    format!(
                        "ingest.{}.columns: '{field}' is not a field (one of: {})",
                        kind.as_str(),
                        known.join(", ")
                    ),
                );
            }
            if headings.iter().any(|h| h.trim().is_empty()) {
                c.at(section.span(), format!("ingest.{}.columns.{field}: a heading is empty", kind.as_str()));
            }
        }
        let target = match kind {
            ExportKind::Accounts => &mut out.accounts,
            ExportKind::Completions => &mut out.completions,
            ExportKind::Signups => &mut out.signups,
        };
        target.reject_bad_rows = sr.reject_bad_rows.unwrap_or(true);
        target.columns = sr.columns.clone();
    }
    out
}

// Long: one [[source]]'s fields are checked in one place, in the order the README lists them.
fn sources(list: &[Spanned<RawSource>], c: &mut Collector) -> Vec<HttpSource> {
    use std::time::Duration;
    let mut out: Vec<HttpSource> = Vec::new();
    for s in list {
        let r = s.get_ref();
        let name = r.name.get_ref().trim().to_string();
        if name.is_empty() || !name.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_') {
            c.at(
                r.name.span(),
                format!("source.name '{name}' must be letters, digits, '-' or '_' (it names the downloaded file)"),
            );
        }
        if out.iter().any(|o| o.name == name) {
            c.at(r.name.span(), format!("source '{name}' is configured twice"));
        }
        let url = r.url.get_ref().trim().to_string();
        if !(url.starts_with("https://") || url.starts_with("http://")) || reqwest::Url::parse(&url).is_err() {
            c.at(r.url.span(), format!("source '{name}': url '{url}' is not an http(s) URL"));
        } else if r.auth.as_ref().is_some_and(|a| matches!(a.get_ref().as_str(), "bearer" | "token"))
            && sends_in_clear(&url)
        {
            c.at(r.url.span(), clear_text(&format!("source '{name}'"), "the token"));
        } else if url.contains("token=") {
            c.at(
                r.url.span(),
                format!(
                    "source '{name}': the url holds a token; put it in an environment variable (token_env) instead"
                ),
            );
        }
        if let Some(k) = &r.kind {
            if !["accounts", "completions", "signups", "register"].contains(&k.get_ref().as_str()) {
                c.at(
                    k.span(),
                    format!(
                        "source '{name}': kind '{}' must be accounts, completions, signups or register",
                        k.get_ref()
                    ),
                );
            }
        }
        let env = r.token_env.as_ref().map(|e| e.get_ref().trim().to_string());
        let auth = match (r.auth.as_ref().map(|a| a.get_ref().as_str()).unwrap_or("none"), env) {
            ("none", _) => HttpAuth::None,
            ("bearer", Some(env)) if !env.is_empty() => HttpAuth::Bearer { env },
            ("token", Some(env)) if !env.is_empty() => {
                HttpAuth::Query { env, param: r.token_param.clone().unwrap_or_else(|| "token".into()) }
            }
            (a @ ("bearer" | "token"), _) => {
                c.at(
                    s.span(),
                    format!(
                        "source '{name}': auth = \"{a}\" needs token_env, the environment variable holding the token"
                    ),
                );
                HttpAuth::None
            }
            (other, _) => {
                let span = r.auth.as_ref().map(|a| a.span()).unwrap_or(s.span());
                c.at(span, format!("source '{name}': auth '{other}' must be \"none\", \"bearer\" or \"token\""));
                HttpAuth::None
            }
        };
        let max_bytes = positive(r.max_bytes.as_ref(), DEFAULT_MAX_BYTES, &format!("source '{name}': max_bytes"), c);
        let deadline = positive(
            r.deadline_seconds.as_ref(),
            DEFAULT_DEADLINE_SECONDS,
            &format!("source '{name}': deadline_seconds"),
            c,
        );
        out.push(HttpSource {
            name,
            url,
            auth,
            connect_timeout: Duration::from_millis(r.connect_timeout_ms.unwrap_or(10_000)),
            read_timeout: Duration::from_millis(r.read_timeout_ms.unwrap_or(60_000)),
            retries: r.retries.unwrap_or(4),
            backoff: Duration::from_millis(r.backoff_ms.unwrap_or(1_000)),
            max_bytes,
            deadline: Duration::from_secs(deadline),
        });
    }
    out
}

/// The default cap on one download or one web service read: 1 GiB.
const DEFAULT_MAX_BYTES: u64 = 1 << 30;
/// The default deadline of one fetch, retries included: 30 minutes.
const DEFAULT_DEADLINE_SECONDS: u64 = 1800;
/// The default cap on the pages of users one web service read asks for.
const DEFAULT_MAX_PAGES: u64 = 10_000;

/// A setting that must be a whole number above 0, or `default` when left out;
/// 0 or less is reported at its line.
fn positive(value: Option<&Spanned<i64>>, default: u64, what: &str, c: &mut Collector) -> u64 {
    match value {
        None => default,
        Some(v) if *v.get_ref() > 0 => *v.get_ref() as u64,
        Some(v) => {
            c.at(
                v.span(),
                format!("{what} must be above 0 (it is {}); leave it out for the default {default}", v.get_ref()),
            );
            default
        }
    }
}

/// Whether a URL is plain `http://` to a host other than this machine
/// (`localhost`, 127.0.0.0/8, `::1`), where a token would cross the network unencrypted.
fn sends_in_clear(url: &str) -> bool {
    let Ok(u) = reqwest::Url::parse(url) else {
        return false;
    };
    let host = u.host_str().unwrap_or("").trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false);
    u.scheme() == "http" && !loopback
}

/// The refusal of a token sent over plain http.
fn clear_text(who: &str, secret: &str) -> String {
    format!(
        "{who}: http:// would send {secret} in clear text; use https:// (plain http is allowed only for a loopback host)"
    )
}

fn webservices(list: &[Spanned<RawWebservice>], files: &[HttpSource], c: &mut Collector) -> Vec<Webservice> {
    use std::time::Duration;
    let mut out: Vec<Webservice> = Vec::new();
    for w in list {
        let r = w.get_ref();
        let name = r.name.get_ref().trim().to_string();
        if name.is_empty() || !name.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_') {
            c.at(r.name.span(), format!("webservice.name '{name}' must be letters, digits, '-' or '_'"));
        }
        if out.iter().any(|o| o.name == name) || files.iter().any(|f| f.name == name) {
            c.at(r.name.span(), format!("the source name '{name}' is used twice"));
        }
        let base = r.base_url.get_ref().trim().trim_end_matches('/').to_string();
        if !(base.starts_with("https://") || base.starts_with("http://")) || reqwest::Url::parse(&base).is_err() {
            c.at(r.base_url.span(), format!("webservice '{name}': base_url '{base}' is not an http(s) URL"));
        } else if sends_in_clear(&base) {
            c.at(r.base_url.span(), clear_text(&format!("webservice '{name}'"), "wstoken"));
        }
        if r.token_env.get_ref().trim().is_empty() {
            c.at(
                r.token_env.span(),
                format!("webservice '{name}': token_env must name the environment variable holding wstoken"),
            );
        }
        let page_size = r.page_size.unwrap_or(500);
        if page_size == 0 {
            c.at(w.span(), format!("webservice '{name}': page_size must be above 0"));
        }
        let who = format!("webservice '{name}'");
        let max_bytes = positive(r.max_bytes.as_ref(), DEFAULT_MAX_BYTES, &format!("{who}: max_bytes"), c);
        let deadline =
            positive(r.deadline_seconds.as_ref(), DEFAULT_DEADLINE_SECONDS, &format!("{who}: deadline_seconds"), c);
        let max_pages = positive(r.max_pages.as_ref(), DEFAULT_MAX_PAGES, &format!("{who}: max_pages"), c);
        out.push(Webservice {
            name,
            base_url: base,
            token_env: r.token_env.get_ref().trim().to_string(),
            page_size: page_size.max(1),
            municipality_field: r.municipality_field.clone().unwrap_or_else(|| "institution".into()),
            roles_field: r.roles_field.clone().unwrap_or_else(|| "department".into()),
            delresa_field: r.delresa_field.clone(),
            courses: r.course.iter().map(|k| (k.id, k.name.clone())).collect(),
            read_timeout: Duration::from_millis(r.read_timeout_ms.unwrap_or(60_000)),
            retries: r.retries.unwrap_or(4),
            backoff: Duration::from_millis(r.backoff_ms.unwrap_or(1_000)),
            max_bytes,
            deadline: Duration::from_secs(deadline),
            max_pages: u32::try_from(max_pages).unwrap_or(u32::MAX),
        });
    }
    out
}

/// `[retention]`: each period a whole number within sane bounds.
fn retention(r: &Spanned<RawRetention>, c: &mut Collector) -> Retention {
    let r = r.get_ref();
    let d = Retention::default();
    let mut period = |v: &Option<Spanned<i64>>, name: &str, range: std::ops::RangeInclusive<i64>, default: u32| match v
    {
        None => default,
        Some(n) if range.contains(n.get_ref()) => *n.get_ref() as u32,
        Some(n) => {
            c.at(
                n.span(),
                format!("retention.{name} {} must be between {} and {}", n.get_ref(), range.start(), range.end()),
            );
            default
        }
    };
    Retention {
        snapshots_months: period(&r.snapshots_months, "snapshots_months", 2..=120, d.snapshots_months),
        inbox_days: period(&r.inbox_days, "inbox_days", 1..=3650, d.inbox_days),
        messages_months: period(&r.messages_months, "messages_months", 1..=120, d.messages_months),
        outputs_months: period(&r.outputs_months, "outputs_months", 1..=120, d.outputs_months),
        run_log_months: period(&r.run_log_months, "run_log_months", 1..=120, d.run_log_months),
    }
}

fn smtp(s: &Spanned<RawSmtp>, c: &mut Collector) -> Option<SmtpSettings> {
    use std::time::Duration;
    let r = s.get_ref();
    let host = r.host.get_ref().trim().to_string();
    if host.is_empty() || host.contains(['/', ' ', ':']) {
        c.at(r.host.span(), format!("smtp.host '{host}' is not a host name"));
    }
    let tls = smtp_tls(s, &host, c);
    if r.user_env.is_some() != r.password_env.is_some() {
        c.at(
            s.span(),
            "smtp.user_env and smtp.password_env go together (the names of the environment variables, not the secrets)",
        );
    }
    let ca_file = r.ca_file.as_ref().map(|f| {
        let p = std::path::PathBuf::from(f.get_ref());
        if !p.is_file() {
            c.at(f.span(), format!("smtp.ca_file '{}' is not a readable file", p.display()));
        }
        p
    });
    let (cc, envelope_from) = smtp_addresses(r, c);
    let port = r.port.unwrap_or(match tls {
        SmtpTls::StartTls => 587,
        SmtpTls::Tls => 465,
        SmtpTls::None => 25,
    });
    let (give_up_days, retry_after) = smtp_retries(r, c);
    let cc_full = match r.cc_content.as_ref().map(|c| c.get_ref().as_str()) {
        None | Some("summary") => false,
        Some("full") => true,
        Some(other) => {
            let span = r.cc_content.as_ref().map(|c| c.span()).unwrap_or(s.span());
            c.at(span, format!("smtp.cc_content '{other}' must be \"summary\" (no names, the default) or \"full\""));
            false
        }
    };
    let connections = match &r.connections {
        None => 4,
        Some(n) if (1..=16).contains(n.get_ref()) => *n.get_ref() as usize,
        Some(n) => {
            c.at(n.span(), format!("smtp.connections {} must be between 1 and 16", n.get_ref()));
            4
        }
    };
    Some(SmtpSettings {
        host,
        port,
        tls,
        user_env: r.user_env.clone(),
        password_env: r.password_env.clone(),
        ca_file,
        timeout: Duration::from_secs(r.timeout_seconds.unwrap_or(60)),
        retries: r.retries.unwrap_or(3),
        backoff: Duration::from_millis(r.backoff_ms.unwrap_or(2000)),
        connections,
        cc,
        cc_full,
        envelope_from,
        give_up_after: chrono::Duration::days(give_up_days),
        retry_after: retry_after.into_iter().map(chrono::Duration::minutes).collect(),
    })
}

/// `smtp.tls`: plaintext only to a relay on loopback.
fn smtp_tls(s: &Spanned<RawSmtp>, host: &str, c: &mut Collector) -> SmtpTls {
    let r = s.get_ref();
    let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false);
    let span = r.tls.as_ref().map(|t| t.span()).unwrap_or(s.span());
    match r.tls.as_ref().map(|t| t.get_ref().as_str()).unwrap_or("starttls") {
        "starttls" => SmtpTls::StartTls,
        "tls" => SmtpTls::Tls,
        "none" if loopback => SmtpTls::None,
        "none" => {
            c.at(
                span,
                format!(
                    "smtp.tls = \"none\" sends in plaintext and is allowed only for a relay on loopback, not '{host}'"
                ),
            );
            SmtpTls::None
        }
        other => {
            c.at(span, format!("smtp.tls '{other}' must be \"starttls\", \"tls\" or \"none\""));
            SmtpTls::StartTls
        }
    }
}

/// `smtp.cc` and `smtp.envelope_from`, each a valid address.
fn smtp_addresses(r: &RawSmtp, c: &mut Collector) -> (Vec<Email>, Option<Email>) {
    let mut cc = Vec::new();
    for a in &r.cc {
        match Email::parse(a.get_ref()) {
            Ok(e) => cc.push(e),
            Err(e) => c.at(a.span(), format!("smtp.cc: {e}")),
        }
    }
    let envelope_from = r.envelope_from.as_ref().and_then(|a| match Email::parse(a.get_ref()) {
        Ok(e) => Some(e),
        Err(e) => {
            c.at(a.span(), format!("smtp.envelope_from: {e}"));
            None
        }
    });
    (cc, envelope_from)
}

/// `smtp.give_up_after_days` and `smtp.retry_after_minutes`, within their bounds.
fn smtp_retries(r: &RawSmtp, c: &mut Collector) -> (i64, Vec<i64>) {
    let give_up_days = match &r.give_up_after_days {
        None => 7,
        Some(d) if (1..=365).contains(d.get_ref()) => *d.get_ref(),
        Some(d) => {
            c.at(d.span(), format!("smtp.give_up_after_days {} must be between 1 and 365", d.get_ref()));
            7
        }
    };
    let retry_after = match &r.retry_after_minutes {
        None => vec![5, 60, 360, 1440],
        Some(list) if !list.get_ref().is_empty() && list.get_ref().iter().all(|m| (0..=10_080).contains(m)) => {
            list.get_ref().clone()
        }
        Some(list) => {
            c.at(
                list.span(),
                "smtp.retry_after_minutes must list at least one wait, each between 0 and 10080 minutes (a week)",
            );
            vec![5, 60, 360, 1440]
        }
    };
    (give_up_days, retry_after)
}
