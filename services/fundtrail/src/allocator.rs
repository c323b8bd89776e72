//! The C allocator's settings for a long-running server (glibc on Linux;
//! nothing elsewhere). See `docs/adr/009-allocator-settings.md`.
//!
//! glibc raises its mmap threshold each time a large block is freed (up to
//! 32 MiB), so after the first CSV export or snapshot the next ones are
//! carved from the heap of whichever arena the thread uses, and kept there
//! when freed; with one arena per thread that is one export-sized block kept
//! per thread: the resident size climbs in steps and never comes back. A
//! fixed threshold sends every block of 1 MiB or more to its own mapping,
//! returned to the system when freed; and two arenas per core (instead of
//! eight) bound how many heaps can each keep their free space.

/// Blocks this large or larger get a mapping of their own.
pub const MMAP_THRESHOLD: i32 = 1 << 20;
/// Arenas: two per core, at least two.
fn arenas() -> i32 {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    i32::try_from(cores * 2).unwrap_or(i32::MAX).max(2)
}

/// Applies the settings; call first thing, before threads start.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's parameters; it is called
    // before any other thread exists, and with parameters glibc documents.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_ARENA_MAX, arenas());
    }
}
