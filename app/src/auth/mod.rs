//! Who is signed in, as the UI sees it. The access token itself never leaves `token_store`,
//! which nothing outside this module can reach: pages get the user and the calls below.
//!
//! **The client API** a product's pages build on (Latch's own pages use exactly these;
//! `crate::notes` is the worked example):
//! - `use_auth()` → [`Auth`]: `status` ([`Status`]: checking, signed in as a [`User`], or
//!   signed out and why), `reconnecting` (the server is unreachable; nobody is signed out);
//!   [`sign_out`].
//! - `components::RequireAuth`: wraps a protected page; a signed-out visitor goes to
//!   `/login?next=<here>` and comes back after signing in.
//! - Calls to your own API on this origin: [`get_json`], [`send_json`], [`send`],
//!   [`get_text`] (and `components::Loaded` for a list a page shows). Each attaches the access
//!   token and, for a device-bound session, a DPoP proof for that method and URL; refreshes
//!   first when the token is stale (one refresh at a time, shared by every caller and tab);
//!   on a 401 refreshes and retries once, and on `use_dpop_nonce` retries once with the new
//!   nonce. A server that cannot be reached is [`ApiError::Unavailable`], never a sign-out.
//! - Calls to your own services on other origins: the same functions with an absolute URL on
//!   one of [`service_origins`] (`LATCH_SERVICE_ORIGINS`, which the page's CSP allows). The
//!   proof names that URL; the service checks token and proof with `latch-verify` (see
//!   `server/examples/second_service`) and answers this origin's pages (CORS).
//!
//! ```ignore
//! let auth = use_auth();
//! let notes = Loaded::<Vec<Note>>::new(auth, "/api/notes"); // FromJson
//! spawn_local(async move {
//!     match send_json(auth, Method::POST, "/api/notes", &NewNote { text: Some(text) }).await {
//!         Ok(()) => notes.reload(),
//!         Err(ApiError::Fields(problems)) => { /* show them by their fields */ }
//!         Err(other) => { /* other.message() says it in words */ }
//!     }
//! });
//! ```

mod blocked;
mod dpop;
mod http;
mod idb;
mod json;
mod link;
pub mod passkeys;
mod session;
mod tabs;
mod token_store;

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::contract::ErrorCode;
pub use crate::contract::User;
pub use blocked::{BlockedAttempt, check as check_blocked_attempts, dismiss as dismiss_blocked_attempt};
pub use http::{
    Method, SignedUp, get_json, get_text, post_public, send, send_json, sign_in, sign_out, sign_up, verify_email,
};
pub use link::{LINK_SCRIPT, take_link_token};
pub use session::{account_deleted, recheck};

/// Why the user is signed out, when the server told us.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// A stolen refresh token was detected and the session revoked.
    Reused,
    Expired,
    /// Signed out elsewhere (another device, the sessions page).
    Revoked,
    /// The browser sent two refresh cookies, one maybe planted by a sibling subdomain.
    DuplicatedCookie,
    /// The user deleted the account, from this tab.
    AccountDeleted,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Not known yet: rendered by the server and until the silent refresh answers.
    Checking,
    SignedIn(User),
    SignedOut(Option<Notice>),
}

/// Shared auth state, provided once by `App`.
#[derive(Clone, Copy)]
pub struct Auth {
    pub status: RwSignal<Status>,
    /// The server could not be reached; the client keeps the user signed in and retries.
    pub reconnecting: RwSignal<bool>,
    /// Someone tried this session without the browser's key and was blocked.
    pub blocked: RwSignal<Option<BlockedAttempt>>,
}

/// What went wrong with an API call, in terms the UI can show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// The session is over; the user must sign in.
    SignedOut,
    /// Field-by-field problems with what the user entered.
    Fields(BTreeMap<String, String>),
    /// A refusal with the server's explanation (wrong password, throttled, …).
    Refused { code: ErrorCode, message: String },
    /// A passkey no account here has (401 `invalid_credentials` with `fields.credential`).
    UnknownPasskey { message: String },
    /// The server or network is down for now; worth retrying.
    Unavailable,
}

impl ApiError {
    pub fn message(&self) -> String {
        match self {
            ApiError::SignedOut => "Your session has ended. Sign in again.".into(),
            ApiError::Fields(_) => "Please correct the highlighted fields.".into(),
            ApiError::Refused { message, .. } | ApiError::UnknownPasskey { message } => message.clone(),
            ApiError::Unavailable => "Cannot reach Latch right now. Please try again in a moment.".into(),
        }
    }
}

/// Creates the auth state and, in the browser, starts the silent refresh after hydration.
pub fn provide_auth() -> Auth {
    let auth = Auth {
        status: RwSignal::new(Status::Checking),
        reconnecting: RwSignal::new(false),
        blocked: RwSignal::new(None),
    };
    provide_context(auth);
    // This runs as hydration begins: the device key is read from IndexedDB while the page
    // hydrates, ready for the silent refresh that starts once it has.
    #[cfg(target_arch = "wasm32")]
    dpop::preload();
    // Effects run only in the browser, after hydration, so the server never renders a guess.
    Effect::new(move |started: Option<()>| {
        if started.is_none() {
            session::start(auth);
        }
    });
    auth
}

/// The product's own services this page may call (`LATCH_SERVICE_ORIGINS`): what the server
/// rendered, so the page hydrates as it was rendered.
pub fn service_origins() -> Vec<String> {
    #[cfg(feature = "ssr")]
    let origins = use_context::<crate::ServiceOrigins>().map(|origins| origins.0);
    #[cfg(not(feature = "ssr"))]
    let origins = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.query_selector("meta[name=service-origins]").ok().flatten())
        .and_then(|meta| meta.get_attribute("content"))
        .map(|content| content.split_whitespace().map(str::to_string).collect());
    origins.unwrap_or_default()
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// Accepts only same-origin paths for `?next=`, so sign-in cannot be turned into an open
/// redirect (`//evil.example`, `https://…`, `/\evil` all fall back to `/account`).
pub fn safe_next(next: Option<String>) -> String {
    next.filter(|next| {
        next.starts_with('/')
            && !next.starts_with("//")
            && !next.starts_with("/\\")
            && !next.chars().any(|c| c.is_control() || c == '\\')
    })
    .unwrap_or_else(|| "/account".to_string())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/account?tab=1".into())), "/account?tab=1");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "account",
            "/\tx",
        ] {
            assert_eq!(safe_next(Some(bad.into())), "/account", "{bad}");
        }
        assert_eq!(safe_next(None), "/account");
    }
}
