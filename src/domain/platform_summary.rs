//! The platform as the reports read it: the register reconciled against
//! the current exports, and the counts per municipality. The nightly sync
//! computes it from the snapshots it commits and keeps it with them; the
//! jobs after it (invoice, follow-up) read it instead of three million rows.

use super::{AccountCount, AccountTable, DelresaCode, Finding, KommunKod, Progress};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What the reports take from the platform once the register is reconciled with it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformSummary {
    /// The register against the platform (`reconcile::reconcile`), in its order.
    #[serde(with = "super::kept_findings")]
    pub findings: Vec<Finding>,
    /// Keys two current exports disagree on (`reconcile::overlap_findings`).
    #[serde(with = "super::kept_findings")]
    pub overlaps: Vec<Finding>,
    /// Accounts per municipality and delresa; `None` before any accounts export.
    #[serde(serialize_with = "table_out", deserialize_with = "table_in")]
    pub accounts: Option<AccountTable>,
    /// Course progress per municipality and course; `None` before any completions export.
    pub progress: Option<Vec<Progress>>,
}

/// A table's key is a pair, which JSON cannot use as a map key: stored as a list.
type TableEntry = ((KommunKod, Option<DelresaCode>), AccountCount);

fn table_out<S: Serializer>(table: &Option<AccountTable>, s: S) -> Result<S::Ok, S::Error> {
    table.as_ref().map(|t| t.iter().collect::<Vec<_>>()).serialize(s)
}

fn table_in<'de, D: Deserializer<'de>>(d: D) -> Result<Option<AccountTable>, D::Error> {
    Ok(Option::<Vec<TableEntry>>::deserialize(d)?.map(|list| list.into_iter().collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Code;

    #[test]
    fn a_summary_reads_back_as_it_was_written() {
        let k = KommunKod::parse("2080").unwrap();
        let d = DelresaCode::parse("funk-u").unwrap();
        let mut accounts = AccountTable::new();
        accounts.insert(
            (k, Some(d.clone())),
            AccountCount { accounts: 3, medarbetare: 2, chefer: 1, ..Default::default() },
        );
        accounts.insert((k, None), AccountCount { accounts: 1, ..Default::default() });
        let finding = Finding::new(Code::ParticipantWithoutAccount, Some(k), "Anna <anna@falun.se>", "Saknar konto.")
            .in_delresa(&d)
            .on(chrono::NaiveDate::from_ymd_opt(2026, 3, 4).unwrap());
        let summary = PlatformSummary {
            findings: vec![finding.clone()],
            overlaps: vec![finding],
            accounts: Some(accounts),
            progress: Some(vec![Progress {
                kommun: k,
                course: "Kurs".into(),
                not_started: 1,
                in_progress: 2,
                complete: 3,
            }]),
        };
        let text = serde_json::to_string(&summary).unwrap();
        assert_eq!(serde_json::from_str::<PlatformSummary>(&text).unwrap(), summary, "{text}");
        let empty = PlatformSummary::default();
        assert_eq!(serde_json::from_str::<PlatformSummary>(&serde_json::to_string(&empty).unwrap()).unwrap(), empty);
    }
}
