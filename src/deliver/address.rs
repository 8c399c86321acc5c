//! Who a message goes to, looked up in the config in force: a message's
//! [`Audience`] becomes addresses each time it is formatted or tried.

use crate::config::{Config, Municipality};
use crate::domain::{Audience, DelresaCode, Email};
use std::collections::BTreeMap;

/// The addresses of an audience now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addressed {
    /// To.
    pub to: Vec<Email>,
    /// Cc (the config's `smtp.cc` on messages to municipalities).
    pub cc: Vec<Email>,
}

impl Addressed {
    /// Every address once, to first.
    pub fn all(&self) -> Vec<Email> {
        let mut all: Vec<Email> = Vec::new();
        for a in self.to.iter().chain(&self.cc) {
            if !all.contains(a) {
                all.push(a.clone());
            }
        }
        all
    }
}

/// A municipality's contact persons grouped by what each needs of a month
/// with activity in `activity`: each contact gets the delresor of it they
/// are contact for, and contacts with the same delresor share one message.
/// When no contact is contact for any of them (or there is no activity,
/// fixed costs only), all contacts share one message covering `activity`.
/// Sorted by delresor; addresses sorted and unique.
pub fn contact_groups(m: &Municipality, activity: &[DelresaCode]) -> Vec<(Vec<DelresaCode>, Vec<Email>)> {
    let mut groups: BTreeMap<Vec<DelresaCode>, Vec<Email>> = BTreeMap::new();
    for c in &m.contacts {
        let mut theirs: Vec<DelresaCode> = activity.iter().filter(|d| c.covers(d)).cloned().collect();
        theirs.sort();
        theirs.dedup();
        if !theirs.is_empty() {
            groups.entry(theirs).or_default().push(c.email.clone());
        }
    }
    if groups.is_empty() {
        let mut all: Vec<DelresaCode> = activity.to_vec();
        all.sort();
        all.dedup();
        groups.insert(all, m.contacts.iter().map(|c| c.email.clone()).collect());
    }
    groups
        .into_iter()
        .map(|(d, mut to)| {
            to.sort();
            to.dedup();
            (d, to)
        })
        .collect()
}

/// The addresses the config gives an audience now; an error says (in
/// Swedish: it becomes a finding) what the config lacks.
pub fn addressed(config: &Config, audience: &Audience) -> Result<Addressed, String> {
    match audience {
        Audience::Contacts { kommun, delresor, activity } => {
            let m = config
                .municipality(*kommun)
                .ok_or_else(|| format!("kommun {kommun} finns inte längre i konfigurationen"))?;
            let exact = contact_groups(m, activity).into_iter().find(|(d, _)| d == delresor).map(|(_, to)| to);
            // The config changed since the message was made: those who are
            // contact for every delresa of it, if anyone.
            let to = exact.unwrap_or_else(|| {
                let mut to: Vec<Email> = m
                    .contacts
                    .iter()
                    .filter(|c| delresor.iter().all(|d| c.covers(d)))
                    .map(|c| c.email.clone())
                    .collect();
                to.sort();
                to.dedup();
                to
            });
            if to.is_empty() {
                return Err(format!("ingen kontaktperson i {} är längre kontakt för delresorna i meddelandet", m.name));
            }
            Ok(Addressed { to, cc: Vec::new() })
        }
        Audience::Copy { .. } => match config.smtp.as_ref().map(|s| s.cc.clone()).unwrap_or_default() {
            cc if cc.is_empty() => Err("smtp.cc är inte längre satt i konfigurationen".into()),
            cc => Ok(Addressed { to: cc, cc: Vec::new() }),
        },
        Audience::Finance => match &config.email.finance {
            Some(f) => Ok(Addressed { to: vec![f.clone()], cc: Vec::new() }),
            None => Err("email.finance är inte längre satt i konfigurationen".into()),
        },
        Audience::ProjectLead => match &config.email.project_lead {
            Some(p) => Ok(Addressed { to: vec![p.clone()], cc: Vec::new() }),
            None => Err("email.project_lead är inte längre satt i konfigurationen".into()),
        },
        Audience::Addresses(list) => {
            let to = list.iter().map(|a| Email::parse(a).map_err(|e| e.to_string())).collect::<Result<_, _>>()?;
            Ok(Addressed { to, cc: Vec::new() })
        }
    }
}

/// Who an address is, in Swedish, for findings: the contact person's name
/// and municipality, the copy, finance or the project lead.
pub fn who_is(config: &Config, audience: &Audience, address: &str) -> String {
    let contact = audience
        .kommun()
        .and_then(|k| config.municipality(k))
        .and_then(|m| m.contacts.iter().find(|c| c.email.as_str().eq_ignore_ascii_case(address)).map(|c| (m, c)));
    if let Some((m, c)) = contact {
        return format!("{} <{address}>, kontaktperson i {}", c.name, m.name);
    }
    let is = |e: &Option<Email>| e.as_ref().is_some_and(|e| e.as_str().eq_ignore_ascii_case(address));
    if is(&config.email.finance) {
        format!("ekonomi <{address}>")
    } else if is(&config.email.project_lead) {
        format!("projektledaren <{address}>")
    } else if config.smtp.as_ref().is_some_and(|s| s.cc.iter().any(|c| c.as_str().eq_ignore_ascii_case(address))) {
        format!("kopia <{address}> (smtp.cc)")
    } else {
        format!("<{address}>")
    }
}
