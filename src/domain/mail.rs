//! What a message is, apart from who it goes to: its audience (resolved to
//! addresses from the config in force at each try), and the files it carries.

use super::{DelresaCode, KommunKod};
use std::fmt;

/// Who a message is for, as a rule over the config rather than addresses:
/// a corrected contact address in the config is used at the next try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// A municipality's contact persons for these delresor (all of its
    /// contacts when empty or when none is contact for them), with the
    /// config's `smtp.cc`.
    Contacts {
        /// The municipality.
        kommun: KommunKod,
        /// The delresor the message covers.
        delresor: Vec<DelresaCode>,
    },
    /// Finance (`email.finance`).
    Finance,
    /// The project lead (`email.project_lead`).
    ProjectLead,
    /// Fixed addresses: a message stored before audiences existed.
    Addresses(Vec<String>),
}

impl Audience {
    /// The two stored columns: who (`kommunkod`: a code, `finance`,
    /// `project-lead`) and the audience key (`contacts:bou,funk-u`, …).
    pub fn columns(&self) -> (String, String) {
        match self {
            Audience::Contacts { kommun, delresor } => {
                let d: Vec<&str> = delresor.iter().map(DelresaCode::as_str).collect();
                (kommun.to_string(), format!("contacts:{}", d.join(",")))
            }
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
        if let (Some(list), Ok(kommun)) = (key.strip_prefix("contacts:"), KommunKod::parse(who)) {
            let delresor: Result<Vec<DelresaCode>, _> =
                list.split(',').filter(|d| !d.is_empty()).map(DelresaCode::parse).collect();
            if let Ok(delresor) = delresor {
                return Audience::Contacts { kommun, delresor };
            }
        }
        Audience::Addresses(key.split(',').filter(|a| !a.is_empty()).map(str::to_string).collect())
    }

    /// The municipality, for a message to its contacts.
    pub fn kommun(&self) -> Option<KommunKod> {
        match self {
            Audience::Contacts { kommun, .. } => Some(*kommun),
            _ => None,
        }
    }
}

impl fmt::Display for Audience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Audience::Contacts { kommun, delresor } if delresor.is_empty() => write!(f, "{kommun} contacts"),
            Audience::Contacts { kommun, delresor } => {
                let d: Vec<&str> = delresor.iter().map(DelresaCode::as_str).collect();
                write!(f, "{kommun} contacts for {}", d.join(", "))
            }
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
        let a = Audience::Contacts {
            kommun: KommunKod::parse("2080").unwrap(),
            delresor: vec![DelresaCode::parse("bou").unwrap(), DelresaCode::parse("funk-u").unwrap()],
        };
        let (who, key) = a.columns();
        assert_eq!((who.as_str(), key.as_str()), ("2080", "contacts:bou,funk-u"));
        assert_eq!(Audience::from_columns(&who, &key), a);
        let all = Audience::Contacts { kommun: KommunKod::parse("2062").unwrap(), delresor: vec![] };
        let (who, key) = all.columns();
        assert_eq!(Audience::from_columns(&who, &key), all);
        assert_eq!(Audience::from_columns("finance", "finance"), Audience::Finance);
        assert_eq!(
            Audience::from_columns("2080", "a@x.se,b@x.se"),
            Audience::Addresses(vec!["a@x.se".into(), "b@x.se".into()])
        );
    }
}
