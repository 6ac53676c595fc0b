//! Passkeys in the browser. WebAuthn goes through `navigator.credentials` with the options and
//! the results in their JSON forms (`PublicKeyCredential.parse…OptionsFromJSON()`,
//! `toJSON()`), so what the server sends passes through untouched and nothing here decodes
//! WebAuthn's binary. Everything is feature-detected: a browser without passkeys shows no
//! passkey buttons, and one without autofill gets the button alone.

use js_sys::{Function, JSON, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

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

fn get(target: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(target, &JsValue::from_str(name))
        .ok()
        .filter(|value| !value.is_undefined() && !value.is_null())
}

fn public_key_credential() -> Option<JsValue> {
    get(&web_sys::window()?.into(), "PublicKeyCredential")
}

/// Whether this browser can make and use passkeys from the server's JSON options.
pub fn supported() -> bool {
    public_key_credential().is_some_and(|class| get(&class, "parseRequestOptionsFromJSON").is_some())
}

/// Calls `PublicKeyCredential[name]()`, a static method answering a promise.
async fn static_call(name: &str) -> Option<JsValue> {
    let class = public_key_credential()?;
    let method: Function = get(&class, name)?.dyn_into().ok()?;
    let promise: Promise = method.call0(&class).ok()?.dyn_into().ok()?;
    JsFuture::from(promise).await.ok()
}

/// Whether the browser offers passkeys in the address field's autofill (conditional UI).
pub async fn autofill_available() -> bool {
    supported()
        && static_call("isConditionalMediationAvailable")
            .await
            .and_then(|available| available.as_bool())
            .unwrap_or(false)
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

/// Whether the browser can make a passkey right after a password sign-in without a dialog of
/// its own (`conditionalCreate`: it asks nothing, and shows its own notice if it made one).
async fn conditional_create_available() -> bool {
    let Some(capabilities) = static_call("getClientCapabilities").await else {
        return false;
    };
    get(&capabilities, "conditionalCreate")
        .and_then(|c| c.as_bool())
        .unwrap_or(false)
}

/// After a password sign-in: where the browser offers conditional create, a passkey is made
/// quietly (the browser decides whether the user agreed to it); elsewhere nothing happens here.
pub async fn add_quietly(auth: Auth) {
    if supported() && conditional_create_available().await {
        let _ = add(auth, None, Some("conditional")).await;
    }
}

/// `navigator.credentials.create()` or `.get()` with `public_key` (the options JSON), answered
/// as the credential's JSON text.
async fn ceremony(
    create: bool,
    public_key: &JsValue,
    mediation: Option<&str>,
    signal: Option<&AbortSignal>,
) -> Result<String, PasskeyError> {
    let class = public_key_credential().ok_or(PasskeyError::Unsupported)?;
    let parse = if create {
        "parseCreationOptionsFromJSON"
    } else {
        "parseRequestOptionsFromJSON"
    };
    let parse: Function = get(&class, parse)
        .and_then(|parse| parse.dyn_into().ok())
        .ok_or(PasskeyError::Unsupported)?;
    let options = parse
        .call1(&class, public_key)
        .map_err(|_| PasskeyError::Unsupported)?;
    let init = Object::new();
    let set = |name: &str, value: &JsValue| Reflect::set(&init, &JsValue::from_str(name), value);
    let _ = set("publicKey", &options);
    if let Some(mediation) = mediation {
        let _ = set("mediation", &JsValue::from_str(mediation));
    }
    if let Some(signal) = signal {
        let _ = set("signal", signal);
    }
    let window = web_sys::window().ok_or(PasskeyError::Unsupported)?;
    let navigator = get(&window.into(), "navigator").ok_or(PasskeyError::Unsupported)?;
    let credentials = get(&navigator, "credentials").ok_or(PasskeyError::Unsupported)?;
    let method: Function = get(&credentials, if create { "create" } else { "get" })
        .and_then(|method| method.dyn_into().ok())
        .ok_or(PasskeyError::Unsupported)?;
    let promise: Promise = method
        .call1(&credentials, &init)
        .ok()
        .and_then(|promise| promise.dyn_into().ok())
        .ok_or(PasskeyError::Unsupported)?;
    let credential = JsFuture::from(promise).await.map_err(|error| {
        match get(&error, "name").and_then(|name| name.as_string()).as_deref() {
            Some("InvalidStateError") => PasskeyError::AlreadyRegistered,
            Some("NotAllowedError" | "AbortError") => PasskeyError::Cancelled,
            _ => PasskeyError::Unsupported,
        }
    })?;
    let to_json: Function = get(&credential, "toJSON")
        .and_then(|method| method.dyn_into().ok())
        .ok_or(PasskeyError::Unsupported)?;
    let json = to_json
        .call0(&credential)
        .map_err(|_| PasskeyError::Unsupported)?;
    JSON::stringify(&json)
        .ok()
        .and_then(|text| text.as_string())
        .ok_or(PasskeyError::Unsupported)
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

/// The finishing body: the ceremony's id and the credential's JSON, as it came.
fn finish_body(ceremony: &str, credential: &str, name: Option<&str>) -> String {
    let quote = |text: &str| {
        JSON::stringify(&JsValue::from_str(text))
            .ok()
            .and_then(|t| t.as_string())
    };
    let name = name
        .and_then(quote)
        .map(|name| format!(",\"name\":{name}"))
        .unwrap_or_default();
    let ceremony = quote(ceremony).unwrap_or_default();
    format!("{{\"ceremony\":{ceremony},\"credential\":{credential}{name}}}")
}

/// Options for a sign-in or a re-authentication.
async fn sign_in_options() -> Result<Ceremony, ApiError> {
    let path = "/api/auth/passkey/options";
    let response = gloo_net::http::Request::post(path)
        .send()
        .await
        .map_err(|_| ApiError::Unavailable)?;
    if !response.ok() {
        return Err(super::http::error_of(response).await);
    }
    let json = json::parse(response).await.ok_or(ApiError::Unavailable)?;
    ceremony_of(&json).ok_or(ApiError::Unavailable)
}

/// Signs in with a passkey, by autofill (`mediation: "conditional"`, until `signal` aborts
/// it) or by the button (no mediation: the browser's own dialog). The session starts exactly
/// as a password sign-in's does, bound to a new device key.
pub async fn sign_in(auth: Auth, autofill: bool, signal: Option<&AbortSignal>) -> Result<(), PasskeyError> {
    let options = sign_in_options().await?;
    let mediation = autofill.then_some("conditional");
    let credential = ceremony(false, &options.public_key, mediation, signal).await?;
    let body = finish_body(&options.id, &credential, None);
    start_session_with(auth, "/api/auth/passkey/login", body).await?;
    Ok(())
}

/// Re-authenticates this session with a passkey of the account.
pub async fn reauthenticate(auth: Auth) -> Result<(), PasskeyError> {
    let options = sign_in_options().await?;
    let credential = ceremony(false, &options.public_key, None, None).await?;
    let body = finish_body(&options.id, &credential, None);
    authorized(auth, Method::POST, "/api/auth/reauthenticate", Some(body)).await?;
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
    let body = finish_body(&options.id, &credential, name.as_deref());
    let response = authorized(auth, Method::POST, "/api/account/passkeys", Some(body)).await?;
    let json = json::parse(response).await.ok_or(ApiError::Unavailable)?;
    Ok(PasskeyView::from_json(&json).ok_or(ApiError::Unavailable)?)
}
