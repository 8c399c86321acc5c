//! Memory freed by a job and its helper threads goes back to the system,
//! once, when the job ends; and the page size a job's memory is faulted in
//! with is chosen by the job's size ([`choose_pages`]).

use std::path::Path;

/// mimalloc's option number for its purge delay (`mi_option_purge_delay`
/// in `mimalloc.h`, the same in v2 and v3; the -sys crate names no
/// constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long mimalloc keeps freed memory before it returns it to the system
/// on its own (its default is one second). A national sync frees the
/// ingest's buffers and allocates the read-back's and the workbook's
/// seconds later: returned at once, every page would be zeroed again by
/// the kernel when it is touched next (README, Speed, change 64). Freed
/// memory is still given back when a job ends ([`give_back_freed`]), and
/// after this delay during a long one.
pub const PURGE_DELAY_MS: libc::c_long = 10_000;

/// Sets the allocator's purge delay ([`PURGE_DELAY_MS`]); the binary calls
/// it before any thread starts. A no-op where mimalloc is not the
/// allocator (the tests).
pub fn keep_freed_memory_for_reuse() {
    // SAFETY: mi_option_set only stores the option; it has no preconditions.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS);
    }
}

/// Returns the freed memory of the allocator (mimalloc in the binary;
/// glibc's arenas where it is not, as in the tests) to the system: after a
/// job `serve` holds nothing it freed until the next.
pub(crate) fn give_back_freed() {
    // SAFETY: mi_collect only returns mimalloc's free pages; it is a no-op
    // for a program whose allocator is not mimalloc (the tests).
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The bytes of new files in a job's inbox from which its memory is faulted
/// in as 2 MiB huge pages; below it (and below [`HUGE_PAGES_FROM_ROWS`]), as
/// 4 KiB pages (README, Speed, change 68). On this virtual machine a huge
/// page is often cold: the hypervisor is given free 2 MiB blocks back and
/// faults them in again when the kernel zeroes one, so a national sync
/// (240 MB of new files, 420 MB resident) spent 0.3–1.2 s of system time on
/// 190 huge pages, and 0.4 s every run with small pages. At ten times that
/// (2.6 GB of new files, 3.5 GB resident) the millions of small faults cost
/// more than the cold huge pages.
pub const HUGE_PAGES_FROM_BYTES: u64 = 1 << 30;

/// The rows of the latest stored snapshots (what every job reads back)
/// from which a job's memory is faulted in as huge pages: a national
/// country has 3.5 million, ten times that 35 million.
pub const HUGE_PAGES_FROM_ROWS: u64 = 10_000_000;

/// The page size a job's memory is faulted in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pages {
    /// 4 KiB pages only: transparent huge pages off for the process.
    Small,
    /// Transparent huge pages where the allocator asks for them (mimalloc does).
    Huge,
}

impl Pages {
    /// The pages for a job with `new_bytes` of new files to read and
    /// `stored_rows` in the latest snapshots ([`HUGE_PAGES_FROM_BYTES`],
    /// [`HUGE_PAGES_FROM_ROWS`]).
    pub fn for_job(new_bytes: u64, stored_rows: u64) -> Pages {
        if new_bytes >= HUGE_PAGES_FROM_BYTES || stored_rows >= HUGE_PAGES_FROM_ROWS {
            Pages::Huge
        } else {
            Pages::Small
        }
    }
}

/// The bytes of the regular files directly in `inbox`: the files a sync has
/// not yet read (it moves what it read into `processed/` or `rejected/`).
/// An inbox that cannot be listed counts as empty (the job reports it).
pub(crate) fn new_file_bytes(inbox: &Path) -> u64 {
    std::fs::read_dir(inbox)
        .map(|dir| dir.flatten().map(|e| e.metadata().ok().filter(|m| m.is_file()).map_or(0, |m| m.len())).sum())
        .unwrap_or(0)
}

/// Chooses the job's pages from its new files and its stored snapshots
/// ([`Pages::for_job`]) and makes the process use them ([`use_pages`]).
pub(crate) fn choose_pages(ctx: &super::JobContext) {
    let new_bytes = new_file_bytes(&ctx.settings.inbox);
    let stored_rows = ctx.store.latest_snapshot_rows().unwrap_or(0);
    let pages = Pages::for_job(new_bytes, stored_rows);
    if use_pages(pages) {
        tracing::info!(
            "{} MB of new files, {stored_rows} stored rows: memory in {pages:?} pages",
            new_bytes / 1_000_000
        );
    } else {
        tracing::debug!("The page size could not be set; the system's setting applies.");
    }
}

/// Makes the process's next page faults use `pages` (Linux's per-process
/// `PR_SET_THP_DISABLE`; memory already faulted in keeps its pages).
/// Returns false where that cannot be set (another system, an old kernel):
/// the job then runs as the system's settings have it.
pub(crate) fn use_pages(pages: Pages) -> bool {
    #[cfg(target_os = "linux")]
    {
        let disable: libc::c_ulong = match pages {
            Pages::Small => 1,
            Pages::Huge => 0,
        };
        // SAFETY: PR_SET_THP_DISABLE only sets a flag of the calling process.
        unsafe {
            libc::prctl(libc::PR_SET_THP_DISABLE, disable, 0 as libc::c_ulong, 0 as libc::c_ulong, 0 as libc::c_ulong)
                == 0
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pages;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_job_uses_small_pages_and_a_large_one_huge_ones() {
        // National: 240 MB of new files, 3.5 M stored rows; an invoice reads no new files.
        assert_eq!(Pages::for_job(240_000_000, 0), Pages::Small);
        assert_eq!(Pages::for_job(0, 3_500_000), Pages::Small);
        assert_eq!(Pages::for_job(HUGE_PAGES_FROM_BYTES - 1, HUGE_PAGES_FROM_ROWS - 1), Pages::Small);
        // Ten times national: either measure alone decides.
        assert_eq!(Pages::for_job(2_600_000_000, 0), Pages::Huge);
        assert_eq!(Pages::for_job(0, 35_000_000), Pages::Huge);
        assert_eq!(Pages::for_job(HUGE_PAGES_FROM_BYTES, 0), Pages::Huge);
        assert_eq!(Pages::for_job(0, HUGE_PAGES_FROM_ROWS), Pages::Huge);
    }

    #[test]
    fn new_files_are_the_files_directly_in_the_inbox() {
        let dir = tempfile::tempdir().unwrap();
        let inbox = dir.path();
        std::fs::write(inbox.join("accounts.csv"), vec![b'x'; 1000]).unwrap();
        std::fs::write(inbox.join("register.xlsx"), vec![b'x'; 200]).unwrap();
        // What a sync has read is in a folder: not new.
        std::fs::create_dir(inbox.join("processed")).unwrap();
        std::fs::write(inbox.join("processed").join("big.csv"), vec![b'x'; 5000]).unwrap();
        assert_eq!(new_file_bytes(inbox), 1200);
        assert_eq!(new_file_bytes(&inbox.join("no such inbox")), 0);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_page_choice_is_what_the_kernel_then_reports() {
        // SAFETY: PR_GET_THP_DISABLE only reads a flag of the calling process.
        let disabled = || unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) };
        assert!(use_pages(Pages::Small));
        assert_eq!(disabled(), 1);
        assert!(use_pages(Pages::Huge));
        assert_eq!(disabled(), 0);
    }

    #[test]
    fn the_purge_delay_is_set_as_mimalloc_reads_it() {
        keep_freed_memory_for_reuse();
        // SAFETY: mi_option_get only reads the option.
        let delay = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(delay, PURGE_DELAY_MS);
    }
}
