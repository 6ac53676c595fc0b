//! The refresh-token value: an opaque 256-bit random value, stored only as a keyed hash.
//! Rotation, reuse detection and expiry are the session store's (`sessions/store/rotate.rs`).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretBox};
use sha2::Sha256;

const TOKEN_BYTES: usize = 32;
/// base64url without padding of 32 bytes.
const TOKEN_CHARS: usize = 43;

/// A syntactically valid refresh token. Held in a `secrecy` box: `Debug` cannot show it and
/// the memory is wiped when dropped.
#[derive(Debug)]
pub struct RefreshToken(SecretBox<[u8; TOKEN_BYTES]>);

impl PartialEq for RefreshToken {
    fn eq(&self, other: &Self) -> bool {
        self.bytes() == other.bytes()
    }
}

impl Eq for RefreshToken {}

impl RefreshToken {
    /// A fresh token from the OS random source.
    pub fn generate() -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes).expect("the OS random source is available");
        Self::from_bytes(bytes)
    }

    fn from_bytes(bytes: [u8; TOKEN_BYTES]) -> Self {
        Self(SecretBox::new(Box::new(bytes)))
    }

    fn bytes(&self) -> &[u8; TOKEN_BYTES] {
        self.0.expose_secret()
    }

    /// Accepts exactly what `encode` produces; anything else (garbage cookies included) is `None`.
    pub fn parse(value: &str) -> Option<Self> {
        if value.len() != TOKEN_CHARS {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(value).ok()?;
        Some(Self::from_bytes(bytes.try_into().ok()?))
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.bytes())
    }

    /// What the database stores: HMAC-SHA256 under a key that is not in the database.
    pub fn keyed_hash(&self, key: &[u8; 32]) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key size");
        mac.update(self.bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// The token that replaces this one at rotation. Deriving it (rather than drawing a new
    /// random value) lets a retry of the same refresh within the grace window receive the very
    /// same successor without the server ever storing a token in clear. Without the key, the
    /// successor is as unpredictable as a random token.
    pub fn successor(&self, key: &[u8; 32]) -> Self {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key size");
        mac.update(b"successor");
        mac.update(self.bytes());
        Self::from_bytes(mac.finalize().into_bytes().into())
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
        assert_ne!(token.keyed_hash(&[1; 32]), token.bytes().to_vec());
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

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn every_token_survives_encode_and_parse(bytes in any::<[u8; TOKEN_BYTES]>()) {
            let token = RefreshToken::from_bytes(bytes);
            prop_assert_eq!(RefreshToken::parse(&token.encode()), Some(token));
        }

        /// One token, one spelling: a cookie that parses is exactly what `encode` writes, so a
        /// client cannot present the same token under two names.
        #[test]
        fn whatever_parses_is_the_canonical_spelling(
            value in prop_oneof![any::<String>(), "[A-Za-z0-9_=+/-]{42,44}", ".{43}"],
        ) {
            if let Some(token) = RefreshToken::parse(&value) {
                prop_assert_eq!(token.encode(), value);
            }
        }
    }
}
