//! The built site's files under `/pkg` (the WASM, its JS glue, the CSS), and compression.
//!
//! A content-hashed file (`latch.<hash>.wasm`) is cached by browsers for a year and never
//! revalidated: a new build has new names. Its `.br` and `.gz` siblings are written at
//! start-up (`precompress`) and chosen by `Accept-Encoding`. Everything else is compressed
//! per request (`compression`), except what must not be.

mod compression;
pub mod names;
pub mod precompress;

use std::path::{Path, PathBuf};

use axum::{
    Router,
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::Response,
};
use leptos::config::LeptosOptions;
use tower::ServiceBuilder;
use tower_http::services::ServeDir;

pub use compression::{keep_tokens_uncompressed, layer as compression_layer};
pub use names::{AssetNames, AssetNamesError};

use names::is_content_hashed;

/// A year, the most `max-age` that caches honour; `immutable` spares the revalidation on reload.
const HASHED_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";
/// A plain name (a development build) may change its bytes: revalidate every time.
const PLAIN_CACHE_CONTROL: &str = "no-cache";

/// The folder `/pkg` is served from.
pub fn pkg_dir(options: &LeptosOptions) -> PathBuf {
    Path::new(&*options.site_root).join(&*options.site_pkg_dir)
}

/// Serves `/pkg/*` from the site, a precompressed sibling when the client accepts it.
pub fn routes<S: Clone + Send + Sync + 'static>(options: &LeptosOptions) -> Router<S> {
    let files = ServeDir::new(pkg_dir(options))
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false);
    let route = options.site_pkg_dir_route_base();
    Router::new().nest_service(
        route.trim_end_matches('/'),
        ServiceBuilder::new()
            .layer(middleware::from_fn(cache_policy))
            .service(files),
    )
}

/// The `Cache-Control` of a file found (the hardening layer makes anything else `no-store`),
/// and `Vary`: the same URL answers brotli, gzip or plain bytes, so a cache must key on it.
async fn cache_policy(request: Request, next: Next) -> Response {
    let hashed = request
        .uri()
        .path()
        .rsplit('/')
        .next()
        .is_some_and(is_content_hashed);
    let mut response = next.run(request).await;
    let found = response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED;
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    if found {
        let policy = if hashed {
            HASHED_CACHE_CONTROL
        } else {
            PLAIN_CACHE_CONTROL
        };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

/// Precompresses the site's hashed files on a blocking thread and returns at once: the server
/// takes requests meanwhile, and `/pkg` compresses per request until the siblings are there.
pub fn spawn_precompression(dir: PathBuf) {
    tokio::task::spawn_blocking(move || {
        if !dir.is_dir() {
            tracing::debug!(dir = %dir.display(), "no built site to precompress");
            return;
        }
        match precompress::precompress_dir(&dir) {
            Ok(report) => tracing::info!(
                dir = %dir.display(),
                written = report.written,
                fresh = report.fresh,
                elapsed_ms = report.elapsed.as_millis() as u64,
                "precompressed the site's hashed files"
            ),
            // Once, not per file: it stopped at the first failure.
            Err(err) => {
                tracing::warn!("cannot precompress the site ({err}); its files are compressed per request")
            }
        }
    });
}

/// Points Leptos at the site in `config` and at the names its files were built with.
pub fn configure(
    options: &mut LeptosOptions,
    config: &crate::config::AssetConfig,
) -> Result<AssetNames, AssetNamesError> {
    options.site_root = config.site_root.to_string_lossy().as_ref().into();
    let names = AssetNames::resolve(config, &options.output_name, &pkg_dir(options))?;
    options.hash_files = matches!(names, AssetNames::Hashed { .. });
    if let AssetNames::Hashed { hash_file } = &names {
        // Leptos joins this to the executable's folder; an absolute path stays as it is.
        options.hash_file = hash_file.to_string_lossy().as_ref().into();
    }
    Ok(names)
}
