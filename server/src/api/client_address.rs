//! `Client`: the caller's address and user agent, recorded on sessions and security events.
//! Behind a trusted proxy the address comes from `X-Forwarded-For`, read so that a client
//! cannot choose what we record.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use axum::{
    extract::{ConnectInfo, FromRef, FromRequestParts},
    http::{HeaderMap, header, request::Parts},
};
use ipnet::IpNet;

use crate::{auth::ClientInfo, config::Config, error::Error};

const MAX_USER_AGENT: usize = 512;

pub struct Client(pub ClientInfo);

impl<S: Send + Sync> FromRequestParts<S> for Client
where
    Arc<Config>: FromRef<S>,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let config = Arc::<Config>::from_ref(state);
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| client_ip(addr.ip(), &parts.headers, &config.trusted_proxies).to_string())
            .unwrap_or_default();
        let user_agent: String = parts
            .headers
            .get(header::USER_AGENT)
            .map(|value| {
                String::from_utf8_lossy(value.as_bytes())
                    .chars()
                    .take(MAX_USER_AGENT)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Client(ClientInfo { ip, user_agent }))
    }
}

/// The peer, or — when the peer is a trusted proxy — the nearest address in X-Forwarded-For
/// that is not one of our proxies. Entries further left were written by the client and could
/// say anything.
fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map_while(|entry| entry.trim().parse::<IpAddr>().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpNet = "10.0.0.0/8".parse().unwrap();
        let client: IpAddr = "203.0.113.9".parse().unwrap();
        let stranger: IpAddr = "198.51.100.1".parse().unwrap();
        let headers = forwarded("1.2.3.4, 203.0.113.9, 10.0.0.2");

        assert_eq!(
            client_ip(stranger, &headers, &[proxy]),
            stranger,
            "an untrusted peer cannot claim an address"
        );
        assert_eq!(
            client_ip("10.0.0.1".parse().unwrap(), &headers, &[proxy]),
            client,
            "the spoofable left part is ignored"
        );
        assert_eq!(
            client_ip("10.0.0.1".parse().unwrap(), &forwarded("garbage"), &[proxy]),
            "10.0.0.1".parse::<IpAddr>().unwrap()
        );
    }
}
