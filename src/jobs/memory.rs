//! Memory freed by a job and its helper threads goes back to the system.

/// Returns the freed memory of the allocator (mimalloc in the binary;
/// glibc's arenas where it is not, as in the tests) to the system: after
/// the ingest's reader threads end, their buffers would otherwise still
/// count towards the process's peak while the next stages allocate their
/// own, and after a job `serve` holds nothing it freed until the next.
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
