//! Access tokens: short-lived EdDSA JWTs (`typ: at+jwt`, RFC 9068) that any service can verify
//! with the published JWKS, without a database read. Minting is here; what makes a token good
//! is `latch_verify::access`, shared with the services that accept them.

use std::{sync::Arc, time::Duration};

use jsonwebtoken::{Algorithm, Header};

use crate::auth::{tokens::keys::KeyRing, tokens::verified::VerifiedTokens};
pub use latch_verify::access::{AccessClaims, Confirmation, LEEWAY_SECS, TOKEN_TYPE, TokenError};
use latch_verify::access::{Expected, check, key_id, unix_now};

/// One `Arc`: every protected request takes its own handle, and a handle of many shared
/// parts cost a reference-count round trip between the cores for each.
#[derive(Clone)]
pub struct TokenIssuer(Arc<Issuer>);

pub struct Issuer {
    keys: KeyRing,
    issuer: String,
    audience: String,
    ttl: Duration,
    verified: VerifiedTokens,
}

impl std::ops::Deref for TokenIssuer {
    type Target = Issuer;
    fn deref(&self) -> &Issuer {
        &self.0
    }
}

impl TokenIssuer {
    pub fn new(keys: KeyRing, issuer: String, audience: String, ttl: Duration) -> Self {
        Self(Arc::new(Issuer {
            keys,
            issuer,
            audience,
            ttl,
            verified: VerifiedTokens::default(),
        }))
    }

    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }

    /// A signed token for this user and session, valid for the configured lifetime but never
    /// beyond `not_after` (Unix seconds), the moment the session itself would end.
    /// Bound to `device_key` (a JWK thumbprint) when the session is; `auth_time` (Unix
    /// seconds) is when the person last proved themselves. Returns the token and its lifetime
    /// in seconds.
    pub fn mint(
        &self,
        user_id: &str,
        session_id: &str,
        not_after: u64,
        device_key: Option<&str>,
        auth_time: u64,
    ) -> anyhow::Result<(String, u64)> {
        let now = unix_now();
        let exp = (now + self.ttl.as_secs()).min(not_after.max(now + 1));
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id.to_string(),
            sid: session_id.to_string(),
            iat: now,
            nbf: now,
            exp,
            jti: uuid::Uuid::new_v4().to_string(),
            auth_time: Some(auth_time),
            cnf: device_key.map(|jkt| Confirmation { jkt: jkt.to_string() }),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some(TOKEN_TYPE.to_string());
        Ok((self.keys.sign(&header, &claims)?, exp - now))
    }

    /// Checks everything (`latch_verify::access::check`), with the key its `kid` names. A token that passed is remembered
    /// until it expires (`tokens::verified`), so the browser's next calls skip the signature.
    pub fn verify(&self, token: &str) -> Result<Arc<AccessClaims>, TokenError> {
        let now = unix_now();
        if let Some(claims) = self.verified.get(token, now, LEEWAY_SECS) {
            return Ok(claims);
        }
        let claims = Arc::new(self.verify_in_full(token, now)?);
        self.verified.insert(token, claims.clone(), now, LEEWAY_SECS);
        Ok(claims)
    }

    fn verify_in_full(&self, token: &str, now: u64) -> Result<AccessClaims, TokenError> {
        let kid = key_id(token)?;
        let key = self.keys.decoding_key(&kid).ok_or(TokenError::UnknownKey)?;
        let expected = Expected {
            issuer: &self.issuer,
            audience: &self.audience,
            max_lifetime: self.ttl.as_secs(),
        };
        check(token, &key, &expected, now)
    }
}
