//! The site's files under /pkg: content-hashed names in every page, precompressed siblings
//! chosen by Accept-Encoding, cached for a year; and a server that will not name files it
//! does not have.

use std::path::Path;

use clap::Parser;
use reqwest::{StatusCode, header};
use server::{assets::AssetNames, config::Config, startup::Application};

use crate::{
    database::TestDatabase,
    helpers::{Backend, spawn_app_with},
    site::{
        CSS_HASH, FakeSite, JS_HASH, WASM_HASH, brotli_decoded, encoding, gzip_decoded,
        varies_on_accept_encoding,
    },
};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn wasm_path() -> String {
    format!("/pkg/latch.{WASM_HASH}.wasm")
}

#[tokio::test]
async fn brotli_clients_get_the_precompressed_wasm_cached_for_a_year() {
    let site = FakeSite::hashed();
    let app = site.serve().await;
    let response = app
        .get_encoded(&wasm_path(), Some("gzip, deflate, br, zstd"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(encoding(&response), Some("br"));
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/wasm");
    assert_eq!(response.headers()[header::CACHE_CONTROL], IMMUTABLE);
    assert!(varies_on_accept_encoding(&response));
    let body = response.bytes().await.unwrap();
    let sibling = std::fs::read(site.pkg(&format!("latch.{WASM_HASH}.wasm.br"))).unwrap();
    assert_eq!(
        body, sibling,
        "the precompressed file, not a per-request compression"
    );
    assert!(body.len() < site.wasm.len() / 4);
    assert_eq!(brotli_decoded(&body), site.wasm);
}

#[tokio::test]
async fn gzip_only_clients_get_the_gzip_sibling() {
    let site = FakeSite::hashed();
    let app = site.serve().await;
    let response = app.get_encoded(&wasm_path(), Some("gzip")).await;
    assert_eq!(encoding(&response), Some("gzip"));
    assert_eq!(response.headers()[header::CACHE_CONTROL], IMMUTABLE);
    assert!(varies_on_accept_encoding(&response));
    let body = response.bytes().await.unwrap();
    let sibling = std::fs::read(site.pkg(&format!("latch.{WASM_HASH}.wasm.gz"))).unwrap();
    assert_eq!(body, sibling);
    assert_eq!(gzip_decoded(&body), site.wasm);
}

#[tokio::test]
async fn clients_that_accept_no_encoding_get_the_plain_bytes() {
    let site = FakeSite::hashed();
    let app = site.serve().await;
    for accepted in [None, Some("identity")] {
        let response = app.get_encoded(&wasm_path(), accepted).await;
        assert_eq!(encoding(&response), None, "{accepted:?}");
        assert_eq!(response.headers()[header::CACHE_CONTROL], IMMUTABLE);
        assert!(varies_on_accept_encoding(&response));
        assert_eq!(response.bytes().await.unwrap(), site.wasm, "{accepted:?}");
    }
}

/// A plain name may get new bytes (a watch build): it is revalidated, compressed per request,
/// and never given a sibling that could go stale.
#[tokio::test]
async fn a_file_without_a_hash_in_its_name_is_revalidated_and_not_precompressed() {
    let site = FakeSite::hashed();
    site.write("latch.wasm", &site.wasm);
    let app = site.serve().await;
    let response = app.get_encoded("/pkg/latch.wasm", Some("br")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-cache");
    assert_eq!(encoding(&response), Some("br"), "compressed per request");
    assert_eq!(brotli_decoded(&response.bytes().await.unwrap()), site.wasm);
    assert!(!site.pkg("latch.wasm.br").exists());
}

#[tokio::test]
async fn a_missing_file_is_not_cached() {
    let site = FakeSite::hashed();
    let app = site.serve().await;
    let response = app
        .get_encoded("/pkg/latch.AAAAAAAAAAAAAAAAAAAAAA.wasm", Some("br"))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn pages_name_the_hashed_files_of_a_hashed_build() {
    let site = FakeSite::hashed();
    let app = site.serve().await;
    let html = app.get("/login").await.text().await.unwrap();
    for file in [
        format!("/pkg/latch.{JS_HASH}.js"),
        format!("/pkg/latch.{WASM_HASH}.wasm"),
        format!("/pkg/latch.{CSS_HASH}.css"),
    ] {
        assert!(html.contains(&format!("\"{file}\"")), "{file} in {html}");
    }
}

#[tokio::test]
async fn a_hash_file_of_another_build_falls_back_to_plain_names() {
    let site = FakeSite::hashed();
    std::fs::remove_file(site.pkg(&format!("latch.{WASM_HASH}.wasm"))).unwrap();
    let settings = site.settings();
    let settings: Vec<&str> = settings.iter().map(String::as_str).collect();
    let app = spawn_app_with(Backend::Sqlite, &settings).await;
    let html = app.get("/login").await.text().await.unwrap();
    assert!(html.contains("\"/pkg/latch.css\""), "{html}");
    assert!(!html.contains(WASM_HASH));
}

#[tokio::test]
async fn asking_for_hashed_names_without_a_hashed_build_stops_the_server() {
    let site = FakeSite::hashed();
    let database = TestDatabase::new(Backend::Sqlite).await;
    let secret = tempfile::tempdir().unwrap();
    let config = |hash_file: &Path| {
        let path = |path: &Path| path.to_str().unwrap().to_string();
        Config::try_parse_from([
            "latch".to_string(),
            "--listen=127.0.0.1:0".into(),
            format!("--database-url={}", database.url()),
            format!("--secret-file={}", path(&secret.path().join("latch.secret"))),
            format!("--site-root={}", path(site.root())),
            "--hash-files=true".into(),
            format!("--hash-file={}", path(hash_file)),
        ])
        .unwrap()
    };
    let pkg = site.root().join("pkg");
    let present = config(&site.hash_file());
    assert_eq!(
        AssetNames::resolve(&present.assets, "latch", &pkg).unwrap(),
        AssetNames::Hashed {
            hash_file: site.hash_file()
        }
    );

    let missing = config(&site.root().join("no-such-hash.txt"));
    let refused = Application::build(missing)
        .await
        .err()
        .expect("the server refuses to start");
    assert!(format!("{refused:#}").contains("no-such-hash.txt"), "{refused:#}");

    std::fs::remove_file(site.pkg(&format!("latch.{CSS_HASH}.css"))).unwrap();
    let stale = Application::build(present)
        .await
        .err()
        .expect("the server refuses to start");
    assert!(format!("{stale:#}").contains(CSS_HASH), "{stale:#}");
}
