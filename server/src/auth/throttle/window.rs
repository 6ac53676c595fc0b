//! A throttle: at most `limit` attempts per key in a fixed window, counted in memory.
//!
//! Memory is bounded whatever clients send: keys are kept as a 16-byte hash (never the raw,
//! attacker-chosen text), the map holds at most `capacity` live keys (a new key beyond that is
//! refused until old windows lapse), and IPv6 clients count per /64, the block one subscriber
//! usually holds.

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv6Addr},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use sha2::{Digest, Sha256};

/// Live keys one throttle keeps at most.
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
    windows: Arc<Mutex<HashMap<Key, Window>>>,
    limit: u32,
    period: Duration,
    capacity: usize,
}

struct Window {
    started: Instant,
    attempts: u32,
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
        if windows.len() >= self.capacity && !windows.contains_key(&key) {
            let period = self.period;
            windows.retain(|_, window| window.started.elapsed() < period);
            if windows.len() >= self.capacity {
                tracing::warn!(capacity = self.capacity, "throttle full: refusing a new key");
                return Err(self.period);
            }
        }
        let now = Instant::now();
        let window = windows.entry(key).or_insert(Window {
            started: now,
            attempts: 0,
        });
        let elapsed = window.started.elapsed();
        if elapsed >= self.period {
            *window = Window {
                started: now,
                attempts: 0,
            };
        } else if window.attempts >= self.limit {
            return Err(self.period - elapsed);
        }
        window.attempts += 1;
        Ok(())
    }

    /// Hands back one reserved attempt: it was not a failed guess.
    pub fn release(&self, key: &str) {
        if let Some(window) = self.windows.lock().expect("throttle lock").get_mut(&key_of(key)) {
            window.attempts = window.attempts.saturating_sub(1);
        }
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
    fn a_full_throttle_refuses_new_keys_until_windows_lapse() {
        let throttle = Throttle::with_capacity(5, Duration::from_millis(50), 2);
        assert!(throttle.reserve(&"x".repeat(16 * 1024)).is_ok());
        assert!(throttle.reserve("b").is_ok());
        assert!(throttle.reserve("c").is_err(), "the map is full");
        assert!(throttle.reserve("b").is_ok(), "known keys still count");
        std::thread::sleep(Duration::from_millis(60));
        assert!(throttle.reserve("c").is_ok(), "lapsed windows make room");
    }
}
