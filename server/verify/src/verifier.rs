//! The whole check of one request to your service: the access token against Latch's keys, and
//! for a device-bound token its DPoP proof. See the crate documentation.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use url::Url;

use crate::{
    Refusal,
    access::{self, AccessClaims, Expected, Scheme, TokenError},
    dpop::{self, Entry, Memory, Proof, ProofError, Seen, Target},
    jwks::{KeyError, KeySet},
};

/// Proofs are judged by their `iat` in whole minutes: one made in this minute, the last or
/// (a fast clock) the next is accepted, and each minute's spent proofs are forgotten together.
const PROOF_MINUTE: u64 = 60;

/// How a [`Verifier`] is set up; [`Settings::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Latch's public origin: its tokens' issuer (`iss`), and where its JWKS is
    /// (`/.well-known/jwks.json`).
    pub latch: Url,
    /// This service's public origin, as browsers address it: the only one its proofs may name.
    pub origin: Url,
    /// Where to fetch Latch's keys, if not from its public origin (an internal address, say).
    pub jwks_url: Option<Url>,
    /// The `aud` of Latch's tokens (`LATCH_JWT_AUDIENCE`, "latch" by default).
    pub audience: String,
    /// The longest lifetime Latch gives a token (`LATCH_ACCESS_TOKEN_TTL`, 600 s by default).
    pub max_token_lifetime: Duration,
    /// Proofs remembered as spent, all keys together (about 60 bytes each at worst).
    pub proof_memory: usize,
    /// Proofs one device key may spend per minute, so one browser cannot take the memory.
    pub proofs_per_key: u32,
    /// How long fetched keys are trusted before the set is fetched again.
    pub keys_max_age: Duration,
    /// The least time between two fetches caused by a token naming an unknown key.
    pub min_refetch: Duration,
}

impl Settings {
    pub fn new(latch: Url, origin: Url) -> Self {
        Self {
            latch,
            origin,
            jwks_url: None,
            audience: "latch".to_string(),
            max_token_lifetime: Duration::from_secs(600),
            proof_memory: 200_000,
            proofs_per_key: 1_000,
            keys_max_age: Duration::from_secs(300),
            min_refetch: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{0} must be an http or https origin, such as https://latch.example")]
    NotAnOrigin(&'static str),
    #[error("the JWKS address is not a URL the HTTP client takes: {0}")]
    JwksUrl(String),
}

/// The parts of a request the check needs.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    /// The path as the client requested it, without the query.
    pub path: &'a str,
    /// The `Authorization` header.
    pub authorization: Option<&'a str>,
    /// The `DPoP` header. A request with several is invalid: refuse it before asking.
    pub dpop: Option<&'a str>,
}

/// A request that checked out.
#[derive(Debug, Clone)]
pub struct Verified {
    pub claims: AccessClaims,
    /// Made with a device-bound token and its key's proof.
    pub device_bound: bool,
}

/// Checks requests against Latch's keys. Cheap to clone; share one per process, since it holds
/// the keys and the proofs already spent.
#[derive(Clone)]
pub struct Verifier(Arc<Inner>);

struct Inner {
    issuer: String,
    origin: String,
    audience: String,
    max_lifetime: u64,
    keys: KeySet,
    spent: Mutex<Memory>,
}

impl Verifier {
    pub fn new(settings: Settings) -> Result<Self, SettingsError> {
        let issuer = origin_of(&settings.latch).ok_or(SettingsError::NotAnOrigin("Latch's address"))?;
        let origin =
            origin_of(&settings.origin).ok_or(SettingsError::NotAnOrigin("This service's address"))?;
        let jwks_url = match settings.jwks_url {
            Some(url) => url.to_string(),
            None => format!("{issuer}/.well-known/jwks.json"),
        };
        let jwks_url = jwks_url.parse().map_err(|_| SettingsError::JwksUrl(jwks_url))?;
        let keys = KeySet::new(jwks_url, settings.keys_max_age, settings.min_refetch);
        Ok(Self(Arc::new(Inner {
            issuer,
            origin,
            audience: settings.audience,
            max_lifetime: settings.max_token_lifetime.as_secs(),
            keys,
            spent: Mutex::new(Memory::new(settings.proof_memory, settings.proofs_per_key)),
        })))
    }

    /// Checks `request`'s token (and proof, for a bound token). A proof is spent only once
    /// everything else checked out, so requests that get nothing cannot fill the memory.
    pub async fn verify(&self, request: &Request<'_>) -> Result<Verified, Refusal> {
        let (scheme, token) = credentials(request.authorization)?;
        let kid = access::key_id(token).map_err(token_refusal)?;
        let key = self.0.keys.key(&kid).await.map_err(|err| match err {
            KeyError::Unknown => token_refusal(TokenError::UnknownKey),
            KeyError::Unreachable => Refusal::keys_unreachable(),
        })?;
        let expected = Expected {
            issuer: &self.0.issuer,
            audience: &self.0.audience,
            max_lifetime: self.0.max_lifetime,
        };
        let claims = access::check(token, &key, &expected, access::unix_now()).map_err(token_refusal)?;
        let needed = access::proof_needed(scheme, &claims)
            .map_err(|misuse| Refusal::invalid_token(misuse.message()))?;
        if let Some(jkt) = needed {
            self.prove(request, token, jkt)?;
        }
        let device_bound = claims.cnf.is_some();
        Ok(Verified { claims, device_bound })
    }

    fn prove(&self, request: &Request<'_>, token: &str, jkt: &str) -> Result<(), Refusal> {
        let proof = request.dpop.ok_or(Refusal::invalid_proof(dpop::MISSING))?;
        let target = Target {
            method: request.method,
            path: request.path,
            origin: &self.0.origin,
            access_token: Some(token),
        };
        let proof =
            Proof::check(proof.trim(), &target).map_err(|ProofError(why)| Refusal::invalid_proof(why))?;
        if proof.jkt != jkt {
            return Err(Refusal::invalid_proof(dpop::OTHER_KEY));
        }
        let now = access::unix_now();
        let minute = now / PROOF_MINUTE;
        let made = proof
            .iat
            .and_then(|iat| u64::try_from(iat).ok())
            .map(|iat| iat / PROOF_MINUTE)
            .filter(|made| made + 1 >= minute && *made <= minute + 1)
            .ok_or(Refusal::invalid_proof(
                "The DPoP proof's iat is not within a minute of this service's clock.",
            ))?;
        let seen = self
            .0
            .spent
            .lock()
            .expect("spent proofs lock")
            .spend(&Entry::of(jkt, &proof.jti, made), minute);
        match seen {
            Seen::First => Ok(()),
            Seen::Again => Err(Refusal::invalid_proof(dpop::REPLAYED)),
            Seen::Full => Err(Refusal::busy(PROOF_MINUTE - now % PROOF_MINUTE)),
        }
    }
}

/// The scheme and token of the `Authorization` header.
fn credentials(header: Option<&str>) -> Result<(Scheme, &str), Refusal> {
    let header = header.ok_or_else(Refusal::unauthenticated)?;
    access::authorization(header).ok_or(Refusal::invalid_token(access::MALFORMED_AUTHORIZATION))
}

fn token_refusal(err: TokenError) -> Refusal {
    Refusal::invalid_token(match err {
        TokenError::Expired => "The access token has expired.",
        TokenError::Invalid | TokenError::UnknownKey => "The access token is not valid.",
    })
}

/// `scheme://host[:port]` as `Url::origin` writes it (the form proofs are compared in), for an
/// http(s) URL with nothing after the origin.
fn origin_of(url: &Url) -> Option<String> {
    let bare = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.path() == "/"
        && url.query().is_none()
        && url.username().is_empty();
    bare.then(|| url.origin().ascii_serialization())
}
