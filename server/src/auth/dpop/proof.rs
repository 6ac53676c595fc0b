//! One DPoP proof (RFC 9449 §4.3), checked on its own: its shape, its signature by the key it
//! carries, and that it was made for this request. Whether its nonce is fresh and its `jti`
//! unseen is the binding's to decide (`super`), since that needs state.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{
    Algorithm, DecodingKey, Validation,
    jwk::{AlgorithmParameters, EllipticCurve, Jwk, ThumbprintHash},
};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use url::Url;

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
}

/// Why a proof was refused, in words fit for the error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ProofError(pub &'static str);

#[derive(Deserialize)]
struct Claims {
    htm: String,
    htu: String,
    // RFC 9449 requires `iat`; freshness itself comes from the server's nonce, so a browser
    // with a wrong clock still works.
    #[allow(dead_code)]
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
        let jwk = public_key(proof)?;
        let key =
            DecodingKey::from_jwk(&jwk).map_err(|_| ProofError("The DPoP proof's key is not usable."))?;
        let mut validation = Validation::new(Algorithm::ES256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        let claims = jsonwebtoken::decode::<Claims>(proof, &key, &validation)
            .map_err(|_| ProofError("The DPoP proof's signature or claims are not valid."))?
            .claims;

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
        let jkt = thumbprint(&jwk).ok_or(ProofError("The DPoP proof's key is not usable."))?;
        Ok(Proof {
            jkt,
            jti: claims.jti,
            nonce: claims.nonce,
        })
    }
}

/// The header's public key, after checking the header is that of a DPoP proof signed with
/// ES256 by a P-256 key that holds no private part.
fn public_key(proof: &str) -> Result<Jwk, ProofError> {
    let invalid = ProofError("The DPoP proof is not a JWT with a dpop+jwt header.");
    let encoded = proof.split('.').next().ok_or(invalid)?;
    let raw: serde_json::Value = URL_SAFE_NO_PAD
        .decode(encoded)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or(invalid)?;
    if raw["typ"] != PROOF_TYPE {
        return Err(invalid);
    }
    if raw["alg"] != "ES256" {
        return Err(ProofError("The DPoP proof must be signed with ES256."));
    }
    if raw["jwk"].get("d").is_some() {
        return Err(ProofError("The DPoP proof's jwk must not contain a private key."));
    }
    let header = jsonwebtoken::decode_header(proof).map_err(|_| invalid)?;
    let jwk = header
        .jwk
        .ok_or(ProofError("The DPoP proof's header has no jwk."))?;
    match &jwk.algorithm {
        AlgorithmParameters::EllipticCurve(ec)
            if ec.curve == EllipticCurve::P256
                && coordinate(&ec.x).is_some()
                && coordinate(&ec.y).is_some() =>
        {
            Ok(jwk)
        }
        _ => Err(ProofError("The DPoP proof's jwk must be a P-256 public key.")),
    }
}

fn coordinate(encoded: &str) -> Option<()> {
    (URL_SAFE_NO_PAD.decode(encoded).ok()?.len() == 32).then_some(())
}

/// The key's RFC 7638 thumbprint (SHA-256, base64url): what a bound session and token record.
pub fn thumbprint(jwk: &Jwk) -> Option<String> {
    jwk.thumbprint(ThumbprintHash::SHA256).ok()
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

    fn jwk(value: serde_json::Value) -> Jwk {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn thumbprints_match_the_rfc_examples() {
        // RFC 7638 §3.1.
        let rsa = jwk(serde_json::json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        }));
        assert_eq!(
            thumbprint(&rsa).unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
        // RFC 9449's example key (§4.1) and the `jkt` its examples bind to (§6.1).
        let ec = jwk(serde_json::json!({
            "kty": "EC",
            "x": "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
            "y": "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA",
            "crv": "P-256"
        }));
        assert_eq!(
            thumbprint(&ec).unwrap(),
            "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
        );
    }

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
