//! The browser's WebAuthn, reached through `Reflect` (web-sys's bindings lag the JSON forms):
//! feature detection, and one ceremony (`navigator.credentials.create()` or `.get()`) from
//! the server's options JSON to the credential's JSON text.

use js_sys::{Function, JSON, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

use super::PasskeyError;

pub(super) fn get(target: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(target, &JsValue::from_str(name))
        .ok()
        .filter(|value| !value.is_undefined() && !value.is_null())
}

pub(super) fn public_key_credential() -> Option<JsValue> {
    get(&web_sys::window()?.into(), "PublicKeyCredential")
}

/// Whether this browser can make and use passkeys from the server's JSON options.
pub fn supported() -> bool {
    public_key_credential().is_some_and(|class| get(&class, "parseRequestOptionsFromJSON").is_some())
}

/// Calls `PublicKeyCredential[name]()`, a static method answering a promise.
pub(super) async fn static_call(name: &str) -> Option<JsValue> {
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

/// Whether the browser can make a passkey right after a password sign-in without a dialog of
/// its own (`conditionalCreate`: it asks nothing, and shows its own notice if it made one).
pub(super) async fn conditional_create_available() -> bool {
    let Some(capabilities) = static_call("getClientCapabilities").await else {
        return false;
    };
    get(&capabilities, "conditionalCreate")
        .and_then(|c| c.as_bool())
        .unwrap_or(false)
}

/// `navigator.credentials.create()` or `.get()` with `public_key` (the options JSON), answered
/// as the credential's JSON text.
pub(super) async fn ceremony(
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
