//! How much work and state one instance accepts: throttles, the hashing queue, and how long
//! ended sessions and old security events are kept.

use std::time::Duration;

use clap::Args;

/// The window every sign-in and sign-up throttle counts in.
pub const THROTTLE_WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, Args)]
pub struct Limits {
    /// Failed sign-ins allowed per account in 15 minutes before it is throttled (429), for
    /// browsers that have not signed in to it before. A browser holding the account's device
    /// cookie has its own count instead, so strangers cannot lock the owner out.
    #[arg(long, env = "LATCH_LOGIN_ATTEMPTS_PER_ACCOUNT", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub login_attempts_per_account: u32,

    /// Failed sign-ins allowed per client address (IPv6: per /64) in 15 minutes.
    #[arg(long, env = "LATCH_LOGIN_ATTEMPTS_PER_ADDRESS", default_value_t = 50,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub login_attempts_per_address: u32,

    /// Accounts one client address (IPv6: per /64) may create in 15 minutes.
    #[arg(long, env = "LATCH_SIGNUPS_PER_ADDRESS", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub signups_per_address: u32,

    /// Keys each sign-in and sign-up throttle table holds (accounts, browsers, addresses); a
    /// full table forgets its oldest window to admit a new key. At the default, a table takes
    /// at most about 17 MiB (23 MiB for a moment) however many made-up accounts are tried.
    #[arg(long, env = "LATCH_THROTTLE_CAPACITY", default_value_t = 100_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub throttle_capacity: u64,

    /// Refreshes one session may make per minute; beyond that it is answered 429 (the
    /// client waits and retries). Honest clients refresh a few times per token lifetime.
    #[arg(long, env = "LATCH_REFRESHES_PER_SESSION", default_value_t = 60,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub refreshes_per_session: u32,

    /// Password hashes computed at once (each takes 19 MiB and most of a core). Default: cores.
    #[arg(long, env = "LATCH_HASH_CONCURRENCY",
          value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub hash_concurrency: Option<u64>,

    /// Sign-ins, sign-ups and password changes that may wait for a hashing slot; beyond that
    /// they are refused at once with 503 and Retry-After instead of queueing without bound.
    #[arg(long, env = "LATCH_HASH_QUEUE", default_value_t = 32,
          value_parser = clap::value_parser!(u64).range(0..=100_000))]
    pub hash_queue: u64,
}

impl Limits {
    pub fn hash_concurrency(&self) -> usize {
        self.hash_concurrency
            .map(|n| n as usize)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

/// How long what is no longer in use stays in the database (see `auth::purge`).
#[derive(Debug, Clone, Args)]
pub struct Retention {
    /// Seconds an ended or expired session (and its refresh-token rows) is kept, so a late
    /// replay of its cookie still gets the precise reason. Never less than an access token's
    /// lifetime plus a minute, whatever is set here.
    #[arg(long, env = "LATCH_ENDED_SESSION_RETENTION", default_value_t = 7 * 24 * 3600,
          value_parser = clap::value_parser!(u64).range(0..=super::MAX_SESSION_SECS))]
    pub ended_session_retention: u64,

    /// Seconds a security event stays visible to its account before it is deleted.
    #[arg(long, env = "LATCH_SECURITY_EVENT_RETENTION", default_value_t = 365 * 24 * 3600,
          value_parser = clap::value_parser!(u64).range(0..=super::MAX_SESSION_SECS))]
    pub security_event_retention: u64,

    /// Seconds between two runs of the purge.
    #[arg(long, env = "LATCH_PURGE_INTERVAL", default_value_t = 3600,
          value_parser = clap::value_parser!(u64).range(1..=7 * 24 * 3600))]
    pub purge_interval: u64,
}
