//! Big buffers go back to the OS when freed. Each Argon2id hash allocates one 19 MiB block.
//! glibc's malloc raises its mmap threshold after the first such block is freed, so later ones
//! come from the per-thread arenas and stay there when freed: a burst of sign-ins spread over
//! tokio's blocking threads left the server at ~500 MiB resident for good (measured by the
//! load benchmark: 15 MiB at start, 503 MiB after 5 s of sign-ins). A fixed threshold keeps
//! every buffer of 1 MiB or more an mmap of its own, unmapped as soon as it is freed.

/// Call once at start-up, before the first hash.
pub fn return_large_buffers_to_the_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes a malloc tuning parameter; it takes no pointers.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
