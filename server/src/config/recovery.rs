//! Account recovery: whether a new address must be confirmed before the account can be used,
//! and how long each mailed link works.

use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Args)]
pub struct RecoveryConfig {
    /// `required`: sign-up answers 202 "check your email" for any address and the account
    /// works once the mailed link is opened (nobody learns which addresses have accounts).
    /// `off`: sign-up signs in at once (201) with the address marked unconfirmed.
    #[arg(long, env = "LATCH_EMAIL_VERIFICATION", value_enum, default_value_t = EmailVerification::Required)]
    pub email_verification: EmailVerification,

    /// Seconds a sign-up's confirmation link works.
    #[arg(long, env = "LATCH_VERIFY_LINK_TTL", default_value_t = 24 * 3600,
          value_parser = clap::value_parser!(u64).range(60..=30 * 24 * 3600))]
    pub verify_link_ttl: u64,

    /// Seconds a password-reset link works. Short: the link is as good as the password.
    #[arg(long, env = "LATCH_RESET_LINK_TTL", default_value_t = 30 * 60,
          value_parser = clap::value_parser!(u64).range(60..=24 * 3600))]
    pub reset_link_ttl: u64,

    /// Seconds the link that confirms a new address works.
    #[arg(long, env = "LATCH_EMAIL_CHANGE_LINK_TTL", default_value_t = 3600,
          value_parser = clap::value_parser!(u64).range(60..=7 * 24 * 3600))]
    pub email_change_link_ttl: u64,

    /// Seconds the old address can undo a change of address (and end every session).
    #[arg(long, env = "LATCH_EMAIL_UNDO_LINK_TTL", default_value_t = 7 * 24 * 3600,
          value_parser = clap::value_parser!(u64).range(60..=30 * 24 * 3600))]
    pub email_undo_link_ttl: u64,

    /// Mails (reset links, change confirmations) one address may be sent in 15 minutes, and
    /// requests one client address may make; beyond that a reset request is answered the
    /// same way but sends nothing, and a client is told to wait (429).
    #[arg(long, env = "LATCH_MAILS_PER_ACCOUNT", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub mails_per_account: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EmailVerification {
    Required,
    Off,
}
