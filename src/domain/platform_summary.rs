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
    pub findings: Vec<Finding>,
    /// Keys two current exports disagree on (`reconcile::overlap_findings`).
    pub overlaps: Vec<Finding>,
    /// Accounts per municipality and delresa; `None` before any accounts export.
    #[serde(serialize_with = "table_out", deserialize_with = "table_in")]
    pub accounts: Option<AccountTable>,
    /// Course progress per municipality and course; `None` before any completions export.
    pub progress: Option<Vec<Progress>>,
}

/// A summary's parts, borrowed where they lie: serialises exactly as the
/// [`PlatformSummary`] they make. The sync keeps its summary from these while
/// the findings, already joined into one list, go into the reports.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SummaryParts<'a> {
    /// As [`PlatformSummary::findings`].
    pub findings: &'a [Finding],
    /// As [`PlatformSummary::overlaps`].
    pub overlaps: &'a [Finding],
    /// As [`PlatformSummary::accounts`].
    #[serde(serialize_with = "table_ref_out")]
    pub accounts: Option<&'a AccountTable>,
    /// As [`PlatformSummary::progress`].
    pub progress: Option<&'a [Progress]>,
}

impl PlatformSummary {
    /// The summary as [`SummaryParts`].
    pub fn parts(&self) -> SummaryParts<'_> {
        SummaryParts {
            findings: &self.findings,
            overlaps: &self.overlaps,
            accounts: self.accounts.as_ref(),
            progress: self.progress.as_deref(),
        }
    }
}

fn table_ref_out<S: Serializer>(table: &Option<&AccountTable>, s: S) -> Result<S::Ok, S::Error> {
    table.map(|t| t.iter().collect::<Vec<_>>()).serialize(s)
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

    /// The parts borrowed from a summary serialise byte for byte as the
    /// summary, with and without each optional part.
    #[test]
    fn parts_serialise_as_the_summary_they_make() {
        let k = KommunKod::parse("2080").unwrap();
        let mut accounts = AccountTable::new();
        accounts.insert((k, None), AccountCount { accounts: 4, chefer: 1, ..Default::default() });
        let finding = |subject: &str| Finding::new(Code::ParticipantWithoutAccount, Some(k), subject, "Saknar konto.");
        let full = PlatformSummary {
            findings: vec![finding("a"), finding("b")],
            overlaps: vec![finding("c")],
            accounts: Some(accounts),
            progress: Some(vec![Progress {
                kommun: k,
                course: "Kurs".into(),
                not_started: 1,
                in_progress: 0,
                complete: 2,
            }]),
        };
        for summary in
            [full.clone(), PlatformSummary { accounts: None, progress: None, ..full }, PlatformSummary::default()]
        {
            let bytes = postcard::to_allocvec(&summary.parts()).unwrap();
            assert_eq!(bytes, postcard::to_allocvec(&summary).unwrap());
            assert_eq!(postcard::from_bytes::<PlatformSummary>(&bytes).unwrap(), summary);
        }
    }
}
