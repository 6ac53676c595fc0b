//! Argon2id hashing and verification into memory the caller keeps. Each hash needs a 19 MiB
//! block. A fresh block per hash cost 8–12 ms of CPU on top of the hash itself (16–20 ms on
//! this machine), a page fault on each of its pages, so the hashing threads (`pool`) keep blocks
//! from one hash to the next and give back what the work in hand does not need.
//! The PHC strings are the standard ones (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`).

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

/// A hashing thread's working memory, kept from one hash to the next.
#[derive(Default)]
pub struct Memory(Vec<Block>);

impl Memory {
    /// The first `count` blocks, grown to fit (a stored hash may record larger parameters).
    fn blocks(&mut self, count: usize) -> &mut [Block] {
        if self.0.len() < count {
            self.0.resize(count, Block::default());
        }
        &mut self.0[..count]
    }

    /// Bytes held now.
    #[cfg(test)]
    pub fn held(&self) -> usize {
        self.0.len() * size_of::<Block>()
    }
}

/// Hashes with `argon`'s parameters into `out`, in `memory`.
fn hash_into(
    argon: &Argon2<'_>,
    params: &Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
    memory: &mut Memory,
) -> anyhow::Result<()> {
    argon
        .hash_password_into_with_memory(password, salt, out, memory.blocks(params.block_count()))
        .map_err(|err| anyhow!("hashing failed: {err}"))
}

/// A new PHC string for `password`, with a random salt.
pub fn hash(password: &str, memory: &mut Memory) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).context("the OS random source failed")?;
    let params = Params::new(MEMORY_KIB, PASSES, LANES, Some(OUTPUT_BYTES)).expect("valid Argon2 parameters");
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = [0u8; OUTPUT_BYTES];
    hash_into(&argon, &params, password.as_bytes(), &salt, &mut out, memory)?;
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
pub fn verify(password: &str, stored: &str, memory: &mut Memory) -> anyhow::Result<bool> {
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
    hash_into(&argon, &params, password.as_bytes(), salt, &mut out, memory)?;
    Ok(Output::new(&out).map_err(|err| anyhow!("output: {err}"))? == expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::{PasswordHasher, PasswordVerifier};

    #[test]
    fn hashes_are_standard_phc_strings_both_ways() {
        let memory = &mut Memory::default();
        let ours = hash("correct horse battery staple", memory).unwrap();
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
        assert!(verify("another password", &theirs, memory).unwrap());
        assert!(!verify("another passwore", &theirs, memory).unwrap());
        assert!(!verify("correct horse battery stapl", &ours, memory).unwrap());
    }

    #[test]
    fn memory_is_reused_from_hash_to_hash() {
        let mut memory = Memory::default();
        let first = hash("correct horse battery staple", &mut memory).unwrap();
        assert_eq!(memory.held(), MEMORY_KIB as usize * 1024);
        let kept = memory.0.as_ptr();
        assert!(verify("correct horse battery staple", &first, &mut memory).unwrap());
        assert_eq!(memory.0.as_ptr(), kept, "the same blocks, not new ones");
        // Blocks left from an earlier hash change nothing: every hash starts from its inputs.
        assert!(verify("correct horse battery staple", &first, &mut memory).unwrap());
        assert!(verify("correct horse battery staple", &first, &mut memory).unwrap());
    }
}
