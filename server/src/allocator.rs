//! Big buffers go back to the OS when freed. The hashing threads free Argon2id's 19 MiB blocks
//! after a burst (`auth/password/pool.rs`), and glibc's malloc raises its mmap threshold after
//! the first such block is freed, so later ones would come from the per-thread arenas and
//! stay there when freed (measured before the hashing threads, with a block per hash: 15 MiB
//! at start, 503 MiB after 5 s of sign-ins, for good). A fixed threshold keeps every buffer of
//! 1 MiB or more an mmap of its own, unmapped as soon as it is freed.

/// Call once at start-up, before the first hash.
pub fn return_large_buffers_to_the_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes a malloc tuning parameter; it takes no pointers.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
