//! Where the built site is and how its files are named. The environment variables are the ones
//! cargo-leptos sets when it runs the server, so `cargo leptos watch` and a release binary
//! started by hand read the same settings.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct AssetConfig {
    /// The built site (cargo-leptos's `site-root`); its `pkg` folder is served under `/pkg`.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Whether pages name the content-hashed files of a release build (`latch.<hash>.wasm`).
    /// `true`: the hash file must exist and name files that are in the site, or the server
    /// refuses to start. `false`: plain names (`latch.wasm`). Unset: hashed names when the
    /// hash file names files that are in the site, plain names otherwise.
    #[arg(long, env = "LEPTOS_HASH_FILES")]
    pub hash_files: Option<bool>,

    /// The hash file cargo-leptos writes, relative to the server executable's folder (where
    /// cargo-leptos puts it) unless absolute.
    #[arg(long, env = "LEPTOS_HASH_FILE_NAME", default_value = "hash.txt")]
    pub hash_file: PathBuf,
}
