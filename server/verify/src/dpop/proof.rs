//! One DPoP proof (RFC 9449 §4.3), checked on its own: its shape, its signature by the key it
//! carries, and that it was made for this request. Whether it is fresh (its nonce, or its
//! `iat`) and its `jti` unseen is for the caller to decide, since that needs state.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use url::Url;

use super::jws;

pub const PROOF_TYPE: &str = "dpop+jwt";
/// Longer than any proof a browser makes (about 600 bytes), short enough to parse cheaply.
const MAX_PROOF_BYTES: usize = 4096;
const JTI_LENGTH: std::ops::RangeInclusive<usize> = 8..=256;

/// The request a proof must have been made for.
pub struct Target<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    pub path: &'a str,
    /// The public origin (`scheme://host[:port]`, as `Url::origin` writes it): the only one a
    /// proof may name, whatever `Host` the request came with.
    pub origin: &'a str,
    /// The access token the proof must cover (`ath`), on API calls.
    pub access_token: Option<&'a str>,
}

/// A proof whose signature and target check out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    /// The RFC 7638 SHA-256 thumbprint of the proof's key.
    pub jkt: String,
    pub jti: String,
    pub nonce: Option<String>,
    /// When the client says it made the proof (Unix seconds; `None` if not a whole number
    /// that fits). Latch judges freshness by its nonce instead, so a browser with a wrong
    /// clock still works there.
    pub iat: Option<i64>,
}

/// Why a proof was refused, in words fit for the error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ProofError(pub &'static str);

#[derive(Deserialize)]
struct Claims {
    htm: String,
    htu: String,
    /// Required (RFC 9449), though not always judged.
    iat: serde_json::Number,
    jti: String,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    ath: Option<String>,
}

impl Proof {
    pub fn check(proof: &str, target: &Target<'_>) -> Result<Proof, ProofError> {
        if proof.len() > MAX_PROOF_BYTES {
            return Err(ProofError("The DPoP proof is too long."));
        }
        let (key, payload) = jws::open(proof)?;
        let claims: Claims = serde_json::from_slice(&payload)
            .map_err(|_| ProofError("The DPoP proof's signature or claims are not valid."))?;

        if claims.htm != target.method {
            return Err(ProofError("The DPoP proof was made for another HTTP method."));
        }
        if !addresses(&claims.htu, target) {
            return Err(ProofError("The DPoP proof was made for another URL."));
        }
        if !JTI_LENGTH.contains(&claims.jti.len()) {
            return Err(ProofError("The DPoP proof's jti must be 8 to 256 characters."));
        }
        if let Some(token) = target.access_token {
            let expected = URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()));
            if claims.ath.as_deref() != Some(expected.as_str()) {
                return Err(ProofError(
                    "The DPoP proof does not cover this access token (ath).",
                ));
            }
        }
        Ok(Proof {
            jkt: key.thumbprint(),
            jti: claims.jti,
            nonce: claims.nonce,
            iat: claims.iat.as_i64(),
        })
    }
}

/// Whether `htu` names the request, compared as RFC 9449 §4.3 asks: without query and
/// fragment, after normalising case and default ports.
fn addresses(htu: &str, target: &Target<'_>) -> bool {
    let Ok(url) = Url::parse(htu) else {
        return false;
    };
    url.path() == target.path && url.origin().ascii_serialization() == target.origin
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn htu_is_compared_without_query_and_after_normalising() {
        let target = Target {
            method: "POST",
            path: "/api/auth/refresh",
            origin: "https://latch.example",
            access_token: None,
        };
        assert!(addresses(
            "https://LATCH.example:443/api/auth/refresh?x=1#f",
            &target
        ));
        assert!(!addresses("https://latch.example/api/auth/refresh/", &target));
        assert!(!addresses("https://latch.example:8443/api/auth/refresh", &target));
        assert!(!addresses("http://latch.example/api/auth/refresh", &target));
        assert!(!addresses("https://evil.example/api/auth/refresh", &target));
        assert!(!addresses("/api/auth/refresh", &target));
    }
}
