//! Which heading holds which field: FORMATS.md's English and Swedish defaults
//! plus the headings a region adds in config, matched case-insensitively
//! after trimming.

use crate::domain::totara::{fields, EMAIL, USERNAME};
use crate::domain::ExportKind;
use std::collections::BTreeMap;

/// Column positions of the fields found in a heading row.
#[derive(Debug, Clone)]
pub struct ColumnMap {
    /// Field and column, by field name: a short list, since every cell of
    /// every row is looked up by its field and a scan of a few names beats
    /// a tree walk.
    list: Vec<(&'static str, usize)>,
    headings: Vec<String>,
}

impl ColumnMap {
    /// Maps headings to fields; returns the missing required fields' messages.
    pub fn new(kind: ExportKind, headings: &[String], extra: &BTreeMap<String, Vec<String>>) -> Result<Self, String> {
        let norm: Vec<String> = headings.iter().map(|h| h.trim().to_lowercase()).collect();
        let mut idx = BTreeMap::new();
        let mut missing = Vec::new();
        for f in fields(kind) {
            let wanted: Vec<String> = extra
                .get(f.name)
                .into_iter()
                .flatten()
                .map(String::as_str)
                .chain(f.headings.iter().copied())
                .map(|h| h.trim().to_lowercase())
                .collect();
            match wanted.iter().find_map(|w| norm.iter().position(|h| h == w)) {
                Some(i) => {
                    idx.insert(f.name, i);
                }
                None if f.required => missing.push(format!("{} (any of: {})", f.name, f.headings.join(", "))),
                None => {}
            }
        }
        if kind != ExportKind::Accounts && !idx.contains_key("username") && !idx.contains_key("email") {
            missing.push(format!("username or email (any of: {}, {})", USERNAME.join(", "), EMAIL.join(", ")));
        }
        if missing.is_empty() {
            Ok(ColumnMap { list: idx.into_iter().collect(), headings: headings.to_vec() })
        } else {
            Err(format!(
                "required column(s) missing: {}; headings found: {}",
                missing.join("; "),
                headings
                    .iter()
                    .take(30)
                    .map(|h| format!("'{}'", crate::ingest::bounds::short(h, 40)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
    }

    /// The column of a field, if present.
    pub fn get(&self, field: &str) -> Option<usize> {
        self.list.iter().find(|(f, _)| *f == field).map(|(_, i)| *i)
    }

    /// The heading of a column, for messages.
    pub fn heading(&self, col: usize) -> &str {
        self.headings.get(col).map(String::as_str).unwrap_or("")
    }

    /// `field ← 'Heading'` pairs, for `yrkesresan ingest`.
    pub fn describe(&self) -> Vec<String> {
        self.list.iter().map(|&(f, i)| format!("{f} ← '{}'", self.heading(i))).collect()
    }
}
