//! A proof that checked out for its request and is not spent yet. Checking comes first, before
//! anything else on the request; spending (remembering its `jti`) comes only once the request
//! is known to be acceptable: a live session bound to this key, a verified token naming it,
//! credentials that open a session. So requests that get nothing cannot fill the memory.

use std::time::Duration;

use latch_verify::dpop::{Entry, Seen};

use super::{nonce, replay::Replays};

#[derive(Clone)]
pub struct Proven {
    jkt: String,
    entry: Entry,
    replays: Replays,
}

/// Why a proof could not be spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotSpent {
    /// It was spent before: refuse it, as any invalid proof.
    Replayed,
    /// No room to remember it (its key's share or the whole memory): the client should retry
    /// after this long with a new proof. Says nothing against the proof or its key.
    Busy { retry_after: Duration },
}

impl Proven {
    pub(super) fn new(jkt: String, jti: &str, bucket: u64, replays: Replays) -> Self {
        let entry = Entry::of(&jkt, jti, bucket);
        Self { jkt, entry, replays }
    }

    /// The RFC 7638 thumbprint of the key that signed the proof.
    pub fn jkt(&self) -> &str {
        &self.jkt
    }

    /// Remembers the proof as used, unless it was used before or there is no room for it.
    pub async fn spend(&self) -> Result<Result<(), NotSpent>, sqlx::Error> {
        Ok(match self.replays.spend(&self.entry).await? {
            Seen::First => Ok(()),
            Seen::Again => Err(NotSpent::Replayed),
            Seen::Full => Err(NotSpent::Busy {
                retry_after: nonce::until_next_bucket(),
            }),
        })
    }
}

impl std::fmt::Debug for Proven {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proven")
            .field("jkt", &self.jkt)
            .finish_non_exhaustive()
    }
}
