//! `LATCH_SMTP_URL`, parsed once at start-up: which relay, how the connection is protected, and
//! who signs in to it. The mail carries single-use sign-in links, so it never crosses a network
//! in the clear: `smtp://` means STARTTLS, required, except to a loopback relay. The password is
//! held as a `SecretString`, and no error message repeats the URL.

use std::net::{IpAddr, Ipv4Addr};

use percent_encoding::percent_decode_str;
use secrecy::SecretString;
use url::{Host, Url};

/// Where mail is handed over, and how.
#[derive(Debug, Clone)]
pub struct SmtpRelay {
    /// A name or an IP address (IPv6 without brackets), as the connection and TLS expect it.
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub login: Option<SmtpLogin>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtps://`: TLS from the first byte (port 465 unless given).
    ImplicitTls,
    /// `smtp://` (port 587 unless given): STARTTLS, and no mail is sent if the relay does not
    /// offer it.
    StartTls,
    /// `smtp://` to a loopback address (port 25 unless given): plain text that never leaves
    /// the machine.
    Plain,
}

#[derive(Debug, Clone)]
pub struct SmtpLogin {
    pub user: String,
    pub password: SecretString,
}

/// Why `LATCH_SMTP_URL` cannot be used. The messages never quote the URL: it holds a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmtpUrlError {
    #[error("not a URL; write smtps://user:password@host:465 or smtp://user:password@host:587")]
    NotAUrl,
    #[error("the scheme must be smtps:// (TLS) or smtp:// (STARTTLS), not {0}://")]
    Scheme(String),
    #[error("it names no host")]
    NoHost,
    #[error("it may have no path or #fragment, and no query but ?tls=required")]
    Extra,
    #[error(
        "only ?tls=required is accepted: a connection that may fall back to plain text would \
         expose the links in the mail (leave ?tls out: smtp:// already requires STARTTLS)"
    )]
    WeakTls,
    #[error("give both a user and a password, or neither")]
    HalfLogin,
    #[error("the user or password is not valid percent-encoded UTF-8")]
    BadEncoding,
}

impl SmtpRelay {
    pub fn parse(raw: &str) -> Result<Self, SmtpUrlError> {
        let url = Url::parse(raw.trim()).map_err(|_| SmtpUrlError::NotAUrl)?;
        let implicit_tls = match url.scheme() {
            "smtps" => true,
            "smtp" => false,
            other => return Err(SmtpUrlError::Scheme(other.to_string())),
        };
        let (host, loopback) = host_of(&url)?;
        let tls_query = single_tls_query(&url)?;
        if !matches!(url.path(), "" | "/") || url.fragment().is_some() {
            return Err(SmtpUrlError::Extra);
        }
        let security = match (implicit_tls, tls_query.as_deref()) {
            (true, None) => SmtpSecurity::ImplicitTls,
            (true, Some(_)) => return Err(SmtpUrlError::Extra),
            (false, Some("required")) => SmtpSecurity::StartTls,
            (false, Some(_)) => return Err(SmtpUrlError::WeakTls),
            (false, None) if loopback => SmtpSecurity::Plain,
            (false, None) => SmtpSecurity::StartTls,
        };
        let port = url.port().unwrap_or(match security {
            SmtpSecurity::ImplicitTls => 465,
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Plain => 25,
        });
        Ok(Self {
            host,
            port,
            security,
            login: login_of(&url)?,
        })
    }
}

/// The value of `?tls=…` if that is the whole query; any other query is refused.
fn single_tls_query(url: &Url) -> Result<Option<String>, SmtpUrlError> {
    if url.query().is_none() {
        return Ok(None);
    }
    let mut pairs = url.query_pairs();
    match (pairs.next(), pairs.next()) {
        (Some((key, value)), None) if key == "tls" => Ok(Some(value.into_owned())),
        _ => Err(SmtpUrlError::Extra),
    }
}

/// The host to connect to, and whether it is this machine. `smtp` is not a scheme the URL
/// standard knows, so an IPv4 address arrives as a name and is parsed here.
fn host_of(url: &Url) -> Result<(String, bool), SmtpUrlError> {
    match url.host() {
        Some(Host::Ipv6(ip)) => Ok((ip.to_string(), ip.is_loopback())),
        Some(Host::Ipv4(ip)) => Ok((ip.to_string(), ip.is_loopback())),
        Some(Host::Domain(name)) if !name.is_empty() => {
            let loopback = match name.parse::<Ipv4Addr>() {
                Ok(ip) => IpAddr::V4(ip).is_loopback(),
                Err(_) => name.eq_ignore_ascii_case("localhost"),
            };
            Ok((name.to_string(), loopback))
        }
        _ => Err(SmtpUrlError::NoHost),
    }
}

fn login_of(url: &Url) -> Result<Option<SmtpLogin>, SmtpUrlError> {
    let decode = |raw: &str| {
        percent_decode_str(raw)
            .decode_utf8()
            .map(|text| text.into_owned())
            .map_err(|_| SmtpUrlError::BadEncoding)
    };
    match (url.username(), url.password()) {
        ("", None) => Ok(None),
        ("", Some(_)) | (_, None) => Err(SmtpUrlError::HalfLogin),
        (user, Some(password)) => Ok(Some(SmtpLogin {
            user: decode(user)?,
            password: SecretString::from(decode(password)?),
        })),
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    fn security(url: &str) -> SmtpSecurity {
        SmtpRelay::parse(url).unwrap().security
    }

    #[test]
    fn smtps_is_tls_from_the_first_byte_with_a_decoded_login() {
        let relay = SmtpRelay::parse("smtps://mailer%40example.com:p%40ss%3Aword@mail.example.com").unwrap();
        assert_eq!(relay.security, SmtpSecurity::ImplicitTls);
        assert_eq!((relay.host.as_str(), relay.port), ("mail.example.com", 465));
        let login = relay.login.unwrap();
        assert_eq!(login.user, "mailer@example.com");
        assert_eq!(login.password.expose_secret(), "p@ss:word");
    }

    #[test]
    fn smtp_to_another_host_always_requires_starttls() {
        let relay = SmtpRelay::parse("smtp://user:pw@mail.example.com").unwrap();
        assert_eq!((relay.security, relay.port), (SmtpSecurity::StartTls, 587));
        assert_eq!(security("smtp://10.0.0.5:25"), SmtpSecurity::StartTls);
        assert_eq!(
            security("smtp://mail.example.com:2525?tls=required"),
            SmtpSecurity::StartTls
        );
    }

    #[test]
    fn plain_smtp_only_to_loopback() {
        for url in [
            "smtp://127.0.0.1:2525",
            "smtp://127.8.9.10",
            "smtp://[::1]:2525",
            "smtp://LocalHost",
        ] {
            assert_eq!(security(url), SmtpSecurity::Plain, "{url}");
        }
        let relay = SmtpRelay::parse("smtp://[::1]:2525").unwrap();
        assert_eq!((relay.host.as_str(), relay.port), ("::1", 2525));
        // A loopback relay can still be asked for STARTTLS.
        assert_eq!(
            security("smtp://127.0.0.1:2525?tls=required"),
            SmtpSecurity::StartTls
        );
    }

    #[test]
    fn a_connection_that_could_fall_back_to_plain_text_is_refused() {
        for url in [
            "smtp://mail.example.com?tls=opportunistic",
            "smtp://mail.example.com?tls=none",
            "smtp://127.0.0.1?tls=opportunistic",
        ] {
            assert_eq!(SmtpRelay::parse(url).unwrap_err(), SmtpUrlError::WeakTls, "{url}");
        }
    }

    #[test]
    fn malformed_urls_are_refused_without_repeating_the_password() {
        let cases = [
            (
                "mail.example.com:587",
                SmtpUrlError::Scheme("mail.example.com".into()),
            ),
            (
                "http://user:hunter2@mail.example.com",
                SmtpUrlError::Scheme("http".into()),
            ),
            ("not a url hunter2", SmtpUrlError::NotAUrl),
            ("smtp://user@mail.example.com", SmtpUrlError::HalfLogin),
            ("smtps://:hunter2@mail.example.com", SmtpUrlError::HalfLogin),
            ("smtps://u:hunter2@mail.example.com/relay", SmtpUrlError::Extra),
            (
                "smtps://u:hunter2@mail.example.com?tls=required",
                SmtpUrlError::Extra,
            ),
            (
                "smtp://u:hunter2@mail.example.com?tls=required&x=1",
                SmtpUrlError::Extra,
            ),
            ("smtps://u:%FF@mail.example.com", SmtpUrlError::BadEncoding),
            ("smtp:///nohost", SmtpUrlError::NoHost),
        ];
        for (url, expected) in cases {
            let err = SmtpRelay::parse(url).unwrap_err();
            assert_eq!(err, expected, "{url}");
            assert!(!err.to_string().contains("hunter2"), "{url}");
        }
    }

    #[test]
    fn the_password_never_appears_in_debug_output() {
        let relay = SmtpRelay::parse("smtps://user:hunter2@mail.example.com").unwrap();
        assert!(!format!("{relay:?}").contains("hunter2"));
    }
}
