//! Access tokens as Latch mints them (EdDSA JWTs, `typ: at+jwt`, RFC 9068) and the checks that
//! decide whether one is good: the same for Latch's API and for any other service.

use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};

pub const TOKEN_TYPE: &str = "at+jwt";
/// Clock skew tolerated between Latch's instances and other verifiers.
pub const LEEWAY_SECS: u64 = 5;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    /// Latch's public origin.
    pub iss: String,
    pub aud: String,
    /// The user id.
    pub sub: String,
    /// The session id: revoking the session revokes the token (at Latch; see the crate docs).
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
    /// Signed with a key the verifier has not loaded (perhaps just rotated in).
    #[error("the access token's key is unknown")]
    UnknownKey,
}

/// What a token must say to be accepted.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// Latch's public origin (`iss`).
    pub issuer: &'a str,
    pub audience: &'a str,
    /// The longest lifetime Latch gives a token (`exp - iat`), in seconds.
    pub max_lifetime: u64,
}

/// The `kid` of a token shaped as Latch's are: which key to check it with. The algorithm is
/// pinned to EdDSA before any key is chosen, so `none` and HMAC-with-the-public-key fail.
pub fn key_id(token: &str) -> Result<String, TokenError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
    if header.alg != Algorithm::EdDSA || header.typ.as_deref() != Some(TOKEN_TYPE) {
        return Err(TokenError::Invalid);
    }
    header.kid.ok_or(TokenError::Invalid)
}

/// Checks `token`'s signature with `key` (the one its `kid` names) and its claims: `iss`,
/// `aud`, `exp`, `nbf` and `iat` must all be right at `now` (Unix seconds).
pub fn check(
    token: &str,
    key: &DecodingKey,
    expected: &Expected<'_>,
    now: u64,
) -> Result<AccessClaims, TokenError> {
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.leeway = LEEWAY_SECS;
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.set_issuer(&[expected.issuer]);
    validation.set_audience(&[expected.audience]);
    validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);

    let claims = jsonwebtoken::decode::<AccessClaims>(token, key, &validation)
        .map_err(|err| match err.kind() {
            ErrorKind::ExpiredSignature => TokenError::Expired,
            _ => TokenError::Invalid,
        })?
        .claims;
    // jsonwebtoken does not check `iat`: a token "issued" in the future is forged or comes
    // from a badly wrong clock, and a lifetime longer than Latch's was not minted by it.
    if claims.iat > now + LEEWAY_SECS || claims.exp.saturating_sub(claims.iat) > expected.max_lifetime {
        return Err(TokenError::Invalid);
    }
    Ok(claims)
}

/// Now, in Unix seconds.
pub fn unix_now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// How a token was presented: `Authorization: Bearer <token>` or `DPoP <token>` (RFC 9449 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Bearer,
    Dpop,
}

pub const MALFORMED_AUTHORIZATION: &str =
    "The Authorization header must be `Bearer <token>` or `DPoP <token>`.";

/// The scheme and token of an `Authorization` header; `None` if it is neither form (refuse it
/// with [`MALFORMED_AUTHORIZATION`]).
pub fn authorization(header: &str) -> Option<(Scheme, &str)> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let scheme = if scheme.eq_ignore_ascii_case("bearer") {
        Scheme::Bearer
    } else if scheme.eq_ignore_ascii_case("dpop") {
        Scheme::Dpop
    } else {
        return None;
    };
    Some((scheme, token.trim())).filter(|(_, token)| !token.is_empty())
}

/// A token presented under the wrong scheme for its binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misuse {
    /// A device-bound token as a bearer token: what a copied token looks like.
    BoundAsBearer,
    UnboundAsDpop,
}

impl Misuse {
    pub const fn message(self) -> &'static str {
        match self {
            Misuse::BoundAsBearer => {
                "This access token is bound to a device key: send it as `DPoP <token>` with a DPoP proof."
            }
            Misuse::UnboundAsDpop => "This access token is not device-bound: send it as `Bearer <token>`.",
        }
    }
}

/// What `claims`' binding asks of a request that presented the token with `scheme`: a proof
/// from the key it names (`Some(jkt)`), nothing more (`None`), or a refusal.
pub fn proof_needed(scheme: Scheme, claims: &AccessClaims) -> Result<Option<&str>, Misuse> {
    match (scheme, &claims.cnf) {
        (Scheme::Bearer, None) => Ok(None),
        (Scheme::Bearer, Some(_)) => Err(Misuse::BoundAsBearer),
        (Scheme::Dpop, None) => Err(Misuse::UnboundAsDpop),
        (Scheme::Dpop, Some(cnf)) => Ok(Some(&cnf.jkt)),
    }
}
