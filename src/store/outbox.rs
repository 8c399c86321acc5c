//! The outbox: one row per message (job, period, audience), its content kept
//! apart from its addressing, and one row per address it went to or was
//! refused by.
//!
//! A job puts its messages in as `pending` in the same transaction as its
//! other effects. Every run (and `serve` between runs) then drains what is
//! due, whatever job made it: each address is recorded the moment the relay
//! accepts or refuses it, so an address that has the message never gets it
//! again. A message ends `sent` (every current address has it), `failed`
//! (an address was refused, or it was given up after `smtp.give_up_after_days`)
//! or `cancelled`; `pending` ones wait for their next try.

use super::{Store, StoreError};
use crate::domain::{Attachment, Audience};
use rusqlite::{params, OptionalExtension};

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailState {
    /// Waiting for its first or next try.
    Pending,
    /// Every address it is for has it.
    Sent,
    /// An address refused it, or it was given up.
    Failed,
    /// Cancelled by the administrator.
    Cancelled,
}

impl MailState {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Pending => "pending",
            MailState::Sent => "sent",
            MailState::Failed => "failed",
            MailState::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> MailState {
        match s {
            "sent" => MailState::Sent,
            "failed" => MailState::Failed,
            "cancelled" => MailState::Cancelled,
            _ => MailState::Pending,
        }
    }
}

/// One message in the outbox (without its attachments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Row id (what `outbox resend` and `cancel` take).
    pub id: i64,
    /// The job that made it.
    pub job: String,
    /// Its period.
    pub period: String,
    /// Who it is for.
    pub audience: Audience,
    /// File-name stem.
    pub stem: String,
    /// Our Message-ID.
    pub message_id: String,
    /// Subject and body; `None` for a message stored whole by an earlier version.
    pub text: Option<(String, String)>,
    /// Where it stands.
    pub state: MailState,
    /// A failure that waits for a fix: an address refused it (not a give-up).
    pub refused: bool,
    /// Tries so far.
    pub attempts: u32,
    /// The relay's last answer when it was not accepted everywhere.
    pub last_error: Option<String>,
    /// When it was put in (or marked to be sent again): the give-up clock.
    pub created_at: String,
    /// Its next try (RFC 3339), when it waits.
    pub next_try_at: Option<String>,
    /// Every address it went to or was refused by.
    pub recipients: Vec<RecipientOutcome>,
}

/// One address's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientOutcome {
    /// The address.
    pub address: String,
    /// True: the relay accepted it; false: refused for good.
    pub delivered: bool,
    /// The relay's answer.
    pub answer: String,
    /// When.
    pub at: String,
}

impl OutboxEntry {
    /// Whether an address already has the message or refused it.
    pub fn settled(&self, address: &str) -> Option<&RecipientOutcome> {
        self.recipients.iter().find(|r| r.address.eq_ignore_ascii_case(address))
    }
}

/// What a job hands to the outbox.
pub struct NewMessage<'a> {
    /// Who it is for.
    pub audience: &'a Audience,
    /// File-name stem.
    pub stem: &'a str,
    /// Message-ID.
    pub message_id: &'a str,
    /// Content hash.
    pub content_hash: &'a str,
    /// Subject.
    pub subject: &'a str,
    /// Plain-text body.
    pub body: &'a str,
    /// Attachments.
    pub attachments: &'a [Attachment],
}

/// How a try ended, for [`Store::finish_try`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TryEnd {
    /// Every current address has it.
    Sent,
    /// An address refused it; waits for a fix in the config.
    Refused(String),
    /// Not through now: tried again at the given time.
    Again { answer: String, at: String },
    /// Given up.
    GaveUp(String),
}

impl super::RunTx<'_> {
    /// Puts a message in the outbox inside a run's transaction. A message
    /// already sent, refused or cancelled is left as it is (`outbox resend`
    /// sends one again); a pending one gets the new content.
    pub fn enqueue(&self, job: &str, period: &str, m: &NewMessage) -> Result<(), StoreError> {
        let (who, audience) = m.audience.columns();
        let now = self.now();
        let changed = self
            .tx
            .execute(
                "INSERT INTO outbox (job, period, kommunkod, audience, stem, message_id, content_hash, subject, body,
                                     state, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending', ?10, ?10)
                 ON CONFLICT (job, period, kommunkod, audience) DO UPDATE SET
                   stem = excluded.stem, message_id = excluded.message_id, content_hash = excluded.content_hash,
                   subject = excluded.subject, body = excluded.body, eml = NULL, updated_at = excluded.updated_at
                 WHERE outbox.state = 'pending'",
                params![job, period, who, audience, m.stem, m.message_id, m.content_hash, m.subject, m.body, now],
            )
            .map_err(self.wrap())?;
        if changed == 0 {
            return Ok(());
        }
        let id: i64 = self
            .tx
            .query_row(
                "SELECT id FROM outbox WHERE job = ?1 AND period = ?2 AND kommunkod = ?3 AND audience = ?4",
                params![job, period, who, audience],
                |r| r.get(0),
            )
            .map_err(self.wrap())?;
        self.tx.execute("DELETE FROM outbox_attachments WHERE outbox_id = ?1", [id]).map_err(self.wrap())?;
        for (i, a) in m.attachments.iter().enumerate() {
            self.tx
                .execute(
                    "INSERT INTO outbox_attachments (outbox_id, idx, suffix, mime, bytes) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![id, i as i64, a.suffix, a.mime, a.bytes],
                )
                .map_err(self.wrap())?;
        }
        Ok(())
    }
}

/// The columns [`Store::entries`] reads.
const ENTRY_COLUMNS: &str = "id, job, period, kommunkod, audience, stem, message_id, subject, body, state, permanent,
                             attempts, last_error, created_at, next_try_at";

impl Store {
    /// Messages whose state is one of `states` (all if empty), oldest first.
    pub fn entries(&self, states: &[MailState]) -> Result<Vec<OutboxEntry>, StoreError> {
        let words: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
        let filter = if words.is_empty() {
            String::new()
        } else {
            format!("WHERE state IN ({})", words.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(","))
        };
        self.entries_where(&filter, [])
    }

    /// Messages due now: pending ones whose next try has come (any pending
    /// one when `backoff` is false: a run someone started by hand), and
    /// refused ones, which go to any address the config has gained since.
    pub fn due(&self, now: &str, backoff: bool) -> Result<Vec<OutboxEntry>, StoreError> {
        self.entries_where(
            "WHERE (state = 'pending' AND (?1 = 0 OR next_try_at IS NULL OR next_try_at <= ?2))
                OR (state = 'failed' AND permanent = 1)",
            params![backoff, now],
        )
    }

    /// The earliest next try of a pending message, if any.
    pub fn next_try(&self) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT MIN(COALESCE(next_try_at, '')) FROM outbox WHERE state = 'pending'", [], |r| {
                r.get::<_, Option<String>>(0)
            })
            .map_err(self.err())
    }

    /// One message by id.
    pub fn entry(&self, id: i64) -> Result<Option<OutboxEntry>, StoreError> {
        Ok(self.entries_where("WHERE id = ?1", [id])?.pop())
    }

    fn entries_where<P: rusqlite::Params>(&self, filter: &str, p: P) -> Result<Vec<OutboxEntry>, StoreError> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM outbox {filter} ORDER BY id");
        let mut stmt = self.conn.prepare(&sql).map_err(self.err())?;
        let mut entries = stmt
            .query_map(p, |r| {
                let subject: Option<String> = r.get(7)?;
                let body: Option<String> = r.get(8)?;
                Ok(OutboxEntry {
                    id: r.get(0)?,
                    job: r.get(1)?,
                    period: r.get(2)?,
                    audience: Audience::from_columns(&r.get::<_, String>(3)?, &r.get::<_, String>(4)?),
                    stem: r.get(5)?,
                    message_id: r.get(6)?,
                    text: subject.zip(body),
                    state: MailState::parse(&r.get::<_, String>(9)?),
                    refused: r.get::<_, i64>(10)? != 0,
                    attempts: r.get(11)?,
                    last_error: r.get(12)?,
                    created_at: r.get(13)?,
                    next_try_at: r.get(14)?,
                    recipients: Vec::new(),
                })
            })
            .map_err(self.err())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err())?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT address, outcome, answer, at FROM outbox_recipients WHERE outbox_id = ?1 ORDER BY at",
            )
            .map_err(self.err())?;
        for e in entries.iter_mut() {
            e.recipients = stmt
                .query_map([e.id], |r| {
                    Ok(RecipientOutcome {
                        address: r.get(0)?,
                        delivered: r.get::<_, String>(1)? == "delivered",
                        answer: r.get(2)?,
                        at: r.get(3)?,
                    })
                })
                .map_err(self.err())?
                .collect::<Result<Vec<_>, _>>()
                .map_err(self.err())?;
        }
        Ok(entries)
    }

    /// A message's attachments, in order.
    pub fn attachments(&self, id: i64) -> Result<Vec<Attachment>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT suffix, mime, bytes FROM outbox_attachments WHERE outbox_id = ?1 ORDER BY idx")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([id], |r| Ok(Attachment { suffix: r.get(0)?, mime: r.get(1)?, bytes: r.get(2)? }))
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// The formatted message an earlier version stored (sent as it is).
    pub fn stored_eml(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        self.conn
            .query_row("SELECT eml FROM outbox WHERE id = ?1", [id], |r| r.get::<_, Option<Vec<u8>>>(0))
            .optional()
            .map(Option::flatten)
            .map_err(self.err())
    }

    /// Records one address's outcome the moment the relay answers (one
    /// commit, on disk before the next transaction starts on that connection).
    pub fn record_recipient(&self, id: i64, address: &str, delivered: bool, answer: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO outbox_recipients (outbox_id, address, outcome, answer, at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (outbox_id, address) DO UPDATE SET outcome = excluded.outcome, answer = excluded.answer,
                   at = excluded.at",
                params![id, address, if delivered { "delivered" } else { "refused" }, answer, self.now()],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Records how a try of a message ended.
    pub fn finish_try(&self, id: i64, end: &TryEnd) -> Result<(), StoreError> {
        let now = self.now();
        let (state, permanent, error, next): (&str, bool, Option<&str>, Option<&str>) = match end {
            TryEnd::Sent => ("sent", false, None, None),
            TryEnd::Refused(answer) => ("failed", true, Some(answer), None),
            TryEnd::Again { answer, at } => ("pending", false, Some(answer), Some(at)),
            TryEnd::GaveUp(answer) => ("failed", false, Some(answer), None),
        };
        self.conn
            .execute(
                "UPDATE outbox SET state = ?2, permanent = ?3, last_error = ?4, next_try_at = ?5,
                   attempts = attempts + 1, updated_at = ?6,
                   sent_at = CASE WHEN ?2 = 'sent' THEN ?6 ELSE sent_at END
                 WHERE id = ?1",
                params![id, state, permanent, error, next, now],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Marks messages to be sent again to every current address: pending
    /// now, their outcomes forgotten, the give-up clock restarted. Returns
    /// how many.
    pub fn resend_ids(&self, ids: &[i64]) -> Result<usize, StoreError> {
        let now = self.now();
        let mut n = 0;
        for id in ids {
            self.conn.execute("DELETE FROM outbox_recipients WHERE outbox_id = ?1", [id]).map_err(self.err())?;
            n += self
                .conn
                .execute(
                    "UPDATE outbox SET state = 'pending', permanent = 0, next_try_at = NULL, created_at = ?2,
                       updated_at = ?2 WHERE id = ?1",
                    params![id, now],
                )
                .map_err(self.err())?;
        }
        Ok(n)
    }

    /// The ids of a job and period's messages (those of the given
    /// municipality codes, or all), for `--resend`.
    pub fn ids_of(&self, job: &str, period: &str, kommunkoder: Option<&[String]>) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, kommunkod FROM outbox WHERE job = ?1 AND period = ?2 ORDER BY id")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([job, period], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(self.err())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err())?;
        Ok(rows
            .into_iter()
            .filter(|(_, k)| kommunkoder.is_none_or(|list| list.iter().any(|c| c == k)))
            .map(|(id, _)| id)
            .collect())
    }

    /// Cancels a message that has not been delivered everywhere; returns
    /// false if it is not in the outbox or already sent.
    pub fn cancel(&self, id: i64) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE outbox SET state = 'cancelled', next_try_at = NULL, updated_at = ?2
                 WHERE id = ?1 AND state IN ('pending', 'failed')",
                params![id, self.now()],
            )
            .map_err(self.err())?;
        Ok(n == 1)
    }

    /// How many messages of a job and period the relay has accepted everywhere.
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

    /// How many addresses have accepted a message, over the whole outbox.
    pub fn delivered_count(&self) -> Result<u64, StoreError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM outbox_recipients WHERE outcome = 'delivered'", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(self.err())
    }
}
