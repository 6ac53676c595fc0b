//! Telling the owner that someone tried their session without this browser's key and was
//! blocked. The server records each attempt as a security event; this tab looks for a new one
//! after each refresh and when an account page opens, and shows it until dismissed (the
//! dismissed attempt's time is kept in `localStorage`, so other tabs and reloads agree).

use std::cell::Cell;

use leptos::{prelude::*, task::spawn_local};

use super::{Auth, http};
use crate::contract::{EventKind, SecurityEventView};

const DISMISSED: &str = "latch.blocked-attempt-seen";

/// A blocked attempt, as the notice names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockedAttempt {
    pub at: String,
    pub device: String,
    pub ip: String,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

thread_local! {
    static CHECKING: Cell<bool> = const { Cell::new(false) };
}

/// Looks for a blocked attempt the user has not dismissed, in the background. A page load asks
/// twice at once (after its silent refresh, and as an account page opens): one request
/// answers both, instead of a second one competing with the page's own data.
pub fn check(auth: Auth) {
    if CHECKING.with(|checking| checking.replace(true)) {
        return;
    }
    spawn_local(async move {
        let events = http::get_json::<Vec<SecurityEventView>>(auth, "/api/security-events").await;
        CHECKING.with(|checking| checking.set(false));
        let Ok(events) = events else {
            return;
        };
        let newest = events
            .into_iter()
            .find(|event| event.kind == EventKind::RefreshWithoutDeviceKey);
        let dismissed = storage().and_then(|storage| storage.get_item(DISMISSED).ok().flatten());
        auth.blocked.set(
            newest
                .filter(|event| dismissed.as_deref() != Some(event.at.as_str()))
                .map(|event| BlockedAttempt {
                    at: event.at,
                    device: event.device,
                    ip: event.ip,
                }),
        );
    });
}

/// The user has seen the notice.
pub fn dismiss(auth: Auth) {
    if let (Some(attempt), Some(storage)) = (auth.blocked.get_untracked(), storage()) {
        let _ = storage.set_item(DISMISSED, &attempt.at);
    }
    auth.blocked.set(None);
}
