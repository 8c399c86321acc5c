//! The schema, versioned with SQLite's `user_version`.

use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[r#"
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
"#];

/// Applies the migrations not yet applied.
pub(crate) fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}
