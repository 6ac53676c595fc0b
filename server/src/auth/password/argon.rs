//! Argon2id hashing and verification into memory that is kept and reused. Each hash needs a
//! 19 MiB block of memory; allocating it per hash let glibc keep the freed blocks in
//! per-thread arenas, and a burst of sign-ins spread over tokio's blocking threads left the
//! server at ~500 MiB resident for good. Here a hash borrows one of a few kept buffers (at
//! most as many as hashes run at once, so 2 × 19 MiB on two cores) and gives it back. Once
//! no hash has run for a while the kept buffers are freed (`release_idle_buffers`), so the
//! memory a burst of sign-ins took comes back to the OS after it.
//! The PHC strings are the standard ones (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`).

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use anyhow::{Context, anyhow};
use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, Version,
    password_hash::{Output, SaltString},
};

/// Argon2id at OWASP's minimum recommendation: 19 MiB, two passes, one lane.
pub const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;
const OUTPUT_BYTES: usize = 32;

/// Buffers not in use right now, and when one was last handed out.
static BUFFERS: Mutex<Kept> = Mutex::new(Kept {
    buffers: Vec::new(),
    last_used: None,
});

struct Kept {
    buffers: Vec<Vec<Block>>,
    last_used: Option<Instant>,
}

/// Frees the kept buffers if no hash has started for `idle`; returns how many it freed.
pub fn release_idle_buffers(idle: Duration) -> usize {
    let mut kept = BUFFERS.lock().expect("hash buffers lock");
    if kept.last_used.is_some_and(|at| at.elapsed() < idle) {
        return 0;
    }
    std::mem::take(&mut kept.buffers).len()
}

fn with_buffer<T>(blocks: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
    let mut buffer = {
        let mut kept = BUFFERS.lock().expect("hash buffers lock");
        kept.last_used = Some(Instant::now());
        kept.buffers.pop().unwrap_or_default()
    };
    if buffer.len() < blocks {
        buffer.resize(blocks, Block::default());
    }
    let result = work(&mut buffer[..blocks]);
    BUFFERS.lock().expect("hash buffers lock").buffers.push(buffer);
    result
}

/// Hashes with `argon`'s parameters into `out`, in a kept buffer.
fn hash_into(
    argon: &Argon2<'_>,
    params: &Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> anyhow::Result<()> {
    with_buffer(params.block_count(), |blocks| {
        argon.hash_password_into_with_memory(password, salt, out, blocks)
    })
    .map_err(|err| anyhow!("hashing failed: {err}"))
}

/// A new PHC string for `password`, with a random salt.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).context("the OS random source failed")?;
    let params = Params::new(MEMORY_KIB, PASSES, LANES, Some(OUTPUT_BYTES)).expect("valid Argon2 parameters");
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = [0u8; OUTPUT_BYTES];
    hash_into(&argon, &params, password.as_bytes(), &salt, &mut out)?;
    let salt = SaltString::encode_b64(&salt).map_err(|err| anyhow!("salt: {err}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params).try_into().map_err(|err| anyhow!("parameters: {err}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|err| anyhow!("output: {err}"))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored`, with the parameters it records (so
/// hashes made under older parameters keep verifying). The comparison is constant-time.
pub fn verify(password: &str, stored: &str) -> anyhow::Result<bool> {
    let parsed = PasswordHash::new(stored).map_err(|err| anyhow!("stored hash: {err}"))?;
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(|err| anyhow!("algorithm: {err}"))?;
    let version = match parsed.version {
        Some(version) => Version::try_from(version).map_err(|err| anyhow!("version: {err}"))?,
        None => Version::default(),
    };
    let params = Params::try_from(&parsed).map_err(|err| anyhow!("parameters: {err}"))?;
    let expected = parsed.hash.context("the stored hash has no output")?;
    let mut salt = [0u8; 64];
    let salt = parsed
        .salt
        .context("the stored hash has no salt")?
        .decode_b64(&mut salt)
        .map_err(|err| anyhow!("salt: {err}"))?;
    let argon = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    hash_into(&argon, &params, password.as_bytes(), salt, &mut out)?;
    Ok(Output::new(&out).map_err(|err| anyhow!("output: {err}"))? == expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::{PasswordHasher, PasswordVerifier};

    #[test]
    fn hashes_are_standard_phc_strings_both_ways() {
        let ours = hash("correct horse battery staple").unwrap();
        assert!(ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{ours}");
        // The argon2 crate's own verifier accepts ours, and ours accepts its hashes.
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery staple", &parsed)
                .is_ok()
        );
        let salt = SaltString::encode_b64(b"sixteen byte sal").unwrap();
        let params = Params::new(MEMORY_KIB, PASSES, LANES, None).unwrap();
        let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(b"another password", &salt)
            .unwrap()
            .to_string();
        assert!(verify("another password", &theirs).unwrap());
        assert!(!verify("another passwore", &theirs).unwrap());
        assert!(!verify("correct horse battery stapl", &ours).unwrap());
    }

    #[test]
    fn buffers_are_kept_for_reuse_not_allocated_per_hash() {
        for _ in 0..3 {
            hash("correct horse battery staple").unwrap();
        }
        let kept = BUFFERS.lock().unwrap();
        // Tests run in parallel, so a few may be in use; each kept one is a full buffer.
        assert!(!kept.buffers.is_empty() && kept.buffers.len() <= 8);
        assert!(
            kept.buffers
                .iter()
                .all(|buffer| buffer.len() >= MEMORY_KIB as usize)
        );
    }

    #[test]
    fn kept_buffers_are_freed_once_hashing_has_been_idle() {
        hash("correct horse battery staple").unwrap();
        assert_eq!(
            release_idle_buffers(Duration::from_secs(3600)),
            0,
            "a hash just ran"
        );
        std::thread::sleep(Duration::from_millis(20));
        // Another test may hash in between, which keeps them: only a quiet spell frees them.
        let freed = (0..50)
            .map(|_| release_idle_buffers(Duration::from_millis(10)))
            .sum::<usize>();
        let kept = BUFFERS.lock().unwrap();
        assert!(
            freed > 0
                || kept
                    .last_used
                    .is_some_and(|at| at.elapsed() < Duration::from_millis(30))
        );
    }
}
