//! Server nonces for DPoP proofs, kept by no one: a nonce is a time bucket and a MAC over it,
//! so any instance holding the key can tell whether one is fresh. A proof must carry a nonce
//! from the current or the previous bucket, which bounds how long a proof is good for (and so
//! how long its `jti` must be remembered) without trusting the browser's clock.

use std::{
    sync::{Arc, RwLock},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// One bucket: a nonce is accepted for one to two of these.
pub const BUCKET: Duration = Duration::from_secs(300);
/// The longest a proof can be accepted: its nonce's bucket and the next.
pub const PROOF_LIFETIME: Duration = Duration::from_secs(2 * 300);
const TAG_BYTES: usize = 16;

#[derive(Clone)]
pub struct Nonces {
    key: [u8; 32],
    /// The nonce of the latest bucket, made once (at its first use): every API response
    /// carries one, and a MAC per response cost a protected GET more than its token check.
    latest: Arc<RwLock<Option<Made>>>,
}

/// A nonce, and the bucket it was made for.
type Made = (u64, Arc<str>);

fn since_epoch() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default()
}

pub fn bucket_now() -> u64 {
    since_epoch().as_secs() / BUCKET.as_secs()
}

/// Until the next bucket begins (at least a second): when a fresh nonce, and with it a fresh
/// share of the proof memory, can be had.
pub fn until_next_bucket() -> Duration {
    Duration::from_secs(BUCKET.as_secs() - since_epoch().as_secs() % BUCKET.as_secs())
}

impl Nonces {
    pub fn new(key: [u8; 32]) -> Self {
        Self {
            key,
            latest: Arc::default(),
        }
    }

    fn tag(&self, bucket: u64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key size");
        mac.update(b"dpop-nonce");
        mac.update(&bucket.to_be_bytes());
        mac
    }

    /// The nonce to hand out now.
    pub fn current(&self) -> Arc<str> {
        let bucket = bucket_now();
        let lock_failed = "DPoP nonce lock";
        if let Some((made_for, nonce)) = &*self.latest.read().expect(lock_failed)
            && *made_for == bucket
        {
            return nonce.clone();
        }
        let nonce: Arc<str> = self.for_bucket(bucket).into();
        *self.latest.write().expect(lock_failed) = Some((bucket, nonce.clone()));
        nonce
    }

    fn for_bucket(&self, bucket: u64) -> String {
        let tag = self.tag(bucket).finalize().into_bytes();
        let mut raw = bucket.to_be_bytes().to_vec();
        raw.extend_from_slice(&tag[..TAG_BYTES]);
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// The bucket `nonce` was handed out in, if a server with this key did so in this bucket
    /// or the last.
    pub fn fresh_bucket(&self, nonce: &str) -> Option<u64> {
        self.fresh_bucket_at(nonce, bucket_now())
    }

    fn fresh_bucket_at(&self, nonce: &str, now: u64) -> Option<u64> {
        let raw = URL_SAFE_NO_PAD.decode(nonce).ok()?;
        let (bucket, tag) = raw.split_first_chunk::<8>()?;
        let bucket = u64::from_be_bytes(*bucket);
        // The length first: a truncated-MAC check would accept a one-byte tag.
        (tag.len() == TAG_BYTES
            && (bucket == now || bucket.checked_add(1) == Some(now))
            && self.tag(bucket).verify_truncated_left(tag).is_ok())
        .then_some(bucket)
    }

    #[cfg(test)]
    fn is_fresh_at(&self, nonce: &str, now: u64) -> bool {
        self.fresh_bucket_at(nonce, now).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_fresh_for_its_bucket_and_the_next_only() {
        let nonces = Nonces::new([7; 32]);
        let issued = nonces.for_bucket(1000);
        assert!(nonces.is_fresh_at(&issued, 1000));
        assert_eq!(
            nonces.fresh_bucket_at(&issued, 1001),
            Some(1000),
            "its own bucket"
        );
        assert!(nonces.is_fresh_at(&issued, 1001));
        assert!(!nonces.is_fresh_at(&issued, 1002), "stale");
        assert!(!nonces.is_fresh_at(&issued, 999), "from the future");
    }

    #[test]
    fn the_nonce_handed_out_is_the_current_buckets() {
        let nonces = Nonces::new([7; 32]);
        assert_eq!(&*nonces.current(), nonces.for_bucket(bucket_now()));
        // A stale memo (as after a bucket boundary) is replaced, not served.
        *nonces.latest.write().unwrap() = Some((bucket_now() - 5, "stale".into()));
        assert_eq!(&*nonces.current(), nonces.for_bucket(bucket_now()));
    }

    #[test]
    fn a_nonce_from_another_key_or_altered_is_not_fresh() {
        let nonces = Nonces::new([7; 32]);
        let other = Nonces::new([8; 32]).for_bucket(1000);
        assert!(!nonces.is_fresh_at(&other, 1000));
        let mut altered = nonces.for_bucket(1000).into_bytes();
        let last = altered.len() - 2;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert!(!nonces.is_fresh_at(std::str::from_utf8(&altered).unwrap(), 1000));
        assert!(!nonces.is_fresh_at("", 1000));
        assert!(
            !nonces.is_fresh_at(&nonces.for_bucket(1000)[..12], 1000),
            "truncated"
        );
    }
}
