//! The server secret and the purpose-bound keys derived from it. The secret lives outside the
//! database (environment or a 0600 file), so a database copy alone can neither recognise a
//! refresh token nor mint an access token.

use std::{fs, io::Write, path::Path};

use anyhow::{Context, bail};
use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;

use crate::config::Config;

const MIN_SECRET_BYTES: usize = 32;

pub struct ServerSecret {
    /// Keys the HMAC under which refresh tokens are stored.
    pub refresh_hash_key: [u8; 32],
    /// Derives a refresh token's successor from the token itself (see `auth::sessions::refresh_token`).
    pub successor_key: [u8; 32],
    /// Seals the private signing keys stored in the database.
    pub key_seal_key: [u8; 32],
    /// Signs the device cookies that exempt a known browser from the per-account lock.
    pub device_cookie_key: [u8; 32],
    /// Keys the stateless DPoP nonces (`auth::tokens::dpop`).
    pub dpop_nonce_key: [u8; 32],
    /// Keys the HMAC under which mailed links' tokens are stored (`auth::accounts::links`).
    pub link_hash_key: [u8; 32],
    /// Keys the stateless DBSC challenges (`auth::tokens::dbsc`).
    pub dbsc_challenge_key: [u8; 32],
}

impl ServerSecret {
    pub fn load(config: &Config) -> anyhow::Result<Self> {
        let encoded = match &config.secret {
            Some(secret) => secret.expose_secret().to_string(),
            None => read_or_create(&config.secret_file)?,
        };
        let master = STANDARD
            .decode(encoded.trim())
            .context("the server secret (LATCH_SECRET or its file) is not valid base64")?;
        if master.len() < MIN_SECRET_BYTES {
            bail!("the server secret must be at least {MIN_SECRET_BYTES} bytes (base64-encoded)");
        }
        Ok(Self::from_master(&master))
    }

    fn from_master(master: &[u8]) -> Self {
        let derive = |purpose: &str| -> [u8; 32] {
            let mut mac = Hmac::<Sha256>::new_from_slice(master).expect("HMAC takes any key size");
            mac.update(b"latch/v1/");
            mac.update(purpose.as_bytes());
            mac.finalize().into_bytes().into()
        };
        Self {
            refresh_hash_key: derive("refresh-token-hash"),
            successor_key: derive("refresh-token-successor"),
            key_seal_key: derive("signing-key-seal"),
            device_cookie_key: derive("device-cookie"),
            dpop_nonce_key: derive("dpop-nonce"),
            link_hash_key: derive("email-link-hash"),
            dbsc_challenge_key: derive("dbsc-challenge"),
        }
    }
}

fn read_or_create(path: &Path) -> anyhow::Result<String> {
    match fs::read_to_string(path) {
        Ok(encoded) => {
            refuse_if_shared(path)?;
            Ok(encoded)
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).context("the OS random source failed")?;
            let encoded = STANDARD.encode(bytes);
            let mut options = fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options
                .open(path)
                .with_context(|| format!("cannot create the secret file {}", path.display()))?;
            file.write_all(encoded.as_bytes())?;
            file.sync_all()?;
            tracing::info!(path = %path.display(), "created a new server secret file");
            Ok(encoded)
        }
        Err(err) => Err(err).with_context(|| format!("cannot read the secret file {}", path.display())),
    }
}

/// A secret other users can read is no secret: refuse to start until it is `chmod 600`.
fn refuse_if_shared(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            bail!(
                "the secret file {} can be read by other users (mode {mode:o}); run `chmod 600` on it",
                path.display()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_get_different_keys() {
        let secret = ServerSecret::from_master(&[7u8; 32]);
        assert_ne!(secret.refresh_hash_key, secret.successor_key);
        assert_ne!(secret.refresh_hash_key, secret.key_seal_key);
        assert_ne!(secret.successor_key, secret.key_seal_key);
        assert_ne!(secret.device_cookie_key, secret.key_seal_key);
        assert_ne!(secret.link_hash_key, secret.refresh_hash_key);
    }

    #[test]
    fn a_created_secret_file_is_reused_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("latch.secret");
        let first = read_or_create(&path).unwrap();
        let second = read_or_create(&path).unwrap();
        assert_eq!(first, second);
        assert_eq!(STANDARD.decode(first.trim()).unwrap().len(), 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn a_secret_file_others_can_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("latch.secret");
        fs::write(&path, STANDARD.encode([7u8; 32])).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
            let err = read_or_create(&path).unwrap_err();
            assert!(err.to_string().contains("chmod 600"), "{err}");
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        }
        assert!(read_or_create(&path).is_ok());
    }
}
