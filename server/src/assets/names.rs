//! Which names pages give the site's files. A release build (`LEPTOS_HASH_FILES=true cargo
//! leptos build --release`) renames `latch.wasm` to `latch.<hash>.wasm` and writes the hashes
//! to a file next to the server binary; Leptos's `HydrationScripts` and `HashedStylesheet`
//! read that file on every page when `LeptosOptions::hash_files` is set. Set it wrongly and
//! every page names files that are not there, so it is decided here, once, against the disk.

use std::{
    io,
    path::{Path, PathBuf},
};

use crate::config::AssetConfig;

/// The files every page names; cargo-leptos writes one hash line for each.
const NAMED_KINDS: [&str; 3] = ["js", "wasm", "css"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssetNames {
    /// `latch.wasm`: a development or unhashed build.
    Plain,
    /// `latch.<hash>.wasm`, the hashes read from this file.
    Hashed { hash_file: PathBuf },
}

#[derive(Debug, thiserror::Error)]
pub enum AssetNamesError {
    #[error(
        "LEPTOS_HASH_FILES is true but the hash file {0} cannot be read ({1}): build the site \
         with `LEPTOS_HASH_FILES=true cargo leptos build --release`, or unset LEPTOS_HASH_FILES"
    )]
    NoHashFile(PathBuf, io::Error),
    #[error(
        "LEPTOS_HASH_FILES is true but {missing} (named by {hash_file}) is not in the site: \
         the hash file belongs to another build"
    )]
    Stale { hash_file: PathBuf, missing: PathBuf },
}

impl AssetNames {
    /// Hashed names when the hash file names files that exist in `pkg_dir`; an error if they
    /// were asked for and cannot be had, plain names (with a warning) if they were not.
    pub fn resolve(config: &AssetConfig, output_name: &str, pkg_dir: &Path) -> Result<Self, AssetNamesError> {
        let required = match config.hash_files {
            Some(false) => return Ok(Self::Plain),
            Some(true) => true,
            None => false,
        };
        let hash_file = hash_file_path(&config.hash_file);
        let hashes = match std::fs::read_to_string(&hash_file) {
            Ok(hashes) => hashes,
            Err(err) if required => return Err(AssetNamesError::NoHashFile(hash_file, err)),
            // No hashed build here: a development build, or the tests.
            Err(_) => return Ok(Self::Plain),
        };
        match missing_file(&hashes, output_name, pkg_dir) {
            None => Ok(Self::Hashed { hash_file }),
            Some(missing) if required => Err(AssetNamesError::Stale { hash_file, missing }),
            Some(missing) => {
                tracing::warn!(
                    hash_file = %hash_file.display(),
                    missing = %missing.display(),
                    "the hash file names a file the site does not have; pages name plain files"
                );
                Ok(Self::Plain)
            }
        }
    }
}

/// Where cargo-leptos put the hash file: next to the server binary, unless given absolute.
fn hash_file_path(configured: &Path) -> PathBuf {
    if configured.is_absolute() {
        return configured.to_path_buf();
    }
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    exe_dir.join(configured)
}

/// The first file named by `hashes` (lines like `wasm: <hash>`) that `pkg_dir` lacks.
fn missing_file(hashes: &str, output_name: &str, pkg_dir: &Path) -> Option<PathBuf> {
    NAMED_KINDS.iter().find_map(|kind| {
        let hash = hashes.lines().find_map(|line| {
            let (name, hash) = line.split_once(':')?;
            (name.trim() == *kind).then(|| hash.trim())
        });
        let file = match hash {
            Some(hash) => pkg_dir.join(format!("{output_name}.{hash}.{kind}")),
            None => pkg_dir.join(format!("{output_name}.<no {kind} hash>.{kind}")),
        };
        (!file.is_file()).then_some(file)
    })
}

/// Whether a file name carries its content's hash, as cargo-leptos writes it:
/// `<stem>.<22 characters of unpadded base64url MD5>.<extension>`. Only such a file may be
/// cached for good, and only it is precompressed: its name changes whenever its bytes do.
pub fn is_content_hashed(file_name: &str) -> bool {
    let mut parts = file_name.rsplit('.');
    let (Some(_extension), Some(hash), Some(stem)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !stem.is_empty()
        && hash.len() == 22
        && hash
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::is_content_hashed;

    #[test]
    fn only_names_with_a_cargo_leptos_hash_count_as_hashed() {
        assert!(is_content_hashed("latch.q3Yz-_0123456789abcdef.wasm"));
        assert!(is_content_hashed("__wasm_split.q3Yz-_0123456789abcdef.js"));
        assert!(!is_content_hashed("latch.wasm"));
        assert!(!is_content_hashed("latch_bg.wasm"));
        assert!(
            !is_content_hashed("latch.q3Yz0123456789abcdefg.wasm"),
            "21 characters"
        );
        assert!(
            !is_content_hashed("latch.q3Yz+/0123456789abcdef.wasm"),
            "not base64url"
        );
        assert!(!is_content_hashed(".q3Yz-_0123456789abcdef.wasm"), "no stem");
    }
}
