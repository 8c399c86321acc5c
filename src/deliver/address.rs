//! Who a message goes to, looked up in the config in force: a message's
//! [`Audience`] becomes addresses each time it is formatted or tried.

use crate::config::{Config, Municipality};
use crate::domain::{Audience, DelresaCode, Email};

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

/// The contact persons for the delresor a message covers; all of the
/// municipality's contacts when it covers none (fixed costs only) or none
/// of them is contact for those delresor. Sorted, unique.
pub fn recipients_for(m: &Municipality, delresor: &[DelresaCode]) -> Vec<Email> {
    let mut to: Vec<Email> = m
        .contacts
        .iter()
        .filter(|c| delresor.is_empty() || c.delresor.iter().any(|d| delresor.contains(d)))
        .map(|c| c.email.clone())
        .collect();
    if to.is_empty() {
        to = m.contacts.iter().map(|c| c.email.clone()).collect();
    }
    to.sort();
    to.dedup();
    to
}

/// The addresses the config gives an audience now; an error says (in
/// Swedish: it becomes a finding) what the config lacks.
pub fn addressed(config: &Config, audience: &Audience) -> Result<Addressed, String> {
    let cc = || config.smtp.as_ref().map(|s| s.cc.clone()).unwrap_or_default();
    match audience {
        Audience::Contacts { kommun, delresor } => {
            let m = config
                .municipality(*kommun)
                .ok_or_else(|| format!("kommun {kommun} finns inte längre i konfigurationen"))?;
            Ok(Addressed { to: recipients_for(m, delresor), cc: cc() })
        }
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
