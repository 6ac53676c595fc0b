//! Device binding with DPoP (RFC 9449): a session started with a proof is bound to the key
//! that signed it (its RFC 7638 thumbprint, `jkt`), and from then on its refresh cookie and
//! its access tokens work only with a fresh proof from that key. The browser's key cannot be
//! exported, so a copied cookie or token is useless elsewhere.
//!
//! A proof is checked for the request it names (`latch_verify::dpop`, shared with the services
//! that accept Latch's tokens) and for a nonce this server handed out recently (`nonce`), then
//! spent once, where the request is known to be acceptable (`proven`, `replay`, in a bounded
//! memory, and on PostgreSQL in the database for every instance: `shared`).

mod nonce;
mod proven;
mod replay;
mod shared;

pub use latch_verify::dpop::{MISSING, OTHER_KEY, PROOF_TYPE, Proof, ProofError, REPLAYED, Target};
pub use nonce::PROOF_LIFETIME;
pub use proven::{NotSpent, Proven};

use hmac::{Hmac, Mac};
use replay::Replays;
use sha2::Sha256;

use crate::{config::DeviceBinding as Policy, db::Db};

/// What a request's `DPoP` header proved.
#[derive(Debug, Clone)]
pub enum DeviceProof {
    /// The request carried no proof.
    Absent,
    /// A valid, fresh proof for this request, not spent yet.
    Key(Proven),
    /// A proof without a nonce, or with a stale one: the client should retry with the nonce
    /// this response carries. Never a reason to end anything.
    NeedsNonce,
    /// Refused, and why.
    Invalid(&'static str),
    /// Not from a DPoP header: the session `session` renewed by its DBSC key (checked by the
    /// caller, `auth::sessions::dbsc`), which outranks the DPoP key: the browser's DBSC
    /// renewal carries no DPoP proof.
    Hardware { session: String },
}

/// How many proofs are remembered as spent (`memory`).
#[derive(Debug, Clone, Copy)]
pub struct ProofLimits {
    /// Proofs held at once, all keys together.
    pub capacity: usize,
    /// Proofs one key may spend per nonce bucket.
    pub per_key: u32,
}

impl ProofLimits {
    pub fn of(config: &crate::config::Config) -> Self {
        Self {
            capacity: usize::try_from(config.dpop_proof_memory).unwrap_or(usize::MAX),
            per_key: config.dpop_proofs_per_key,
        }
    }
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
    pub fn new(key: [u8; 32], db: &Db, policy: Policy, limits: ProofLimits) -> Self {
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
            replays: Replays::new(db, limits),
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

    /// Proofs remembered on this instance (against replay), and how many may be.
    pub fn replay_occupancy(&self) -> (usize, usize) {
        self.replays.occupancy()
    }

    /// Starts the upkeep of the shared proof memory.
    pub fn follow(&self) {
        self.replays.follow();
    }

    /// Checks the request's proof, if it sent one. It is not spent yet (`Proven::spend`).
    pub fn prove(&self, proof: Option<&str>, target: &Target<'_>) -> DeviceProof {
        let Some(proof) = proof else {
            return DeviceProof::Absent;
        };
        let proof = match Proof::check(proof, target) {
            Ok(proof) => proof,
            Err(ProofError(why)) => return DeviceProof::Invalid(why),
        };
        match proof
            .nonce
            .as_deref()
            .and_then(|nonce| self.nonces.fresh_bucket(nonce))
        {
            Some(bucket) => {
                DeviceProof::Key(Proven::new(proof.jkt, &proof.jti, bucket, self.replays.clone()))
            }
            None => DeviceProof::NeedsNonce,
        }
    }
}
