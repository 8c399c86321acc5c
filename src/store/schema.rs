//! The schema, versioned with SQLite's `user_version`.

use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    job         TEXT NOT NULL,
    period      TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    ended_at    TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('ok', 'findings', 'failed')),
    error       TEXT,
    findings    INTEGER NOT NULL DEFAULT 0,
    outputs     INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE run_inputs (
    run_id  INTEGER NOT NULL REFERENCES runs(id),
    path    TEXT NOT NULL,
    kind    TEXT NOT NULL,
    sha256  TEXT NOT NULL
);
CREATE TABLE invoice_lines (
    month        TEXT NOT NULL,
    line_no      INTEGER NOT NULL,
    kommunkod    TEXT NOT NULL,
    article      TEXT NOT NULL,
    description  TEXT NOT NULL,
    quantity     INTEGER NOT NULL,
    unit_price   TEXT NOT NULL,
    amount       TEXT NOT NULL,
    run_id       INTEGER NOT NULL REFERENCES runs(id),
    PRIMARY KEY (month, line_no)
);
CREATE TABLE invoice_months (
    month   TEXT PRIMARY KEY,
    run_id  INTEGER NOT NULL REFERENCES runs(id)
);
"#,
    r#"
CREATE TABLE snapshots (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER NOT NULL REFERENCES runs(id),
    source       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    rows         INTEGER NOT NULL DEFAULT 0,
    skipped_rows INTEGER NOT NULL DEFAULT 0,
    duplicates   INTEGER NOT NULL DEFAULT 0,
    period       TEXT,
    ingested_at  TEXT NOT NULL,
    content      BLOB
);
CREATE INDEX snapshots_by_kind ON snapshots (kind, sha256);
CREATE TABLE accounts (
    snapshot_id  INTEGER NOT NULL REFERENCES snapshots(id),
    username     TEXT NOT NULL,
    email        TEXT NOT NULL,
    idnumber     TEXT,
    name         TEXT NOT NULL,
    kommunkod    INTEGER,
    organisation TEXT NOT NULL,
    roles        INTEGER NOT NULL,
    delresa      TEXT,
    status       TEXT NOT NULL,
    created      INTEGER,
    PRIMARY KEY (snapshot_id, username)
) WITHOUT ROWID;
CREATE TABLE completions (
    snapshot_id  INTEGER NOT NULL REFERENCES snapshots(id),
    user_key     TEXT NOT NULL,
    course_idx   INTEGER NOT NULL,
    status       INTEGER NOT NULL,
    started      INTEGER,
    completed    INTEGER,
    kommunkod    INTEGER,
    PRIMARY KEY (snapshot_id, user_key, course_idx)
) WITHOUT ROWID;
CREATE TABLE snapshot_courses (
    snapshot_id  INTEGER NOT NULL REFERENCES snapshots(id),
    idx          INTEGER NOT NULL,
    name         TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, idx)
) WITHOUT ROWID;
CREATE TABLE signups (
    snapshot_id   INTEGER NOT NULL REFERENCES snapshots(id),
    user_key      TEXT NOT NULL,
    course_idx    INTEGER NOT NULL,
    seminar       TEXT,
    session_start INTEGER NOT NULL,
    status        INTEGER NOT NULL,
    PRIMARY KEY (snapshot_id, user_key, course_idx, session_start)
) WITHOUT ROWID;
"#,
    r#"
CREATE TABLE http_validators (
    source        TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,
    updated_at    TEXT NOT NULL
);
CREATE INDEX accounts_by_email ON accounts (snapshot_id, email);
"#,
    r#"
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    job           TEXT NOT NULL,
    period        TEXT NOT NULL,
    kommunkod     TEXT NOT NULL,
    recipients    TEXT NOT NULL,
    stem          TEXT NOT NULL,
    message_id    TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    eml           BLOB NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    permanent     INTEGER NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    updated_at    TEXT NOT NULL,
    sent_at       TEXT,
    UNIQUE (job, period, kommunkod, recipients)
);
"#,
    r#"
ALTER TABLE runs ADD COLUMN scheduled_at TEXT;
"#,
    r#"
ALTER TABLE invoice_months ADD COLUMN closed_at TEXT;
CREATE TABLE invoice_adjustments (
    for_month   TEXT NOT NULL,
    in_month    TEXT NOT NULL,
    kommunkod   TEXT NOT NULL,
    article     TEXT NOT NULL,
    unit_price  TEXT NOT NULL,
    amount      TEXT NOT NULL
);
"#,
    r#"
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
"#,
    r#"
ALTER TABLE runs ADD COLUMN files INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN rows INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN messages INTEGER NOT NULL DEFAULT 0;
"#,
    // Completions as an append-only rowid table: rows arrive in the export's
    // order, and inserting them into a B-tree keyed by user was the slowest
    // part of a national sync. Duplicates are found in memory on ingest.
    r#"
CREATE TABLE completion_rows (
    snapshot_id  INTEGER NOT NULL REFERENCES snapshots(id),
    user_key     TEXT NOT NULL,
    course_idx   INTEGER NOT NULL,
    status       INTEGER NOT NULL,
    started      INTEGER,
    completed    INTEGER,
    kommunkod    INTEGER
);
INSERT INTO completion_rows SELECT snapshot_id, user_key, course_idx, status, started, completed, kommunkod FROM completions;
DROP TABLE completions;
ALTER TABLE completion_rows RENAME TO completions;
CREATE INDEX completions_by_snapshot ON completions (snapshot_id);
"#,
    // Accounts and sign-ups likewise (their unique keys are checked on ingest).
    r#"
CREATE TABLE account_rows (
    snapshot_id  INTEGER NOT NULL REFERENCES snapshots(id),
    username     TEXT NOT NULL,
    email        TEXT NOT NULL,
    idnumber     TEXT,
    name         TEXT NOT NULL,
    kommunkod    INTEGER,
    organisation TEXT NOT NULL,
    roles        INTEGER NOT NULL,
    delresa      TEXT,
    status       TEXT NOT NULL,
    created      INTEGER
);
INSERT INTO account_rows SELECT snapshot_id, username, email, idnumber, name, kommunkod, organisation, roles, delresa, status, created FROM accounts;
DROP INDEX accounts_by_email;
DROP TABLE accounts;
ALTER TABLE account_rows RENAME TO accounts;
CREATE INDEX accounts_by_snapshot ON accounts (snapshot_id);
CREATE TABLE signup_rows (
    snapshot_id   INTEGER NOT NULL REFERENCES snapshots(id),
    user_key      TEXT NOT NULL,
    course_idx    INTEGER NOT NULL,
    seminar       TEXT,
    session_start INTEGER NOT NULL,
    status        INTEGER NOT NULL
);
INSERT INTO signup_rows SELECT snapshot_id, user_key, course_idx, seminar, session_start, status FROM signups;
DROP TABLE signups;
ALTER TABLE signup_rows RENAME TO signups;
CREATE INDEX signups_by_snapshot ON signups (snapshot_id);
"#,
    // Invoice lines carry their kind (never recognised by their text again;
    // the text is read once, here, only to give rows stored before this
    // migration their kind)
    // and the undecided setting behind a preliminary amount; the trainer pot
    // of a delivered year is frozen whole, with the adjustments it carried.
    r#"
ALTER TABLE invoice_lines ADD COLUMN kind TEXT NOT NULL DEFAULT 'course-days';
UPDATE invoice_lines SET kind = CASE
    WHEN description LIKE 'Justering %' THEN 'adjustment'
    WHEN description LIKE 'Regional fast kostnad%' THEN 'fixed-cost'
    WHEN description LIKE 'Utbildarpott%' THEN 'pot-credit'
    WHEN description LIKE 'Uteblivna%' THEN 'no-show'
    WHEN description LIKE 'Nationella%' THEN 'national-days'
    ELSE 'course-days' END;
ALTER TABLE invoice_lines ADD COLUMN undecided TEXT;
CREATE TABLE pot_years (
    year          INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES runs(id),
    delivered_at  TEXT NOT NULL,
    distribution  TEXT NOT NULL
);
CREATE TABLE pot_adjustments (
    for_year   INTEGER NOT NULL,
    in_year    INTEGER NOT NULL,
    recipient  TEXT NOT NULL,
    amount     TEXT NOT NULL
);
"#,
    // The platform is the union of the latest export of each report: a
    // snapshot knows its report, whether it covers every delresa (an accounts
    // export without a Delresa column), and what it covers, for people.
    r#"
ALTER TABLE snapshots ADD COLUMN report TEXT;
ALTER TABLE snapshots ADD COLUMN covers_all INTEGER NOT NULL DEFAULT 1;
ALTER TABLE snapshots ADD COLUMN coverage TEXT NOT NULL DEFAULT '';
CREATE INDEX snapshots_by_report ON snapshots (kind, report, id);
-- The keys an export covers: an accounts export's delresor, a completions
-- export's courses, a sign-ups export's sessions (course and start).
CREATE TABLE snapshot_coverage (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, key)
) WITHOUT ROWID;
"#,
    // The outbox addresses each try from the config in force (an audience,
    // not addresses), keeps the content apart from the addressing, records
    // every recipient's outcome, and tries again on a backoff until it gives
    // up; a message can be cancelled. Messages stored before keep their
    // addresses and formatted message (`eml`).
    r#"
CREATE TABLE outbox_new (
    id            INTEGER PRIMARY KEY,
    job           TEXT NOT NULL,
    period        TEXT NOT NULL,
    kommunkod     TEXT NOT NULL,
    audience      TEXT NOT NULL,
    stem          TEXT NOT NULL,
    message_id    TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    subject       TEXT,
    body          TEXT,
    eml           BLOB,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'cancelled')),
    permanent     INTEGER NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    created_at    TEXT NOT NULL,
    next_try_at   TEXT,
    updated_at    TEXT NOT NULL,
    sent_at       TEXT,
    UNIQUE (job, period, kommunkod, audience)
);
INSERT INTO outbox_new (id, job, period, kommunkod, audience, stem, message_id, content_hash, eml, state,
                        permanent, attempts, last_error, created_at, updated_at, sent_at)
SELECT id, job, period, kommunkod, recipients, stem, message_id, content_hash, eml, state,
       permanent, attempts, last_error, updated_at, updated_at, sent_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_by_state ON outbox (state, next_try_at);
CREATE TABLE outbox_attachments (
    outbox_id  INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    idx        INTEGER NOT NULL,
    suffix     TEXT NOT NULL,
    mime       TEXT NOT NULL,
    bytes      BLOB NOT NULL,
    PRIMARY KEY (outbox_id, idx)
);
-- Every address a message went to or was refused by, with the relay's answer.
CREATE TABLE outbox_recipients (
    outbox_id  INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    address    TEXT NOT NULL,
    outcome    TEXT NOT NULL CHECK (outcome IN ('delivered', 'refused')),
    answer     TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (outbox_id, address)
);
INSERT INTO outbox_recipients (outbox_id, address, outcome, answer, at)
SELECT o.id, a.value, 'delivered', 'accepted', COALESCE(o.sent_at, o.updated_at)
FROM outbox o, json_each('["' || replace(o.audience, ',', '","') || '"]') a
WHERE o.state = 'sent';
"#,
    // Personal data kept only as long as needed: a purged snapshot keeps its
    // metadata (file, time, counts) without rows; the ID number, the
    // organisation as written and the creation date were never used and
    // are no longer stored.
    r#"
ALTER TABLE snapshots ADD COLUMN purged_at TEXT;
UPDATE accounts SET idnumber = NULL, organisation = '', created = NULL
 WHERE idnumber IS NOT NULL OR organisation != '' OR created IS NOT NULL;
"#,
    // Completions as runs: a row per user and run of consecutive rows, the
    // completions packed (see `completion_runs`); ten times fewer rows to
    // insert and read. The start and completion dates were never read and
    // are dropped. Existing rows become one run per user and snapshot.
    r#"
CREATE TABLE completion_runs (
    snapshot_id  INTEGER NOT NULL REFERENCES snapshots(id),
    user_key     TEXT NOT NULL,
    entries      BLOB NOT NULL
);
INSERT INTO completion_runs (snapshot_id, user_key, entries)
SELECT snapshot_id, user_key,
       unhex(group_concat(printf('%08x%02x%04x', course_idx, status, COALESCE(kommunkod, 0)), '' ORDER BY rowid))
  FROM completions GROUP BY snapshot_id, user_key ORDER BY MIN(rowid);
DROP TABLE completions;
ALTER TABLE completion_runs RENAME TO completions;
CREATE INDEX completions_by_snapshot ON completions (snapshot_id);
"#,
    // Parsed registers kept beside their files (see `register_cache`).
    r#"
CREATE TABLE register_parsed (
    snapshot_id  INTEGER PRIMARY KEY REFERENCES snapshots(id),
    key          TEXT NOT NULL,
    parsed       BLOB NOT NULL
);
"#,
    // What the reports read of the platform, kept with the exports it came
    // from (see `platform_summary`).
    r#"
CREATE TABLE platform_summary (
    key      TEXT PRIMARY KEY,
    summary  BLOB NOT NULL
);
CREATE TABLE account_counts (
    key      TEXT PRIMARY KEY,
    counts   BLOB NOT NULL
);
"#,
    // Snapshot rows name their snapshot with a foreign key checked at
    // commit (deferred) instead of after each statement: an insert of many
    // rows with an immediate key (or NOT NULL that aborts, hence `INSERT OR
    // FAIL` in `snapshots` and `completion_runs`) made SQLite copy the pages
    // it touched to a statement journal first, 12 % of a national sync's
    // CPU. A row naming no snapshot is refused all the same, at the commit,
    // and the run's transaction fails whole. Rows keep their rowids (and so
    // the order they were stored in).
    r#"
CREATE TABLE account_rows (
    snapshot_id  INTEGER NOT NULL REFERENCES snapshots(id) DEFERRABLE INITIALLY DEFERRED,
    username     TEXT NOT NULL,
    email        TEXT NOT NULL,
    idnumber     TEXT,
    name         TEXT NOT NULL,
    kommunkod    INTEGER,
    organisation TEXT NOT NULL,
    roles        INTEGER NOT NULL,
    delresa      TEXT,
    status       TEXT NOT NULL,
    created      INTEGER
);
INSERT INTO account_rows (rowid, snapshot_id, username, email, idnumber, name, kommunkod, organisation, roles, delresa, status, created)
SELECT rowid, snapshot_id, username, email, idnumber, name, kommunkod, organisation, roles, delresa, status, created FROM accounts;
DROP TABLE accounts;
ALTER TABLE account_rows RENAME TO accounts;
CREATE INDEX accounts_by_snapshot ON accounts (snapshot_id);
CREATE TABLE signup_rows (
    snapshot_id   INTEGER NOT NULL REFERENCES snapshots(id) DEFERRABLE INITIALLY DEFERRED,
    user_key      TEXT NOT NULL,
    course_idx    INTEGER NOT NULL,
    seminar       TEXT,
    session_start INTEGER NOT NULL,
    status        INTEGER NOT NULL
);
INSERT INTO signup_rows (rowid, snapshot_id, user_key, course_idx, seminar, session_start, status)
SELECT rowid, snapshot_id, user_key, course_idx, seminar, session_start, status FROM signups;
DROP TABLE signups;
ALTER TABLE signup_rows RENAME TO signups;
CREATE INDEX signups_by_snapshot ON signups (snapshot_id);
CREATE TABLE completion_rows (
    snapshot_id  INTEGER NOT NULL REFERENCES snapshots(id) DEFERRABLE INITIALLY DEFERRED,
    user_key     TEXT NOT NULL,
    entries      BLOB NOT NULL
);
INSERT INTO completion_rows (rowid, snapshot_id, user_key, entries)
SELECT rowid, snapshot_id, user_key, entries FROM completions;
DROP TABLE completions;
ALTER TABLE completion_rows RENAME TO completions;
CREATE INDEX completions_by_snapshot ON completions (snapshot_id);
"#,
];

/// Applies the migrations not yet applied, in one write transaction that
/// reads the version inside it: two processes opening a new database at once
/// (a test and `serve`, `status` and a job) cannot both migrate it.
pub(crate) fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version as usize >= MIGRATIONS.len() {
        return Ok(());
    }
    // IMMEDIATE takes the write lock first (waiting out the busy timeout).
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let applied = (|| {
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for sql in MIGRATIONS.iter().skip(version as usize) {
            conn.execute_batch(sql)?;
        }
        conn.pragma_update(None, "user_version", MIGRATIONS.len() as i64)
    })();
    match applied {
        Ok(()) => conn.execute_batch("COMMIT"),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Snapshots stored before reports were known get a report, once. Until
/// then the latest snapshot of a kind (a register: of its year) replaced the
/// others whatever their names, so each such group gets the report of its
/// latest file (see [`crate::domain::totara::report_identity`]) and the same
/// snapshots stay current.
pub(crate) fn name_reports(conn: &Connection) -> rusqlite::Result<()> {
    type Unnamed = (i64, String, String, Option<String>);
    let unnamed: Vec<Unnamed> = conn
        .prepare("SELECT id, kind, file_name, period FROM snapshots WHERE report IS NULL ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    let group = |kind: &str, period: &Option<String>| (kind.to_string(), period.clone().filter(|_| kind == "register"));
    let mut report_of = std::collections::HashMap::new();
    for (_, kind, file, period) in unnamed.iter().rev() {
        report_of.entry(group(kind, period)).or_insert_with(|| crate::domain::totara::report_identity(file));
    }
    for (id, kind, _, period) in &unnamed {
        conn.execute(
            "UPDATE snapshots SET report = ?2 WHERE id = ?1",
            rusqlite::params![id, report_of[&group(kind, period)]],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema as the version before `n` migrations left it.
    fn at_version(n: usize) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..n] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", n as i64).unwrap();
        conn
    }

    #[test]
    fn messages_stored_before_audiences_keep_their_addresses_and_outcomes() {
        let outbox_rework = MIGRATIONS.iter().position(|m| m.contains("CREATE TABLE outbox_new")).unwrap();
        let conn = at_version(outbox_rework);
        conn.execute_batch(
            "INSERT INTO outbox (job, period, kommunkod, recipients, stem, message_id, content_hash, eml, state,
                                 updated_at, sent_at)
             VALUES ('monthly-invoice', '2026-03', '2062', 'a@mora.example,b@mora.example', 'yrkesresan-mora-2026-03',
                     'id1', 'h', x'41', 'sent', '2026-04-01T06:00:00Z', '2026-04-01T06:00:00Z'),
                    ('monthly-invoice', '2026-03', '2080', 'c@falun.example', 'yrkesresan-falun-2026-03',
                     'id2', 'h', x'42', 'pending', '2026-04-01T06:00:00Z', NULL);",
        )
        .unwrap();
        migrate(&conn).unwrap();
        let delivered: Vec<String> = conn
            .prepare("SELECT address FROM outbox_recipients WHERE outbox_id = 1 ORDER BY address")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(delivered, ["a@mora.example", "b@mora.example"], "a sent message is not sent again");
        let (audience, state, eml): (String, String, Vec<u8>) = conn
            .query_row("SELECT audience, state, eml FROM outbox WHERE id = 2", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!(
            (audience.as_str(), state.as_str(), eml.as_slice()),
            ("c@falun.example", "pending", b"B".as_slice())
        );
        assert_eq!(
            crate::domain::Audience::from_columns("2080", &audience),
            crate::domain::Audience::Addresses(vec!["c@falun.example".into()])
        );
    }

    #[test]
    fn completions_stored_a_row_each_become_one_run_per_user_with_the_same_completions() {
        use crate::store::completion_runs::{entries, Entry};
        let runs = MIGRATIONS.iter().position(|m| m.contains("CREATE TABLE completion_runs")).unwrap();
        let conn = at_version(runs);
        conn.execute_batch(
            "INSERT INTO runs (id, job, period, started_at, ended_at, outcome) VALUES (1, 'nightly-sync', '-', 't', 't', 'ok');
             INSERT INTO snapshots (id, run_id, source, kind, file_name, sha256, ingested_at)
             VALUES (1, 1, 'inbox', 'completions', 'c.csv', 'x', '2026-01-01T00:00:00Z');
             INSERT INTO completions (snapshot_id, user_key, course_idx, status, started, completed, kommunkod)
             VALUES (1, 'anna', 2, 50, 20260101, 20260301, 2080), (1, 'bo', 1, 10, NULL, NULL, NULL),
                    (1, 'anna', 1, 25, 20260101, NULL, NULL);",
        )
        .unwrap();
        migrate(&conn).unwrap();
        let rows: Vec<(String, Vec<u8>)> = conn
            .prepare("SELECT user_key, entries FROM completions WHERE snapshot_id = 1 ORDER BY rowid")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let runs: Vec<(&str, Vec<Entry>)> = rows.iter().map(|(u, b)| (u.as_str(), entries(b).collect())).collect();
        let e = |course_idx, status, kommun| Entry { course_idx, status, kommun };
        assert_eq!(runs, [("anna", vec![e(2, 50, Some(2080)), e(1, 25, None)]), ("bo", vec![e(1, 10, None)])]);
    }

    #[test]
    fn snapshot_rows_keep_their_rowids_and_name_their_snapshot_with_a_key_checked_at_commit() {
        let deferred = MIGRATIONS.iter().position(|m| m.contains("CREATE TABLE account_rows (\n    snapshot_id  INTEGER NOT NULL REFERENCES snapshots(id) DEFERRABLE")).unwrap();
        let conn = at_version(deferred);
        conn.execute_batch(
            "INSERT INTO runs (id, job, period, started_at, ended_at, outcome) VALUES (1, 'nightly-sync', '-', 't', 't', 'ok');
             INSERT INTO snapshots (id, run_id, source, kind, file_name, sha256, ingested_at)
             VALUES (1, 1, 'inbox', 'accounts', 'u.csv', 'x', '2026-01-01T00:00:00Z');
             INSERT INTO accounts (rowid, snapshot_id, username, email, name, organisation, roles, status)
             VALUES (7, 1, 'bo', 'bo@mora.example', 'Bo', '', 1, 'active'), (3, 1, 'anna', 'a@mora.example', 'Anna', '', 1, 'active');
             INSERT INTO signups (rowid, snapshot_id, user_key, course_idx, session_start, status) VALUES (5, 1, 'bo', 0, 20260101, 1);
             INSERT INTO completions (rowid, snapshot_id, user_key, entries) VALUES (9, 1, 'anna', x'00');",
        )
        .unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        migrate(&conn).unwrap();
        let accounts: Vec<(i64, String)> = conn
            .prepare("SELECT rowid, username FROM accounts ORDER BY rowid")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(accounts, [(3, "anna".to_string()), (7, "bo".to_string())]);
        let rowid =
            |table: &str| -> i64 { conn.query_row(&format!("SELECT rowid FROM {table}"), [], |r| r.get(0)).unwrap() };
        assert_eq!((rowid("signups"), rowid("completions")), (5, 9));

        // A row naming no snapshot: the statement goes through, the commit does not.
        for table in ["accounts", "signups", "completions"] {
            conn.execute_batch("BEGIN").unwrap();
            let insert = match table {
                "accounts" => "INSERT OR FAIL INTO accounts (snapshot_id, username, email, name, organisation, roles, status)
                               VALUES (99, 'x', 'x@mora.example', 'X', '', 0, 'active'), (99, 'y', 'y@mora.example', 'Y', '', 0, 'active')",
                "signups" => "INSERT OR FAIL INTO signups (snapshot_id, user_key, course_idx, session_start, status) VALUES (99, 'x', 0, 1, 1), (99, 'y', 0, 1, 1)",
                _ => "INSERT OR FAIL INTO completions (snapshot_id, user_key, entries) VALUES (99, 'x', x'00'), (99, 'y', x'00')",
            };
            conn.execute_batch(insert).unwrap();
            let commit = conn.execute_batch("COMMIT").unwrap_err().to_string();
            assert!(commit.contains("FOREIGN KEY"), "{table}: {commit}");
            conn.execute_batch("ROLLBACK").unwrap();
        }
        assert_eq!(conn.query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get::<_, i64>(0)).unwrap(), 2);
    }
}
