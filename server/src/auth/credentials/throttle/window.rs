//! A throttle: at most `limit` attempts per key in a fixed window, counted in memory.
//!
//! Memory is bounded whatever clients send: keys are kept as a 16-byte hash (never the raw,
//! attacker-chosen text), IPv6 clients count per /64 (the block one subscriber usually holds),
//! and a table holds at most `capacity` keys. A full table forgets the window that started
//! first to admit a new key: a lapsed window if there is one, else the oldest live one. Refusing
//! new keys instead would let a flood of made-up accounts lock every owner out (issue 27), and
//! forgetting a live window only hands back guesses the per-address limit still counts. Windows
//! handed back to zero are dropped at once, so they never push out a counted one.
//! Keys are also indexed by when their window started, so each call costs O(log n) under the
//! lock, never a scan. At the default 100,000 keys a full, churning table holds 16.9 MiB
//! (measured: the hash map's 48-byte entries settle at 2^18 buckets, 12.3 MiB, as removals
//! leave tombstones; the start-order B-tree takes ~49 bytes a key, 4.7 MiB), 23 MiB for a
//! moment while the map regrows; that figure scales linearly with the capacity.

use std::{
    collections::{BTreeMap, HashMap},
    net::{IpAddr, Ipv6Addr},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use sha2::{Digest, Sha256};

/// Live keys one throttle keeps at most, unless configured (`Limits::throttle_capacity`).
const CAPACITY: usize = 100_000;

type Key = [u8; 16];

fn key_of(text: &str) -> Key {
    let digest = Sha256::digest(text.as_bytes());
    digest[..16].try_into().expect("a SHA-256 digest has 32 bytes")
}

/// The address a throttle counts: an IPv6 address by its /64, anything else as it is.
pub fn address_key(ip: &str) -> String {
    match ip.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
        Ok(IpAddr::V6(v6)) => format!("{}/64", Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
        Ok(v4) => v4.to_string(),
        Err(_) => ip.to_string(),
    }
}

#[derive(Clone)]
pub struct Throttle {
    windows: Arc<Mutex<Windows>>,
    limit: u32,
    period: Duration,
    capacity: usize,
}

struct Window {
    started: Instant,
    attempts: u32,
    /// Its place in `Windows::by_start`.
    order: u64,
}

#[derive(Default)]
struct Windows {
    by_key: HashMap<Key, Window>,
    /// Every key of `by_key` under its window's `order`: the first entry started first.
    by_start: BTreeMap<u64, Key>,
    next_order: u64,
    /// When a live window was last forgotten for room, so a flood logs once per period.
    last_warning: Option<Instant>,
}

impl Windows {
    fn remove(&mut self, key: &Key) {
        if let Some(window) = self.by_key.remove(key) {
            self.by_start.remove(&window.order);
        }
    }

    /// A fresh window for `key` from `now`, forgetting whatever started first if need be.
    fn start(&mut self, key: Key, now: Instant, period: Duration, capacity: usize) -> &mut Window {
        self.remove(&key);
        while self.by_key.len() >= capacity {
            let Some((_, oldest)) = self.by_start.pop_first() else {
                break;
            };
            let Some(forgotten) = self.by_key.remove(&oldest) else {
                continue;
            };
            let live = now.saturating_duration_since(forgotten.started) < period;
            if live
                && self
                    .last_warning
                    .is_none_or(|at| now.duration_since(at) >= period)
            {
                self.last_warning = Some(now);
                tracing::warn!(capacity, "throttle full: forgetting the oldest live windows");
            }
        }
        let order = self.next_order;
        self.next_order += 1;
        self.by_start.insert(order, key);
        self.by_key.entry(key).or_insert(Window {
            started: now,
            attempts: 0,
            order,
        })
    }
}

impl Throttle {
    pub fn new(limit: u32, period: Duration) -> Self {
        Self::with_capacity(limit, period, CAPACITY)
    }

    pub fn with_capacity(limit: u32, period: Duration, capacity: usize) -> Self {
        Self {
            windows: Arc::default(),
            limit: limit.max(1),
            period,
            capacity: capacity.max(1),
        }
    }

    /// Counts one attempt for `key`, or `Err(wait)` when its attempts are used up for the
    /// current window.
    pub fn reserve(&self, key: &str) -> Result<(), Duration> {
        let key = key_of(key);
        let mut windows = self.windows.lock().expect("throttle lock");
        let now = Instant::now();
        let live = |window: &Window| now.saturating_duration_since(window.started) < self.period;
        let window = if windows.by_key.get(&key).is_some_and(live) {
            windows.by_key.get_mut(&key).expect("just found")
        } else {
            windows.start(key, now, self.period, self.capacity)
        };
        if window.attempts >= self.limit {
            return Err(self.period - now.saturating_duration_since(window.started));
        }
        window.attempts += 1;
        Ok(())
    }

    /// Hands back one reserved attempt: it was not a failed guess.
    pub fn release(&self, key: &str) {
        let key = key_of(key);
        let mut windows = self.windows.lock().expect("throttle lock");
        if let Some(window) = windows.by_key.get_mut(&key) {
            window.attempts = window.attempts.saturating_sub(1);
            if window.attempts == 0 {
                windows.remove(&key);
            }
        }
    }

    /// Keys in the table (lapsed or not), and how many it may hold.
    pub fn occupancy(&self) -> (usize, usize) {
        let held = self.windows.lock().expect("throttle lock").by_key.len();
        (held, self.capacity)
    }

    /// Keys in the table, lapsed or not.
    #[cfg(test)]
    pub fn keys_held(&self) -> usize {
        let windows = self.windows.lock().expect("throttle lock");
        assert_eq!(windows.by_key.len(), windows.by_start.len());
        windows.by_key.len()
    }

    /// Forgets every attempt of `key`.
    pub fn clear(&self, key: &str) {
        self.windows.lock().expect("throttle lock").remove(&key_of(key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_are_grouped_per_64() {
        assert_eq!(address_key("203.0.113.9"), "203.0.113.9");
        assert_eq!(address_key("::ffff:203.0.113.9"), "203.0.113.9");
        assert_eq!(address_key("2001:db8:0:7:1:2:3:4"), "2001:db8:0:7::/64");
        assert_eq!(address_key("2001:db8:0:7:ffff::2"), "2001:db8:0:7::/64");
    }

    #[test]
    fn the_limit_is_enforced_then_lifted() {
        let throttle = Throttle::new(2, Duration::from_millis(50));
        assert!(throttle.reserve("a").is_ok());
        assert!(throttle.reserve("a").is_ok());
        let wait = throttle.reserve("a").unwrap_err();
        assert!(wait <= Duration::from_millis(50));
        assert!(throttle.reserve("b").is_ok(), "keys are independent");
        std::thread::sleep(Duration::from_millis(60));
        assert!(throttle.reserve("a").is_ok());
    }

    #[test]
    fn a_full_throttle_admits_a_new_key_by_forgetting_the_oldest() {
        let throttle = Throttle::with_capacity(1, Duration::from_secs(60), 2);
        assert!(throttle.reserve(&"x".repeat(16 * 1024)).is_ok());
        assert!(throttle.reserve("b").is_ok());
        assert!(
            throttle.reserve("c").is_ok(),
            "a full table still admits a new key"
        );
        assert_eq!(throttle.keys_held(), 2);
        assert!(throttle.reserve("b").is_err(), "younger keys are still counted");
        assert!(throttle.reserve("c").is_err());
    }

    #[test]
    fn refunded_windows_are_forgotten_before_counted_ones() {
        let throttle = Throttle::with_capacity(1, Duration::from_secs(60), 2);
        assert!(throttle.reserve("a").is_ok());
        assert!(throttle.reserve("b").is_ok());
        throttle.release("b");
        assert!(throttle.reserve("c").is_ok());
        assert!(
            throttle.reserve("a").is_err(),
            "a's count outlived b's empty window"
        );
    }

    #[test]
    fn a_restarted_window_is_as_young_as_its_restart() {
        let throttle = Throttle::with_capacity(1, Duration::from_millis(50), 2);
        assert!(throttle.reserve("a").is_ok());
        std::thread::sleep(Duration::from_millis(60));
        assert!(throttle.reserve("b").is_ok());
        assert!(throttle.reserve("a").is_ok(), "a new window");
        assert!(throttle.reserve("c").is_ok(), "b is now the oldest and goes");
        assert!(throttle.reserve("a").is_err(), "a's new window is kept");
    }

    #[test]
    fn the_table_never_holds_more_than_its_capacity() {
        let throttle = Throttle::with_capacity(3, Duration::from_secs(60), 100);
        for i in 0..10_000 {
            assert!(
                throttle.reserve(&format!("key {i}")).is_ok(),
                "key {i} is admitted"
            );
            assert!(throttle.keys_held() <= 100);
        }
    }
}
