//! The one HTTP client of the UI. It adds `Authorization`, refreshes before the access token
//! expires, and on a 401 refreshes once and retries once. It signs the user out only when the
//! server says the session is over; network errors and 5xx keep the user signed in while it
//! retries with backoff.

use std::{cell::RefCell, collections::BTreeMap, time::Duration};

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use gloo_net::http::{Request, RequestBuilder, Response};
use leptos::{ev, prelude::*, task::spawn_local};
use serde::{Deserialize, de::DeserializeOwned};

use super::{
    ApiError, Auth, Notice, Status, User,
    tabs::{self, Message},
    token_store,
};

/// Refresh when less than this much of the token's life is left (or 20% of it, if shorter).
const REFRESH_MARGIN_MS: f64 = 60_000.0;
const MAX_BACKOFF_MS: u64 = 30_000;

#[derive(Deserialize)]
struct SessionBody {
    access_token: String,
    expires_in: u64,
    user: User,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    message: String,
    #[serde(default)]
    fields: BTreeMap<String, String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refreshed {
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

/// After hydration: restore the session silently, and keep it fresh when the page comes back
/// to the foreground or the network returns.
pub(super) fn start(auth: Auth) {
    spawn_local(restore(auth));
    tabs::listen(move |message| match message {
        // Another tab signed out (or found the session over): follow without asking.
        Message::SignedOut => {
            if !matches!(auth.status.get_untracked(), Status::SignedOut(_)) {
                signed_out(auth, None);
            }
        }
        // Another tab signed in: pick the session up from the shared cookie.
        Message::SignedIn => {
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
    let mut delay_ms = 1_000;
    while refresh(auth).await == Refreshed::Unreachable {
        sleep(delay_ms).await;
        delay_ms = (delay_ms * 2).min(MAX_BACKOFF_MS);
    }
}

fn is_stale() -> bool {
    token_store::is_stale(REFRESH_MARGIN_MS)
}

/// One refresh at a time per tab; concurrent callers share its outcome.
async fn refresh(auth: Auth) -> Refreshed {
    let flight = IN_FLIGHT.with(|slot| {
        slot.borrow_mut()
            .get_or_insert_with(|| refresh_now(auth).boxed_local().shared())
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

/// One refresh request, made while no other tab of this browser is refreshing.
async fn refresh_now(auth: Auth) -> Refreshed {
    tabs::exclusively(refresh_request(auth)).await
}

async fn refresh_request(auth: Auth) -> Refreshed {
    let response = match Request::post("/api/auth/refresh").send().await {
        Ok(response) => response,
        Err(_) => return unreachable(auth),
    };
    match response.status() {
        200 => match response.json::<SessionBody>().await {
            Ok(session) => {
                accept(auth, session);
                Refreshed::SignedIn
            }
            Err(_) => unreachable(auth),
        },
        401 => {
            let code = response
                .json::<ErrorBody>()
                .await
                .map(|body| body.error)
                .unwrap_or_default();
            let notice = match code.as_str() {
                "refresh_token_reuse" => Some(Notice::SessionReused),
                "session_expired" => Some(Notice::SessionExpired),
                "session_revoked" | "invalid_refresh_token"
                    if matches!(auth.status.get_untracked(), Status::SignedIn(_)) =>
                {
                    Some(Notice::SessionRevoked)
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

/// Takes a new session: the token into the store, the user into the UI, the next refresh
/// onto the timer.
fn accept(auth: Auth, session: SessionBody) {
    token_store::set(session.access_token, session.expires_in);
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

async fn sleep(ms: u64) {
    let (done, wait) = futures::channel::oneshot::channel::<()>();
    set_timeout(
        move || {
            let _ = done.send(());
        },
        Duration::from_millis(ms),
    );
    let _ = wait.await;
}

async fn error_of(response: Response) -> ApiError {
    let status = response.status();
    match response.json::<ErrorBody>().await {
        Ok(body) if status == 422 && !body.fields.is_empty() => ApiError::Fields(body.fields),
        Ok(body) if status < 500 => ApiError::Refused {
            code: body.error,
            message: body.message,
        },
        _ => ApiError::Unavailable,
    }
}

/// Sign-in and sign-up share this: send credentials, take the session.
async fn credentials(auth: Auth, path: &str, email: &str, password: &str) -> Result<(), ApiError> {
    #[derive(serde::Serialize)]
    struct Credentials<'a> {
        email: &'a str,
        password: &'a str,
    }
    let request = Request::post(path)
        .json(&Credentials { email, password })
        .map_err(|_| ApiError::Unavailable)?;
    let response = request.send().await.map_err(|_| ApiError::Unavailable)?;
    if response.ok() {
        let session = response
            .json::<SessionBody>()
            .await
            .map_err(|_| ApiError::Unavailable)?;
        accept(auth, session);
        Ok(())
    } else {
        Err(error_of(response).await)
    }
}

pub async fn sign_in(auth: Auth, email: &str, password: &str) -> Result<(), ApiError> {
    credentials(auth, "/api/auth/login", email, password).await
}

pub async fn sign_up(auth: Auth, email: &str, password: &str) -> Result<(), ApiError> {
    credentials(auth, "/api/auth/signup", email, password).await
}

/// Revokes the session on the server, then forgets it here. If the server cannot be
/// reached the user stays signed in (and is told), since the cookie would still work.
pub async fn sign_out(auth: Auth) -> Result<(), ApiError> {
    let response = Request::post("/api/auth/logout")
        .send()
        .await
        .map_err(|_| ApiError::Unavailable)?;
    if response.status() >= 500 {
        return Err(ApiError::Unavailable);
    }
    signed_out(auth, None);
    tabs::announce(Message::SignedOut);
    Ok(())
}

/// An authenticated request with an optional JSON body, for actions answered with 204.
pub async fn send_json(
    auth: Auth,
    method: &'static str,
    path: &str,
    body: Option<serde_json::Value>,
) -> Result<(), ApiError> {
    authorized(
        auth,
        || {
            let builder = match method {
                "DELETE" => Request::delete(path),
                _ => Request::post(path),
            };
            match &body {
                Some(_) => builder.header("Content-Type", "application/json"),
                None => builder,
            }
        },
        body.as_ref(),
    )
    .await
    .map(drop)
}

/// An authenticated GET of JSON.
pub async fn get_json<T: DeserializeOwned>(auth: Auth, path: &str) -> Result<T, ApiError> {
    let response = authorized(auth, || Request::get(path), None).await?;
    response.json::<T>().await.map_err(|_| ApiError::Unavailable)
}

/// Sends with the access token (refreshing first if it is stale); on a 401, refreshes once
/// and retries once.
async fn authorized(
    auth: Auth,
    build: impl Fn() -> RequestBuilder,
    body: Option<&serde_json::Value>,
) -> Result<Response, ApiError> {
    for attempt in 0..2 {
        if attempt == 1 || is_stale() {
            match refresh(auth).await {
                Refreshed::SignedIn => {}
                Refreshed::SignedOut => return Err(ApiError::SignedOut),
                Refreshed::Unreachable => return Err(ApiError::Unavailable),
            }
        }
        let Some(bearer) = token_store::bearer() else {
            return Err(ApiError::SignedOut);
        };
        let builder = build().header("Authorization", &bearer);
        let sent = match body {
            Some(body) => {
                builder
                    .body(body.to_string())
                    .map_err(|_| ApiError::Unavailable)?
                    .send()
                    .await
            }
            None => builder.send().await,
        };
        let response = sent.map_err(|_| ApiError::Unavailable)?;
        match response.status() {
            401 => continue,
            status if status >= 500 => return Err(ApiError::Unavailable),
            status if status >= 400 => return Err(error_of(response).await),
            _ => return Ok(response),
        }
    }
    Err(ApiError::SignedOut)
}
