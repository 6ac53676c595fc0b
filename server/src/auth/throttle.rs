//! Throttling of password checks, per account and per client address, so guessing is slow
//! whether it targets one account from many places or many accounts from one place.
//!
//! An attempt is *reserved* before the password is hashed: it counts as a failure from the
//! start and is handed back only if the password turns out right. So a burst of concurrent
//! guesses cannot all pass the check before the first failure is recorded.
//! Counts are per instance (in memory): behind a load balancer each instance throttles on
//! its own, which bounds guessing at (instances × limit) per window.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

#[derive(Clone)]
pub struct Throttle {
    windows: Arc<Mutex<HashMap<String, Window>>>,
    limit: u32,
    period: Duration,
}

struct Window {
    started: Instant,
    attempts: u32,
}

impl Throttle {
    pub fn new(limit: u32, period: Duration) -> Self {
        Self {
            windows: Arc::default(),
            limit: limit.max(1),
            period,
        }
    }

    /// Counts one attempt for `key`, or `Err(wait)` when its attempts are used up for the
    /// current window.
    pub fn reserve(&self, key: &str) -> Result<(), Duration> {
        let mut windows = self.windows.lock().expect("throttle lock");
        if windows.len() > 100_000 {
            let period = self.period;
            windows.retain(|_, window| window.started.elapsed() < period);
        }
        let now = Instant::now();
        let window = windows.entry(key.to_string()).or_insert(Window {
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

    /// Hands back one reserved attempt (it succeeded).
    pub fn release(&self, key: &str) {
        if let Some(window) = self.windows.lock().expect("throttle lock").get_mut(key) {
            window.attempts = window.attempts.saturating_sub(1);
        }
    }

    /// Forgets every attempt of `key`.
    pub fn clear(&self, key: &str) {
        self.windows.lock().expect("throttle lock").remove(key);
    }
}

/// Both throttles that guard a password check.
#[derive(Clone)]
pub struct LoginThrottle {
    pub per_account: Throttle,
    pub per_address: Throttle,
}

impl LoginThrottle {
    /// Reserves one attempt against the account and one against the address, before any
    /// hashing; `Err(wait)` (reserving nothing) if either must wait.
    pub fn reserve(&self, account: &str, address: &str) -> Result<(), Duration> {
        self.per_account.reserve(account)?;
        if let Err(wait) = self.per_address.reserve(address) {
            self.per_account.release(account);
            return Err(wait);
        }
        Ok(())
    }

    /// The password was right: the account starts afresh and the address gets its attempt back.
    pub fn succeeded(&self, account: &str, address: &str) {
        self.per_account.clear(account);
        self.per_address.release(address);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn success_clears_the_account_and_refunds_the_address() {
        let throttle = LoginThrottle {
            per_account: Throttle::new(1, Duration::from_secs(60)),
            per_address: Throttle::new(1, Duration::from_secs(60)),
        };
        throttle.reserve("account", "address").unwrap();
        assert!(throttle.reserve("account", "address").is_err());
        throttle.succeeded("account", "address");
        assert!(throttle.reserve("account", "address").is_ok());
    }

    #[test]
    fn a_refused_address_reserves_nothing_on_the_account() {
        let throttle = LoginThrottle {
            per_account: Throttle::new(1, Duration::from_secs(60)),
            per_address: Throttle::new(1, Duration::from_secs(60)),
        };
        throttle.reserve("one", "address").unwrap();
        assert!(throttle.reserve("two", "address").is_err());
        assert!(
            throttle.per_account.reserve("two").is_ok(),
            "account two was not charged"
        );
    }
}
