//! Passkeys in the browser. WebAuthn goes through `navigator.credentials` with the options and
//! the results in their JSON forms (`PublicKeyCredential.parse…OptionsFromJSON()`,
//! `toJSON()`), so what the server sends passes through untouched and nothing here decodes
//! WebAuthn's binary. Everything is feature-detected: a browser without passkeys shows no
//! passkey buttons, and one without autofill gets the button alone.

mod browser;
mod signal;

use js_sys::JSON;
use wasm_bindgen::JsValue;
use web_sys::AbortSignal;

use browser::{ceremony, conditional_create_available, get};
pub use browser::{autofill_available, supported};
pub use signal::all_accepted;

use super::{
    ApiError, Auth,
    http::{Method, authorized, start_session_with},
    json,
};
use crate::contract::{ErrorCode, FromJson, PasskeyView};

/// Why a passkey ceremony gave nothing.
pub enum PasskeyError {
    /// The server refused, or could not be reached.
    Api(ApiError),
    /// The user closed the browser's dialog, it timed out, or the page aborted it.
    Cancelled,
    /// This authenticator holds a passkey for the account already.
    AlreadyRegistered,
    /// The browser has no passkeys (or refused for another reason).
    Unsupported,
}

impl From<ApiError> for PasskeyError {
    fn from(error: ApiError) -> Self {
        PasskeyError::Api(error)
    }
}

impl PasskeyError {
    /// As the forms show a refusal.
    pub fn into_api_error(self) -> ApiError {
        let refused = |message: &str| ApiError::Refused {
            code: ErrorCode::Unrecognised,
            message: message.to_string(),
        };
        match self {
            PasskeyError::Api(error) => error,
            PasskeyError::Cancelled => refused("No passkey was used: the browser's dialog was closed."),
            PasskeyError::AlreadyRegistered => {
                refused("This device already holds a passkey for your account.")
            }
            PasskeyError::Unsupported => refused("This browser cannot use passkeys here."),
        }
    }
}

/// Where this browser remembers having offered an account a passkey: once, never again.
const OFFERED: &str = "latch.passkey-offered";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Whether this browser has offered the account a passkey already; marks it offered.
pub fn offer_once(user_id: &str) -> bool {
    let key = format!("{OFFERED}:{user_id}");
    let Some(storage) = storage() else {
        return false;
    };
    let first = storage.get_item(&key).ok().flatten().is_none();
    let _ = storage.set_item(&key, "1");
    first
}

/// After a password sign-in: where the browser offers conditional create, a passkey is made
/// quietly (the browser decides whether the user agreed to it); elsewhere nothing happens here.
pub async fn add_quietly(auth: Auth) {
    if supported() && conditional_create_available().await {
        let _ = add(auth, None, Some("conditional")).await;
    }
}

/// `{ceremony, publicKey}` as the server sent it.
struct Ceremony {
    id: String,
    public_key: JsValue,
}

fn ceremony_of(json: &JsValue) -> Option<Ceremony> {
    Some(Ceremony {
        id: get(json, "ceremony")?.as_string()?,
        public_key: get(json, "publicKey")?,
    })
}

/// The finishing body: the ceremony's id and the credential's JSON, as it came, and any
/// other members (strings: a name, a link's token).
fn finish_body(ceremony: &str, credential: &str, others: &[(&str, &str)]) -> String {
    let quote = |text: &str| {
        JSON::stringify(&JsValue::from_str(text))
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default()
    };
    let others: String = others
        .iter()
        .map(|(name, value)| format!(",{}:{}", quote(name), quote(value)))
        .collect();
    format!("{{\"ceremony\":{},\"credential\":{credential}{others}}}", quote(ceremony))
}

/// Asks the server for `{ceremony, publicKey}` without a session (sign-in, a reset link).
async fn public_options(path: &str, body: Option<String>) -> Result<Ceremony, ApiError> {
    let request = gloo_net::http::Request::post(path);
    let sent = match body {
        Some(body) => request
            .header("Content-Type", "application/json")
            .body(body)
            .map_err(|_| ApiError::Unavailable)?
            .send()
            .await,
        None => request.send().await,
    };
    let response = sent.map_err(|_| ApiError::Unavailable)?;
    if !response.ok() {
        return Err(super::http::error_of(response).await);
    }
    let json = json::parse(response).await.ok_or(ApiError::Unavailable)?;
    ceremony_of(&json).ok_or(ApiError::Unavailable)
}

/// When the server says no account has the passkey just used, the browser is told to forget
/// it (the Signal API); any other refusal passes through untouched.
fn forget_if_unknown<T>(result: Result<T, ApiError>, credential: &str) -> Result<T, ApiError> {
    if let Err(ApiError::UnknownPasskey { .. }) = &result
        && let Some(id) = JSON::parse(credential)
            .ok()
            .and_then(|json| get(&json, "id"))
            .and_then(|id| id.as_string())
    {
        signal::unknown_credential(&id);
    }
    result
}

/// Options for a sign-in or a re-authentication.
async fn sign_in_options() -> Result<Ceremony, ApiError> {
    public_options("/api/auth/passkey/options", None).await
}

/// Signs in with a passkey, by autofill (`mediation: "conditional"`, until `signal` aborts
/// it) or by the button (no mediation: the browser's own dialog). The session starts exactly
/// as a password sign-in's does, bound to a new device key.
pub async fn sign_in(auth: Auth, autofill: bool, signal: Option<&AbortSignal>) -> Result<(), PasskeyError> {
    let options = sign_in_options().await?;
    let mediation = autofill.then_some("conditional");
    let credential = ceremony(false, &options.public_key, mediation, signal).await?;
    let body = finish_body(&options.id, &credential, &[]);
    forget_if_unknown(start_session_with(auth, "/api/auth/passkey/login", body).await, &credential)?;
    Ok(())
}

/// Re-authenticates this session with a passkey of the account.
pub async fn reauthenticate(auth: Auth) -> Result<(), PasskeyError> {
    let options = sign_in_options().await?;
    let credential = ceremony(false, &options.public_key, None, None).await?;
    let body = finish_body(&options.id, &credential, &[]);
    let answer = authorized(auth, Method::POST, "/api/auth/reauthenticate", Some(body)).await;
    forget_if_unknown(answer, &credential)?;
    Ok(())
}

/// Creates a passkey for the account and registers it; the server names it after the
/// browser unless `name` is given.
pub async fn add(
    auth: Auth,
    name: Option<String>,
    mediation: Option<&str>,
) -> Result<PasskeyView, PasskeyError> {
    let response = authorized(
        auth,
        Method::POST,
        "/api/account/passkeys/options",
        Some("{}".into()),
    )
    .await?;
    let json = json::parse(response).await.ok_or(ApiError::Unavailable)?;
    let options = ceremony_of(&json).ok_or(ApiError::Unavailable)?;
    let credential = ceremony(true, &options.public_key, mediation, None).await?;
    let named: Vec<(&str, &str)> = name.as_deref().map(|name| ("name", name)).into_iter().collect();
    let body = finish_body(&options.id, &credential, &named);
    let response = authorized(auth, Method::POST, "/api/account/passkeys", Some(body)).await?;
    let json = json::parse(response).await.ok_or(ApiError::Unavailable)?;
    Ok(PasskeyView::from_json(&json).ok_or(ApiError::Unavailable)?)
}

/// Uses a reset link (its `token`) to make a new passkey the account's only way in: the
/// server removes the password and every other passkey and ends every session.
pub async fn reset_with_passkey(token: &str) -> Result<(), PasskeyError> {
    let link = finish_link(token);
    let options = public_options("/api/auth/password-reset/passkey/options", Some(link)).await?;
    let credential = ceremony(true, &options.public_key, None, None).await?;
    let body = finish_body(&options.id, &credential, &[("token", token)]);
    let response = gloo_net::http::Request::post("/api/auth/password-reset/passkey")
        .header("Content-Type", "application/json")
        .body(body)
        .map_err(|_| ApiError::Unavailable)?
        .send()
        .await
        .map_err(|_| ApiError::Unavailable)?;
    if !response.ok() {
        return Err(super::http::error_of(response).await.into());
    }
    Ok(())
}

/// `{token}`.
fn finish_link(token: &str) -> String {
    let token = JSON::stringify(&JsValue::from_str(token))
        .ok()
        .and_then(|t| t.as_string())
        .unwrap_or_default();
    format!("{{\"token\":{token}}}")
}
