//! Completions stored as runs: one row per user and run of that user's
//! consecutive rows in the export, the completions packed in a blob.
//!
//! A national completions export has 3 million rows, about ten per user.
//! Stored one SQLite row each, inserting them was the slowest part of a
//! sync and its transaction 200 MB; read back, every later job paid per row.
//! A run row keeps the user as text (so forgetting a person stays one
//! `DELETE … WHERE user_key …`) and each completion as [`ENTRY`] bytes:
//! course index (u32), status code (u8), municipality code (u16, 0 for
//! none), big-endian, as the schema migration writes them with `printf`.
//! The start and completion dates were never read and are not stored.

use rusqlite::Connection;

/// Bytes of one packed completion.
pub(crate) const ENTRY: usize = 7;

/// The SQL expression counting the completions of the selected rows.
pub(crate) const COUNT: &str = "COALESCE(SUM(length(entries)), 0) / 7";

/// One completion as stored in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The course's index in the snapshot's `snapshot_courses`.
    pub course_idx: u32,
    /// The status code ([`crate::domain::CompletionStatus::code`]).
    pub status: u8,
    /// The municipality code the row gave, if it resolved.
    pub kommun: Option<u16>,
}

impl Entry {
    fn write(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.course_idx.to_be_bytes());
        out.push(self.status);
        out.extend_from_slice(&self.kommun.unwrap_or(0).to_be_bytes());
    }
}

/// The completions packed in a run's blob, in export order (a trailing
/// partial entry, which no writer makes, is ignored).
pub(crate) fn entries(blob: &[u8]) -> impl Iterator<Item = Entry> + '_ {
    blob.chunks_exact(ENTRY).map(|e| Entry {
        course_idx: u32::from_be_bytes([e[0], e[1], e[2], e[3]]),
        status: e[4],
        kommun: Some(u16::from_be_bytes([e[5], e[6]])).filter(|&k| k != 0),
    })
}

/// Runs per multi-row INSERT.
const RUNS_PER_INSERT: usize = 64;

/// Gathers a snapshot's completions into runs and inserts them in batches.
#[derive(Debug)]
pub(crate) struct RunWriter {
    snapshot: i64,
    user: String,
    entries: Vec<u8>,
    ready: Vec<(String, Vec<u8>)>,
}

impl RunWriter {
    /// A writer for the rows of `snapshot`.
    pub(crate) fn new(snapshot: i64) -> Self {
        RunWriter { snapshot, user: String::new(), entries: Vec::new(), ready: Vec::with_capacity(RUNS_PER_INSERT) }
    }

    /// Adds one completion of `user`; inserts a batch of runs when one is full.
    pub(crate) fn push(&mut self, conn: &Connection, user: &str, entry: Entry) -> rusqlite::Result<()> {
        if user != self.user {
            self.end_run();
            self.user.push_str(user);
            if self.ready.len() == RUNS_PER_INSERT {
                self.insert(conn)?;
            }
        }
        entry.write(&mut self.entries);
        Ok(())
    }

    /// Inserts what is left.
    pub(crate) fn finish(mut self, conn: &Connection) -> rusqlite::Result<()> {
        self.end_run();
        self.insert(conn)
    }

    fn end_run(&mut self) {
        if !self.entries.is_empty() {
            let entries = std::mem::replace(&mut self.entries, Vec::with_capacity(ENTRY * 16));
            self.ready.push((std::mem::take(&mut self.user), entries));
        }
        self.user.clear();
    }

    fn insert(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        if self.ready.is_empty() {
            return Ok(());
        }
        // OR FAIL: no statement journal (see `snapshots::store_export`).
        let values = vec!["(?,?,?)"; self.ready.len()].join(",");
        let mut stmt = conn.prepare_cached(&format!(
            "INSERT OR FAIL INTO completions (snapshot_id, user_key, entries) VALUES {values}"
        ))?;
        let mut at = 1;
        for (user, entries) in &self.ready {
            stmt.raw_bind_parameter(at, self.snapshot)?;
            stmt.raw_bind_parameter(at + 1, user.as_str())?;
            stmt.raw_bind_parameter(at + 2, entries.as_slice())?;
            at += 3;
        }
        stmt.raw_execute()?;
        self.ready.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_come_back_as_written() {
        let written = [
            Entry { course_idx: 1, status: 10, kommun: Some(2080) },
            Entry { course_idx: 70_000, status: 50, kommun: None },
            Entry { course_idx: u32::MAX, status: 25, kommun: Some(114) },
        ];
        let mut blob = Vec::new();
        written.iter().for_each(|e| e.write(&mut blob));
        assert_eq!(blob.len(), 3 * ENTRY);
        assert_eq!(entries(&blob).collect::<Vec<_>>(), written);
        // What the migration's printf('%08x%02x%04x', …) writes for the first.
        assert_eq!(hex::encode(&blob[..ENTRY]), "000000010a0820");
    }

    #[test]
    fn consecutive_rows_of_a_user_make_one_run_and_a_later_row_another() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE completions (snapshot_id INTEGER, user_key TEXT, entries BLOB)").unwrap();
        let mut w = RunWriter::new(7);
        let e = |course_idx| Entry { course_idx, status: 50, kommun: None };
        for (user, course) in [("anna", 1), ("anna", 2), ("bo", 1), ("anna", 3)] {
            w.push(&conn, user, e(course)).unwrap();
        }
        w.finish(&conn).unwrap();
        let rows: Vec<(i64, String, Vec<u8>)> = conn
            .prepare("SELECT snapshot_id, user_key, entries FROM completions ORDER BY rowid")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let runs: Vec<(&str, Vec<u32>)> =
            rows.iter().map(|(_, u, b)| (u.as_str(), entries(b).map(|e| e.course_idx).collect())).collect();
        assert_eq!(runs, [("anna", vec![1, 2]), ("bo", vec![1]), ("anna", vec![3])]);
        assert!(rows.iter().all(|(s, ..)| *s == 7));
        let n: i64 = conn.query_row(&format!("SELECT {COUNT} FROM completions"), [], |r| r.get(0)).unwrap();
        assert_eq!(n, 4);
    }
}
