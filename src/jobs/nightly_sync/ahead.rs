//! The second core's share of the ingest: while this thread stores the
//! inbox's files one by one (a CSV export parses on its own thread too),
//! a reader thread goes ahead through the inbox's spreadsheets in the same
//! order: it recognises each (registers by their sheets, exports by their
//! headings), parses a register whole and reads an export's rows into a
//! queue bounded in bytes ([`RowQueue`]). When the ingest reaches the file
//! it takes what was read and stores it, in the same order and with the
//! same effects as reading it then.
//!
//! The reader reads under its own reading marker ([`Slot::Ahead`]), so a
//! file that kills the process is set aside on the next run like any other.

use crate::domain::Register;
use crate::ingest::exports::{sniff, Sniffed};
use crate::ingest::{open_spreadsheet, InputKind, RegisterProblems};
use crate::jobs::reading::{guarded, Slot};
use crate::jobs::JobSettings;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;

use crate::ingest::exports::RowQueue;

/// How many bytes of an export's rows the reader may hold ahead of the
/// ingest: a whole national accounts export (300 000 rows) fits.
const ROWS_AHEAD: usize = 128 << 20;

/// A spreadsheet to read ahead: its path and content hash (hashed once, by the ingest).
pub(super) struct Wanted {
    pub path: PathBuf,
    pub sha256: String,
}

/// What the reader says about one file, in this order: its kind, then the
/// parsed register or the export's format (its rows follow in the queue),
/// then how reading ended. `Failed` (a reader that panicked) may come at any point.
pub(super) enum Said {
    Kind(InputKind),
    Register(Result<Register, RegisterProblems>),
    Rows(Sniffed),
    Read(Result<(), String>),
    Failed(String),
}

/// One file as read ahead; dropping it stops its reading.
pub(super) struct ReadAhead {
    said: Receiver<Said>,
    /// The export's rows, as the reader reads them.
    pub queue: Arc<RowQueue>,
}

impl ReadAhead {
    /// The next thing the reader says; a reader that is gone failed.
    pub fn next(&self) -> Said {
        self.said.recv().unwrap_or_else(|_| Said::Failed("the reader thread stopped".into()))
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        self.queue.abandon();
    }
}

/// The reader thread's files not yet taken by the ingest.
pub(super) struct Ahead {
    files: Vec<(PathBuf, ReadAhead)>,
    stop: Arc<AtomicBool>,
}

impl Ahead {
    /// Takes what was read ahead of `path`, if it was.
    pub fn take(&mut self, path: &Path) -> Option<ReadAhead> {
        let i = self.files.iter().position(|(p, _)| p == path)?;
        Some(self.files.remove(i).1)
    }
}

impl Drop for Ahead {
    /// The ingest ends (or failed): the reader stops after the file it is on.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.files.clear();
    }
}

/// Starts the reader thread on `wanted` (in inbox order) inside `scope`.
pub(super) fn start<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    settings: &'scope JobSettings,
    job: &'scope str,
    wanted: Vec<Wanted>,
) -> Ahead {
    let stop = Arc::new(AtomicBool::new(false));
    let mut files = Vec::new();
    let mut work = Vec::new();
    for w in wanted {
        let (tell, said) = channel();
        let queue = Arc::new(RowQueue::new(ROWS_AHEAD));
        files.push((w.path.clone(), ReadAhead { said, queue: queue.clone() }));
        work.push((w, tell, queue));
    }
    if work.is_empty() {
        return Ahead { files, stop };
    }
    tracing::debug!("Reading {} spreadsheet(s) ahead on a second thread.", work.len());
    let halt = stop.clone();
    let spawned = std::thread::Builder::new().name("read ahead".into()).spawn_scoped(scope, move || {
        for (w, tell, queue) in work {
            if halt.load(Ordering::SeqCst) {
                break;
            }
            read_one(settings, job, &w, &tell, &queue);
        }
    });
    if let Err(e) = spawned {
        // Nothing is read ahead: the ingest reads each file in its turn.
        tracing::warn!("Cannot start the read-ahead thread: {e}.");
        files.clear();
    }
    Ahead { files, stop }
}

/// Reads one spreadsheet under the reader's marker, saying what it finds.
fn read_one(settings: &JobSettings, job: &str, w: &Wanted, tell: &Sender<Said>, queue: &RowQueue) {
    let config = &settings.config;
    let read = guarded(Slot::Ahead, settings, job, &w.path, &w.sha256, || {
        let sheet = open_spreadsheet(&w.path, config);
        let kind = sheet.kind();
        let _ = tell.send(Said::Kind(kind));
        match kind {
            InputKind::Register => {
                let _ = tell.send(Said::Register(sheet.register(&w.path, config)));
            }
            InputKind::Accounts | InputKind::Completions | InputKind::Signups => {
                let read = sniff(&w.path).map_err(|e| format!("cannot read: {e}")).and_then(|sniffed| {
                    let _ = tell.send(Said::Rows(sniffed));
                    sheet.rows_into(queue)
                });
                queue.close();
                let _ = tell.send(Said::Read(read));
            }
            InputKind::Unknown => {}
        }
    });
    if let Err(why) = read {
        queue.close();
        let _ = tell.send(Said::Failed(why));
    }
}
