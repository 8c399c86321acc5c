//! Writing files the careful way: into folders that are real folders (a
//! symbolic link where the pipeline writes is refused, never followed), with
//! new files created exclusively and without following links, private modes
//! (files 0640, folders 0750), and data synced to disk before a commit makes
//! it current.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// Mode of the files the pipeline creates.
pub const FILE_MODE: u32 = 0o640;
/// Mode of the folders the pipeline creates.
pub const DIR_MODE: u32 = 0o750;

/// Makes sure `dir` is a real folder (created with [`DIR_MODE`] if missing);
/// a symbolic link or a file in its place is an error naming it.
pub fn ensure_dir(dir: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() => Err(io::Error::other(format!(
            "{} is a symbolic link; the pipeline does not write through links: replace it with a folder",
            dir.display()
        ))),
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(io::Error::other(format!("{} is not a folder", dir.display()))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut b, DIR_MODE);
            b.create(dir)
        }
        Err(e) => Err(e),
    }
}

/// Creates a new file (never an existing one, never through a link) with [`FILE_MODE`].
pub fn create_new(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(FILE_MODE).custom_flags(libc::O_NOFOLLOW);
    }
    o.open(path)
}

/// Writes a new file and syncs it to disk.
pub fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = create_new(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Writes a new file without syncing it: for files that are synced
/// together later ([`sync_file_system`]), before anything depends on them.
/// Its write to disk starts at once ([`start_write_back`]).
pub fn write_new_unsynced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = create_new(path)?;
    f.write_all(bytes)?;
    start_write_back(&f);
    Ok(())
}

/// Starts writing the data of `file` to disk without waiting for it, so
/// that the sync before the commit finds little left to write: the disk
/// works while the job computes. Only a hint (Linux's `sync_file_range`);
/// a write error is reported by that sync.
pub fn start_write_back(file: &File) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: `file` keeps its descriptor open for the call; the call
        // only starts write-back of the file's dirty pages (all of them: 0, 0).
        let _ = unsafe { libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE) };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file;
}

/// Writes out everything written on the file system `handle` (an open
/// folder) is on: the data, names and sizes of every file, with one journal
/// commit (`syncfs`). A write-back error since `handle` was opened is
/// reported, so open it before the files are written. Syncing files one by
/// one commits the journal once per file: 577 commits for a month's
/// invoice outputs, each a wait for the disk.
#[cfg(target_os = "linux")]
pub fn sync_file_system(handle: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: syncfs takes an open file descriptor, which `handle` keeps open.
    if unsafe { libc::syncfs(handle.as_raw_fd()) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Syncs a file's data (opened read-only, without following a link).
pub fn sync_file(path: &Path) -> io::Result<()> {
    let mut o = OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOFOLLOW);
    }
    o.open(path)?.sync_all()
}

/// Syncs a folder, so the names created or moved in it are on disk.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Moves `file` into `dir` (a real folder) under its own name, or `1-name`,
/// `2-name`, … if taken; returns the new path. Both folders are synced.
pub fn move_into(file: &Path, dir: &Path) -> io::Result<std::path::PathBuf> {
    ensure_dir(dir)?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut to = dir.join(&name);
    let mut n = 1;
    while std::fs::symlink_metadata(&to).is_ok() {
        to = dir.join(format!("{n}-{name}"));
        n += 1;
    }
    std::fs::rename(file, &to)?;
    sync_dir(dir)?;
    if let Some(from) = file.parent() {
        sync_dir(from)?;
    }
    Ok(to)
}

/// How many of `file`'s pages in memory are dirty (written, not yet on
/// their way to the disk): Linux's `cachestat` (6.5 and later), for tests.
#[cfg(all(test, target_os = "linux"))]
pub(crate) fn dirty_pages(file: &File) -> Option<u64> {
    use std::os::fd::AsRawFd;
    #[repr(C)]
    struct Range {
        off: u64,
        len: u64,
    }
    #[repr(C)]
    #[derive(Default)]
    struct Stat {
        cache: u64,
        dirty: u64,
        writeback: u64,
        evicted: u64,
        recently_evicted: u64,
    }
    const SYS_CACHESTAT: libc::c_long = 451;
    let range = Range { off: 0, len: 0 };
    let mut stat = Stat::default();
    // SAFETY: cachestat reads `range` and fills `stat`, both live and laid
    // out as the kernel's structs; `file` keeps its descriptor open.
    let r =
        unsafe { libc::syscall(SYS_CACHESTAT, file.as_raw_fd(), &range as *const Range, &mut stat as *mut Stat, 0) };
    (r == 0).then_some(stat.dirty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_where_a_folder_should_be_is_refused_and_files_are_private() {
        let t = tempfile::tempdir().unwrap();
        let real = t.path().join("elsewhere");
        std::fs::create_dir(&real).unwrap();
        let link = t.path().join("processed");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let e = ensure_dir(&link).unwrap_err().to_string();
        assert!(e.contains("is a symbolic link"), "{e}");
        let f = t.path().join("new.txt");
        write_new(&f, b"x").unwrap();
        assert!(write_new(&f, b"y").is_err(), "never overwrites");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&f).unwrap().permissions().mode() & 0o777, FILE_MODE & !umask());
        let d = t.path().join("a/b");
        ensure_dir(&d).unwrap();
        assert_eq!(std::fs::metadata(&d).unwrap().permissions().mode() & 0o777, DIR_MODE & !umask());
        // A link in place of the file is not followed.
        let target = t.path().join("target.txt");
        std::fs::write(&target, b"keep").unwrap();
        let l = t.path().join("link.txt");
        std::os::unix::fs::symlink(&target, &l).unwrap();
        assert!(create_new(&l).is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
    }

    /// A file written unsynced starts for the disk at once: none of its
    /// pages is left dirty, where a plain write leaves them dirty for the
    /// kernel's next pass (half a minute). Skipped where the file system
    /// keeps no dirty pages or the kernel cannot tell (`cachestat`, 6.5).
    #[test]
    fn a_file_written_unsynced_is_already_on_its_way_to_the_disk() {
        let t = tempfile::tempdir().unwrap();
        let bytes = vec![7u8; 4 << 20];
        let plain = t.path().join("plain.bin");
        std::fs::write(&plain, &bytes).unwrap();
        let Some(control) = dirty_pages(&File::open(&plain).unwrap()).filter(|&n| n > 0) else {
            eprintln!("skipped: this file system or kernel shows no dirty pages");
            return;
        };
        let hinted = t.path().join("hinted.bin");
        write_new_unsynced(&hinted, &bytes).unwrap();
        let left = dirty_pages(&File::open(&hinted).unwrap()).unwrap();
        assert_eq!(left, 0, "{left} pages still dirty (a plain write leaves {control})");
        assert_eq!(std::fs::read(&hinted).unwrap(), bytes);
    }

    fn umask() -> u32 {
        // SAFETY: umask is process-wide; set it back at once.
        unsafe {
            let m = libc::umask(0o022);
            libc::umask(m);
            m as u32
        }
    }
}
