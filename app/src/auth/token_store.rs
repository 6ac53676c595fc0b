//! The only place the access token lives: module-private memory of the WASM instance.
//! Nothing here writes it to storage, a cookie, the URL, the DOM or `window`; the rest of the
//! app reaches it only through these functions. A reload forgets it, by design: the silent
//! refresh gets a new one.

use std::cell::RefCell;

struct Held {
    token: String,
    /// Bound to this browser's key: sent as `DPoP <token>` with a proof.
    bound: bool,
    lifetime_ms: f64,
    /// `performance.now()` (monotonic, immune to wall-clock changes) when it expires.
    expires_at_ms: f64,
    /// What every proof made with this token carries as `ath` (its SHA-256, base64url), once
    /// worked out: hashing it again for each call would cost each call another wait.
    ath: Option<String>,
}

thread_local! {
    static HELD: RefCell<Option<Held>> = const { RefCell::new(None) };
}

/// Milliseconds on the page's monotonic clock.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

pub fn set(token: String, expires_in_secs: u64, bound: bool) {
    let lifetime_ms = expires_in_secs as f64 * 1000.0;
    let expires_at_ms = now_ms() + lifetime_ms;
    HELD.with(|held| {
        *held.borrow_mut() = Some(Held {
            token,
            bound,
            lifetime_ms,
            expires_at_ms,
            ath: None,
        })
    });
}

pub fn clear() {
    HELD.with(|held| *held.borrow_mut() = None);
}

/// The token, if one is held, and whether it is device-bound. Only the request code calls
/// this, to put it in an `Authorization` header (and a bound token's hash in its proof).
pub fn held() -> Option<(String, bool)> {
    HELD.with(|held| {
        held.borrow()
            .as_ref()
            .map(|held| (held.token.clone(), held.bound))
    })
}

/// The `ath` worked out for `token`, if that is still the token held.
pub fn ath(token: &str) -> Option<String> {
    HELD.with(|held| {
        held.borrow()
            .as_ref()
            .filter(|held| held.token == token)
            .and_then(|held| held.ath.clone())
    })
}

/// Keeps `ath` for the next proofs made with `token`, unless a new token came meanwhile.
pub fn keep_ath(token: &str, ath: &str) {
    HELD.with(|held| {
        if let Some(held) = held.borrow_mut().as_mut().filter(|held| held.token == token) {
            held.ath = Some(ath.to_string());
        }
    })
}

/// True without a token, or when less than `margin_ms` (at most a fifth of the token's
/// life) is left before it expires.
pub fn is_stale(margin_ms: f64) -> bool {
    HELD.with(|held| {
        held.borrow()
            .as_ref()
            .is_none_or(|held| held.expires_at_ms - now_ms() < margin_ms.min(held.lifetime_ms / 5.0))
    })
}
