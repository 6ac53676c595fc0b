//! DPoP proofs (RFC 9449): one proof checked on its own (`proof`, its envelope in `jws`), and
//! the bounded memory of proofs already spent (`memory`). Freshness is the caller's: Latch
//! hands out nonces, and `Verifier` (which cannot) accepts a recent `iat`.

mod jws;
pub mod memory;
mod proof;

pub use jws::PublicKey as P256Key;
pub use memory::{Entry, Memory, Seen};
pub use proof::{PROOF_TYPE, Proof, ProofError, Target};

/// Refusals every checker of bound tokens words the same way.
pub const MISSING: &str = "A DPoP-bound token needs a DPoP proof.";
pub const OTHER_KEY: &str = "The DPoP proof is signed by another key than the token's.";
pub const REPLAYED: &str = "This DPoP proof was used before; make a new one.";
