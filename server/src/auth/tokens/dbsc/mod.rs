//! Device Bound Session Credentials (DBSC, W3C draft): where the browser offers it (Chrome on
//! Windows and macOS), the refresh cookie is bound to a key in the device's own hardware,
//! which no process can copy: not even malware that copies the whole browser profile, DPoP
//! key included. An extra layer on the cookie; DPoP stays as it is for every request.
//!
//! A session-starting answer offers registration (`wire::registration_offer`) with a
//! challenge (`challenge`, stateless); the browser answers with a `dbsc+jwt` signed by its
//! new key (`response`, `key`), which is stored with the session. From then on the refresh
//! cookie lives `cookie_lifetime` at a time, at the browser and at the server alike, and only
//! a renewal signed by that key starts another stretch.

pub mod challenge;
pub mod key;
pub mod response;
pub mod wire;

pub use challenge::{Challenges, Checked, Purpose};
pub use key::SessionKey;

use std::time::Duration;

use crate::config::{DbscConfig, DbscPolicy};

#[derive(Clone)]
pub struct Dbsc {
    pub challenges: Challenges,
    pub offer: bool,
    pub cookie_lifetime: Duration,
}

impl Dbsc {
    pub fn new(key: [u8; 32], config: &DbscConfig) -> Self {
        Self {
            challenges: Challenges::new(key),
            offer: config.policy == DbscPolicy::Offer,
            cookie_lifetime: config.cookie_lifetime(),
        }
    }

    /// When a cookie stretch starting now ends (Unix ms).
    pub fn stretch_end(&self) -> i64 {
        crate::clock::now_millis() + self.cookie_lifetime.as_millis() as i64
    }

    /// The `Secure-Session-Registration` value for the session `session_id`, if offered.
    pub fn offer(&self, session_id: &str) -> Option<String> {
        self.offer.then(|| {
            let challenge = self.challenges.issue(
                Purpose::Registration,
                session_id,
                crate::clock::now_secs(),
            );
            wire::registration_offer(&challenge)
        })
    }
}
