//! The WebAuthn Signal API: telling the browser's passkey manager what this site no longer
//! accepts, so it stops offering passkeys that can only fail. Feature-detected; a browser
//! without it is told nothing, and its answer (a promise) changes nothing here.

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, spawn_local};

use super::browser::{get, public_key_credential};

/// A passkey the server has no account for (deleted, or its account gone): the browser may
/// hide or remove it. Only ever after the server said so, never after a refusal of another
/// kind (a counter that went backwards is a known passkey, and a clone of it must not make
/// the owner's disappear).
pub fn unknown_credential(credential_id: &str) {
    signal(
        "signalUnknownCredential",
        &[("credentialId", JsValue::from_str(credential_id))],
    );
}

/// Every passkey the account has, as the server lists them: any other the browser holds for
/// this user handle is one the server no longer accepts.
pub fn all_accepted(user_handle: &str, credential_ids: &[String]) {
    let ids: Array = credential_ids.iter().map(|id| JsValue::from_str(id)).collect();
    signal(
        "signalAllAcceptedCredentials",
        &[
            ("userId", JsValue::from_str(user_handle)),
            ("allAcceptedCredentialIds", ids.into()),
        ],
    );
}

/// Calls `PublicKeyCredential[name]({rpId, ...members})` if the browser has it.
fn signal(name: &str, members: &[(&str, JsValue)]) {
    let Some(class) = public_key_credential() else {
        return;
    };
    let Some(method) = get(&class, name).and_then(|method| method.dyn_into::<Function>().ok()) else {
        return;
    };
    let Some(rp_id) = web_sys::window().and_then(|window| window.location().hostname().ok()) else {
        return;
    };
    let options = Object::new();
    let _ = Reflect::set(&options, &"rpId".into(), &JsValue::from_str(&rp_id));
    for (member, value) in members {
        let _ = Reflect::set(&options, &JsValue::from_str(member), value);
    }
    if let Some(promise) = method
        .call1(&class, &options)
        .ok()
        .and_then(|answer| answer.dyn_into::<Promise>().ok())
    {
        // Awaited only so that a refusal is not reported as unhandled.
        spawn_local(async move {
            let _ = JsFuture::from(promise).await;
        });
    }
}
