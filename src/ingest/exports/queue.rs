//! Rows handed from a spreadsheet's reader thread to the thread that types
//! and stores them, bounded by their size in memory (not by a count a
//! hostile file could make huge: one shared string may fill every cell).
//!
//! Either side may stop: the reader [`close`](RowQueue::close)s when the
//! sheet ends, the consumer [`abandon`](RowQueue::abandon)s when it stops
//! early (a missing column, a failed insert), which makes the reader's next
//! [`push`](RowQueue::push) fail so it stops reading too.

use csv::StringRecord;
use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};

/// Rows with their 1-based row number in the sheet.
pub type RowBatch = Vec<(u64, StringRecord)>;

/// The bytes a row holds in memory, counted against the queue's budget.
pub fn row_bytes(rec: &StringRecord) -> usize {
    rec.as_slice().len() + rec.len() * std::mem::size_of::<usize>() + 64
}

#[derive(Default)]
struct State {
    batches: VecDeque<(RowBatch, usize)>,
    bytes: usize,
    /// The reader has sent its last batch.
    closed: bool,
    /// The consumer takes no more batches.
    abandoned: bool,
    /// Batches used, to be cleared and reused where they were allocated
    /// (freeing another thread's allocations is slow in glibc).
    spare: Vec<RowBatch>,
}

/// The consumer took no more rows: the reader should stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped;

/// A queue of row batches holding at most `budget` bytes of rows (one
/// batch more when it alone is larger, so a row never waits forever).
pub struct RowQueue {
    state: Mutex<State>,
    changed: Condvar,
    budget: usize,
}

impl RowQueue {
    /// An empty queue that holds up to `budget` bytes of rows.
    pub fn new(budget: usize) -> Self {
        RowQueue { state: Mutex::new(State::default()), changed: Condvar::new(), budget }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic on either side poisons nothing the queue relies on.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a batch of `bytes` bytes, waiting while the queue is full.
    /// `Err` when the consumer has stopped (the reader should stop too).
    pub fn push(&self, batch: RowBatch, bytes: usize) -> Result<(), Stopped> {
        let mut s = self.lock();
        while !s.abandoned && !s.batches.is_empty() && s.bytes + bytes > self.budget {
            s = self.changed.wait(s).unwrap_or_else(|p| p.into_inner());
        }
        if s.abandoned {
            return Err(Stopped);
        }
        s.bytes += bytes;
        s.batches.push_back((batch, bytes));
        self.changed.notify_all();
        Ok(())
    }

    /// An empty batch for the reader: a used one cleared on this thread, or a new one.
    pub fn fresh(&self, capacity: usize) -> RowBatch {
        let used = self.lock().spare.pop();
        match used {
            Some(mut b) => {
                b.clear();
                b
            }
            None => Vec::with_capacity(capacity),
        }
    }

    /// The reader has no more rows.
    pub fn close(&self) {
        let mut s = self.lock();
        s.closed = true;
        s.spare.clear();
        self.changed.notify_all();
    }

    /// The next batch, waiting for the reader; `None` once it has closed and
    /// every batch was taken.
    pub fn pop(&self) -> Option<RowBatch> {
        let mut s = self.lock();
        loop {
            if let Some((batch, bytes)) = s.batches.pop_front() {
                s.bytes -= bytes;
                self.changed.notify_all();
                return Some(batch);
            }
            if s.closed || s.abandoned {
                return None;
            }
            s = self.changed.wait(s).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Hands a used batch back to the reader for reuse (dropped here once it has closed).
    pub fn give_back(&self, used: RowBatch) {
        let mut s = self.lock();
        if !s.closed && s.spare.len() < 4 {
            s.spare.push(used);
        }
    }

    /// The consumer stops: queued rows are dropped, the reader's next push fails.
    pub fn abandon(&self) {
        let mut s = self.lock();
        s.abandoned = true;
        s.batches.clear();
        s.bytes = 0;
        self.changed.notify_all();
    }
}

/// Closes the queue when the reader ends, however it ends (a panic
/// included), so the consumer never waits for rows that will not come.
pub struct CloseOnDrop<'a>(pub &'a RowQueue);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Abandons the queue when the consumer ends, however it ends, so the
/// reader never waits for room that will not come.
pub struct AbandonOnDrop<'a>(pub &'a RowQueue);

impl Drop for AbandonOnDrop<'_> {
    fn drop(&mut self) {
        self.0.abandon();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(n: u64) -> RowBatch {
        (0..n).map(|i| (i, StringRecord::from(vec!["a", "b"]))).collect()
    }

    #[test]
    fn rows_arrive_in_order_and_the_budget_holds_the_reader_back() {
        let q = RowQueue::new(100);
        let seen = std::thread::scope(|s| {
            s.spawn(|| {
                for i in 0..50 {
                    q.push(vec![(i, StringRecord::from(vec!["x"]))], 60).unwrap();
                    // Two batches (120 bytes) never fit the budget together.
                    assert!(q.lock().bytes <= 100);
                }
                q.close();
            });
            let mut seen = Vec::new();
            while let Some(b) = q.pop() {
                seen.extend(b.into_iter().map(|(i, _)| i));
            }
            seen
        });
        assert_eq!(seen, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn an_abandoned_queue_stops_its_reader() {
        let q = RowQueue::new(10);
        q.push(batch(1), 10).unwrap();
        std::thread::scope(|s| {
            let reader = s.spawn(|| q.push(batch(1), 10));
            q.abandon();
            assert_eq!(reader.join().unwrap(), Err(Stopped));
        });
        assert!(q.pop().is_none());
    }
}
