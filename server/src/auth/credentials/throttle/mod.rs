//! What is counted against what, so guessing passwords and creating accounts stay slow:
//! - a sign-in's password check counts against the client address, and against the account
//!   for a browser new to it, or against that browser alone when it holds the account's device
//!   cookie (OWASP's device-cookie scheme), so strangers' failures cannot lock the owner out;
//! - a signed-in session's current-password checks count against that session;
//! - sign-ups count against the client address.
//!
//! An attempt is *reserved* before the password is hashed: it counts as a failure from the
//! start and is handed back only if the password turns out right. So a burst of concurrent
//! guesses cannot all pass the check before the first failure is recorded.
//! Counts are per instance (in memory): behind a load balancer each instance throttles on
//! its own, which bounds guessing at (instances × limit) per window.

mod window;

use std::time::Duration;

pub use window::{Throttle, address_key};

use crate::config::{Limits, THROTTLE_WINDOW};

/// Whose failures a sign-in's password check counts against, besides its address.
#[derive(Debug, Clone, Copy)]
pub enum Guesser<'a> {
    /// A browser new to the account: the account's shared count.
    Stranger { account: &'a str },
    /// A browser that holds a device cookie for the account: a count of its own.
    KnownDevice { device: &'a str },
}

#[derive(Clone)]
pub struct Throttles {
    per_account: Throttle,
    per_device: Throttle,
    per_address: Throttle,
    sign_ups: Throttle,
    /// Current-password checks of a signed-in session (the password change).
    pub per_session: Throttle,
}

impl Throttles {
    pub fn new(limits: &Limits) -> Self {
        let capacity = limits.throttle_capacity as usize;
        let throttle = |limit| Throttle::with_capacity(limit, THROTTLE_WINDOW, capacity);
        Self {
            per_account: throttle(limits.login_attempts_per_account),
            per_device: throttle(limits.login_attempts_per_account),
            per_session: throttle(limits.login_attempts_per_account),
            per_address: throttle(limits.login_attempts_per_address),
            sign_ups: throttle(limits.signups_per_address),
        }
    }

    /// Each table by name, with its keys held and its capacity (for the metrics).
    pub fn occupancy(&self) -> [(&'static str, (usize, usize)); 5] {
        [
            ("per_account", self.per_account.occupancy()),
            ("per_device", self.per_device.occupancy()),
            ("per_address", self.per_address.occupancy()),
            ("per_session", self.per_session.occupancy()),
            ("sign_ups", self.sign_ups.occupancy()),
        ]
    }

    fn guesses(&self, guesser: Guesser<'_>) -> (&Throttle, String) {
        match guesser {
            Guesser::Stranger { account } => (&self.per_account, account.to_string()),
            Guesser::KnownDevice { device } => (&self.per_device, device.to_string()),
        }
    }

    /// Reserves one attempt against the address and one against the guesser, before any
    /// hashing; `Err(wait)` (reserving nothing) if either must wait. The address goes first so
    /// that one address's flood, once refused, adds nothing to the per-account table.
    pub fn reserve_guess(&self, guesser: Guesser<'_>, address: &str) -> Result<(), Duration> {
        let address = address_key(address);
        self.per_address.reserve(&address)?;
        let (throttle, key) = self.guesses(guesser);
        if let Err(wait) = throttle.reserve(&key) {
            self.per_address.release(&address);
            return Err(wait);
        }
        Ok(())
    }

    /// The password could not be checked at all (no hashing slot): both attempts go back.
    pub fn refund_guess(&self, guesser: Guesser<'_>, address: &str) {
        let (throttle, key) = self.guesses(guesser);
        throttle.release(&key);
        self.per_address.release(&address_key(address));
    }

    /// The password was right: the guesser starts afresh (a stranger's success clears the
    /// account; a known device's clears only that device, so the owner signing in does not
    /// hand strangers new guesses) and the address gets its attempt back.
    pub fn guess_succeeded(&self, guesser: Guesser<'_>, address: &str) {
        let (throttle, key) = self.guesses(guesser);
        throttle.clear(&key);
        self.per_address.release(&address_key(address));
    }

    /// Reserves one attempt against the address alone (a passkey assertion, which names its
    /// account only once it is checked); `Err(wait)` if the address must wait.
    pub fn reserve_attempt(&self, address: &str) -> Result<(), Duration> {
        self.per_address.reserve(&address_key(address))
    }

    /// The attempt succeeded, or could not be checked: the address gets it back.
    pub fn release_attempt(&self, address: &str) {
        self.per_address.release(&address_key(address));
    }

    /// Counts one account creation from `address`, or `Err(wait)`.
    pub fn reserve_sign_up(&self, address: &str) -> Result<(), Duration> {
        self.sign_ups.reserve(&address_key(address))
    }

    /// The sign-up could not be attempted (no hashing slot): the count goes back.
    pub fn refund_sign_up(&self, address: &str) {
        self.sign_ups.release(&address_key(address));
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn throttles(per_account: u32, per_address: u32) -> Throttles {
        let config = crate::config::Config::try_parse_from([
            "latch",
            "--login-attempts-per-account",
            &per_account.to_string(),
            "--login-attempts-per-address",
            &per_address.to_string(),
        ])
        .unwrap();
        Throttles::new(&config.limits)
    }

    const ADA: Guesser<'static> = Guesser::Stranger { account: "ada" };

    #[test]
    fn success_clears_the_account_and_refunds_the_address() {
        let throttles = throttles(1, 1);
        throttles.reserve_guess(ADA, "address").unwrap();
        assert!(throttles.reserve_guess(ADA, "address").is_err());
        throttles.guess_succeeded(ADA, "address");
        assert!(throttles.reserve_guess(ADA, "address").is_ok());
    }

    #[test]
    fn a_refused_address_reserves_nothing_on_the_account() {
        let throttles = throttles(1, 1);
        throttles.reserve_guess(ADA, "address").unwrap();
        let bob = Guesser::Stranger { account: "bob" };
        assert!(throttles.reserve_guess(bob, "address").is_err());
        assert_eq!(throttles.per_account.keys_held(), 1, "no entry for bob");
        assert!(
            throttles.reserve_guess(bob, "elsewhere").is_ok(),
            "bob was not charged"
        );
    }

    #[test]
    fn a_known_device_has_its_own_count_and_its_success_leaves_the_account_locked() {
        let throttles = throttles(1, 10);
        throttles.reserve_guess(ADA, "stranger").unwrap();
        assert!(
            throttles.reserve_guess(ADA, "stranger").is_err(),
            "account locked"
        );
        let device = Guesser::KnownDevice {
            device: "owner's browser",
        };
        throttles.reserve_guess(device, "home").unwrap();
        throttles.guess_succeeded(device, "home");
        assert!(
            throttles.reserve_guess(ADA, "stranger").is_err(),
            "still locked for strangers"
        );
    }

    /// Issue 27: made-up accounts must not fill the table and lock every owner out.
    #[test]
    fn a_flood_of_made_up_accounts_does_not_lock_out_an_untouched_owner() {
        let throttles = throttles(5, 1_000);
        for i in 0..1_000_000u32 {
            let account = format!("account:made-up-{i}@example.com");
            let address = format!("10.0.{}.{}", i % 1_000 / 256, i % 1_000 % 256);
            let guess = throttles.reserve_guess(Guesser::Stranger { account: &account }, &address);
            assert!(guess.is_ok(), "made-up guess {i} is admitted");
        }
        assert!(
            throttles.per_account.keys_held() <= 100_000,
            "the table stays bounded"
        );
        let owner = Guesser::Stranger {
            account: "account:owner@example.com",
        };
        assert!(
            throttles.reserve_guess(owner, "198.51.100.7").is_ok(),
            "first try"
        );
    }

    #[test]
    fn ipv6_clients_count_per_64() {
        let throttles = throttles(10, 1);
        throttles.reserve_guess(ADA, "2001:db8:0:7::1").unwrap();
        let bob = Guesser::Stranger { account: "bob" };
        assert!(
            throttles.reserve_guess(bob, "2001:db8:0:7:ffff::2").is_err(),
            "same /64"
        );
        assert!(
            throttles.reserve_guess(bob, "2001:db8:0:8::1").is_ok(),
            "another /64"
        );
    }
}
