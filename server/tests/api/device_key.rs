//! A browser's device key as the tests hold it: a P-256 key that signs DPoP proofs (RFC 9449),
//! and the requests a bound browser makes with it.

use reqwest::{Response, header};
use serde_json::json;

pub use crate::dpop_key::DeviceKey;
use crate::helpers::{ORIGIN, PASSWORD, TestApp};

/// The `DPoP-Nonce` a response hands out.
pub fn nonce_of(response: &Response) -> Option<String> {
    response
        .headers()
        .get("dpop-nonce")
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
}

impl TestApp {
    /// The URL a proof for `path` names (`htu`): on the public origin, which is the only one
    /// the server accepts, not on the address the test client connects to.
    pub fn htu(&self, path: &str) -> String {
        format!("{ORIGIN}{path}")
    }

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
        let proof = key.proof("POST", &self.htu("/api/auth/refresh"), &self.nonce().await, None);
        self.post_with_proof("/api/auth/refresh", refresh_token, Some(&proof))
            .await
    }

    /// Signs up (`/api/auth/signup`) or in (`/api/auth/login`) with a proof from `key`.
    pub async fn start_bound(&self, path: &str, email: &str, key: &DeviceKey) -> Response {
        let proof = key.proof("POST", &self.htu(path), &self.nonce().await, None);
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
        let proof = key.proof("GET", &self.htu(path), &self.nonce().await, Some(access_token));
        self.get_with_proof(path, &format!("DPoP {access_token}"), Some(&proof))
            .await
    }

    /// POSTs `body` to `path` with a bound access token and a proof from `key`.
    pub async fn post_bound(&self, path: &str, access_token: &str, key: &DeviceKey, body: &serde_json::Value) -> Response {
        let proof = key.proof("POST", &self.htu(path), &self.nonce().await, Some(access_token));
        self.client
            .post(self.url(path))
            .header(header::AUTHORIZATION, format!("DPoP {access_token}"))
            .header("DPoP", proof)
            .json(body)
            .send()
            .await
            .expect("request reaches the server")
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
