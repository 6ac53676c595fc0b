//! The session's life cycle in this tab: the silent refresh after hydration, the proactive
//! refresh before the access token expires, following the other tabs, and signing out when
//! the server says the session is over. Network errors and 5xx keep the user signed in while
//! it retries with backoff.

use std::{cell::RefCell, time::Duration};

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use gloo_net::http::Request;
use gloo_timers::future::sleep;
use leptos::{ev, prelude::*, task::spawn_local};

use super::{
    ApiError, Auth, Notice, Status, User, blocked, dpop, http, json,
    tabs::{self, Message},
    token_store,
};
use crate::contract::{ErrorBody, ErrorCode, SessionBody, TokenType};

/// Refresh when less than this much of the token's life is left (or 20% of it, if shorter).
const REFRESH_MARGIN_MS: f64 = 60_000.0;
/// Retries of an unanswered refresh start here and double: 0.5, 1, 2 and 4 s, so the first
/// four land within 7.5 s, inside the server's grace window (10 s by default) in which the
/// retired token still yields the same successor. A response lost for longer than the window
/// cannot be told from theft, and ends the session.
const FIRST_RETRY: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refreshed {
    SignedIn,
    SignedOut,
    /// No answer from the server (network error or 5xx): nothing changed.
    Unreachable,
}

thread_local! {
    /// The refresh in progress, shared by everyone who asks meanwhile (single flight).
    static IN_FLIGHT: RefCell<Option<Shared<LocalBoxFuture<'static, Refreshed>>>> = const { RefCell::new(None) };
    /// The timer for the next proactive refresh.
    static TIMER: RefCell<Option<TimeoutHandle>> = const { RefCell::new(None) };
}

/// After hydration: restore the session silently, follow the other tabs, and keep the
/// session fresh when the page comes back to the foreground or the network returns.
pub fn start(auth: Auth) {
    spawn_local(restore(auth));
    tabs::listen(move |message| match message {
        // Another tab signed out (or found the session over): follow without asking.
        Message::SignedOut => {
            dpop::reload();
            if !matches!(auth.status.get_untracked(), Status::SignedOut(_)) {
                signed_out(auth, None);
            }
        }
        // Another tab signed in: pick the session up from the shared cookie.
        Message::SignedIn => {
            // It made a new device key; read that one, not the one in memory.
            dpop::reload();
            if !matches!(auth.status.get_untracked(), Status::SignedIn(_)) {
                spawn_local(restore(auth));
            }
        }
    });
    let on_return = move || {
        if matches!(auth.status.get_untracked(), Status::SignedIn(_)) && is_stale() {
            spawn_local(async move {
                refresh(auth).await;
            });
        } else if auth.reconnecting.get_untracked() {
            spawn_local(restore(auth));
        }
    };
    // The handles live as long as the page does.
    std::mem::forget(window_event_listener(ev::visibilitychange, move |_| {
        if document().visibility_state() == web_sys::VisibilityState::Visible {
            on_return();
        }
    }));
    std::mem::forget(window_event_listener(ev::pageshow, move |_| on_return()));
    std::mem::forget(window_event_listener(ev::online, move |_| on_return()));
}

/// Silent refresh with the cookie, retried with backoff while the server is unreachable.
async fn restore(auth: Auth) {
    let mut delay = FIRST_RETRY;
    while refresh(auth).await == Refreshed::Unreachable {
        sleep(delay).await;
        delay = (delay * 2).min(MAX_BACKOFF);
    }
}

/// True when the held access token is missing or about to expire.
pub fn is_stale() -> bool {
    token_store::is_stale(REFRESH_MARGIN_MS)
}

/// One refresh at a time per tab; concurrent callers share its outcome.
pub async fn refresh(auth: Auth) -> Refreshed {
    let flight = IN_FLIGHT.with(|slot| {
        slot.borrow_mut()
            .get_or_insert_with(|| tabs::exclusively(refresh_request(auth)).boxed_local().shared())
            .clone()
    });
    let outcome = flight.clone().await;
    IN_FLIGHT.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.as_ref().is_some_and(|current| current.ptr_eq(&flight)) {
            *slot = None;
        }
    });
    outcome
}

/// One refresh request, made while no other tab of this browser is refreshing, with a proof
/// from the device key (retried once if the server asks for a fresh nonce).
async fn refresh_request(auth: Auth) -> Refreshed {
    const PATH: &str = "/api/auth/refresh";
    if dpop::key_lost().await {
        // Site storage was cleared but not the cookie. Without the key the refresh could only
        // be refused (and recorded as a blocked attempt): ask for a fresh sign-in, no alarm.
        signed_out(auth, None);
        return Refreshed::SignedOut;
    }
    let mut attempts = 0;
    let response = loop {
        attempts += 1;
        let request = http::with_proof(Request::post(PATH), "POST", PATH).await;
        let response = match request.send().await {
            Ok(response) => response,
            Err(_) => return unreachable(auth),
        };
        dpop::remember_nonce(&response);
        if response.status() == 400 {
            let error = http::error_of(response).await;
            if attempts == 1 && http::wants_nonce(&error) {
                continue;
            }
            if let ApiError::Refused { code: ErrorCode::DuplicatedRefreshCookie, .. } = error {
                // Retrying cannot help: the server cleared its cookie; the user signs in again.
                signed_out(auth, Some(Notice::DuplicatedCookie));
                tabs::announce(Message::SignedOut);
                return Refreshed::SignedOut;
            }
            return unreachable(auth);
        }
        break response;
    };
    match response.status() {
        200 => match json::read::<SessionBody>(response).await {
            Some(session) => {
                accept(auth, session);
                blocked::check(auth);
                Refreshed::SignedIn
            }
            None => unreachable(auth),
        },
        401 => {
            let code = json::read::<ErrorBody>(response).await.map(|body| body.error);
            let was_signed_in = matches!(auth.status.get_untracked(), Status::SignedIn(_));
            let notice = match code {
                Some(ErrorCode::RefreshTokenReuse) => Some(Notice::Reused),
                Some(ErrorCode::SessionExpired) => Some(Notice::Expired),
                Some(ErrorCode::SessionRevoked | ErrorCode::InvalidRefreshToken) if was_signed_in => {
                    Some(Notice::Revoked)
                }
                _ => None,
            };
            signed_out(auth, notice);
            tabs::announce(Message::SignedOut);
            Refreshed::SignedOut
        }
        _ => unreachable(auth),
    }
}

fn unreachable(auth: Auth) -> Refreshed {
    auth.reconnecting.set(true);
    Refreshed::Unreachable
}

/// Takes a session from a sign-in or sign-up made in this tab, and tells the other tabs,
/// which then pick it up from the shared cookie.
pub fn signed_in_here(auth: Auth, session: SessionBody) {
    accept(auth, session);
    tabs::announce(Message::SignedIn);
}

/// After a mailed link changed the account (a password reset, a confirmed or undone address
/// change): if this tab is signed in, refresh, so it shows the account as it is now, or learns
/// that its session was ended. Then the user is plainly signed out, without the "signed out
/// from another device" notice, since the page already says what happened. The user this tab
/// is signed in as afterwards, if any (a session of another account is left alone).
pub async fn recheck(auth: Auth) -> Option<User> {
    if !matches!(auth.status.get_untracked(), Status::SignedIn(_)) {
        return None;
    }
    if refresh(auth).await == Refreshed::SignedOut {
        auth.status.set(Status::SignedOut(None));
    }
    match auth.status.get_untracked() {
        Status::SignedIn(user) => Some(user),
        _ => None,
    }
}

/// Forgets everything of an account just deleted from this tab (its session and device key),
/// and tells the other tabs, which sign out as after a sign-out.
pub async fn account_deleted(auth: Auth) {
    signed_out(auth, Some(Notice::AccountDeleted));
    tabs::announce(Message::SignedOut);
    super::dpop::forget().await;
}

/// Forgets the session after a sign-out made in this tab, and tells the other tabs.
pub fn signed_out_here(auth: Auth) {
    signed_out(auth, None);
    tabs::announce(Message::SignedOut);
}

/// Takes a new session: the token into the store, the user into the UI, the next refresh
/// onto the timer.
fn accept(auth: Auth, session: SessionBody) {
    let bound = session.token_type == TokenType::Dpop;
    token_store::set(session.access_token, session.expires_in, bound);
    auth.reconnecting.set(false);
    auth.status.set(Status::SignedIn(session.user));
    let life_ms = session.expires_in as f64 * 1000.0;
    let delay_ms = (life_ms - REFRESH_MARGIN_MS).max(life_ms * 0.8);
    schedule(auth, Duration::from_millis(delay_ms as u64));
}

fn schedule(auth: Auth, delay: Duration) {
    cancel_timer();
    let handle = set_timeout_with_handle(
        move || {
            spawn_local(async move {
                if refresh(auth).await == Refreshed::Unreachable {
                    restore(auth).await;
                }
            });
        },
        delay,
    );
    TIMER.with(|timer| *timer.borrow_mut() = handle.ok());
}

fn cancel_timer() {
    if let Some(handle) = TIMER.with(|timer| timer.borrow_mut().take()) {
        handle.clear();
    }
}

fn signed_out(auth: Auth, notice: Option<Notice>) {
    cancel_timer();
    token_store::clear();
    auth.reconnecting.set(false);
    auth.status.set(Status::SignedOut(notice));
}
