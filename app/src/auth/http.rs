//! The UI's HTTP calls. Authenticated requests carry the access token (refreshed first when
//! it is stale) with a DPoP proof when the token is device-bound and, on a 401, refresh once
//! and retry once; an answer asking for a fresh DPoP nonce is retried once with it. Failures
//! become `ApiError`s the UI can show.

use gloo_net::http::{Request, RequestBuilder, Response};
use wasm_bindgen::JsValue;

pub use gloo_net::http::Method;

use super::{
    ApiError, Auth, dpop, json,
    session::{self, Refreshed},
    token_store,
};
use crate::contract::{Credentials, ErrorBody, ErrorCode, FromJson, LinkToken, SessionBody, ToJson};

/// Whether the server asked for the proof again with the nonce it just handed out.
pub(super) fn wants_nonce(error: &ApiError) -> bool {
    matches!(
        error,
        ApiError::Refused {
            code: ErrorCode::UseDpopNonce,
            ..
        }
    )
}

/// Adds a proof for `method path` from this browser's key, if it has one.
pub(super) async fn with_proof(builder: RequestBuilder, method: &str, path: &str) -> RequestBuilder {
    match dpop::proof(method, path, None).await {
        Some(proof) => builder.header("DPoP", &proof),
        None => builder,
    }
}

/// The request with `body`, JSON text (`json::write`), as its body.
fn with_json(builder: RequestBuilder, body: &str) -> Result<Request, ApiError> {
    builder
        .header("Content-Type", "application/json")
        .body(body)
        .map_err(|_| ApiError::Unavailable)
}

pub(super) async fn error_of(response: Response) -> ApiError {
    let status = response.status();
    match json::read::<ErrorBody>(response).await {
        Some(ErrorBody {
            fields: Some(fields), ..
        }) if status == 422 && !fields.is_empty() => ApiError::Fields(fields),
        Some(ErrorBody {
            fields: Some(fields),
            message,
            ..
        }) if status == 401 && fields.contains_key("credential") => ApiError::UnknownPasskey { message },
        Some(body) if status < 500 => ApiError::Refused {
            code: body.error,
            message: body.message,
        },
        _ => ApiError::Unavailable,
    }
}

/// What a sign-up led to: a session at once (verification off), or a mail to open first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignedUp {
    SignedIn,
    CheckYourEmail,
}

/// Every request that starts a session (sign-in, sign-up, opening a confirmation link) goes
/// through here: make a new device key, send the body with its proof, take the session (bound
/// to the key). A 202 started none: the server mailed a link instead.
async fn start_session(auth: Auth, path: &str, body: &impl ToJson) -> Result<SignedUp, ApiError> {
    start_session_with(auth, path, json::write(body).ok_or(ApiError::Unavailable)?).await
}

/// `start_session` with its body as JSON text (a passkey's assertion, which the browser wrote).
pub(super) async fn start_session_with(auth: Auth, path: &str, body: String) -> Result<SignedUp, ApiError> {
    dpop::new_key().await;
    let mut attempts = 0;
    let response = loop {
        attempts += 1;
        let request = with_json(with_proof(Request::post(path), "POST", path).await, &body)?;
        let response = request.send().await.map_err(|_| ApiError::Unavailable)?;
        dpop::remember_nonce(&response);
        if response.status() == 202 {
            return Ok(SignedUp::CheckYourEmail);
        }
        if response.ok() {
            break response;
        }
        let error = error_of(response).await;
        if !(attempts == 1 && wants_nonce(&error)) {
            return Err(error);
        }
    };
    let session = json::read::<SessionBody>(response)
        .await
        .ok_or(ApiError::Unavailable)?;
    session::signed_in_here(auth, session);
    Ok(SignedUp::SignedIn)
}

fn credentials(email: &str, password: &str) -> Credentials {
    Credentials {
        email: Some(email.to_string()),
        password: Some(password.to_string()),
    }
}

pub async fn sign_in(auth: Auth, email: &str, password: &str) -> Result<(), ApiError> {
    start_session(auth, "/api/auth/login", &credentials(email, password))
        .await
        .map(drop)
}

pub async fn sign_up(auth: Auth, email: &str, password: &str) -> Result<SignedUp, ApiError> {
    start_session(auth, "/api/auth/signup", &credentials(email, password)).await
}

/// Opens a sign-up's confirmation link: like a sign-in, it starts a session bound to a new key.
pub async fn verify_email(auth: Auth, token: String) -> Result<(), ApiError> {
    let body = LinkToken { token: Some(token) };
    start_session(auth, "/api/auth/verify-email", &body)
        .await
        .map(drop)
}

/// A request that needs no session (asking for a reset mail, opening a mailed link), for
/// actions answered with 202 or 204.
pub async fn post_public(path: &str, body: &impl ToJson) -> Result<(), ApiError> {
    let body = json::write(body).ok_or(ApiError::Unavailable)?;
    let request = with_json(Request::post(path), &body)?;
    let response = request.send().await.map_err(|_| ApiError::Unavailable)?;
    dpop::remember_nonce(&response);
    if response.ok() {
        Ok(())
    } else {
        Err(error_of(response).await)
    }
}

/// Revokes the session on the server, then forgets it here. If the server cannot be
/// reached the user stays signed in (and is told), since the cookie would still work.
pub async fn sign_out(auth: Auth) -> Result<(), ApiError> {
    const PATH: &str = "/api/auth/logout";
    for attempt in 0..2 {
        let request = with_proof(Request::post(PATH), "POST", PATH).await;
        let response = request.send().await.map_err(|_| ApiError::Unavailable)?;
        dpop::remember_nonce(&response);
        if response.status() >= 500 {
            return Err(ApiError::Unavailable);
        }
        if attempt == 0 && response.status() == 400 && wants_nonce(&error_of(response).await) {
            continue;
        }
        break;
    }
    session::signed_out_here(auth);
    dpop::forget().await;
    Ok(())
}

/// An authenticated request without a body, for actions answered with 204.
pub async fn send(auth: Auth, method: Method, path: &str) -> Result<(), ApiError> {
    authorized(auth, method, path, None).await.map(drop)
}

/// An authenticated request with a JSON body, for actions answered with 204.
pub async fn send_json(auth: Auth, method: Method, path: &str, body: &impl ToJson) -> Result<(), ApiError> {
    let body = json::write(body).ok_or(ApiError::Unavailable)?;
    authorized(auth, method, path, Some(body)).await.map(drop)
}

/// An authenticated GET of JSON.
pub async fn get_json<T: FromJson>(auth: Auth, path: &str) -> Result<T, ApiError> {
    T::from_json(&get_parsed(auth, path).await?).ok_or(ApiError::Unavailable)
}

/// A GET answered with a body kept as it came (a document to save, not to read).
pub async fn get_text(auth: Auth, path: &str) -> Result<String, ApiError> {
    let response = authorized(auth, Method::GET, path, None).await?;
    response.text().await.map_err(|_| ApiError::Unavailable)
}

/// `get_json`'s requests, compiled once rather than once per type read.
async fn get_parsed(auth: Auth, path: &str) -> Result<JsValue, ApiError> {
    let response = authorized(auth, Method::GET, path, None).await?;
    json::parse(response).await.ok_or(ApiError::Unavailable)
}

/// Sends with the access token (refreshing first if it is stale); on a 401, refreshes once
/// (unless another call already replaced the token) and retries once, or, asked for a fresh
/// DPoP nonce, retries once with it. `path` may be an absolute URL on one of the product's
/// own services: its nonces are not Latch's, and its second 401 is its refusal, not a sign-out.
pub(super) async fn authorized(
    auth: Auth,
    method: Method,
    path: &str,
    body: Option<String>,
) -> Result<Response, ApiError> {
    let mut refreshed = false;
    let mut renonced = false;
    let elsewhere = dpop::is_elsewhere(path);
    loop {
        if session::is_stale() {
            match session::refresh(auth).await {
                Refreshed::SignedIn => {}
                Refreshed::SignedOut => return Err(ApiError::SignedOut),
                Refreshed::Unreachable => return Err(ApiError::Unavailable),
            }
        }
        let Some((token, bound)) = token_store::held() else {
            return Err(ApiError::SignedOut);
        };
        let mut builder = RequestBuilder::new(path).method(method.clone());
        if bound {
            builder = builder.header("Authorization", &format!("DPoP {token}"));
            if let Some(proof) = dpop::proof(method.as_str(), path, Some(&token)).await {
                builder = builder.header("DPoP", &proof);
            }
        } else {
            builder = builder.header("Authorization", &format!("Bearer {token}"));
        }
        let sent = match &body {
            Some(body) => with_json(builder, body)?.send().await,
            None => builder.send().await,
        };
        let response = sent.map_err(|_| ApiError::Unavailable)?;
        if !elsewhere {
            dpop::remember_nonce(&response);
        }
        match response.status() {
            401 => {
                let error = error_of(response).await;
                // A wrong password (re-authentication) is an answer, not an expired token:
                // refreshing and sending it again would only count a second guess.
                if matches!(
                    &error,
                    ApiError::Refused { code: ErrorCode::InvalidCredentials, .. } | ApiError::UnknownPasskey { .. }
                ) {
                    return Err(error);
                }
                if wants_nonce(&error) && !renonced {
                    renonced = true;
                } else if !refreshed {
                    refreshed = true;
                    // Another call met the same expired token and has already refreshed: a
                    // second rotation would only spend a write, so retry with the new token.
                    if token_store::held().is_some_and(|(held, _)| held != token) {
                        continue;
                    }
                    match session::refresh(auth).await {
                        Refreshed::SignedIn => {}
                        Refreshed::SignedOut => return Err(ApiError::SignedOut),
                        Refreshed::Unreachable => return Err(ApiError::Unavailable),
                    }
                } else {
                    return Err(if elsewhere { error } else { ApiError::SignedOut });
                }
            }
            status if status >= 500 => return Err(ApiError::Unavailable),
            status if status >= 400 => return Err(error_of(response).await),
            _ => return Ok(response),
        }
    }
}
