//! How long a connection may hold a place without making a request.

use std::time::Duration;

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct Timeouts {
    /// Seconds a client has to send a request's head (request line and headers), counted from
    /// when the server starts waiting for one: on a new connection, and again after each
    /// response on a kept-alive one. A connection that never finishes its head (slow loris),
    /// says nothing, or sits idle between requests is closed then (1 to 300).
    #[arg(long, env = "LATCH_REQUEST_HEAD_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    pub request_head_timeout: u64,
}

impl Timeouts {
    pub fn request_head(&self) -> Duration {
        Duration::from_secs(self.request_head_timeout)
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::config::Config;

    #[test]
    fn the_head_timeout_defaults_to_ten_seconds_and_is_bounded() {
        let parse = |args: &[&str]| Config::try_parse_from([&["latch"], args].concat());
        let config = parse(&[]).unwrap();
        assert_eq!(config.timeouts.request_head().as_secs(), 10);
        assert_eq!(
            parse(&["--request-head-timeout", "300"])
                .unwrap()
                .timeouts
                .request_head_timeout,
            300
        );
        for refused in ["0", "301"] {
            assert!(parse(&["--request-head-timeout", refused]).is_err(), "{refused}");
        }
    }
}
