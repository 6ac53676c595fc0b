//! DBSC challenges, stateless: `base64url(issued ‖ tag)`, where `tag` is an HMAC under a key
//! derived from the server secret over what the challenge is for, the session it is for and
//! when it was issued. Any instance can check one without a database read, and none can be
//! made up or moved to another session. A challenge is good for `LIFETIME`; one signed
//! correctly but older is `Stale`, which earns a new challenge, never a refusal of the
//! session (a browser that took its time, or raced another tab).

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const LIFETIME: Duration = Duration::from_secs(300);
const TAG_BYTES: usize = 16;

/// What a challenge may be answered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Registration,
    Renewal,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Checked {
    /// Good, issued at this time (Unix seconds): a session accepts each challenge once, and
    /// only challenges issued after the last it accepted.
    Fresh {
        issued: u64,
    },
    /// Made by this server for this session and purpose, but too long ago.
    Stale,
    Invalid,
}

#[derive(Clone)]
pub struct Challenges {
    key: [u8; 32],
}

impl Challenges {
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    fn tag(&self, purpose: Purpose, session_id: &str, issued: u64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key size");
        mac.update(match purpose {
            Purpose::Registration => b"register\0",
            Purpose::Renewal => b"renew\0\0\0\0",
        });
        mac.update(session_id.as_bytes());
        mac.update(&[0]);
        mac.update(&issued.to_be_bytes());
        mac
    }

    /// A new challenge for `session_id`, issued at `now` (Unix seconds).
    pub fn issue(&self, purpose: Purpose, session_id: &str, now: u64) -> String {
        let tag = self.tag(purpose, session_id, now).finalize().into_bytes();
        let mut bytes = now.to_be_bytes().to_vec();
        bytes.extend_from_slice(&tag[..TAG_BYTES]);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    pub fn check(&self, purpose: Purpose, session_id: &str, challenge: &str, now: u64) -> Checked {
        let Some(bytes) = URL_SAFE_NO_PAD
            .decode(challenge)
            .ok()
            .filter(|bytes| bytes.len() == 8 + TAG_BYTES)
        else {
            return Checked::Invalid;
        };
        let issued = u64::from_be_bytes(bytes[..8].try_into().expect("eight bytes"));
        if self
            .tag(purpose, session_id, issued)
            .verify_truncated_left(&bytes[8..])
            .is_err()
        {
            return Checked::Invalid;
        }
        match now.checked_sub(issued) {
            Some(age) if age <= LIFETIME.as_secs() => Checked::Fresh { issued },
            Some(_) => Checked::Stale,
            // Issued "later" than now: another instance's clock, a little ahead.
            None if issued - now <= 5 => Checked::Fresh { issued },
            None => Checked::Invalid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_challenge_is_fresh_for_its_session_and_purpose_only_then_stale() {
        let challenges = Challenges::new([7; 32]);
        let issued = challenges.issue(Purpose::Renewal, "session-a", 1_000);
        let fresh = Checked::Fresh { issued: 1_000 };
        assert_eq!(
            challenges.check(Purpose::Renewal, "session-a", &issued, 1_000),
            fresh
        );
        assert_eq!(
            challenges.check(Purpose::Renewal, "session-a", &issued, 1_300),
            fresh
        );
        assert_eq!(
            challenges.check(Purpose::Renewal, "session-a", &issued, 1_301),
            Checked::Stale
        );
        assert_eq!(
            challenges.check(Purpose::Renewal, "session-b", &issued, 1_000),
            Checked::Invalid
        );
        assert_eq!(
            challenges.check(Purpose::Registration, "session-a", &issued, 1_000),
            Checked::Invalid
        );
        assert_eq!(
            Challenges::new([8; 32]).check(Purpose::Renewal, "session-a", &issued, 1_000),
            Checked::Invalid
        );
        assert_eq!(
            challenges.check(Purpose::Renewal, "session-a", &issued, 990),
            Checked::Invalid,
            "from the future"
        );
        assert_eq!(
            challenges.check(Purpose::Renewal, "session-a", "not-a-challenge", 1_000),
            Checked::Invalid
        );
        let mut altered = URL_SAFE_NO_PAD.decode(&issued).unwrap();
        altered[7] ^= 1;
        assert_eq!(
            challenges.check(
                Purpose::Renewal,
                "session-a",
                &URL_SAFE_NO_PAD.encode(altered),
                1_000
            ),
            Checked::Invalid,
            "its time moved"
        );
    }
}
