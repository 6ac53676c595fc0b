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
            .map(|ConnectInfo(addr)| {
                client_ip(addr.ip(), &parts.headers, &config.trusted_proxies).to_string()
            })
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
/// that is not one of our proxies, walking from the right (the entries our proxies appended)
/// to the left (what the client wrote, which could say anything). An entry that is not an
/// address ends the walk: nothing left of it can be trusted, so the last of our hops counts.
fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut nearest = peer;
    if !is_trusted(&nearest) {
        return nearest;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|value| match value.to_str() {
            Ok(value) => value.split(',').collect(),
            Err(_) => vec!["(not text)"],
        })
        .collect();
    for entry in entries.into_iter().rev() {
        let Ok(hop) = entry.trim().parse::<IpAddr>() else {
            break;
        };
        nearest = hop;
        if !is_trusted(&hop) {
            break;
        }
    }
    nearest
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

    #[test]
    fn a_malformed_entry_stops_the_walk_before_anything_the_client_wrote() {
        let proxy: IpNet = "10.0.0.0/8".parse().unwrap();
        let peer: IpAddr = "10.0.0.1".parse().unwrap();
        // The client wrote the first two entries; our proxy appended the real address.
        let headers = forwarded("198.51.100.7, garbage, 203.0.113.9");
        assert_eq!(
            client_ip(peer, &headers, &[proxy]),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        // Nothing valid right of the garbage: the last hop we trust is all we know.
        let headers = forwarded("198.51.100.7, garbage");
        assert_eq!(client_ip(peer, &headers, &[proxy]), peer);
        let headers = forwarded("198.51.100.7, garbage, 10.0.0.2");
        assert_eq!(
            client_ip(peer, &headers, &[proxy]),
            "10.0.0.2".parse::<IpAddr>().unwrap()
        );
    }
}

#[cfg(test)]
mod properties {
    use axum::http::HeaderValue;
    use proptest::{collection::vec, prelude::*};

    use super::*;

    fn header_bytes() -> impl Strategy<Value = Vec<u8>> {
        vec(prop_oneof![0x20u8..=0x7E, 0x80u8..=0xFF, Just(b'\t')], 0..80)
    }

    /// Entries a client or a chain of proxies might write: addresses, ours or not, and junk.
    fn entry() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<IpAddr>().prop_map(|ip| ip.to_string()),
            any::<[u8; 2]>().prop_map(|[a, b]| format!("10.0.{a}.{b}")),
            "[ -~]{0,20}",
        ]
    }

    fn forwarded(values: &[Vec<u8>]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", HeaderValue::from_bytes(value).unwrap());
        }
        headers
    }

    proptest! {
        #[test]
        fn the_answer_is_the_peer_or_an_address_the_header_names(
            values in vec(prop_oneof![header_bytes(), vec(entry(), 0..5).prop_map(|e| e.join(",").into_bytes())], 0..3),
            peer in prop_oneof![any::<IpAddr>(), Just("10.0.0.1".parse().unwrap())],
        ) {
            let proxies: IpNet = "10.0.0.0/8".parse().unwrap();
            let headers = forwarded(&values);
            let ip = client_ip(peer, &headers, &[proxies]);
            if !proxies.contains(&peer) {
                prop_assert_eq!(ip, peer);
            }
            let named = values.iter().any(|value| {
                String::from_utf8_lossy(value).split(',').any(|entry| entry.trim().parse() == Ok(ip))
            });
            prop_assert!(ip == peer || named, "{ip} came from nowhere");
        }

        #[test]
        fn what_the_client_wrote_cannot_hide_the_address_our_proxy_saw(
            written in vec(prop_oneof![entry(), "[ -~]{0,30}"], 0..6),
            client in any::<IpAddr>().prop_filter("not a proxy", |ip| !"10.0.0.0/8".parse::<IpNet>().unwrap().contains(ip)),
        ) {
            let proxies: IpNet = "10.0.0.0/8".parse().unwrap();
            let mut entries = written;
            entries.push(client.to_string());
            let headers = forwarded(&[entries.join(", ").into_bytes()]);
            prop_assert_eq!(client_ip("10.0.0.1".parse().unwrap(), &headers, &[proxies]), client);
        }
    }
}
