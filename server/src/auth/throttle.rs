//! Throttling of failed password checks, per account and per client address, so guessing is
//! slow whether it targets one account from many places or many accounts from one place.
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
    failures: u32,
}

impl Throttle {
    pub fn new(limit: u32, period: Duration) -> Self {
        Self {
            windows: Arc::default(),
            limit: limit.max(1),
            period,
        }
    }

    /// `Err(wait)` while `key` has used up its failures for the current window.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let windows = self.windows.lock().expect("throttle lock");
        match windows.get(key) {
            Some(window) if window.failures >= self.limit => {
                let elapsed = window.started.elapsed();
                if elapsed < self.period {
                    Err(self.period - elapsed)
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }

    pub fn record_failure(&self, key: &str) {
        let mut windows = self.windows.lock().expect("throttle lock");
        if windows.len() > 100_000 {
            let period = self.period;
            windows.retain(|_, window| window.started.elapsed() < period);
        }
        let now = Instant::now();
        let window = windows.entry(key.to_string()).or_insert(Window {
            started: now,
            failures: 0,
        });
        if window.started.elapsed() >= self.period {
            *window = Window {
                started: now,
                failures: 0,
            };
        }
        window.failures += 1;
    }

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
    /// `Err(wait)` if either the account or the address must wait.
    pub fn check(&self, account: &str, address: &str) -> Result<(), Duration> {
        let account = self.per_account.check(account);
        let address = self.per_address.check(address);
        match (account, address) {
            (Err(a), Err(b)) => Err(a.max(b)),
            (Err(wait), _) | (_, Err(wait)) => Err(wait),
            _ => Ok(()),
        }
    }

    pub fn failed(&self, account: &str, address: &str) {
        self.per_account.record_failure(account);
        self.per_address.record_failure(address);
    }

    pub fn succeeded(&self, account: &str) {
        self.per_account.clear(account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_enforced_then_lifted() {
        let throttle = Throttle::new(2, Duration::from_millis(50));
        throttle.record_failure("a");
        assert!(throttle.check("a").is_ok());
        throttle.record_failure("a");
        let wait = throttle.check("a").unwrap_err();
        assert!(wait <= Duration::from_millis(50));
        assert!(throttle.check("b").is_ok(), "keys are independent");
        std::thread::sleep(Duration::from_millis(60));
        assert!(throttle.check("a").is_ok());
    }

    #[test]
    fn success_clears_the_account() {
        let throttle = Throttle::new(1, Duration::from_secs(60));
        throttle.record_failure("a");
        assert!(throttle.check("a").is_err());
        throttle.clear("a");
        assert!(throttle.check("a").is_ok());
    }
}
