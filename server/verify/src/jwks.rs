//! Latch's public keys, fetched from its JWKS and cached. The set is fetched again when it is
//! older than `max_age`, and at once (though not more often than `min_refetch`) when a token
//! names a key it lacks: Latch publishes a rotated-in key as soon as it signs with it. If
//! Latch cannot be reached, the keys already held keep verifying.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use http_body_util::{BodyExt, Empty, Limited};
use hyper::{Uri, body::Bytes, header};
use hyper_rustls::HttpsConnector;
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};
use jsonwebtoken::{
    DecodingKey,
    jwk::{JwkSet, KeyAlgorithm},
};

/// Latch's set is a few hundred bytes a key; anything this large is not it.
const MAX_BYTES: usize = 256 * 1024;
const TIMEOUT: Duration = Duration::from_secs(10);

/// Why no key could be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// The set, freshly fetched, has no key of that id.
    Unknown,
    /// Latch could not be asked and no key of that id is held.
    Unreachable,
}

pub struct KeySet {
    url: Uri,
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    max_age: Duration,
    min_refetch: Duration,
    held: RwLock<Held>,
    /// One fetch at a time: the callers that meet an unknown key together share it.
    fetching: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Held {
    keys: HashMap<String, Arc<DecodingKey>>,
    /// When the set was last fetched (or tried).
    fetched_at: Option<Instant>,
    /// Whether that fetch got an answer.
    reached: bool,
}

impl KeySet {
    pub fn new(url: Uri, max_age: Duration, min_refetch: Duration) -> Self {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls())
            .https_or_http()
            .enable_http1()
            .build();
        Self {
            url,
            client: Client::builder(TokioExecutor::new()).build(https),
            max_age,
            min_refetch,
            held: RwLock::default(),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    /// The key `kid`, fetching the set first if it is stale or lacks it.
    pub async fn key(&self, kid: &str) -> Result<Arc<DecodingKey>, KeyError> {
        let (held, fresh) = self.lookup(kid, self.max_age);
        if let (Some(key), true) = (&held, fresh) {
            return Ok(key.clone());
        }
        let _one_at_a_time = self.fetching.lock().await;
        // Another caller may have fetched while this one waited.
        let wait = if held.is_some() {
            self.max_age
        } else {
            self.min_refetch
        };
        if let (found, true) = self.lookup(kid, wait) {
            return found.ok_or_else(|| self.missing());
        }
        let fetched = self.fetch().await;
        let mut state = self.held.write().expect("key set lock");
        state.fetched_at = Some(Instant::now());
        state.reached = fetched.is_ok();
        match fetched {
            Ok(keys) => state.keys = keys,
            Err(err) => {
                tracing::warn!(url = %self.url, error = %err, "could not fetch Latch's keys; keeping those held")
            }
        }
        match state.keys.get(kid) {
            Some(key) => Ok(key.clone()),
            None if state.reached => Err(KeyError::Unknown),
            None => Err(KeyError::Unreachable),
        }
    }

    /// The key if held, and whether the set was fetched (or tried) within `within`.
    fn lookup(&self, kid: &str, within: Duration) -> (Option<Arc<DecodingKey>>, bool) {
        let state = self.held.read().expect("key set lock");
        let fresh = state.fetched_at.is_some_and(|at| at.elapsed() < within);
        (state.keys.get(kid).cloned(), fresh)
    }

    /// Why a key not held is missing, as of the latest fetch.
    fn missing(&self) -> KeyError {
        match self.held.read().expect("key set lock").reached {
            true => KeyError::Unknown,
            false => KeyError::Unreachable,
        }
    }

    async fn fetch(&self) -> Result<HashMap<String, Arc<DecodingKey>>, String> {
        let request = hyper::Request::get(&self.url)
            .header(header::ACCEPT, "application/json")
            .body(Empty::new())
            .map_err(|err| err.to_string())?;
        let body = tokio::time::timeout(TIMEOUT, async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|err| err.to_string())?;
            if !response.status().is_success() {
                return Err(format!("answered {}", response.status()));
            }
            let body = Limited::new(response.into_body(), MAX_BYTES).collect().await;
            Ok(body.map_err(|err| err.to_string())?.to_bytes())
        })
        .await
        .map_err(|_| "no answer in time".to_string())??;
        let set: JwkSet = serde_json::from_slice(&body).map_err(|err| format!("not a JWKS: {err}"))?;
        // Only the keys Latch signs with (Ed25519, `alg: EdDSA`); anything else is skipped,
        // never trusted.
        Ok(set
            .keys
            .iter()
            .filter(|jwk| jwk.common.key_algorithm == Some(KeyAlgorithm::EdDSA))
            .filter_map(|jwk| {
                let kid = jwk.common.key_id.clone()?;
                let key = DecodingKey::from_jwk(jwk).ok()?;
                Some((kid, Arc::new(key)))
            })
            .collect())
    }
}

/// HTTPS with ring and Mozilla's roots.
fn tls() -> rustls::ClientConfig {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}
