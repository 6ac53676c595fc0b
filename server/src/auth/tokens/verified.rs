//! Access tokens already checked: an EdDSA verification costs more than the rest of a
//! request, and a browser presents the same token on every call for its whole life. A token
//! whose signature and claims passed is remembered, by its SHA-256, until it expires; after
//! that it is checked in full again, and so refused.
//!
//! Only the signature and claims are remembered. Whether the token's session has ended is
//! asked of the revocation set on every request (`api/bearer.rs`), so revoking a session
//! stops its remembered tokens as promptly as the others, and a bound token still needs a
//! fresh DPoP proof each time.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use sha2::{Digest, Sha256};

use crate::auth::tokens::access::AccessClaims;

/// Tokens remembered at most (~300 bytes each): beyond it, lapsed ones are dropped, and if
/// none have lapsed, all are (they are checked in full again).
const CAPACITY: usize = 50_000;

#[derive(Clone, Default)]
pub struct VerifiedTokens {
    by_hash: Arc<RwLock<HashMap<[u8; 32], Arc<AccessClaims>>>>,
}

fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl VerifiedTokens {
    /// The claims of `token` if it passed a full check and `exp` (plus `leeway`, as the full
    /// check allows) is still ahead of `now` (Unix seconds).
    pub fn get(&self, token: &str, now: u64, leeway: u64) -> Option<Arc<AccessClaims>> {
        let key = hash(token);
        let remembered = self.by_hash.read().expect("verified tokens lock");
        remembered
            .get(&key)
            .filter(|claims| claims.exp + leeway > now)
            .cloned()
    }

    pub fn insert(&self, token: &str, claims: Arc<AccessClaims>, now: u64, leeway: u64) {
        let key = hash(token);
        let mut remembered = self.by_hash.write().expect("verified tokens lock");
        if remembered.len() >= CAPACITY {
            remembered.retain(|_, claims| claims.exp + leeway > now);
            if remembered.len() >= CAPACITY {
                remembered.clear();
            }
        }
        remembered.insert(key, claims);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.by_hash.read().expect("verified tokens lock").len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: u64) -> Arc<AccessClaims> {
        Arc::new(AccessClaims {
            iss: "iss".into(),
            aud: "aud".into(),
            sub: "user".into(),
            sid: "session".into(),
            iat: exp - 600,
            nbf: exp - 600,
            exp,
            jti: "jti".into(),
            auth_time: None,
            cnf: None,
        })
    }

    #[test]
    fn a_token_is_remembered_until_it_expires() {
        let verified = VerifiedTokens::default();
        verified.insert("token-a", claims(1_000), 500, 5);
        assert_eq!(verified.get("token-a", 1_004, 5).map(|c| c.exp), Some(1_000));
        assert!(
            verified.get("token-a", 1_005, 5).is_none(),
            "expired, leeway included"
        );
        assert!(verified.get("token-b", 500, 5).is_none(), "another token");
        assert!(verified.get("token-a ", 500, 5).is_none(), "one character more");
    }

    #[test]
    fn memory_stays_bounded() {
        let verified = VerifiedTokens::default();
        for i in 0..CAPACITY + 10 {
            verified.insert(&format!("token-{i}"), claims(1_000), 500, 5);
        }
        assert!(verified.len() <= CAPACITY);
    }
}
