//! Device binding with DPoP (RFC 9449): a session started with a proof is bound to the key
//! that signed it (its RFC 7638 thumbprint, `jkt`), and from then on its refresh cookie and
//! its access tokens work only with a fresh proof from that key. The browser's key cannot be
//! exported, so a copied cookie or token is useless elsewhere.
//!
//! A proof is accepted once (`replay`), only with a nonce this server handed out recently
//! (`nonce`), and only for the request it names (`proof`).

mod nonce;
mod proof;
mod replay;

pub use nonce::PROOF_LIFETIME;
pub use proof::{PROOF_TYPE, Proof, ProofError, Target, normalised_origin, thumbprint};

use hmac::{Hmac, Mac};
use replay::{Replays, Seen};
use sha2::Sha256;

use crate::{config::DeviceBinding as Policy, db::Db};

/// What a request's `DPoP` header proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceProof {
    /// The request carried no proof.
    Absent,
    /// A valid, fresh, first-used proof by the key with this thumbprint.
    Key(String),
    /// A proof without a nonce, or with a stale one: the client should retry with the nonce
    /// this response carries. Never a reason to end anything.
    NeedsNonce,
    /// Refused, and why.
    Invalid(&'static str),
}

#[derive(Clone)]
pub struct DeviceBinding {
    nonces: nonce::Nonces,
    replays: Replays,
    policy: Policy,
}

impl DeviceBinding {
    /// `key` is derived from the server secret. On SQLite (one instance, proofs remembered
    /// in memory only) it is mixed with a per-start random value, so nonces, and with them
    /// every proof made before a restart, lapse at the restart instead of becoming replayable.
    pub fn new(key: [u8; 32], db: &Db, policy: Policy) -> Self {
        let key = match db {
            Db::Postgres(_) => key,
            Db::Sqlite(_) => {
                let mut boot = [0u8; 32];
                getrandom::fill(&mut boot).expect("the OS random source is available");
                let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key size");
                mac.update(&boot);
                mac.finalize().into_bytes().into()
            }
        };
        Self {
            nonces: nonce::Nonces::new(key),
            replays: Replays::new(db),
            policy,
        }
    }

    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The nonce every API response hands out for the next proof.
    pub fn nonce(&self) -> std::sync::Arc<str> {
        self.nonces.current()
    }

    /// Starts the upkeep of the shared proof memory.
    pub fn follow(&self) {
        self.replays.follow();
    }

    /// Checks the request's proof, if it sent one, and records its `jti` as used.
    pub async fn prove(&self, proof: Option<&str>, target: &Target<'_>) -> Result<DeviceProof, sqlx::Error> {
        let Some(proof) = proof else {
            return Ok(DeviceProof::Absent);
        };
        let proof = match Proof::check(proof, target) {
            Ok(proof) => proof,
            Err(ProofError(why)) => return Ok(DeviceProof::Invalid(why)),
        };
        if !proof
            .nonce
            .as_deref()
            .is_some_and(|nonce| self.nonces.is_fresh(nonce))
        {
            return Ok(DeviceProof::NeedsNonce);
        }
        Ok(match self.replays.record(&proof.jkt, &proof.jti).await? {
            Seen::First => DeviceProof::Key(proof.jkt),
            Seen::Again => DeviceProof::Invalid("This DPoP proof was used before; make a new one."),
            Seen::Full => DeviceProof::Invalid("The server is busy; make a new DPoP proof and retry."),
        })
    }
}
