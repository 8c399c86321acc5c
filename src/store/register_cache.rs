//! Parsed registers kept beside their files: a job that reads a stored
//! register it has read before takes the parsed form instead of unpacking
//! and parsing the workbook again (0.7 s at national scale, in every job).
//!
//! A parsed register is stored under a key the caller makes of everything
//! the parse depends on (the bytes, the config, the program); a key that
//! differs is a miss and the workbook is parsed. It holds the same personal
//! data as the file: it goes when the file's rows go (purge) or the file
//! is rewritten (forget), and nothing ever reads it under another key.

use super::platform::Reader;
use super::{RunTx, StoreError};
use crate::domain::Register;
use rusqlite::{params, OptionalExtension};

impl Reader<'_> {
    /// The parsed form of register snapshot `snapshot` stored under `key`,
    /// if any, knowing its content by the hash of the kept form
    /// ([`Register::content_key`]).
    pub fn parsed_register(&self, snapshot: i64, key: &str) -> Result<Option<Register>, StoreError> {
        let stored: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT parsed FROM register_parsed WHERE snapshot_id = ?1 AND key = ?2",
                params![snapshot, key],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err())?;
        Ok(stored.and_then(|bytes| match super::packed::unpack::<Register>(&bytes) {
            Ok(register) => Some(Register { content_key: Some(content_key(&bytes)), ..register }),
            Err(e) => {
                tracing::warn!(
                    "The stored parse of register snapshot {snapshot} is unreadable ({e}); parsing the file."
                );
                None
            }
        }))
    }
}

impl RunTx<'_> {
    /// Keeps the parsed form of register snapshot `snapshot` under `key`
    /// (replacing any other), with this run. Returns what its content is
    /// known as ([`Register::content_key`]), as a later read of it gives.
    pub fn remember_parsed_register(
        &self,
        snapshot: i64,
        key: &str,
        register: &Register,
    ) -> Result<String, StoreError> {
        let bytes = super::packed::pack(register);
        let known_as = content_key(&bytes);
        self.connection()
            .execute(
                "INSERT INTO register_parsed (snapshot_id, key, parsed) VALUES (?1, ?2, ?3)
                 ON CONFLICT(snapshot_id) DO UPDATE SET key = excluded.key, parsed = excluded.parsed",
                params![snapshot, key, bytes],
            )
            .map_err(self.wrap())?;
        Ok(known_as)
    }
}

/// A kept register's content key: the SHA-256 of its packed form, in hex.
fn content_key(packed: &[u8]) -> String {
    crate::domain::hash::sha256_hex(packed)
}
