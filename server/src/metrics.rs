//! Prometheus metrics, served as text at `/metrics` on their own address
//! (`LATCH_METRICS_LISTEN`; unset: off), never on the public listener. Every name and label is
//! written here, once: the rest of the server calls the functions below. Until a recorder is
//! installed (metrics off) each call is a no-op.

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use anyhow::Context;
use app::contract::EndReason;
use axum::{
    Router,
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::Response,
    routing::get,
};
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

use crate::{
    auth::{
        AuthService,
        service::{AuthError, AuthResult, SessionOver},
        tokens::dpop::DeviceBinding,
    },
    db::Db,
};

/// How a sign-in was made.
#[derive(Debug, Clone, Copy)]
pub enum Method {
    Password,
    Passkey,
    /// A mailed link that signs in (a confirmed sign-up).
    Link,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Password => "password",
            Method::Passkey => "passkey",
            Method::Link => "link",
        }
    }
}

/// A sign-in attempt's outcome.
pub fn sign_in<T>(method: Method, result: &AuthResult<T>) {
    let result = outcome(result);
    counter!("latch_sign_ins_total", "method" => method.as_str(), "result" => result).increment(1);
}

/// A refresh's outcome: `rotated`, `same_successor`, or why it was refused
/// (`reuse_detected`, `blocked_without_key`, `expired`, `ended`, `unknown`, `throttled`, …).
pub fn refresh<T>(result: &AuthResult<T>, same_successor: bool) {
    let result = match result {
        Ok(_) if same_successor => "same_successor",
        Ok(_) => "rotated",
        refused => outcome(refused),
    };
    counter!("latch_refreshes_total", "result" => result).increment(1);
}

/// `ok`, or a refusal in a few words (a label, so a bounded set).
fn outcome<T>(result: &AuthResult<T>) -> &'static str {
    let Err(err) = result else {
        return "ok";
    };
    match err {
        AuthError::InvalidCredentials | AuthError::UnknownPasskey => "invalid_credentials",
        AuthError::Throttled { .. } => "throttled",
        AuthError::AccountDisabled => "disabled",
        AuthError::EmailNotVerified => "email_not_verified",
        AuthError::InvalidFields(_) => "invalid_fields",
        AuthError::InvalidOrExpiredLink => "invalid_link",
        AuthError::NoRefreshToken => "missing",
        AuthError::DuplicatedRefreshCookie => "duplicated_cookie",
        AuthError::SessionOver(SessionOver::Reused) => "reuse_detected",
        AuthError::SessionOver(SessionOver::Expired) => "expired",
        AuthError::SessionOver(SessionOver::Revoked) => "ended",
        AuthError::SessionOver(SessionOver::InvalidToken) => "unknown",
        AuthError::InvalidDeviceProof(_) | AuthError::SessionProofReplayed => "blocked_without_key",
        AuthError::DpopNonceNeeded => "nonce_needed",
        AuthError::ProofMemoryFull { .. } | AuthError::Busy | AuthError::Database(_) => "unavailable",
        _ => "other",
    }
}

/// A session opened (a sign-in of any kind, or a sign-up that signs in).
pub fn session_started() {
    counter!("latch_sessions_started_total").increment(1);
}

pub fn session_ended(reason: EndReason) {
    counter!("latch_sessions_ended_total", "reason" => reason.as_str()).increment(1);
}

/// A mail handed to the relay or outbox: `sent` or `failed`.
pub fn mail(result: &'static str) {
    counter!("latch_mails_total", "result" => result).increment(1);
}

/// A password hash's wait for a hashing thread (recorded on that thread as it starts).
pub fn hash_waited(waited: Duration) {
    histogram!("latch_password_hash_wait_seconds").record(waited.as_secs_f64());
}

/// A password hash refused at once: every thread busy and the queue full.
pub fn hash_refused() {
    counter!("latch_password_hash_refused_total").increment(1);
}

/// One answered HTTP request: its route template (never the raw path), method and status.
pub fn http_request(route: &str, method: &str, status: u16, took: Duration) {
    let labels = [
        ("route", route.to_owned()),
        ("method", method.to_owned()),
        ("status", status.to_string()),
    ];
    histogram!("latch_http_request_duration_seconds", &labels).record(took.as_secs_f64());
}

/// Times every routed request (installed only when metrics are kept).
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    http_request(
        &route,
        method.as_str(),
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// What a scrape reads at the moment it is made: the gauges are sampled then, not kept up
/// by every request.
#[derive(Clone)]
pub struct Sampled {
    pub db: Db,
    pub auth: AuthService,
    pub binding: DeviceBinding,
}

#[derive(Clone)]
struct Scrape {
    handle: PrometheusHandle,
    sampled: Sampled,
}

/// Installs the recorder and serves `/metrics` on `listen` for as long as the process runs.
pub async fn serve(listen: SocketAddr, sampled: Sampled) -> anyhow::Result<SocketAddr> {
    let handle = PrometheusBuilder::new()
        .set_buckets(&[
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
        ])
        .context("metric buckets")?
        .install_recorder()
        .context("metrics recorder (one per process)")?;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen for metrics on {listen}"))?;
    let address = listener.local_addr()?;
    let app = Router::new()
        .route("/metrics", get(render))
        .with_state(Scrape { handle, sampled });
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            tracing::error!(error = %err, "the metrics listener stopped");
        }
    });
    Ok(address)
}

async fn render(State(Scrape { handle, sampled }): State<Scrape>) -> String {
    let (size, idle) = sampled.db.pool_use();
    let in_use = (size as usize).saturating_sub(idle);
    gauge!("latch_db_pool_connections", "state" => "in_use").set(in_use as f64);
    gauge!("latch_db_pool_connections", "state" => "idle").set(idle as f64);
    let (hashing, waiting) = sampled.auth.hashes_in_hand();
    gauge!("latch_password_hashes", "state" => "running").set(hashing as f64);
    gauge!("latch_password_hashes", "state" => "waiting").set(waiting as f64);
    for (table, (held, capacity)) in sampled.auth.throttle_occupancy() {
        gauge!("latch_throttle_entries", "table" => table).set(held as f64);
        gauge!("latch_throttle_capacity", "table" => table).set(capacity as f64);
    }
    let (held, capacity) = sampled.binding.replay_occupancy();
    gauge!("latch_dpop_replay_entries").set(held as f64);
    gauge!("latch_dpop_replay_capacity").set(capacity as f64);
    handle.render()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// Each `latch_…` name in `text`, less a histogram's series suffix.
    fn names(text: &str) -> BTreeSet<&str> {
        text.match_indices("latch_")
            .filter(|(at, _)| !text[..*at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
            .map(|(at, _)| {
                let rest = &text[at..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
                    .unwrap_or(rest.len());
                let name = &rest[..end];
                ["_bucket", "_count", "_sum"]
                    .iter()
                    .find_map(|suffix| name.strip_suffix(suffix))
                    .unwrap_or(name)
            })
            .collect()
    }

    /// The README's metrics table and the deployment guide's alerts name what this file
    /// records, and the README names all of it.
    #[test]
    fn the_documented_metrics_are_the_recorded_ones() {
        let source = include_str!("metrics.rs");
        let recorded = names(&source[..source.find("#[cfg(test)]").unwrap()]);
        let readme = include_str!("../../README.md");
        let section = &readme[readme.find("**Metrics.**").unwrap()..];
        let readme_names = names(&section[..section.find("\n## ").unwrap()]);
        let guide = include_str!("../../docs/deploy.md");
        let guide_names = names(&guide[guide.find("## 7. What to monitor").unwrap()..]);
        for (document, named) in [("README.md", &readme_names), ("docs/deploy.md", &guide_names)] {
            let unknown: Vec<_> = named.difference(&recorded).collect();
            assert!(unknown.is_empty(), "{document} names metrics never recorded: {unknown:?}");
        }
        let undocumented: Vec<_> = recorded.difference(&readme_names).collect();
        assert!(undocumented.is_empty(), "not in the README: {undocumented:?}");
        assert!(guide_names.len() >= 8, "the guide's alerts: {guide_names:?}");
    }
}
