//! Where mail goes: through an SMTP relay (`LATCH_SMTP_URL`), or — for a local run only — into
//! the development outbox, a directory of files that `/dev/outbox` lists. A server on a real
//! origin without a relay would lose every confirmation and reset mail, or worse, show them on
//! a page, so it refuses to start instead.

use std::path::PathBuf;

use clap::Args;
use lettre::message::Mailbox;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::{ConfigError, SmtpRelay, origins::is_loopback_name};

#[derive(Debug, Clone, Args)]
pub struct MailConfig {
    /// The SMTP relay mail goes through: `smtps://user:password@host:465` (TLS from the first
    /// byte) or `smtp://user:password@host:587` (STARTTLS, required). Plain text only to a
    /// loopback relay (`smtp://127.0.0.1:2525`). Percent-encode `@` and `:` in the user and
    /// password. Unset: mail goes to the development outbox, which only a localhost origin may use.
    #[arg(long, env = "LATCH_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<SecretString>,

    /// Who mail comes from, like `Latch <no-reply@example.com>`. Required with LATCH_SMTP_URL;
    /// the outbox uses `Latch <no-reply@localhost>` when unset.
    #[arg(long, env = "LATCH_MAIL_FROM")]
    pub mail_from: Option<Mailbox>,

    /// The development outbox (used when LATCH_SMTP_URL is unset): a directory, created private
    /// on the first mail, holding each mail as an `.eml` file; `/dev/outbox` lists them.
    #[arg(long, env = "LATCH_MAIL_OUTBOX", default_value = "latch-outbox")]
    pub mail_outbox: PathBuf,
}

/// The sender and the way out, decided once at start-up.
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub from: Mailbox,
    pub delivery: Delivery,
}

#[derive(Debug, Clone)]
pub enum Delivery {
    Smtp(SmtpRelay),
    /// The development outbox directory.
    Outbox(PathBuf),
}

impl MailConfig {
    /// The settings this configuration means for a server at `origin`, or why it must not start.
    pub fn settings(&self, origin: &Url) -> Result<MailSettings, ConfigError> {
        // `LATCH_SMTP_URL=` in an env file means "no relay", as leaving it out does.
        let smtp_url = self
            .smtp_url
            .as_ref()
            .map(|url| url.expose_secret().trim())
            .filter(|url| !url.is_empty());
        match smtp_url {
            Some(url) => Ok(MailSettings {
                from: self.mail_from.clone().ok_or(ConfigError::MailFromNeeded)?,
                delivery: Delivery::Smtp(SmtpRelay::parse(url).map_err(ConfigError::SmtpUrl)?),
            }),
            None if is_loopback_name(origin.host_str().unwrap_or_default()) => Ok(MailSettings {
                from: self.mail_from.clone().unwrap_or_else(outbox_sender),
                delivery: Delivery::Outbox(self.mail_outbox.clone()),
            }),
            None => Err(ConfigError::MailRelayNeeded(
                origin.origin().ascii_serialization(),
            )),
        }
    }
}

fn outbox_sender() -> Mailbox {
    "Latch <no-reply@localhost>".parse().expect("a valid mailbox")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use clap::Parser;

    use super::*;
    use crate::config::{Config, SmtpSecurity, SmtpUrlError};

    fn parse(args: &[&str]) -> Config {
        Config::try_parse_from([&["latch"][..], args].concat()).unwrap()
    }

    #[test]
    fn a_local_run_without_a_relay_uses_the_outbox() {
        let config = parse(&["--mail-outbox", "/tmp/outbox"]);
        assert_eq!(config.validate(), Ok(()));
        let settings = config.mail.settings(&config.public_origin).unwrap();
        assert!(matches!(settings.delivery, Delivery::Outbox(dir) if dir == Path::new("/tmp/outbox")));
        assert_eq!(settings.from.to_string(), "Latch <no-reply@localhost>");
    }

    #[test]
    fn a_real_origin_without_a_relay_is_refused() {
        let config = parse(&["--public-origin", "https://latch.example.com"]);
        let err = config.validate().unwrap_err();
        assert_eq!(
            err,
            ConfigError::MailRelayNeeded("https://latch.example.com".into())
        );
        assert!(err.to_string().contains("LATCH_SMTP_URL"), "{err}");
        assert!(
            parse(&["--public-origin", "https://latch.example.com", "--smtp-url", " "])
                .validate()
                .is_err()
        );
    }

    #[test]
    fn a_relay_needs_a_sender() {
        let origin = "--public-origin=https://latch.example.com";
        let relay = "--smtp-url=smtps://u:hunter2@mail.example.com";
        assert_eq!(
            parse(&[origin, relay]).validate(),
            Err(ConfigError::MailFromNeeded)
        );
        let with_sender = parse(&[origin, relay, "--mail-from=Latch <no-reply@example.com>"]);
        assert_eq!(with_sender.validate(), Ok(()));
        let settings = with_sender.mail.settings(&with_sender.public_origin).unwrap();
        let Delivery::Smtp(relay) = settings.delivery else {
            panic!("mail goes to the relay");
        };
        assert_eq!(relay.security, SmtpSecurity::ImplicitTls);
        assert!(!format!("{with_sender:?}").contains("hunter2"));
    }

    #[test]
    fn a_bad_relay_url_is_refused_at_start_up() {
        let config = parse(&[
            "--smtp-url",
            "smtp://mail.example.com?tls=opportunistic",
            "--mail-from",
            "no-reply@example.com",
        ]);
        assert_eq!(
            config.validate(),
            Err(ConfigError::SmtpUrl(SmtpUrlError::WeakTls))
        );
    }

    #[test]
    fn a_sender_that_is_not_an_address_is_refused() {
        assert!(Config::try_parse_from(["latch", "--mail-from", "Latch <nobody>"]).is_err());
    }
}
