//! The outbox: one row per (job, period, municipality, recipient set), so a
//! message is sent exactly once. A job writes its messages as `pending` in
//! the same transaction as its other effects; sending then moves each row to
//! `sent` or `failed` (transient failures are tried again on the next run,
//! permanent ones only after the cause is fixed and the job runs again).
//! A `sent` row is never sent again unless `--resend` names it.

use super::{Store, StoreError};
use rusqlite::params;

/// One message in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Row id.
    pub id: i64,
    /// Municipality code.
    pub kommunkod: String,
    /// Recipients, sorted.
    pub recipients: Vec<String>,
    /// File-name stem.
    pub stem: String,
    /// Our Message-ID.
    pub message_id: String,
    /// The formatted message.
    pub eml: Vec<u8>,
    /// `pending`, `sent` or `failed`.
    pub state: String,
    /// Attempts so far.
    pub attempts: u32,
    /// The last error.
    pub last_error: Option<String>,
}

/// What a job hands to the outbox.
pub struct NewMessage<'a> {
    /// Municipality code.
    pub kommunkod: &'a str,
    /// Recipients (to and cc), sorted.
    pub recipients: &'a [String],
    /// File-name stem.
    pub stem: &'a str,
    /// Message-ID.
    pub message_id: &'a str,
    /// Content hash.
    pub content_hash: &'a str,
    /// Formatted message.
    pub eml: &'a [u8],
}

impl super::RunTx<'_> {
    /// Puts a message in the outbox inside a run's transaction. A message
    /// already sent, or refused for good by the relay, is left as it is (a
    /// changed recipient set is a new message; `--resend` sends one again);
    /// a pending or transiently failed one is updated and pending.
    pub fn enqueue(&self, job: &str, period: &str, m: &NewMessage) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO outbox (job, period, kommunkod, recipients, stem, message_id, content_hash, eml, state, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', ?9)
             ON CONFLICT (job, period, kommunkod, recipients) DO UPDATE SET
               stem = excluded.stem, message_id = excluded.message_id, content_hash = excluded.content_hash,
               eml = excluded.eml, state = 'pending', permanent = 0, updated_at = excluded.updated_at
             WHERE outbox.state = 'pending' OR (outbox.state = 'failed' AND outbox.permanent = 0)",
            params![job, period, m.kommunkod, m.recipients.join(","), m.stem, m.message_id, m.content_hash, m.eml, self.now()],
        ).map_err(self.wrap())?;
        Ok(())
    }
}

impl Store {
    /// Marks sent (or permanently refused) messages of a job and period pending
    /// again: all, or those of the given municipality codes. Returns how many.
    pub fn resend(&self, job: &str, period: &str, kommunkoder: Option<&[String]>) -> Result<usize, StoreError> {
        let mut n = 0;
        let codes: Vec<Option<&str>> = match kommunkoder {
            None => vec![None],
            Some(list) => list.iter().map(|c| Some(c.as_str())).collect(),
        };
        for code in codes {
            n += self
                .conn
                .execute(
                    "UPDATE outbox SET state = 'pending', permanent = 0, updated_at = ?4
                     WHERE job = ?1 AND period = ?2 AND (state = 'sent' OR (state = 'failed' AND permanent = 1))
                       AND (?3 IS NULL OR kommunkod = ?3)",
                    params![job, period, code, self.now()],
                )
                .map_err(self.err())?;
        }
        Ok(n)
    }

    /// Messages to send now: pending, or failed transiently.
    pub fn deliverable(&self, job: &str, period: &str) -> Result<Vec<OutboxEntry>, StoreError> {
        self.outbox_where(
            "job = ?1 AND period = ?2 AND (state = 'pending' OR (state = 'failed' AND permanent = 0))",
            job,
            period,
        )
    }

    fn outbox_where(&self, filter: &str, job: &str, period: &str) -> Result<Vec<OutboxEntry>, StoreError> {
        let sql = format!(
            "SELECT id, kommunkod, recipients, stem, message_id, eml, state, attempts, last_error FROM outbox WHERE {filter} ORDER BY kommunkod, id"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(self.err())?;
        let rows = stmt
            .query_map([job, period], |r| {
                Ok(OutboxEntry {
                    id: r.get(0)?,
                    kommunkod: r.get(1)?,
                    recipients: r.get::<_, String>(2)?.split(',').map(str::to_string).collect(),
                    stem: r.get(3)?,
                    message_id: r.get(4)?,
                    eml: r.get(5)?,
                    state: r.get(6)?,
                    attempts: r.get(7)?,
                    last_error: r.get(8)?,
                })
            })
            .map_err(self.err())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err())?;
        Ok(rows)
    }

    /// How many messages of a job and period the relay has accepted.
    pub fn sent_count(&self, job: &str, period: &str) -> Result<u64, StoreError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM outbox WHERE job = ?1 AND period = ?2 AND state = 'sent'",
                [job, period],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(self.err())
    }

    /// Records a delivery (committed at once, so a crash right after cannot lose it).
    pub fn mark_sent(&self, id: i64, attempts: u32) -> Result<(), StoreError> {
        let now = self.now();
        self.conn
            .execute(
                "UPDATE outbox SET state = 'sent', attempts = attempts + ?2, last_error = NULL, updated_at = ?3, sent_at = ?3 WHERE id = ?1",
                params![id, attempts, now],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Records a failed delivery.
    pub fn mark_failed(&self, id: i64, attempts: u32, error: &str, permanent: bool) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE outbox SET state = 'failed', attempts = attempts + ?2, last_error = ?3, permanent = ?4, updated_at = ?5 WHERE id = ?1",
                params![id, attempts, error, permanent, self.now()],
            )
            .map_err(self.err())?;
        Ok(())
    }
}
