//! Memory freed by a job and its helper threads goes back to the system,
//! once, when the job ends.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_is_set_as_mimalloc_reads_it() {
        keep_freed_memory_for_reuse();
        // SAFETY: mi_option_get only reads the option.
        let delay = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(delay, PURGE_DELAY_MS);
    }
}
