//! What a message is, apart from who it goes to: its audience (resolved to
//! addresses from the config in force at each try), and the files it carries.

use super::{DelresaCode, KommunKod};
use std::fmt;

/// Who a message is for, as a rule over the config rather than addresses:
/// a corrected contact address in the config is used at the next try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Those of a municipality's contact persons who are contact for exactly
    /// these delresor among those the message's month had activity in (see
    /// `deliver::address::contact_groups`); with no delresor, all its contacts.
    Contacts {
        /// The municipality.
        kommun: KommunKod,
        /// The delresor the message covers (its people are of these only).
        delresor: Vec<DelresaCode>,
        /// The delresor the municipality had activity in that month.
        activity: Vec<DelresaCode>,
    },
    /// The copy addresses (`smtp.cc`): a municipality's summary without names.
    Copy {
        /// The municipality.
        kommun: KommunKod,
    },
    /// Finance (`email.finance`).
    Finance,
    /// The project lead (`email.project_lead`).
    ProjectLead,
    /// Fixed addresses: a message stored before audiences existed.
    Addresses(Vec<String>),
}

/// Delresa codes as stored: `bou,funk-u`.
fn codes(list: &[DelresaCode]) -> String {
    list.iter().map(DelresaCode::as_str).collect::<Vec<_>>().join(",")
}

fn parse_codes(text: &str) -> Option<Vec<DelresaCode>> {
    text.split(',').filter(|d| !d.is_empty()).map(|d| DelresaCode::parse(d).ok()).collect()
}

impl Audience {
    /// The two stored columns: who (`kommunkod`: a code, `finance`,
    /// `project-lead`) and the audience key (`contacts:bou/bou,funk-u`,
    /// `copy`, …).
    pub fn columns(&self) -> (String, String) {
        match self {
            Audience::Contacts { kommun, delresor, activity } => {
                (kommun.to_string(), format!("contacts:{}/{}", codes(delresor), codes(activity)))
            }
            Audience::Copy { kommun } => (kommun.to_string(), "copy".into()),
            Audience::Finance => ("finance".into(), "finance".into()),
            Audience::ProjectLead => ("project-lead".into(), "project-lead".into()),
            Audience::Addresses(list) => (String::new(), list.join(",")),
        }
    }

    /// Reads the stored columns back; anything else is a list of addresses
    /// (how an earlier version stored its recipients).
    pub fn from_columns(who: &str, key: &str) -> Audience {
        match key {
            "finance" => return Audience::Finance,
            "project-lead" => return Audience::ProjectLead,
            _ => {}
        }
        if let Ok(kommun) = KommunKod::parse(who) {
            if key == "copy" {
                return Audience::Copy { kommun };
            }
            if let Some(rest) = key.strip_prefix("contacts:") {
                let (d, a) = rest.split_once('/').unwrap_or((rest, rest));
                if let (Some(delresor), Some(activity)) = (parse_codes(d), parse_codes(a)) {
                    return Audience::Contacts { kommun, delresor, activity };
                }
            }
        }
        Audience::Addresses(key.split(',').filter(|a| !a.is_empty()).map(str::to_string).collect())
    }

    /// The municipality, for a message to its contacts or its copy.
    pub fn kommun(&self) -> Option<KommunKod> {
        match self {
            Audience::Contacts { kommun, .. } | Audience::Copy { kommun } => Some(*kommun),
            _ => None,
        }
    }
}

impl fmt::Display for Audience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Audience::Contacts { kommun, delresor, .. } if delresor.is_empty() => write!(f, "{kommun} contacts"),
            Audience::Contacts { kommun, delresor, .. } => write!(f, "{kommun} contacts for {}", codes(delresor)),
            Audience::Copy { kommun } => write!(f, "{kommun} copy (smtp.cc)"),
            Audience::Finance => f.write_str("finance"),
            Audience::ProjectLead => f.write_str("project lead"),
            Audience::Addresses(list) => f.write_str(&list.join(", ")),
        }
    }
}

/// A file attached to a message, named `<stem><suffix>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// File-name suffix after the message's stem, e.g. `.xlsx`.
    pub suffix: String,
    /// MIME type.
    pub mime: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_audience_is_stored_and_read_back() {
        let d = |c: &str| DelresaCode::parse(c).unwrap();
        let a = Audience::Contacts {
            kommun: KommunKod::parse("2080").unwrap(),
            delresor: vec![d("bou")],
            activity: vec![d("bou"), d("funk-u")],
        };
        let (who, key) = a.columns();
        assert_eq!((who.as_str(), key.as_str()), ("2080", "contacts:bou/bou,funk-u"));
        assert_eq!(Audience::from_columns(&who, &key), a);
        let all = Audience::Contacts { kommun: KommunKod::parse("2062").unwrap(), delresor: vec![], activity: vec![] };
        let (who, key) = all.columns();
        assert_eq!(Audience::from_columns(&who, &key), all);
        let copy = Audience::Copy { kommun: KommunKod::parse("2062").unwrap() };
        assert_eq!(Audience::from_columns("2062", "copy"), copy);
        assert_eq!(Audience::from_columns("finance", "finance"), Audience::Finance);
        assert_eq!(
            Audience::from_columns("2080", "a@x.se,b@x.se"),
            Audience::Addresses(vec!["a@x.se".into(), "b@x.se".into()])
        );
    }
}
