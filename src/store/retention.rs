//! Keeping personal data only as long as needed: `purge` removes what the
//! retention allows (snapshot rows, replaced register copies, delivered
//! message bodies, run-log details), `forget` one person's traces. Both run
//! inside a run's transaction, so they apply whole or not at all; what stays
//! (invoice bases, frozen pots, who got which message when) names nobody.
//!
//! The database overwrites what it deletes (`secure_delete`, set on open),
//! so removed rows do not linger in free pages.

use super::platform::Reader;
use super::{RunTx, StoreError};
use crate::domain::ExportKind;
use chrono::NaiveDate;
use rusqlite::params;
use std::collections::HashSet;

/// What a purge removes: before these times (RFC 3339), except the snapshots kept.
#[derive(Debug, Clone)]
pub struct PurgePlan {
    /// Snapshot rows and replaced register copies ingested before this.
    pub snapshots_before: String,
    /// Message bodies and attachments of messages settled before this.
    pub messages_before: String,
    /// Run-log details of runs that ended before this.
    pub run_log_before: String,
    /// Snapshots still needed (the current view, and the views open months read).
    pub keep: HashSet<i64>,
}

/// What a purge removed (or, dry, would remove).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Purged {
    /// Snapshots whose rows went.
    pub snapshots: u64,
    /// Account rows.
    pub accounts: u64,
    /// Completion rows.
    pub completions: u64,
    /// Sign-up rows.
    pub signups: u64,
    /// Stored copies of replaced registers.
    pub registers: u64,
    /// Message bodies (with their attachments).
    pub messages: u64,
    /// Runs whose error text and input paths went.
    pub runs: u64,
}

/// What `forget` found of one person in the state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forgotten {
    /// Account rows.
    pub accounts: u64,
    /// Completion rows.
    pub completions: u64,
    /// Sign-up rows.
    pub signups: u64,
    /// Stored register copies that held the person (rewritten without them by the caller).
    pub registers: Vec<i64>,
    /// Delivered message bodies whose attachments held the person.
    pub messages: u64,
    /// Messages waiting to be sent that hold the person (kept: they are due).
    pub waiting: Vec<String>,
    /// Outbox addresses replaced (the person as a recipient).
    pub addresses: u64,
}

impl Reader<'_> {
    /// The snapshots still needed: every kind's current view, the views
    /// before each of `month_starts` (what an open month compares with), and
    /// the current registers.
    pub fn needed_snapshots(&self, month_starts: &[NaiveDate]) -> Result<HashSet<i64>, StoreError> {
        let mut keep = HashSet::new();
        for kind in [ExportKind::Accounts, ExportKind::Completions, ExportKind::Signups] {
            keep.extend(self.current(kind, None)?.into_iter().map(|s| s.id));
        }
        for start in month_starts {
            let before = format!("{start}T00:00:00Z");
            keep.extend(self.current(ExportKind::Accounts, Some(&before))?.into_iter().map(|s| s.id));
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id FROM snapshots s WHERE kind = 'register' AND id = (SELECT MAX(id) FROM snapshots t
                 WHERE t.kind = 'register' AND t.report IS s.report AND t.period IS s.period)",
            )
            .map_err(self.err())?;
        let ids = stmt.query_map([], |r| r.get::<_, i64>(0)).map_err(self.err())?;
        for id in ids {
            keep.insert(id.map_err(self.err())?);
        }
        Ok(keep)
    }
}

impl RunTx<'_> {
    /// Removes what the plan allows; with `dry` only counts it.
    pub fn purge(&self, plan: &PurgePlan, dry: bool) -> Result<Purged, StoreError> {
        let conn = &self.tx;
        let w = self.wrap();
        let mut out = Purged::default();
        let mut purged_rows = false;
        let old: Vec<(i64, String)> = conn
            .prepare(
                "SELECT id, kind FROM snapshots WHERE purged_at IS NULL AND ingested_at < ?1
                 AND (kind != 'register' OR content IS NOT NULL)",
            )
            .map_err(&w)?
            .query_map([&plan.snapshots_before], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(&w)?
            .collect::<Result<_, _>>()
            .map_err(&w)?;
        let now = self.now();
        for (id, kind) in old.into_iter().filter(|(id, _)| !plan.keep.contains(id)) {
            let count = |table: &str| -> Result<u64, StoreError> {
                let n = if table == "completions" { super::completion_runs::COUNT } else { "COUNT(*)" };
                conn.query_row(&format!("SELECT {n} FROM {table} WHERE snapshot_id = ?1"), [id], |r| r.get::<_, i64>(0))
                    .map(|n| n as u64)
                    .map_err(self.wrap())
            };
            match kind.as_str() {
                "accounts" => out.accounts += count("accounts")?,
                "completions" => out.completions += count("completions")?,
                "signups" => out.signups += count("signups")?,
                "register" => out.registers += 1,
                _ => continue,
            }
            out.snapshots += u64::from(kind != "register");
            if dry {
                continue;
            }
            for table in ["accounts", "completions", "signups", "snapshot_courses", "snapshot_coverage"] {
                conn.execute(&format!("DELETE FROM {table} WHERE snapshot_id = ?1"), [id]).map_err(&w)?;
            }
            conn.execute("DELETE FROM register_parsed WHERE snapshot_id = ?1", [id]).map_err(&w)?;
            conn.execute("UPDATE snapshots SET content = NULL, purged_at = ?2 WHERE id = ?1", params![id, now])
                .map_err(&w)?;
            purged_rows = true;
        }
        if purged_rows {
            // A kept summary may have come from these rows (and names their people).
            self.forget_platform_summaries()?;
        }
        let settled = "state IN ('sent', 'cancelled') AND COALESCE(sent_at, updated_at) < ?1
                       AND (subject IS NOT NULL OR body IS NOT NULL OR eml IS NOT NULL
                            OR id IN (SELECT outbox_id FROM outbox_attachments))";
        out.messages = conn
            .query_row(&format!("SELECT COUNT(*) FROM outbox WHERE {settled}"), [&plan.messages_before], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(&w)? as u64;
        let details = "ended_at < ?1 AND (error IS NOT NULL OR id IN (SELECT run_id FROM run_inputs))";
        out.runs = conn
            .query_row(&format!("SELECT COUNT(*) FROM runs WHERE {details}"), [&plan.run_log_before], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(&w)? as u64;
        if !dry {
            conn.execute(
                &format!("DELETE FROM outbox_attachments WHERE outbox_id IN (SELECT id FROM outbox WHERE {settled})"),
                [&plan.messages_before],
            )
            .map_err(&w)?;
            conn.execute(
                &format!("UPDATE outbox SET subject = NULL, body = NULL, eml = NULL WHERE {settled}"),
                [&plan.messages_before],
            )
            .map_err(&w)?;
            conn.execute(
                &format!("DELETE FROM run_inputs WHERE run_id IN (SELECT id FROM runs WHERE {details})"),
                [&plan.run_log_before],
            )
            .map_err(&w)?;
            conn.execute(
                "UPDATE runs SET error = NULL WHERE ended_at < ?1 AND error IS NOT NULL",
                [&plan.run_log_before],
            )
            .map_err(&w)?;
        }
        Ok(out)
    }

    /// Removes one person's rows from the stored snapshots (by e-mail or
    /// username, any case), the bodies of delivered messages whose
    /// attachments name them, and their address where they were a
    /// recipient. `mentions(bytes)` tells whether an attachment names them.
    /// Register copies that hold them are returned for the caller to rewrite
    /// ([`RunTx::replace_register_content`]).
    pub fn forget(
        &self,
        keys: &[String],
        mentions: &dyn Fn(&[u8]) -> bool,
        dry: bool,
    ) -> Result<Forgotten, StoreError> {
        let conn = &self.tx;
        let w = self.wrap();
        let mut out = Forgotten::default();
        // The keys in a temporary table: a row matching several keys (its
        // username and its address) is counted and removed once.
        conn.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS forget_keys (k TEXT PRIMARY KEY); DELETE FROM forget_keys;",
        )
        .map_err(&w)?;
        for key in keys {
            conn.execute("INSERT OR IGNORE INTO forget_keys (k) VALUES (?1)", [key.to_lowercase()]).map_err(&w)?;
        }
        const KEYS: &str = "(SELECT k FROM forget_keys)";
        let account_rows = format!("lower(username) IN {KEYS} OR lower(email) IN {KEYS}");
        let n = |sql: &str| -> Result<u64, StoreError> {
            conn.query_row(sql, [], |r| r.get::<_, i64>(0)).map(|n| n as u64).map_err(self.wrap())
        };
        out.accounts = n(&format!("SELECT COUNT(*) FROM accounts WHERE {account_rows}"))?;
        let completions = super::completion_runs::COUNT;
        out.completions = n(&format!("SELECT {completions} FROM completions WHERE lower(user_key) IN {KEYS}"))?;
        out.signups = n(&format!("SELECT COUNT(*) FROM signups WHERE lower(user_key) IN {KEYS}"))?;
        out.addresses = n(&format!("SELECT COUNT(*) FROM outbox_recipients WHERE lower(address) IN {KEYS}"))?;
        if !dry {
            conn.execute(&format!("DELETE FROM accounts WHERE {account_rows}"), []).map_err(&w)?;
            conn.execute(&format!("DELETE FROM completions WHERE lower(user_key) IN {KEYS}"), []).map_err(&w)?;
            conn.execute(&format!("DELETE FROM signups WHERE lower(user_key) IN {KEYS}"), []).map_err(&w)?;
            // A kept summary's findings may name the person.
            self.forget_platform_summaries()?;
            conn.execute(
                &format!(
                    "UPDATE outbox_recipients SET address = '(raderad ' || rowid || ')' WHERE lower(address) IN {KEYS}"
                ),
                [],
            )
            .map_err(&w)?;
        }
        conn.execute("DROP TABLE temp.forget_keys", []).map_err(&w)?;
        let registers: Vec<(i64, Vec<u8>)> = conn
            .prepare("SELECT id, content FROM snapshots WHERE kind = 'register' AND content IS NOT NULL")
            .map_err(&w)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(&w)?
            .collect::<Result<_, _>>()
            .map_err(&w)?;
        out.registers = registers.into_iter().filter(|(_, bytes)| mentions(bytes)).map(|(id, _)| id).collect();
        let messages: Vec<(i64, String, String, Vec<u8>)> = conn
            .prepare(
                "SELECT o.id, o.state, o.stem, a.bytes FROM outbox o JOIN outbox_attachments a ON a.outbox_id = o.id
                 WHERE o.state != 'cancelled'",
            )
            .map_err(&w)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .map_err(&w)?
            .collect::<Result<_, _>>()
            .map_err(&w)?;
        let mut done = HashSet::new();
        for (id, state, stem, bytes) in messages {
            if done.contains(&id) || !mentions(&bytes) {
                continue;
            }
            done.insert(id);
            if state == "sent" {
                out.messages += 1;
                if !dry {
                    conn.execute("DELETE FROM outbox_attachments WHERE outbox_id = ?1", [id]).map_err(&w)?;
                    conn.execute("UPDATE outbox SET subject = NULL, body = NULL, eml = NULL WHERE id = ?1", [id])
                        .map_err(&w)?;
                }
            } else {
                out.waiting.push(stem);
            }
        }
        Ok(out)
    }

    /// Replaces a stored register copy's bytes (the person removed); the
    /// file's checksum stays, so the same file dropped again is known.
    pub fn replace_register_content(&self, id: i64, content: &[u8]) -> Result<(), StoreError> {
        self.tx
            .execute("UPDATE snapshots SET content = ?2 WHERE id = ?1", params![id, content])
            .map_err(self.wrap())?;
        // The parsed form still names the person.
        self.tx.execute("DELETE FROM register_parsed WHERE snapshot_id = ?1", [id]).map_err(self.wrap())?;
        Ok(())
    }

    /// A stored register copy's bytes and file name.
    pub fn register_content(&self, id: i64) -> Result<(String, Vec<u8>), StoreError> {
        self.tx
            .query_row("SELECT file_name, content FROM snapshots WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.wrap())
    }
}

impl super::Store {
    /// Who a person is in the stored snapshots: every username and e-mail
    /// address that belongs with `who` (an address or a username), and the
    /// names their accounts carry.
    pub fn identities(&self, who: &str) -> Result<(Vec<String>, Vec<String>), StoreError> {
        let who = who.trim().to_lowercase();
        let mut keys: Vec<String> = vec![who.clone()];
        let mut names: Vec<String> = Vec::new();
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT lower(username), lower(email), name FROM accounts WHERE lower(username) = ?1 OR lower(email) = ?1")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([&who], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
            .map_err(self.err())?;
        for row in rows {
            let (u, e, n) = row.map_err(self.err())?;
            keys.extend([u, e]);
            if !n.trim().is_empty() {
                names.push(n);
            }
        }
        keys.sort();
        keys.dedup();
        names.sort();
        names.dedup();
        Ok((keys, names))
    }
}
