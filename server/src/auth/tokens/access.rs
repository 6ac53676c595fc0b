//! Access tokens: short-lived EdDSA JWTs (`typ: at+jwt`, RFC 9068) that any service can verify
//! with the published JWKS, without a database read.

use std::{sync::Arc, time::Duration};

use jsonwebtoken::{Algorithm, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};

use crate::auth::{tokens::keys::KeyRing, tokens::verified::VerifiedTokens};

pub const TOKEN_TYPE: &str = "at+jwt";
/// Clock skew tolerated between instances (and other verifiers).
const LEEWAY_SECS: u64 = 5;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    /// The user id.
    pub sub: String,
    /// The session id: revoking the session revokes the token.
    pub sid: String,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub jti: String,
    /// When the person last proved themselves on this session (OIDC's `auth_time`, Unix
    /// seconds): its sign-in or latest re-authentication. Absent only from tokens minted
    /// before it was added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<u64>,
    /// On a device-bound session: the thumbprint of the key every use must prove (RFC 9449).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
}

/// RFC 7800 `cnf`, holding the DPoP key's RFC 7638 thumbprint.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Confirmation {
    pub jkt: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is not valid")]
    Invalid,
    /// Signed with a key this instance has not loaded (perhaps rotated in by another).
    #[error("the access token's key is unknown")]
    UnknownKey,
}

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

    /// Checks everything: the algorithm is pinned to EdDSA before any key is chosen (so `none`
    /// and HMAC-with-the-public-key tricks fail), the key is found by `kid`, and `typ`, `iss`,
    /// `aud`, `exp`, `nbf` and `iat` must all be right. A token that passed is remembered
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
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.alg != Algorithm::EdDSA || header.typ.as_deref() != Some(TOKEN_TYPE) {
            return Err(TokenError::Invalid);
        }
        let kid = header.kid.ok_or(TokenError::Invalid)?;
        let key = self.keys.decoding_key(&kid).ok_or(TokenError::UnknownKey)?;

        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);

        let claims = jsonwebtoken::decode::<AccessClaims>(token, &key, &validation)
            .map_err(|err| match err.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?
            .claims;
        // jsonwebtoken does not check `iat`: a token "issued" in the future is forged or
        // comes from a badly wrong clock, and a lifetime longer than ours was not minted here.
        if claims.iat > now + LEEWAY_SECS || claims.exp.saturating_sub(claims.iat) > self.ttl.as_secs() {
            return Err(TokenError::Invalid);
        }
        Ok(claims)
    }
}

fn unix_now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}
