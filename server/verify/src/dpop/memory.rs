//! The proofs spent in this process, so a replay is refused: one set per time bucket. A proof
//! is accepted only while its bucket is current or just past (Latch: its nonce's bucket, five
//! minutes long; `Verifier`: its `iat`'s minute), so once a bucket has aged out its whole set
//! is dropped: nothing is ever scanned, and at most two sets (three for a `Verifier`, which
//! also takes the next minute's from fast clocks) are held.
//!
//! Bounded twice, and full is never a refusal of the proof (`Seen::Full`: wait and retry):
//! - each key spends at most `per_key` proofs per bucket, so one browser cannot take it all;
//! - all keys together hold at most `capacity` proofs. Each is a 16-byte id, plus at worst
//!   (every proof from another key) a 12-byte count, in hash tables at most about half empty:
//!   about 60 bytes a proof, so the default million is at most ~63 MB (2^21 slots of 17 + 13
//!   bytes; ~95 MB for the moment a table grows), and typically far less.

use std::collections::{HashMap, HashSet, VecDeque};

use sha2::{Digest, Sha256};

/// One proof as the memory keeps it: hashes, never the client's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The bucket of the proof's nonce.
    pub bucket: u64,
    /// Its key.
    pub key: [u8; 8],
    /// Its key and `jti`.
    pub proof: [u8; 16],
}

impl Entry {
    /// The entry for the proof `jti` of key `jkt` (its RFC 7638 thumbprint), in `bucket`. The
    /// proof's id is also its row's in Latch's shared table, so instances of different builds
    /// agree on it.
    pub fn of(jkt: &str, jti: &str, bucket: u64) -> Self {
        let proof = Sha256::new()
            .chain_update(jkt.as_bytes())
            .chain_update(b"\0")
            .chain_update(jti.as_bytes())
            .finalize();
        // The thumbprint is a SHA-256 digest already (base64url): its first 8 characters, 48
        // bits, tell keys apart well enough to share out the memory, without hashing it again.
        let mut key = [0u8; 8];
        for (byte, from) in key.iter_mut().zip(jkt.bytes()) {
            *byte = from;
        }
        Entry {
            bucket,
            key,
            proof: proof[..16].try_into().expect("a SHA-256 digest has 32 bytes"),
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Seen {
    First,
    Again,
    /// No room for it (its key's share or the whole memory): not a replay, just not now.
    Full,
}

pub struct Memory {
    capacity: usize,
    per_key: u32,
    /// Oldest first.
    buckets: VecDeque<Bucket>,
}

struct Bucket {
    number: u64,
    proofs: HashSet<[u8; 16]>,
    spent_by: HashMap<[u8; 8], u32>,
}

impl Memory {
    pub fn new(capacity: usize, per_key: u32) -> Self {
        Self {
            capacity,
            per_key,
            buckets: VecDeque::with_capacity(3),
        }
    }

    /// Records `entry` as spent in bucket `now`, unless it was spent before or has no room.
    pub fn spend(&mut self, entry: &Entry, now: u64) -> Seen {
        while self
            .buckets
            .front()
            .is_some_and(|bucket| bucket.number.saturating_add(1) < now)
        {
            self.buckets.pop_front();
        }
        let at = self
            .buckets
            .partition_point(|bucket| bucket.number < entry.bucket);
        let existing = self
            .buckets
            .get(at)
            .filter(|bucket| bucket.number == entry.bucket);
        if existing.is_some_and(|bucket| bucket.proofs.contains(&entry.proof)) {
            return Seen::Again;
        }
        let spent = existing.and_then(|bucket| bucket.spent_by.get(&entry.key).copied());
        if self.held() >= self.capacity || spent.unwrap_or(0) >= self.per_key {
            return Seen::Full;
        }
        if existing.is_none() {
            let bucket = Bucket {
                number: entry.bucket,
                proofs: HashSet::new(),
                spent_by: HashMap::new(),
            };
            self.buckets.insert(at, bucket);
        }
        let bucket = &mut self.buckets[at];
        bucket.proofs.insert(entry.proof);
        *bucket.spent_by.entry(entry.key).or_default() += 1;
        Seen::First
    }

    /// Proofs remembered, and how many may be.
    pub fn occupancy(&self) -> (usize, usize) {
        (self.held(), self.capacity)
    }

    fn held(&self) -> usize {
        self.buckets.iter().map(|bucket| bucket.proofs.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(bucket: u64, key: u8, proof: u8) -> Entry {
        Entry {
            bucket,
            key: [key; 8],
            proof: [proof; 16],
        }
    }

    #[test]
    fn a_jti_counts_once_per_key_until_it_lapses() {
        let mut memory = Memory::new(100, 100);
        assert_eq!(memory.spend(&entry(10, 1, 1), 10), Seen::First);
        assert_eq!(memory.spend(&entry(10, 1, 1), 10), Seen::Again);
        assert_eq!(memory.spend(&entry(10, 2, 2), 11), Seen::First, "another proof");
        assert_eq!(
            memory.spend(&entry(10, 1, 1), 11),
            Seen::Again,
            "in its nonce's next bucket"
        );
        assert_eq!(memory.spend(&entry(11, 3, 3), 11), Seen::First);
        // Bucket 10's nonces are stale from bucket 12 on: its proofs go, all at once.
        assert_eq!(memory.spend(&entry(12, 4, 4), 12), Seen::First);
        assert_eq!(memory.held(), 2);
        assert_eq!(memory.buckets.len(), 2, "bucket 11's and 12's");
    }

    #[test]
    fn a_key_past_its_share_is_full_not_a_replay() {
        let mut memory = Memory::new(100, 2);
        assert_eq!(memory.spend(&entry(10, 1, 1), 10), Seen::First);
        assert_eq!(memory.spend(&entry(10, 1, 2), 10), Seen::First);
        assert_eq!(memory.spend(&entry(10, 1, 3), 10), Seen::Full);
        assert_eq!(
            memory.spend(&entry(10, 1, 1), 10),
            Seen::Again,
            "a replay is still one"
        );
        assert_eq!(memory.spend(&entry(10, 2, 4), 10), Seen::First, "another key");
        assert_eq!(
            memory.spend(&entry(11, 1, 5), 11),
            Seen::First,
            "a new bucket, a new share"
        );
    }

    #[test]
    fn a_full_memory_is_full_until_a_bucket_ages_out() {
        let mut memory = Memory::new(3, 100);
        assert_eq!(memory.spend(&entry(10, 1, 1), 10), Seen::First);
        assert_eq!(memory.spend(&entry(10, 2, 2), 11), Seen::First);
        assert_eq!(memory.spend(&entry(11, 3, 3), 11), Seen::First);
        assert_eq!(memory.spend(&entry(11, 4, 4), 11), Seen::Full);
        assert_eq!(memory.spend(&entry(12, 4, 4), 12), Seen::First, "bucket 10 went");
        assert_eq!(memory.held(), 2);
    }

    #[test]
    fn the_memory_never_counts_more_than_its_capacity() {
        let mut memory = Memory::new(1_000, 10);
        for i in 0..5_000u32 {
            let proof: [u8; 16] = [i.to_be_bytes(), [0; 4], [0; 4], [0; 4]]
                .concat()
                .try_into()
                .unwrap();
            let key = [(i % 700) as u8; 8];
            let seen = memory.spend(
                &Entry {
                    bucket: 10,
                    key,
                    proof,
                },
                10,
            );
            assert_ne!(seen, Seen::Again);
            assert!(memory.held() <= 1_000);
        }
        assert_eq!(memory.held(), 1_000);
    }

    #[test]
    fn entries_hash_key_and_jti_apart() {
        let one = Entry::of("key-a", "jti-1", 10);
        assert_eq!(one, Entry::of("key-a", "jti-1", 10));
        assert_ne!(
            one.proof,
            Entry::of("key-b", "jti-1", 10).proof,
            "another key's jti"
        );
        assert_ne!(one.proof, Entry::of("key-a", "jti-2", 10).proof);
        assert_eq!(one.key, Entry::of("key-a", "jti-2", 10).key, "one key, one share");
    }
}
