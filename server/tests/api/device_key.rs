//! A browser's device key as the tests hold it: a P-256 key that signs DPoP proofs (RFC 9449),
//! and the requests a bound browser makes with it.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use p256::ecdsa::{Signature, SigningKey, signature::Signer};
use reqwest::{Response, header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{ORIGIN, PASSWORD, TestApp};

pub struct DeviceKey {
    signing: SigningKey,
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl DeviceKey {
    pub fn new() -> Self {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).unwrap();
        Self {
            signing: SigningKey::from_slice(&seed).expect("a random scalar is a valid key"),
        }
    }

    pub fn jwk(&self) -> Value {
        let point = self.signing.verifying_key().to_encoded_point(false);
        json!({"kty": "EC", "crv": "P-256", "x": b64(point.x().unwrap()), "y": b64(point.y().unwrap())})
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
        let signature: Signature = self.signing.sign(input.as_bytes());
        format!("{input}.{}", b64(signature.to_bytes()))
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

/// The `DPoP-Nonce` a response hands out.
pub fn nonce_of(response: &Response) -> Option<String> {
    response
        .headers()
        .get("dpop-nonce")
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
}

impl TestApp {
    /// A fresh nonce, as any API response hands one out.
    pub async fn nonce(&self) -> String {
        nonce_of(&self.get("/api/me").await).expect("API responses carry a DPoP-Nonce")
    }

    /// POSTs to a cookie endpoint (`/api/auth/refresh`, `/api/auth/logout`) with `proof`.
    pub async fn post_with_proof(&self, path: &str, refresh_token: &str, proof: Option<&str>) -> Response {
        let mut request = self
            .client
            .post(self.url(path))
            .header(header::COOKIE, format!("latch_refresh={refresh_token}"))
            .header(header::ORIGIN, ORIGIN);
        if let Some(proof) = proof {
            request = request.header("DPoP", proof);
        }
        request.send().await.expect("request reaches the server")
    }

    /// Refreshes as the bound browser holding `key`.
    pub async fn refresh_bound(&self, refresh_token: &str, key: &DeviceKey) -> Response {
        let proof = key.proof("POST", &self.url("/api/auth/refresh"), &self.nonce().await, None);
        self.post_with_proof("/api/auth/refresh", refresh_token, Some(&proof))
            .await
    }

    /// Signs up (`/api/auth/signup`) or in (`/api/auth/login`) with a proof from `key`.
    pub async fn start_bound(&self, path: &str, email: &str, key: &DeviceKey) -> Response {
        let proof = key.proof("POST", &self.url(path), &self.nonce().await, None);
        self.client
            .post(self.url(path))
            .header("DPoP", proof)
            .json(&json!({ "email": email, "password": PASSWORD }))
            .send()
            .await
            .expect("request reaches the server")
    }

    /// GETs `path` with a bound access token and a proof from `key`.
    pub async fn get_bound(&self, path: &str, access_token: &str, key: &DeviceKey) -> Response {
        let proof = key.proof("GET", &self.url(path), &self.nonce().await, Some(access_token));
        self.get_with_proof(path, &format!("DPoP {access_token}"), Some(&proof))
            .await
    }

    /// GETs `path` with this `Authorization` header and proof, as given.
    pub async fn get_with_proof(&self, path: &str, authorization: &str, proof: Option<&str>) -> Response {
        let mut request = self
            .client
            .get(self.url(path))
            .header(header::AUTHORIZATION, authorization);
        if let Some(proof) = proof {
            request = request.header("DPoP", proof);
        }
        request.send().await.expect("request reaches the server")
    }
}
