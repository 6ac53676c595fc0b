//! The SMTP relay's transport, configured exactly as `LATCH_SMTP_URL` said: lettre's own URL
//! parser would also accept opportunistic TLS, which we refuse (see `config::smtp_url`).

use std::time::Duration;

use lettre::{
    AsyncSmtpTransport, Tokio1Executor,
    transport::smtp::{
        authentication::Credentials,
        client::{Tls, TlsParameters},
        extension::ClientId,
    },
};
use secrecy::ExposeSecret;
use url::{Host, Url};

use crate::config::{SmtpRelay, SmtpSecurity};

/// A relay that has not answered by then is not going to: the caller learns of it rather than
/// waiting on a hung connection.
const TIMEOUT: Duration = Duration::from_secs(20);

pub(super) fn transport(
    relay: &SmtpRelay,
    origin: &Url,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, lettre::transport::smtp::Error> {
    // Certificates are checked against Mozilla's roots (webpki-roots), for the host as written.
    let tls = || TlsParameters::new(relay.host.clone());
    let tls = match relay.security {
        SmtpSecurity::ImplicitTls => Tls::Wrapper(tls()?),
        SmtpSecurity::StartTls => Tls::Required(tls()?),
        SmtpSecurity::Plain => Tls::None,
    };
    // "Dangerous" only because the builder starts without TLS; `tls` is set just below.
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&relay.host)
        .port(relay.port)
        .tls(tls)
        .timeout(Some(TIMEOUT))
        .hello_name(hello_name(origin));
    if let Some(login) = &relay.login {
        builder = builder.credentials(Credentials::new(
            login.user.clone(),
            login.password.expose_secret().to_owned(),
        ));
    }
    Ok(builder.build())
}

/// The public origin's host: a name the relay can tie to this service (lettre would say
/// `localhost` without its `hostname` feature, which some relays refuse).
fn hello_name(origin: &Url) -> ClientId {
    match origin.host() {
        Some(Host::Ipv4(ip)) => ClientId::Ipv4(ip),
        Some(Host::Ipv6(ip)) => ClientId::Ipv6(ip),
        Some(Host::Domain(name)) => ClientId::Domain(name.to_string()),
        None => ClientId::Domain("localhost".into()),
    }
}
