//! Device Bound Session Credentials (`auth::tokens::dbsc`): whether sign-ins offer them, and
//! how long a DBSC-bound session's refresh cookie lives between renewals.

use std::time::Duration;

use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Args)]
pub struct DbscConfig {
    /// `offer`: every session-starting answer (and refresh, until the session is bound) offers
    /// DBSC registration; a browser that can (Chrome on Windows and macOS) binds the refresh
    /// cookie to a key in the device's hardware. Other browsers ignore the offer. `off`: never.
    #[arg(long = "dbsc", env = "LATCH_DBSC", value_enum, default_value_t = DbscPolicy::Offer)]
    pub policy: DbscPolicy,

    /// Seconds a DBSC-bound session's refresh cookie lives: the browser renews it with the
    /// device's key before then (Chrome, two minutes ahead), and a copy stops working then,
    /// also at the server (30 to 86400).
    #[arg(long = "dbsc-cookie-lifetime", env = "LATCH_DBSC_COOKIE_LIFETIME", default_value_t = 600,
          value_parser = clap::value_parser!(u64).range(30..=86_400))]
    pub cookie_lifetime: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DbscPolicy {
    Offer,
    Off,
}

impl DbscConfig {
    pub fn cookie_lifetime(&self) -> Duration {
        Duration::from_secs(self.cookie_lifetime)
    }
}
