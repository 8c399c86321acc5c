//! Platform summaries kept with the snapshots they came from (see
//! [`PlatformSummary`]), and account counts per accounts view.
//!
//! Each is stored under a key the caller makes of everything it depends on
//! (the program, the config, the register's content, the exports the view
//! is built from); a key that differs is a miss and the caller computes it
//! from the rows. A summary names people (its findings), so only the latest
//! is kept, and it goes whenever stored rows go or are rewritten (purge,
//! forget). Account counts name nobody.

use super::platform::Reader;
use super::{RunTx, StoreError};
use crate::domain::{AccountCount, AccountTable, DelresaCode, ExportKind, KommunKod, PlatformSummary};
use rusqlite::{params, OptionalExtension};

/// An account table's row as stored (the table as a list of its rows).
type CountRow = ((KommunKod, Option<DelresaCode>), AccountCount);

impl Reader<'_> {
    /// The ids of the exports a kind's view is built from (as it stood
    /// before `before`, if given): what a summary or count depends on.
    pub fn view_ids(&self, kind: ExportKind, before: Option<&str>) -> Result<Vec<i64>, StoreError> {
        Ok(self.current(kind, before)?.into_iter().map(|s| s.id).collect())
    }

    /// The summary stored under `key`, if any (an unreadable one is a miss).
    pub fn platform_summary(&self, key: &str) -> Result<Option<PlatformSummary>, StoreError> {
        let bytes = self.blob("SELECT summary FROM platform_summary WHERE key = ?1", key)?;
        Ok(bytes.and_then(|b| readable(&b, "platform summary")))
    }

    /// The one summary kept (only the latest is), still packed, with the key
    /// it was kept under: to unpack beside other work before the caller
    /// knows its own key ([`unpack_platform_summary`]).
    pub fn latest_platform_summary(&self) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        self.conn
            .query_row("SELECT key, summary FROM platform_summary ORDER BY rowid DESC LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(self.err())
    }

    /// The account counts stored under `key`, if any.
    pub fn account_counts(&self, key: &str) -> Result<Option<AccountTable>, StoreError> {
        let bytes = self.blob("SELECT counts FROM account_counts WHERE key = ?1", key)?;
        Ok(bytes.and_then(|b| readable::<Vec<CountRow>>(&b, "account counts")).map(|c| c.into_iter().collect()))
    }

    fn blob(&self, sql: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.conn.query_row(sql, [key], |r| r.get(0)).optional().map_err(self.err())
    }
}

/// A summary as [`Reader::latest_platform_summary`] gave it, unpacked (an
/// unreadable one is logged and is a miss, as with [`Reader::platform_summary`]).
pub fn unpack_platform_summary(packed: &[u8]) -> Option<PlatformSummary> {
    readable(packed, "platform summary")
}

/// A stored value read back; one that does not read (another program's
/// form) is logged and treated as a miss.
fn readable<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Option<T> {
    super::packed::unpack(bytes)
        .inspect_err(|e| tracing::warn!("The stored {what} is unreadable ({e}); computing it from the rows."))
        .ok()
}

impl RunTx<'_> {
    /// Keeps `summary` under `key`, with this run; any earlier summary goes.
    pub fn keep_platform_summary(&self, key: &str, summary: &PlatformSummary) -> Result<(), StoreError> {
        let bytes = super::packed::pack(summary);
        let conn = self.connection();
        conn.execute("DELETE FROM platform_summary", []).map_err(self.wrap())?;
        conn.execute("INSERT INTO platform_summary (key, summary) VALUES (?1, ?2)", params![key, bytes])
            .map_err(self.wrap())?;
        Ok(())
    }

    /// Keeps the account counts of a view under `key`, with this run.
    pub fn keep_account_counts(&self, key: &str, counts: &AccountTable) -> Result<(), StoreError> {
        let bytes = super::packed::pack(&counts.iter().collect::<Vec<_>>());
        self.connection()
            .execute(
                "INSERT INTO account_counts (key, counts) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET counts = excluded.counts",
                params![key, bytes],
            )
            .map_err(self.wrap())?;
        Ok(())
    }

    /// Drops every kept summary and count: the rows they came from changed.
    pub fn forget_platform_summaries(&self) -> Result<(), StoreError> {
        self.connection()
            .execute_batch("DELETE FROM platform_summary; DELETE FROM account_counts;")
            .map_err(self.wrap())
    }
}
