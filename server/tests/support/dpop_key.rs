//! A browser's device key as tests and benchmarks hold it: a P-256 key that signs DPoP proofs
//! (RFC 9449) the way a browser's WebCrypto key does. Shared by `tests/api` and `benches`.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ring::{
    rand::SystemRandom,
    signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair},
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Signed with ring, as fast as a browser's WebCrypto key, so the benchmarks can sign their
/// proofs ahead quickly; the server's verification is also checked against an independent
/// implementation (`p256`, in `server/verify/src/dpop/jws.rs`).
pub struct DeviceKey {
    signing: EcdsaKeyPair,
    random: SystemRandom,
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl DeviceKey {
    pub fn new() -> Self {
        let random = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &random).unwrap();
        let signing =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &random).unwrap();
        Self { signing, random }
    }

    pub fn jwk(&self) -> Value {
        // The uncompressed point: 04 ‖ x ‖ y.
        let point = self.signing.public_key().as_ref();
        json!({"kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..])})
    }

    /// The RFC 7638 thumbprint, computed here independently of the server.
    pub fn jkt(&self) -> String {
        let jwk = self.jwk();
        let canonical = format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            jwk["x"].as_str().unwrap(),
            jwk["y"].as_str().unwrap()
        );
        b64(Sha256::digest(canonical))
    }

    /// Signs any header and claims: for proofs that are wrong on purpose.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
        let signature = self.signing.sign(&self.random, input.as_bytes()).unwrap();
        format!("{input}.{}", b64(signature.as_ref()))
    }

    /// The claims of a proof for `method url`, covering `access_token` if given.
    pub fn claims(&self, method: &str, url: &str, nonce: Option<&str>, access_token: Option<&str>) -> Value {
        let mut claims = json!({
            "htm": method,
            "htu": url,
            "iat": jsonwebtoken::get_current_timestamp(),
            "jti": uuid::Uuid::new_v4().to_string(),
        });
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        if let Some(token) = access_token {
            claims["ath"] = json!(b64(Sha256::digest(token.as_bytes())));
        }
        claims
    }

    pub fn header(&self) -> Value {
        json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": self.jwk()})
    }

    /// A valid proof for `method url`.
    pub fn proof(&self, method: &str, url: &str, nonce: &str, access_token: Option<&str>) -> String {
        self.sign(
            &self.header(),
            &self.claims(method, url, Some(nonce), access_token),
        )
    }
}
