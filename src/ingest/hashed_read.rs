//! A file read on a thread of its own that hashes what it reads (SHA-256),
//! so that a CSV export is parsed and its content hash learnt in one pass.
//!
//! The nightly sync needs each file's hash to know whether its content is
//! already stored. Hashed in a pass of its own before the parse, a 2 GB
//! completions export was read twice, and the parse waited for the first
//! reading: 7 s of a 10 × national sync (README, Speed, change 73). Here
//! the reading thread reads the file in chunks of [`CHUNK`] bytes, hashes
//! each and hands it on; at most [`CHUNKS_AHEAD`] wait, so memory stays a
//! few MiB whatever the file's size. [`HashedRead::finish`] reads what the
//! parse left (a parse that stopped early) and gives the hash of the whole
//! file.

use sha2::{Digest, Sha256};
use std::io::{self, Read};
use std::path::Path;
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender};
use std::thread::JoinHandle;

/// The bytes read and hashed at a time.
pub const CHUNK: usize = 1 << 20;

/// The chunks read ahead of the parse, at most.
pub const CHUNKS_AHEAD: usize = 4;

/// A chunk as read: its buffer and how many of its bytes are the file's.
type Chunk = (Vec<u8>, usize);

/// A file being read and hashed on its own thread; read it like a file.
pub struct HashedRead {
    chunks: Option<Receiver<io::Result<Chunk>>>,
    /// Emptied buffers go back to the reading thread to be filled again.
    spare: Sender<Vec<u8>>,
    current: Chunk,
    at: usize,
    ended: bool,
    worker: Option<JoinHandle<io::Result<String>>>,
}

impl HashedRead {
    /// Opens `path` (an error here is the file's: it cannot be opened) and
    /// starts reading it.
    pub fn open(path: &Path) -> io::Result<HashedRead> {
        let file = std::fs::File::open(path)?;
        let (send, chunks) = sync_channel(CHUNKS_AHEAD);
        let (spare, spares) = channel::<Vec<u8>>();
        let worker = std::thread::Builder::new().name("read and hash".into()).spawn(move || {
            let mut file = file;
            let mut hash = Sha256::new();
            loop {
                let mut buf = spares.try_recv().unwrap_or_else(|_| vec![0; CHUNK]);
                let n = match fill(&mut file, &mut buf) {
                    Ok(n) => n,
                    Err(e) => {
                        let text = e.to_string();
                        let _ = send.send(Err(e));
                        return Err(io::Error::other(text));
                    }
                };
                hash.update(&buf[..n]);
                // A reader that was dropped stops the reading.
                if send.send(Ok((buf, n))).is_err() || n == 0 {
                    break;
                }
            }
            Ok(hex::encode(hash.finalize()))
        })?;
        Ok(HashedRead {
            chunks: Some(chunks),
            spare,
            current: (Vec::new(), 0),
            at: 0,
            ended: false,
            worker: Some(worker),
        })
    }

    /// Reads what is left of the file and returns the SHA-256 (hex) of all of it.
    pub fn finish(mut self) -> io::Result<String> {
        io::copy(&mut self, &mut io::sink())?;
        self.chunks = None;
        match self.worker.take().map(JoinHandle::join) {
            Some(Ok(hashed)) => hashed,
            Some(Err(_)) => Err(io::Error::other("the thread hashing the file failed")),
            None => Err(io::Error::other("the file was hashed already")),
        }
    }
}

/// Reads until `buf` is full or the file ends; returns the bytes read.
fn fill(file: &mut std::fs::File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

impl Read for HashedRead {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at == self.current.1 {
            if self.ended {
                return Ok(0);
            }
            let Some(chunks) = &self.chunks else { return Ok(0) };
            let (buf, n) = match chunks.recv() {
                Ok(chunk) => chunk?,
                Err(_) => return Err(io::Error::other("the thread reading the file stopped")),
            };
            let used = std::mem::replace(&mut self.current, (buf, n));
            if !used.0.is_empty() {
                let _ = self.spare.send(used.0);
            }
            self.at = 0;
            self.ended = n == 0;
        }
        let k = out.len().min(self.current.1 - self.at);
        out[..k].copy_from_slice(&self.current.0[self.at..self.at + k]);
        self.at += k;
        Ok(k)
    }
}

impl Drop for HashedRead {
    /// Stops the reading thread (its next hand-over fails) and waits for it.
    fn drop(&mut self) {
        self.chunks = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_of(bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.csv");
        std::fs::write(&path, bytes).unwrap();
        (dir, path)
    }

    /// Bytes over several chunks, not a multiple of the chunk, none alike.
    fn bytes(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    #[test]
    fn reads_the_file_as_it_is_and_hashes_all_of_it() {
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 12_345] {
            let content = bytes(len);
            let (_dir, path) = file_of(&content);
            let mut r = HashedRead::open(&path).unwrap();
            let mut read = Vec::new();
            // Small reads, as a CSV reader's buffer makes them.
            let mut buf = [0u8; 65_536 + 3];
            loop {
                let n = r.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                read.extend_from_slice(&buf[..n]);
            }
            assert!(read == content, "{len} bytes read back");
            assert_eq!(r.finish().unwrap(), crate::ingest::sha256_file(&path).unwrap(), "{len} bytes");
        }
    }

    #[test]
    fn a_reading_stopped_early_still_hashes_the_whole_file() {
        let content = bytes(5 * CHUNK + 99);
        let (_dir, path) = file_of(&content);
        let mut r = HashedRead::open(&path).unwrap();
        let mut head = [0u8; 1000];
        r.read_exact(&mut head).unwrap();
        assert_eq!(head[..], content[..1000]);
        assert_eq!(r.finish().unwrap(), crate::ingest::sha256_file(&path).unwrap());
    }

    #[test]
    fn a_reader_dropped_early_stops_its_thread() {
        let (_dir, path) = file_of(&bytes(20 * CHUNK));
        let mut r = HashedRead::open(&path).unwrap();
        let mut head = [0u8; 10];
        r.read_exact(&mut head).unwrap();
        // Dropping joins the thread: this returns only if it stopped.
        drop(r);
    }

    #[test]
    fn a_file_that_cannot_be_opened_is_an_error_at_once() {
        let dir = tempfile::tempdir().unwrap();
        assert!(HashedRead::open(&dir.path().join("gone.csv")).is_err());
    }
}
