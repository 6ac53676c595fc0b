//! A DBSC session key: the public half of the key the browser keeps in the device's own
//! hardware (a TPM, the Secure Enclave), as its registration's `jwk` gave it: ES256 (P-256) or
//! RS256 (RSA, 2048 to 4096 bits), the two Latch offers. Stored with the session as canonical
//! JWK JSON, so one key has one text.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use latch_verify::dpop::P256Key;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use serde_json::Value;

pub enum SessionKey {
    Es256(P256Key),
    Rs256 { n: Vec<u8>, e: Vec<u8> },
}

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.alg())
    }
}

/// RSA moduli Latch takes, in bytes: 2048 to 4096 bits.
const RSA_BYTES: std::ops::RangeInclusive<usize> = 256..=512;

impl SessionKey {
    /// The key a JWK describes, if it is a public P-256 or RSA key Latch accepts.
    pub fn from_jwk(jwk: &Value) -> Option<Self> {
        let member = |name| jwk.get(name).and_then(Value::as_str);
        if jwk.get("d").is_some() {
            return None;
        }
        match (member("kty")?, member("crv")) {
            ("EC", Some("P-256")) => {
                let x = coordinate(member("x")?)?;
                let y = coordinate(member("y")?)?;
                P256Key::from_coordinates(x, y).map(SessionKey::Es256)
            }
            ("RSA", _) => {
                let n = URL_SAFE_NO_PAD.decode(member("n")?).ok()?;
                let e = URL_SAFE_NO_PAD.decode(member("e")?).ok()?;
                let n = strip_zeros(n);
                (RSA_BYTES.contains(&n.len()) && !e.is_empty() && e.len() <= 8)
                    .then_some(SessionKey::Rs256 { n, e })
            }
            _ => None,
        }
    }

    /// The JWS `alg` this key signs with.
    pub fn alg(&self) -> &'static str {
        match self {
            SessionKey::Es256(_) => "ES256",
            SessionKey::Rs256 { .. } => "RS256",
        }
    }

    /// The key as stored with its session: canonical JWK JSON (members in order, no spaces).
    pub fn stored(&self) -> String {
        match self {
            SessionKey::Es256(key) => format!(
                r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
                key.x(),
                key.y()
            ),
            SessionKey::Rs256 { n, e } => format!(
                r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
                URL_SAFE_NO_PAD.encode(e),
                URL_SAFE_NO_PAD.encode(n)
            ),
        }
    }

    pub fn from_stored(text: &str) -> Option<Self> {
        Self::from_jwk(&serde_json::from_str(text).ok()?)
    }

    /// Whether `signature` is this key's over `signed` (ES256: raw `r ‖ s`; RS256: PKCS #1 v1.5).
    pub fn verifies(&self, signed: &[u8], signature: &[u8]) -> bool {
        match self {
            SessionKey::Es256(key) => key.verifies(signed, signature),
            SessionKey::Rs256 { n, e } => RsaPublicKeyComponents { n, e }
                .verify(&RSA_PKCS1_2048_8192_SHA256, signed, signature)
                .is_ok(),
        }
    }
}

/// A P-256 coordinate as 32 bytes in canonical base64url: older Chromium builds wrote them
/// without their leading zero bytes.
fn coordinate(encoded: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(encoded).ok()?;
    if bytes.len() > 32 || bytes.is_empty() {
        return None;
    }
    let mut padded = [0u8; 32];
    padded[32 - bytes.len()..].copy_from_slice(&bytes);
    Some(URL_SAFE_NO_PAD.encode(padded))
}

fn strip_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    bytes.drain(..zeros);
    bytes
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const X: &str = "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs";
    const Y: &str = "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA";

    #[test]
    fn an_ec_key_is_stored_canonically_and_read_back() {
        let key = SessionKey::from_jwk(&json!({"kty": "EC", "crv": "P-256", "x": X, "y": Y, "alg": "ES256"}))
            .unwrap();
        assert_eq!(key.alg(), "ES256");
        let stored = key.stored();
        assert_eq!(
            stored,
            format!(r#"{{"crv":"P-256","kty":"EC","x":"{X}","y":"{Y}"}}"#)
        );
        assert_eq!(SessionKey::from_stored(&stored).unwrap().stored(), stored);
    }

    #[test]
    fn short_coordinates_are_padded_and_private_or_odd_keys_refused() {
        let short = URL_SAFE_NO_PAD.encode([7u8; 31]);
        let key = SessionKey::from_jwk(&json!({"kty": "EC", "crv": "P-256", "x": short, "y": Y})).unwrap();
        let padded = URL_SAFE_NO_PAD.encode([[0u8].as_slice(), &[7u8; 31]].concat());
        assert!(key.stored().contains(&padded), "{}", key.stored());
        for refused in [
            json!({"kty": "EC", "crv": "P-256", "x": X, "y": Y, "d": "secret"}),
            json!({"kty": "EC", "crv": "P-384", "x": X, "y": Y}),
            json!({"kty": "EC", "crv": "P-256", "x": URL_SAFE_NO_PAD.encode([1u8; 33]), "y": Y}),
            json!({"kty": "RSA", "n": URL_SAFE_NO_PAD.encode([1u8; 128]), "e": "AQAB"}),
            json!({"kty": "oct", "k": "c2VjcmV0"}),
            json!("not an object"),
        ] {
            assert!(SessionKey::from_jwk(&refused).is_none(), "{refused}");
        }
    }
}
