//! The one typed configuration, read once at start-up from flags and environment variables.

mod assets;
mod dbsc;
mod limits;
mod mail;
mod origins;
mod recovery;
mod secret_files;
mod smtp_url;
mod timeouts;

pub use assets::AssetConfig;
pub use dbsc::{DbscConfig, DbscPolicy};
pub use limits::{Limits, Retention, THROTTLE_WINDOW};
pub use mail::{Delivery, MailConfig, MailSettings};
pub use recovery::{EmailVerification, RecoveryConfig};
pub use secret_files::SecretFiles;
pub use smtp_url::{SmtpLogin, SmtpRelay, SmtpSecurity, SmtpUrlError};
pub use timeouts::Timeouts;

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Parser, ValueEnum};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

/// The longest session lifetime or idle limit accepted, in seconds (ten years).
pub const MAX_SESSION_SECS: u64 = 10 * 366 * 24 * 3600;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "latch",
    version,
    about = "Latch: browser token authentication done properly"
)]
pub struct Config {
    /// Address and port the HTTP server binds to.
    #[arg(long, env = "LATCH_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// The origin users reach the app at (scheme://host[:port]). Cookie-bearing requests must
    /// come from it.
    #[arg(long, env = "LATCH_PUBLIC_ORIGIN", default_value = "http://localhost:3000")]
    pub public_origin: Url,

    /// `sqlite:<file>` (created on first run) or `postgres://…`. Secret: it may carry the
    /// database password, so `Config`'s `Debug` shows it redacted.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite:latch.db", hide_env_values = true)]
    pub database_url: SecretString,

    /// Maximum database connections per instance.
    #[arg(long, env = "LATCH_DB_MAX_CONNECTIONS", default_value_t = 10)]
    pub db_max_connections: u32,

    /// The server secret (base64, at least 32 bytes), shared by every instance. It keys the
    /// refresh-token hashes and seals the signing keys; it is never stored in the database.
    /// When unset, it is read from (or created in) LATCH_SECRET_FILE.
    #[arg(long, env = "LATCH_SECRET", hide_env_values = true)]
    pub secret: Option<SecretString>,

    /// Where the server secret is kept when LATCH_SECRET is unset (created, mode 0600, on first run).
    #[arg(long, env = "LATCH_SECRET_FILE", default_value = "latch.secret")]
    pub secret_file: PathBuf,

    /// Access-token lifetime in seconds (2 to 3600).
    #[arg(long, env = "LATCH_ACCESS_TOKEN_TTL", default_value_t = 600,
          value_parser = clap::value_parser!(u64).range(2..=3600))]
    pub access_token_ttl: u64,

    /// A session unused for this many seconds ends (its refresh token stops working).
    /// At most ten years, which keeps every time computation far from overflowing.
    #[arg(long, env = "LATCH_SESSION_IDLE_TIMEOUT", default_value_t = 7 * 24 * 3600,
          value_parser = clap::value_parser!(u64).range(1..=MAX_SESSION_SECS))]
    pub session_idle_timeout: u64,

    /// A session ends this many seconds after sign-in, however active (at most ten years).
    #[arg(long, env = "LATCH_SESSION_LIFETIME", default_value_t = 30 * 24 * 3600,
          value_parser = clap::value_parser!(u64).range(1..=MAX_SESSION_SECS))]
    pub session_lifetime: u64,

    /// Seconds during which the just-retired refresh token still yields the same successor
    /// (a lost response, tabs refreshing together). Later reuse counts as theft.
    #[arg(long, env = "LATCH_REFRESH_GRACE", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(0..=120))]
    pub refresh_grace: u64,

    /// Seconds a sign-in or re-authentication counts as recent: changing the password or the
    /// address needs one this fresh on the session asking.
    #[arg(long, env = "LATCH_RECENT_AUTH", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub recent_auth: u64,

    #[command(flatten)]
    pub limits: Limits,

    #[command(flatten)]
    pub retention: Retention,

    #[command(flatten)]
    pub assets: AssetConfig,

    #[command(flatten)]
    pub mail: MailConfig,

    #[command(flatten)]
    pub secret_files: SecretFiles,

    #[command(flatten)]
    pub recovery: RecoveryConfig,

    #[command(flatten)]
    pub timeouts: Timeouts,

    #[command(flatten)]
    pub dbsc: DbscConfig,

    /// Reverse proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For is believed.
    /// From anyone else the header is ignored, so clients cannot spoof their address.
    #[arg(long, env = "LATCH_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_proxy)]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Your own services (origins, comma-separated) that Latch's pages call with the user's
    /// access token across origins (they check it with `latch-verify`). Allowed in the pages'
    /// Content-Security-Policy `connect-src` and handed to the pages; https unless loopback.
    #[arg(long, env = "LATCH_SERVICE_ORIGINS", value_delimiter = ',', value_parser = origins::parse_service_origin)]
    pub service_origins: Vec<String>,

    /// Whether sessions must be bound to a browser key (DPoP, RFC 9449). `require`: a sign-in
    /// without a proof is refused (400 `dpop_required`). `allow`: it gets an unbound session,
    /// for old browsers and API clients; the sessions page marks it "not device-bound".
    #[arg(long, env = "LATCH_DEVICE_BINDING", value_enum, default_value_t = DeviceBinding::Require)]
    pub device_binding: DeviceBinding,

    /// DPoP proofs remembered at once to refuse their replay (each for the one to two
    /// five-minute nonce buckets it can be used in; about 60 bytes each at worst). Only
    /// requests otherwise accepted spend a place; past the limit, a request with a proof is
    /// answered 503 with `Retry-After`, never treated as an invalid proof.
    #[arg(long, env = "LATCH_DPOP_PROOF_MEMORY", default_value_t = 1_000_000,
          value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub dpop_proof_memory: u64,

    /// Proofs one device key may spend per five-minute nonce bucket (a browser makes one per
    /// refresh and per API call), so one key cannot take the whole memory.
    #[arg(long, env = "LATCH_DPOP_PROOFS_PER_KEY", default_value_t = 10_000,
          value_parser = clap::value_parser!(u32).range(1..=100_000_000))]
    pub dpop_proofs_per_key: u32,

    /// The `aud` claim of access tokens.
    #[arg(long, env = "LATCH_JWT_AUDIENCE", default_value = "latch")]
    pub jwt_audience: String,

    /// Add a new access-token signing key to the database and exit. Running instances sign
    /// with it within two minutes (they re-read the keys every minute, and at once when they
    /// meet a token signed by it); the old key keeps verifying, and stays in the JWKS, until no
    /// token it signed can still be valid. No session is signed out.
    #[arg(long)]
    pub rotate_signing_key: bool,

    /// Log filter, in `tracing` EnvFilter syntax (e.g. `info`, `server=debug,sqlx=warn`).
    #[arg(long, env = "LATCH_LOG", default_value = "info")]
    pub log: String,

    /// Log line format.
    #[arg(long, env = "LATCH_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Where to serve Prometheus metrics (`/metrics`), e.g. `127.0.0.1:9100`: an address of
    /// their own, never the public one. Unset: no metrics are kept.
    #[arg(long, env = "LATCH_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    /// An admin command to run instead of serving (`latch users list`, …): on this
    /// deployment's database and secret, so give it the same settings as the server.
    #[command(subcommand)]
    pub command: Option<crate::admin::Command>,

    /// Admin commands: print JSON, for scripts.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeviceBinding {
    Require,
    Allow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error(
        "LATCH_PUBLIC_ORIGIN must be an origin like https://example.com (no path, query or credentials), got {0}"
    )]
    NotAnOrigin(String),
    #[error(
        "LATCH_PUBLIC_ORIGIN {0} is plain http on a host other than localhost: browsers drop the \
         Secure refresh cookie there, so nobody could stay signed in. Serve it over https."
    )]
    InsecureOrigin(String),
    #[error("LATCH_SESSION_IDLE_TIMEOUT must not exceed LATCH_SESSION_LIFETIME")]
    IdleLongerThanLifetime,
    #[error("DATABASE_URL must start with sqlite: or postgres:// (got a {0} URL)")]
    UnsupportedDatabase(String),
    #[error(
        "LATCH_PUBLIC_ORIGIN {0} is not localhost, and without LATCH_SMTP_URL mail would only go \
         to the development outbox, which a real server must not have. Set LATCH_SMTP_URL (and \
         LATCH_MAIL_FROM)."
    )]
    MailRelayNeeded(String),
    #[error("LATCH_SMTP_URL is set: set LATCH_MAIL_FROM too, like `Latch <no-reply@example.com>`")]
    MailFromNeeded,
    /// (Not a `#[source]`: the message already says it, and `{:#}` would say it twice.)
    #[error("LATCH_SMTP_URL cannot be used: {0}")]
    SmtpUrl(SmtpUrlError),
    #[error("{setting} names {path}, which cannot be used: {why}")]
    SecretFile {
        setting: &'static str,
        path: String,
        why: String,
    },
}

impl Config {
    /// Refuses settings that would start a server which cannot work safely.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let origin = &self.public_origin;
        if !origins::is_bare_origin(origin) {
            return Err(ConfigError::NotAnOrigin(origin.to_string()));
        }
        if origin.scheme() == "http" && !origins::is_loopback_name(origin.host_str().unwrap_or_default()) {
            return Err(ConfigError::InsecureOrigin(self.origin()));
        }
        if self.session_idle_timeout > self.session_lifetime {
            return Err(ConfigError::IdleLongerThanLifetime);
        }
        let database_url = self.database_url.expose_secret();
        crate::db::Backend::of_url(database_url)
            .map_err(|_| ConfigError::UnsupportedDatabase(url_scheme(database_url)))?;
        self.mail.settings(origin).map(|_| ())
    }

    /// The public origin as browsers send it in the `Origin` header (no trailing slash).
    pub fn origin(&self) -> String {
        self.public_origin.origin().ascii_serialization()
    }

    pub fn is_https(&self) -> bool {
        self.public_origin.scheme() == "https"
    }

    pub fn access_token_ttl(&self) -> Duration {
        Duration::from_secs(self.access_token_ttl)
    }
}

/// An address (`10.0.0.7`) or a network (`10.0.0.0/8`).
fn parse_proxy(value: &str) -> Result<ipnet::IpNet, String> {
    let value = value.trim();
    value
        .parse::<ipnet::IpNet>()
        .or_else(|_| value.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{value:?} is not an IP address or CIDR network"))
}

/// The scheme of a URL without its credentials, safe to show in an error message.
fn url_scheme(url: &str) -> String {
    url.split(':').next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests;
