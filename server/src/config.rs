//! The one typed configuration, read once at start-up from flags and environment variables.

use std::net::SocketAddr;

use clap::{Parser, ValueEnum};
use url::Url;

#[derive(Debug, Clone, Parser)]
#[command(name = "latch", version, about = "Latch: browser token authentication done properly")]
pub struct Config {
    /// Address and port the HTTP server binds to.
    #[arg(long, env = "LATCH_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// The origin users reach the app at (scheme://host[:port]). Cookie-bearing requests must
    /// come from it.
    #[arg(long, env = "LATCH_PUBLIC_ORIGIN", default_value = "http://localhost:3000")]
    pub public_origin: Url,

    /// `sqlite:<file>` (created on first run) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite:latch.db")]
    pub database_url: String,

    /// Maximum database connections per instance.
    #[arg(long, env = "LATCH_DB_MAX_CONNECTIONS", default_value_t = 10)]
    pub db_max_connections: u32,

    /// Log filter, in `tracing` EnvFilter syntax (e.g. `info`, `server=debug,sqlx=warn`).
    #[arg(long, env = "LATCH_LOG", default_value = "info")]
    pub log: String,

    /// Log line format.
    #[arg(long, env = "LATCH_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("LATCH_PUBLIC_ORIGIN must be an origin like https://example.com (no path, query or credentials), got {0}")]
    NotAnOrigin(String),
    #[error(
        "LATCH_PUBLIC_ORIGIN {0} is plain http on a host other than localhost: browsers drop the \
         Secure refresh cookie there, so nobody could stay signed in. Serve it over https."
    )]
    InsecureOrigin(String),
    #[error("DATABASE_URL must start with sqlite: or postgres:// (got a {0} URL)")]
    UnsupportedDatabase(String),
}

impl Config {
    /// Refuses settings that would start a server which cannot work safely.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let origin = &self.public_origin;
        let is_bare_origin = matches!(origin.scheme(), "http" | "https")
            && origin.host_str().is_some()
            && origin.path() == "/"
            && origin.query().is_none()
            && origin.fragment().is_none()
            && origin.username().is_empty()
            && origin.password().is_none();
        if !is_bare_origin {
            return Err(ConfigError::NotAnOrigin(origin.to_string()));
        }
        if origin.scheme() == "http" && !is_loopback_name(origin.host_str().unwrap_or_default()) {
            return Err(ConfigError::InsecureOrigin(self.origin()));
        }
        crate::db::Backend::of_url(&self.database_url)
            .map(|_| ())
            .map_err(|_| ConfigError::UnsupportedDatabase(url_scheme(&self.database_url)))
    }

    /// The public origin as browsers send it in the `Origin` header (no trailing slash).
    pub fn origin(&self) -> String {
        self.public_origin.origin().ascii_serialization()
    }

    pub fn is_https(&self) -> bool {
        self.public_origin.scheme() == "https"
    }
}

/// Browsers treat these hosts as secure contexts, so Secure cookies work over plain http.
fn is_loopback_name(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]") || host.ends_with(".localhost")
}

/// The scheme of a URL without its credentials, safe to show in an error message.
fn url_scheme(url: &str) -> String {
    url.split(':').next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(origin: &str, db: &str) -> Config {
        Config::try_parse_from(["latch", "--public-origin", origin, "--database-url", db]).unwrap()
    }

    #[test]
    fn defaults_are_a_working_local_setup() {
        let config = Config::try_parse_from(["latch"]).unwrap();
        assert_eq!(config.validate(), Ok(()));
        assert_eq!(config.origin(), "http://localhost:3000");
        assert!(config.database_url.starts_with("sqlite:"));
    }

    #[test]
    fn plain_http_is_refused_off_localhost() {
        let err = config("http://example.com", "sqlite:x.db").validate().unwrap_err();
        assert!(matches!(err, ConfigError::InsecureOrigin(_)));
        assert_eq!(config("https://example.com", "sqlite:x.db").validate(), Ok(()));
        assert_eq!(config("http://127.0.0.1:8080", "sqlite:x.db").validate(), Ok(()));
    }

    #[test]
    fn origin_with_a_path_is_refused() {
        let err = config("https://example.com/app", "sqlite:x.db").validate().unwrap_err();
        assert!(matches!(err, ConfigError::NotAnOrigin(_)));
    }

    #[test]
    fn unknown_database_is_refused_without_echoing_credentials() {
        let err = config("https://example.com", "mysql://root:hunter2@db/x").validate().unwrap_err();
        assert_eq!(err, ConfigError::UnsupportedDatabase("mysql".into()));
        assert!(!err.to_string().contains("hunter2"));
    }
}
