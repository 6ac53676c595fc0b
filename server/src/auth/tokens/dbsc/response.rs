//! A `Secure-Session-Response`: the browser's `dbsc+jwt` (a compact JWS) over the challenge
//! the server gave (`jti`). At registration its header carries the new key (`jwk`); at a
//! renewal the key is the one registered, and the header carries none.
//!
//! Chromium sends the JWS bare, though the draft makes the header a structured-field string,
//! so a quoted one is read too.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Deserialize;
use serde_json::Value;

use super::key::SessionKey;

pub const TYPE: &str = "dbsc+jwt";
/// A few hundred bytes for ES256; an RSA-4096 key and signature take about 1.5 KB.
const MAX_BYTES: usize = 8192;

/// Why a response was refused, in words fit for the error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub &'static str);

const NOT_A_RESPONSE: Refused = Refused("The Secure-Session-Response is not a dbsc+jwt.");
const BAD_SIGNATURE: Refused = Refused("The Secure-Session-Response's signature is not valid.");

#[derive(Deserialize)]
struct Header {
    typ: Option<String>,
    alg: Option<String>,
    jwk: Option<Value>,
    crit: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct Claims {
    jti: Option<String>,
}

/// A registration: the key the header carries, and the challenge it signed.
pub fn open_registration(value: &str) -> Result<(SessionKey, String), Refused> {
    let (header, parts) = split(value)?;
    let jwk = header
        .jwk
        .ok_or(Refused("The registration's dbsc+jwt has no jwk."))?;
    let key = SessionKey::from_jwk(&jwk).ok_or(Refused(
        "The registration's key must be a public P-256 (ES256) or RSA (RS256) key.",
    ))?;
    let challenge = verify(&header.alg, &key, &parts)?;
    Ok((key, challenge))
}

/// A renewal signed by `key`: the challenge it signed.
pub fn open_renewal(value: &str, key: &SessionKey) -> Result<String, Refused> {
    let (header, parts) = split(value)?;
    verify(&header.alg, key, &parts)
}

struct Parts<'a> {
    signed: &'a str,
    payload: &'a str,
    signature: &'a str,
}

fn split(value: &str) -> Result<(Header, Parts<'_>), Refused> {
    let value = value.trim();
    let value = value
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(value);
    if value.len() > MAX_BYTES {
        return Err(Refused("The Secure-Session-Response is too long."));
    }
    let mut pieces = value.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (pieces.next(), pieces.next(), pieces.next(), pieces.next())
    else {
        return Err(NOT_A_RESPONSE);
    };
    let signed = &value[..header.len() + 1 + payload.len()];
    let header: Header = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or(NOT_A_RESPONSE)?;
    if header.typ.as_deref() != Some(TYPE) || header.crit.is_some() {
        return Err(NOT_A_RESPONSE);
    }
    Ok((
        header,
        Parts {
            signed,
            payload,
            signature,
        },
    ))
}

/// Checks the signature by `key` (with the algorithm the key is for) and returns `jti`.
fn verify(alg: &Option<String>, key: &SessionKey, parts: &Parts<'_>) -> Result<String, Refused> {
    if alg.as_deref() != Some(key.alg()) {
        return Err(Refused(
            "The Secure-Session-Response's alg does not match its key.",
        ));
    }
    let signature = URL_SAFE_NO_PAD
        .decode(parts.signature)
        .map_err(|_| BAD_SIGNATURE)?;
    if !key.verifies(parts.signed.as_bytes(), &signature) {
        return Err(BAD_SIGNATURE);
    }
    let claims: Claims = URL_SAFE_NO_PAD
        .decode(parts.payload)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or(NOT_A_RESPONSE)?;
    claims
        .jti
        .filter(|jti| !jti.is_empty())
        .ok_or(Refused("The Secure-Session-Response carries no challenge (jti)."))
}

#[cfg(test)]
#[path = "../../../../tests/support/dbsc_key.rs"]
mod dbsc_key;

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{dbsc_key::DbscKey, *};

    #[test]
    fn a_registration_opens_to_its_key_and_challenge_with_either_algorithm() {
        for key in [DbscKey::es256(), DbscKey::rs256()] {
            let signed = key.registration("challenge-1");
            let (opened, challenge) = open_registration(&signed).unwrap();
            assert_eq!((opened.alg(), challenge.as_str()), (key.alg(), "challenge-1"));
            assert_eq!(
                open_registration(&format!("\"{signed}\"")).unwrap().1,
                "challenge-1",
                "quoted"
            );
            let renewal = key.renewal("challenge-2");
            assert_eq!(open_renewal(&renewal, &opened).unwrap(), "challenge-2");
        }
    }

    #[test]
    fn another_key_another_type_or_a_tampered_payload_is_refused() {
        let owner = DbscKey::es256();
        let (registered, _) = open_registration(&owner.registration("c")).unwrap();
        assert_eq!(
            open_renewal(&DbscKey::es256().renewal("c"), &registered),
            Err(BAD_SIGNATURE)
        );
        assert!(
            open_renewal(&DbscKey::rs256().renewal("c"), &registered).is_err(),
            "another algorithm"
        );

        let dpop_typed = owner.sign(&json!({"typ": "dpop+jwt", "alg": "ES256"}), &json!({"jti": "c"}));
        assert_eq!(open_renewal(&dpop_typed, &registered), Err(NOT_A_RESPONSE));
        let no_jti = owner.sign(&json!({"typ": TYPE, "alg": "ES256"}), &json!({"sub": "c"}));
        assert!(open_renewal(&no_jti, &registered).is_err());

        let renewal = owner.renewal("c");
        let mut pieces: Vec<&str> = renewal.split('.').collect();
        let other = URL_SAFE_NO_PAD.encode(br#"{"jti":"d"}"#);
        pieces[1] = &other;
        assert_eq!(open_renewal(&pieces.join("."), &registered), Err(BAD_SIGNATURE));
        assert!(
            open_registration(&owner.renewal("c")).is_err(),
            "a registration needs its jwk"
        );
        assert!(open_registration("a.b").is_err());
    }
}
