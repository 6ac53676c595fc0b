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
        let per_account = |limit| Throttle::new(limit, THROTTLE_WINDOW);
        Self {
            per_account: per_account(limits.login_attempts_per_account),
            per_device: per_account(limits.login_attempts_per_account),
            per_session: per_account(limits.login_attempts_per_account),
            per_address: Throttle::new(limits.login_attempts_per_address, THROTTLE_WINDOW),
            sign_ups: Throttle::new(limits.signups_per_address, THROTTLE_WINDOW),
        }
    }

    fn guesses(&self, guesser: Guesser<'_>) -> (&Throttle, String) {
        match guesser {
            Guesser::Stranger { account } => (&self.per_account, account.to_string()),
            Guesser::KnownDevice { device } => (&self.per_device, device.to_string()),
        }
    }

    /// Reserves one attempt against the guesser and one against the address, before any
    /// hashing; `Err(wait)` (reserving nothing) if either must wait.
    pub fn reserve_guess(&self, guesser: Guesser<'_>, address: &str) -> Result<(), Duration> {
        let (throttle, key) = self.guesses(guesser);
        throttle.reserve(&key)?;
        if let Err(wait) = self.per_address.reserve(&address_key(address)) {
            throttle.release(&key);
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
