//! The platform view: the union of the latest export of each report.
//!
//! A report's exports replace each other; between reports, a newer export
//! replaces in older ones only what it covers (its delresor, courses or
//! seminar sessions; an accounts export without a Delresa column covers
//! every delresa), so a per-delresa export of accounts leaves the other
//! delresor's accounts alone and an account missing from the newer export of
//! its report disappears. The same key in two current exports with
//! different values is an [`Overlap`]: the newer one is used.

use super::platform::Reader;
use super::StoreError;
use crate::domain::hash::{HashMap, HashSet};
use crate::domain::{AccountList, AccountRef, DelresaCode, ExportKind, Overlap, ViewFile, ViewSource};

impl Reader<'_> {
    /// The exports the platform view of a kind is built from (as it stood
    /// before `before`, if given), oldest first: the latest export of each
    /// report, less those whose every key newer ones cover.
    pub fn current(&self, kind: ExportKind, before: Option<&str>) -> Result<Vec<ViewSource>, StoreError> {
        let latest = self.latest_per_report(kind, before)?;
        let mut keep = vec![true; latest.len()];
        let (mut covered, mut all_covered) = (HashSet::default(), false);
        for (i, s) in latest.iter().enumerate().rev() {
            let keys = self.coverage_keys(s.id)?;
            let superseded = all_covered || (!s.covers_all && !keys.is_empty() && keys.is_subset(&covered));
            keep[i] = !superseded;
            all_covered |= s.covers_all;
            covered.extend(keys);
        }
        Ok(latest.into_iter().zip(keep).filter_map(|(s, k)| k.then_some(s)).collect())
    }

    /// The files the current view is built from: the registers of each
    /// report and year, then per kind the exports of [`Reader::current`].
    pub fn view_files(&self) -> Result<Vec<ViewFile>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT report, file_name, ingested_at, rows, coverage {}",
                super::platform::CURRENT_REGISTERS
            ))
            .map_err(self.err())?;
        let registers = stmt
            .query_map([], |r| {
                Ok(ViewFile {
                    kind: "register".into(),
                    report: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                    file_name: r.get(1)?,
                    ingested_at: r.get(2)?,
                    rows: r.get::<_, i64>(3)? as u64,
                    coverage: r.get(4)?,
                })
            })
            .map_err(self.err())?;
        let mut files: Vec<ViewFile> = registers.collect::<Result<_, _>>().map_err(self.err())?;
        for kind in [ExportKind::Accounts, ExportKind::Completions, ExportKind::Signups] {
            files.extend(self.current(kind, None)?.into_iter().map(|s| ViewFile {
                kind: kind.as_str().into(),
                report: s.report,
                file_name: s.file_name,
                ingested_at: s.ingested_at,
                rows: s.rows,
                coverage: s.coverage,
            }));
        }
        Ok(files)
    }

    /// The latest export of each report of a kind, oldest first.
    fn latest_per_report(&self, kind: ExportKind, before: Option<&str>) -> Result<Vec<ViewSource>, StoreError> {
        let sql = "SELECT id, report, file_name, ingested_at, rows, covers_all, coverage FROM snapshots
                   WHERE id IN (SELECT MAX(id) FROM snapshots WHERE kind = ?1 AND (?2 IS NULL OR ingested_at < ?2)
                                GROUP BY report)
                   ORDER BY id";
        let mut stmt = self.conn.prepare_cached(sql).map_err(self.err())?;
        let rows = stmt
            .query_map(rusqlite::params![kind.as_str(), before], |r| {
                Ok(ViewSource {
                    id: r.get(0)?,
                    kind,
                    report: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    file_name: r.get(2)?,
                    ingested_at: r.get(3)?,
                    rows: r.get::<_, i64>(4)? as u64,
                    covers_all: r.get::<_, i64>(5)? != 0,
                    coverage: r.get(6)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// The keys an export covers (empty for one that covers everything).
    fn coverage_keys(&self, snapshot: i64) -> Result<HashSet<String>, StoreError> {
        let mut stmt =
            self.conn.prepare_cached("SELECT key FROM snapshot_coverage WHERE snapshot_id = ?1").map_err(self.err())?;
        let keys = stmt.query_map([snapshot], |r| r.get::<_, String>(0)).map_err(self.err())?;
        keys.collect::<Result<_, _>>().map_err(self.err())
    }

    /// The current accounts: newest export first, each older one adding only
    /// the delresor no newer export covers.
    pub(crate) fn accounts_view(
        &self,
        sources: &[ViewSource],
        overlaps: &mut Vec<Overlap>,
    ) -> Result<AccountList, StoreError> {
        Ok(super::platform::by_username(self.accounts_view_unsorted(sources, overlaps)?))
    }

    /// As [`Reader::accounts_view`], in no particular order.
    pub(crate) fn accounts_view_unsorted(
        &self,
        sources: &[ViewSource],
        overlaps: &mut Vec<Overlap>,
    ) -> Result<AccountList, StoreError> {
        if let [only] = sources {
            return self.accounts_of(only);
        }
        let lists = sources.iter().map(|s| self.accounts_of(s)).collect::<Result<Vec<_>, _>>()?;
        let mut covered: HashSet<Option<&DelresaCode>> = HashSet::default();
        let mut all_covered = false;
        let mut seen: HashMap<String, (usize, AccountRef)> = HashMap::default();
        for (i, (s, rows)) in sources.iter().zip(&lists).enumerate().rev() {
            let delresor: HashSet<Option<&DelresaCode>> = rows.iter().map(|a| a.delresa).collect();
            for a in rows.iter() {
                let key = a.username.to_lowercase();
                match seen.get_mut(&key) {
                    Some((newer, b)) => {
                        if !agree(b, &a) {
                            overlaps.push(overlap(ExportKind::Accounts, key, &sources[*newer], s));
                        }
                        // A newer export without a Delresa column keeps the delresa an older one gives.
                        if b.delresa.is_none() {
                            b.delresa = a.delresa;
                        }
                    }
                    None if all_covered || covered.contains(&a.delresa) => {}
                    None => {
                        seen.insert(key, (i, a));
                    }
                }
            }
            all_covered |= s.covers_all;
            covered.extend(delresor);
        }
        Ok(seen.into_values().map(|(_, a)| a).collect())
    }
}

/// Whether two exports agree on an account; an export without a Delresa
/// column says nothing about the delresa.
fn agree(a: &AccountRef, b: &AccountRef) -> bool {
    let delresa = a.delresa.is_none() || b.delresa.is_none() || a.delresa == b.delresa;
    delresa && AccountRef { delresa: None, ..*a } == AccountRef { delresa: None, ..*b }
}

/// An overlap between a newer and an older export.
pub(crate) fn overlap(kind: ExportKind, key: String, newer: &ViewSource, older: &ViewSource) -> Overlap {
    Overlap { kind, key, newer: newer.file_name.clone(), older: older.file_name.clone() }
}

/// Which current export a row comes from and what newer ones cover, for the
/// completions and sign-ups passes: `covered` holds the coverage keys
/// (course, or course and session) of exports newer than the one being read.
pub(crate) struct Union<'s, K> {
    sources: &'s [ViewSource],
    pub covered: HashSet<K>,
    /// Key → (index of the export it came from, its value).
    seen: HashMap<(String, K), (usize, u8)>,
    /// Keys found with different values, newest export first.
    pub overlaps: Vec<Overlap>,
}

impl<'s, K: std::hash::Hash + Eq + Clone> Union<'s, K> {
    pub(crate) fn new(sources: &'s [ViewSource]) -> Self {
        Union { sources, covered: HashSet::default(), seen: HashMap::default(), overlaps: Vec::new() }
    }

    /// Whether a row of export `i` is in the view; an overlap is noted.
    pub(crate) fn take(&mut self, i: usize, user: &str, cover: &K, value: u8, describe: impl Fn() -> String) -> bool {
        let key = (user.to_string(), cover.clone());
        match self.seen.get(&key) {
            Some(&(newer, v)) => {
                if v != value {
                    let sources = self.sources;
                    self.overlaps.push(overlap(sources[i].kind, describe(), &sources[newer], &sources[i]));
                }
                false
            }
            None if self.covered.contains(cover) => false,
            None => {
                self.seen.insert(key, (i, value));
                true
            }
        }
    }
}
