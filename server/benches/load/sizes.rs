//! What the server keeps per ended session and publishes per key, at realistic sizes: the
//! revocation set with 1 k, 10 k and 100 k sessions ended within one access-token lifetime
//! (a mass sign-out), and the JWKS document with one key and during a key rotation.

use std::{
    alloc::{GlobalAlloc, Layout, System},
    sync::atomic::{AtomicUsize, Ordering},
    time::{Duration, Instant},
};

use server::auth::sessions::revocations::Revocations;

use super::instance::Instance;

/// The driver's heap, counted: the set is built here, in the driver's process, with nothing
/// else running, so the bytes it holds are the live bytes' growth while it is built.
pub struct Counting;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; only a counter is kept.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Inserting `count` ended sessions into the server's revocation set (in this process, the
/// server's own type) and looking each up: time per operation and the memory it took.
pub fn revocation_set() -> Vec<String> {
    let mut rows = Vec::new();
    for count in [1_000, 10_000, 100_000] {
        let ids: Vec<String> = (0..count).map(|_| uuid::Uuid::new_v4().to_string()).collect();
        let before = LIVE_BYTES.load(Ordering::Relaxed);
        // An access token lives 5 minutes by default: nothing lapses during the run.
        let set = Revocations::new(Duration::from_secs(360));
        let started = Instant::now();
        for id in &ids {
            set.insert(id);
        }
        let insert = started.elapsed();
        let started = Instant::now();
        let found = ids.iter().filter(|id| set.contains(id)).count();
        let lookup = started.elapsed();
        assert_eq!(found, count, "every ended session is remembered");
        let held = LIVE_BYTES.load(Ordering::Relaxed).saturating_sub(before) as f64 / (1024.0 * 1024.0);
        rows.push(format!(
            "| revocation set, {count} ended sessions | insert {:.2} µs each | lookup {:.0} ns each | {held:.1} MiB |",
            insert.as_secs_f64() * 1e6 / count as f64,
            lookup.as_secs_f64() * 1e9 / count as f64,
        ));
    }
    rows
}

/// The JWKS document as `server` publishes it: keys and bytes.
pub async fn jwks(server: &Instance, when: &str) -> String {
    let body = reqwest::get(format!("{}/.well-known/jwks.json", server.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let keys = serde_json::from_str::<serde_json::Value>(&body).unwrap()["keys"]
        .as_array()
        .map_or(0, Vec::len);
    format!("| JWKS, {when} | {keys} key(s) | {} bytes | |", body.len())
}
