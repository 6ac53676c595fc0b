//! Sealing of private signing keys at rest: XChaCha20-Poly1305 under a key derived from the
//! server secret, with the key id as associated data so a sealed key cannot be moved to
//! another row.

use anyhow::{Context, anyhow, bail};
use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit, Payload},
};

const NONCE_BYTES: usize = 24;

pub fn seal(key: &[u8; 32], kid: &str, seed: &[u8; 32]) -> anyhow::Result<Vec<u8>> {
    let mut nonce = [0u8; NONCE_BYTES];
    getrandom::fill(&mut nonce).context("the OS random source failed")?;
    let cipher = XChaCha20Poly1305::new(key.into());
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: seed,
                aad: kid.as_bytes(),
            },
        )
        .map_err(|_| anyhow!("sealing the signing key failed"))?;
    Ok([nonce.as_slice(), &sealed].concat())
}

pub fn unseal(key: &[u8; 32], kid: &str, sealed: &[u8]) -> anyhow::Result<[u8; 32]> {
    if sealed.len() <= NONCE_BYTES {
        bail!("stored signing key {kid} is truncated");
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_BYTES);
    let cipher = XChaCha20Poly1305::new(key.into());
    let seed = cipher
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: kid.as_bytes(),
            },
        )
        .map_err(|_| {
            anyhow!(
                "cannot unseal signing key {kid}: the database was set up with a different \
                 server secret (LATCH_SECRET / LATCH_SECRET_FILE)"
            )
        })?;
    seed.try_into()
        .map_err(|_| anyhow!("stored signing key {kid} has the wrong length"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealing_round_trips_and_binds_the_key_id() {
        let seed = [9u8; 32];
        let sealed = seal(&[1; 32], "kid-a", &seed).unwrap();
        assert_eq!(unseal(&[1; 32], "kid-a", &sealed).unwrap(), seed);
        assert!(
            unseal(&[2; 32], "kid-a", &sealed).is_err(),
            "another secret cannot unseal"
        );
        assert!(
            unseal(&[1; 32], "kid-b", &sealed).is_err(),
            "a sealed key cannot be moved"
        );
        assert!(
            !sealed.windows(32).any(|w| w == seed),
            "the seed is not stored in clear"
        );
    }
}
