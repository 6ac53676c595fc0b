//! A DPoP proof's envelope: a compact JWS (RFC 7515) whose header carries the P-256 public key
//! that signed it. Opening one checks the header's shape and the ES256 signature, and hands
//! back the key and the payload; what the payload claims is `proof`'s to judge.
//!
//! The signature is checked with ring, not jsonwebtoken: jsonwebtoken's ES256 is the pure-Rust
//! `p256` crate, whose verification was most of a bound request's cost (BENCHMARKS.md has the
//! figures before and after). ring is already built for the mailer's TLS.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use serde::{Deserialize, de::IgnoredAny};
use sha2::{Digest, Sha256};

use super::proof::{PROOF_TYPE, ProofError};

const NOT_A_PROOF: ProofError = ProofError("The DPoP proof is not a JWT with a dpop+jwt header.");
const BAD_SIGNATURE: ProofError = ProofError("The DPoP proof's signature or claims are not valid.");
const NOT_P256: ProofError = ProofError("The DPoP proof's jwk must be a P-256 public key.");

/// The public key a proof was signed with, as its header gave it.
#[derive(Debug)]
pub struct PublicKey {
    /// Base64url coordinates, checked to be canonical and 32 bytes each: the thumbprint is
    /// computed over these very strings.
    x: String,
    y: String,
    /// The uncompressed SEC 1 point (`04 ‖ x ‖ y`), as ring takes it.
    point: [u8; 65],
}

#[derive(Deserialize)]
struct Header {
    typ: Option<String>,
    alg: Option<String>,
    jwk: Option<Jwk>,
    /// Critical extensions this server does not implement: RFC 7515 §4.1.11 says refuse.
    crit: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
    d: Option<IgnoredAny>,
}

/// Checks `proof`'s header and signature; returns the signing key and the decoded payload.
pub fn open(proof: &str) -> Result<(PublicKey, Vec<u8>), ProofError> {
    let mut parts = proof.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(NOT_A_PROOF);
    };
    let header: Header = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or(NOT_A_PROOF)?;
    if header.typ.as_deref() != Some(PROOF_TYPE) || header.crit.is_some() {
        return Err(NOT_A_PROOF);
    }
    if header.alg.as_deref() != Some("ES256") {
        return Err(ProofError("The DPoP proof must be signed with ES256."));
    }
    let jwk = header
        .jwk
        .ok_or(ProofError("The DPoP proof's header has no jwk."))?;
    if jwk.d.is_some() {
        return Err(ProofError("The DPoP proof's jwk must not contain a private key."));
    }
    let key = PublicKey::from_jwk(jwk).ok_or(NOT_P256)?;

    // Exactly three parts, so everything before the last dot is `header.payload`.
    let signed = proof.rsplit_once('.').map_or("", |(signed, _)| signed);
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| BAD_SIGNATURE)?;
    if !key.verifies(signed.as_bytes(), &signature) {
        return Err(BAD_SIGNATURE);
    }
    let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| BAD_SIGNATURE)?;
    Ok((key, payload))
}

impl PublicKey {
    fn from_jwk(jwk: Jwk) -> Option<Self> {
        if jwk.kty.as_deref() != Some("EC") || jwk.crv.as_deref() != Some("P-256") {
            return None;
        }
        Self::from_coordinates(jwk.x?, jwk.y?)
    }

    /// The key of a JWK's base64url coordinates, if they are canonical and 32 bytes each.
    /// (Whether the point is on the curve, ring finds out when it verifies.)
    pub fn from_coordinates(x: String, y: String) -> Option<Self> {
        let mut point = [4u8; 65];
        decode_coordinate(&x, &mut point[1..33])?;
        decode_coordinate(&y, &mut point[33..])?;
        Some(Self { x, y, point })
    }

    pub fn x(&self) -> &str {
        &self.x
    }

    pub fn y(&self) -> &str {
        &self.y
    }

    /// Whether `signature` (ES256: raw `r ‖ s`) is this key's over `signed`.
    pub fn verifies(&self, signed: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &self.point)
            .verify(signed, signature)
            .is_ok()
    }

    /// The key's RFC 7638 thumbprint (SHA-256, base64url): what a bound session and token record.
    pub fn thumbprint(&self) -> String {
        // The members in lexicographic order, no whitespace; x and y are canonical base64url,
        // which needs no JSON escaping.
        let canonical = format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            self.x, self.y
        );
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
    }
}

/// Decodes one base64url coordinate into `out` (32 bytes); the base64 engine refuses
/// non-canonical encodings, so one key has one thumbprint.
fn decode_coordinate(encoded: &str, out: &mut [u8]) -> Option<()> {
    (URL_SAFE_NO_PAD.decode_slice(encoded, out).ok()? == 32).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::{Signature, SigningKey, signature::Signer};
    use serde_json::{Value, json};

    fn b64(bytes: impl AsRef<[u8]>) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn key() -> SigningKey {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).unwrap();
        SigningKey::from_slice(&seed).unwrap()
    }

    fn jwk(key: &SigningKey) -> Value {
        let point = key.verifying_key().to_encoded_point(false);
        json!({"kty": "EC", "crv": "P-256", "x": b64(point.x().unwrap()), "y": b64(point.y().unwrap())})
    }

    fn signed(by: &SigningKey, header: &Value, payload: &str) -> String {
        let input = format!("{}.{}", b64(header.to_string()), b64(payload));
        let signature: Signature = by.sign(input.as_bytes());
        format!("{input}.{}", b64(signature.to_bytes()))
    }

    fn header(jwk: Value) -> Value {
        json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk})
    }

    #[test]
    fn a_proof_signed_by_the_key_it_carries_opens_to_its_payload() {
        let key = key();
        let (_, payload) = open(&signed(&key, &header(jwk(&key)), r#"{"jti":"x"}"#)).unwrap();
        assert_eq!(payload, br#"{"jti":"x"}"#);
    }

    #[test]
    fn a_signature_by_another_key_or_over_other_bytes_is_refused() {
        let (key, other) = (key(), key());
        assert_eq!(
            open(&signed(&other, &header(jwk(&key)), "{}")).unwrap_err(),
            BAD_SIGNATURE
        );

        let proof = signed(&key, &header(jwk(&key)), r#"{"htm":"GET"}"#);
        let mut parts: Vec<&str> = proof.split('.').collect();
        let tampered = b64(r#"{"htm":"PUT"}"#);
        parts[1] = &tampered;
        assert_eq!(open(&parts.join(".")).unwrap_err(), BAD_SIGNATURE);

        // An ASN.1 DER signature is not the fixed r ‖ s that JWS (and WebCrypto) use.
        let input = proof.rsplit_once('.').unwrap().0;
        let der: Signature = key.sign(input.as_bytes());
        let der = format!("{input}.{}", b64(der.to_der().as_bytes()));
        assert_eq!(open(&der).unwrap_err(), BAD_SIGNATURE);
    }

    #[test]
    fn headers_that_are_not_a_dpop_proofs_are_refused() {
        let key = key();
        let refused = |header: Value| open(&signed(&key, &header, "{}")).unwrap_err().0;
        let good = jwk(&key);

        let mut private = good.clone();
        private["d"] = json!(b64([1u8; 32]));
        assert!(refused(header(private)).contains("private key"));
        let mut wrong_type = header(good.clone());
        wrong_type["typ"] = json!("JWT");
        assert_eq!(refused(wrong_type), NOT_A_PROOF.0);
        let mut critical = header(good.clone());
        critical["crit"] = json!(["b64"]);
        assert_eq!(refused(critical), NOT_A_PROOF.0);
        let mut hs256 = header(good.clone());
        hs256["alg"] = json!("HS256");
        assert!(refused(hs256).contains("ES256"));
        assert!(refused(json!({"typ": "dpop+jwt", "alg": "ES256"})).contains("no jwk"));

        let mut long_x = good.clone();
        long_x["x"] = json!(b64([7u8; 33]));
        assert_eq!(refused(header(long_x)), NOT_P256.0);
        let mut p384 = good.clone();
        p384["crv"] = json!("P-384");
        assert_eq!(refused(header(p384)), NOT_P256.0);
        // A point off the curve never verifies.
        let mut off_curve = good;
        off_curve["y"] = json!(b64([9u8; 32]));
        assert_eq!(refused(header(off_curve)), BAD_SIGNATURE.0);

        let proof = signed(&key, &header(jwk(&key)), "{}");
        assert_eq!(open(&format!("{proof}.x")).unwrap_err(), NOT_A_PROOF);
        assert_eq!(open("not a jwt").unwrap_err(), NOT_A_PROOF);
    }

    #[test]
    fn the_thumbprint_is_rfc_9449s_for_its_example_key() {
        // RFC 9449's example key (§4.1) and the `jkt` its examples bind to (§6.1).
        let key = PublicKey::from_jwk(Jwk {
            kty: Some("EC".into()),
            crv: Some("P-256".into()),
            x: Some("l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs".into()),
            y: Some("9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA".into()),
            d: None,
        })
        .unwrap();
        assert_eq!(key.thumbprint(), "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I");
    }
}
