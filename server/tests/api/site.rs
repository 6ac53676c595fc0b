//! A built site on disk, as `LEPTOS_HASH_FILES=true cargo leptos build --release` leaves it:
//! `pkg/latch.<hash>.{js,wasm,css}` and the hash file naming them. The bytes are stand-ins.

use std::{
    io::Read,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use reqwest::{Response, header};

use crate::helpers::{Backend, TestApp, spawn_app_with};

pub const JS_HASH: &str = "jsjsjsjsjsjsjsjsjsjs-_";
pub const WASM_HASH: &str = "wasmwasmwasmwasmwasm01";
pub const CSS_HASH: &str = "csscsscsscsscsscss-_01";

pub struct FakeSite {
    root: tempfile::TempDir,
    pub wasm: Vec<u8>,
}

impl FakeSite {
    /// A hashed build whose hash file lies in the site root (tests cannot put one next to
    /// the test binary, where cargo-leptos would).
    pub fn hashed() -> Self {
        let root = tempfile::tempdir().expect("temporary directory");
        std::fs::create_dir(root.path().join("pkg")).unwrap();
        // Big enough to be worth compressing, compressible like real code.
        let wasm: Vec<u8> = (0..12_000)
            .flat_map(|i| format!("(func $f{i} (result i32) i32.const {})\n", i * 31).into_bytes())
            .collect();
        let site = Self { root, wasm };
        site.write(&format!("latch.{WASM_HASH}.wasm"), &site.wasm);
        site.write(
            &format!("latch.{JS_HASH}.js"),
            b"export default function init() {}",
        );
        site.write(&format!("latch.{CSS_HASH}.css"), b"body { margin: 0 }");
        let hashes = format!("js: {JS_HASH}\nwasm: {WASM_HASH}\ncss: {CSS_HASH}\n");
        std::fs::write(site.hash_file(), hashes).unwrap();
        site
    }

    pub fn root(&self) -> &Path {
        self.root.path()
    }

    pub fn hash_file(&self) -> PathBuf {
        self.root().join("hash.txt")
    }

    pub fn pkg(&self, name: &str) -> PathBuf {
        self.root().join("pkg").join(name)
    }

    pub fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.pkg(name), bytes).unwrap();
    }

    /// The settings that point a server at this site.
    pub fn settings(&self) -> Vec<String> {
        let path = |path: &Path| path.to_str().unwrap().to_string();
        vec![
            "--site-root".into(),
            path(self.root()),
            "--hash-file".into(),
            path(&self.hash_file()),
        ]
    }

    /// A server on this site (SQLite), once its start-up precompression has finished.
    pub async fn serve(&self) -> TestApp {
        let settings = self.settings();
        let settings: Vec<&str> = settings.iter().map(String::as_str).collect();
        let app = spawn_app_with(Backend::Sqlite, &settings).await;
        self.wait_for_siblings(&format!("latch.{WASM_HASH}.wasm")).await;
        app
    }

    /// Waits until both precompressed siblings of `name` are in place.
    pub async fn wait_for_siblings(&self, name: &str) {
        let started = Instant::now();
        while !["br", "gz"]
            .iter()
            .all(|ext| self.pkg(&format!("{name}.{ext}")).exists())
        {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{name} was not precompressed"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

pub fn encoding(response: &Response) -> Option<&str> {
    response
        .headers()
        .get(header::CONTENT_ENCODING)
        .map(|value| value.to_str().unwrap())
}

pub fn varies_on_accept_encoding(response: &Response) -> bool {
    response.headers().get_all(header::VARY).iter().any(|value| {
        value
            .to_str()
            .unwrap()
            .split(',')
            .any(|name| name.trim().eq_ignore_ascii_case("accept-encoding"))
    })
}

pub fn brotli_decoded(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .expect("valid brotli");
    out
}

pub fn gzip_decoded(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

impl TestApp {
    /// GETs `path` saying which encodings this client accepts (`None`: no header at all).
    pub async fn get_encoded(&self, path: &str, accept_encoding: Option<&str>) -> Response {
        let mut request = self.client.get(self.url(path));
        if let Some(accepted) = accept_encoding {
            request = request.header(header::ACCEPT_ENCODING, accepted);
        }
        request.send().await.expect("request reaches the server")
    }
}
