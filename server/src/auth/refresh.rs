//! Refresh tokens: opaque 256-bit random values, stored only as a keyed hash.

use std::fmt;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const TOKEN_BYTES: usize = 32;
/// base64url without padding of 32 bytes.
const TOKEN_CHARS: usize = 43;

/// A syntactically valid refresh token. Its `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshToken([u8; TOKEN_BYTES]);

impl RefreshToken {
    /// A fresh token from the OS random source.
    pub fn generate() -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes).expect("the OS random source is available");
        Self(bytes)
    }

    /// Accepts exactly what `encode` produces; anything else (garbage cookies included) is `None`.
    pub fn parse(value: &str) -> Option<Self> {
        if value.len() != TOKEN_CHARS {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(value).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// What the database stores: HMAC-SHA256 under a key that is not in the database.
    pub fn keyed_hash(&self, key: &[u8; 32]) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key size");
        mac.update(&self.0);
        mac.finalize().into_bytes().to_vec()
    }

    /// The token that replaces this one at rotation. Deriving it (rather than drawing a new
    /// random value) lets a retry of the same refresh within the grace window receive the very
    /// same successor without the server ever storing a token in clear. Without the key, the
    /// successor is as unpredictable as a random token.
    pub fn successor(&self, key: &[u8; 32]) -> Self {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key size");
        mac.update(b"successor");
        mac.update(&self.0);
        Self(mac.finalize().into_bytes().into())
    }
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshToken([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_and_parse_round_trip() {
        let token = RefreshToken::generate();
        let encoded = token.encode();
        assert_eq!(encoded.len(), TOKEN_CHARS);
        assert_eq!(RefreshToken::parse(&encoded), Some(token));
    }

    #[test]
    fn garbage_is_not_a_token() {
        for garbage in [
            "",
            "abc",
            &"a".repeat(42),
            &"a".repeat(44),
            &"!".repeat(43),
            "é".repeat(22).as_str(),
        ] {
            assert_eq!(RefreshToken::parse(garbage), None, "{garbage:?}");
        }
    }

    #[test]
    fn tokens_are_random() {
        assert_ne!(RefreshToken::generate(), RefreshToken::generate());
    }

    #[test]
    fn the_hash_depends_on_the_key() {
        let token = RefreshToken::generate();
        assert_ne!(token.keyed_hash(&[1; 32]), token.keyed_hash(&[2; 32]));
        assert_ne!(token.keyed_hash(&[1; 32]), token.0.to_vec());
    }

    #[test]
    fn the_successor_is_stable_and_distinct() {
        let token = RefreshToken::generate();
        let next = token.successor(&[3; 32]);
        assert_eq!(next, token.successor(&[3; 32]));
        assert_ne!(next, token);
        assert_ne!(next, token.successor(&[4; 32]));
    }

    #[test]
    fn debug_hides_the_value() {
        let token = RefreshToken::generate();
        assert!(!format!("{token:?}").contains(&token.encode()));
    }
}
