//! This browser's device key and the DPoP proofs it signs (RFC 9449). The key is an ECDSA
//! P-256 pair made by WebCrypto as non-extractable: script can ask it to sign, but nothing,
//! not even this code, can read the private key out. It lives in IndexedDB, shared by the
//! site's tabs, and a new one is made at each sign-in. The server binds the session to it, so
//! a copied refresh cookie or access token is useless anywhere else.
//!
//! Latch judges freshness by its nonce (every API response hands out the next one), never by
//! this machine's clock; the product's other services, which hand out none, by `iat`.

use std::cell::RefCell;

use gloo_net::http::Response;
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue, prelude::wasm_bindgen};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, CryptoKeyPair, SubtleCrypto};

use super::{idb, token_store};

/// Where the key is kept in IndexedDB.
const KEY_NAME: &str = "key";

#[derive(Clone)]
struct DeviceKey {
    private: CryptoKey,
    /// The public key as the proof header's `jwk`: `{"crv","kty","x","y"}` in JSON.
    jwk: String,
}

/// The User Timing entries the proofs leave: how long making each took, and for which request.
const PROOF_TIMING: &str = "latch:dpop-proof";

thread_local! {
    static KEY: RefCell<Option<DeviceKey>> = const { RefCell::new(None) };
    /// The read from IndexedDB under way (its stored value), for everyone who needs the key
    /// meanwhile. A promise, since a promise can be awaited by any number of callers.
    static LOADING: RefCell<Option<Promise>> = const { RefCell::new(None) };
    static NONCE: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn subtle() -> Option<SubtleCrypto> {
    let window = web_sys::window()?;
    window.is_secure_context().then_some(())?;
    Some(window.crypto().ok()?.subtle())
}

fn object(pairs: &[(&str, &str)]) -> Object {
    let object = Object::new();
    for (name, value) in pairs {
        let _ = Reflect::set(&object, &JsValue::from_str(name), &JsValue::from_str(value));
    }
    object
}

fn stringify(object: &Object) -> Option<String> {
    js_sys::JSON::stringify(object).ok()?.as_string()
}

/// `bytes` in base64url without padding (the encoding of a JWS), by the browser's `btoa`: one
/// byte per character in, standard base64 out.
fn base64url(bytes: &[u8]) -> Option<String> {
    let binary: String = bytes.iter().copied().map(char::from).collect();
    let standard = web_sys::window()?.btoa(&binary).ok()?;
    let url_safe = standard.trim_end_matches('=').chars().map(|c| match c {
        '+' => '-',
        '/' => '_',
        c => c,
    });
    Some(url_safe.collect())
}

async fn bytes_of(promise: Result<js_sys::Promise, JsValue>) -> Option<Vec<u8>> {
    let buffer = JsFuture::from(promise.ok()?).await.ok()?;
    Some(Uint8Array::new(&buffer).to_vec())
}

/// Makes a new key for this browser, replacing any earlier one. False when the browser cannot
/// (no WebCrypto or IndexedDB): the sign-in then goes without a key, and the server's policy
/// decides.
pub async fn new_key() -> bool {
    let made = async {
        let subtle = subtle()?;
        let algorithm = object(&[("name", "ECDSA"), ("namedCurve", "P-256")]);
        let usages = Array::of1(&JsValue::from_str("sign"));
        let generated = subtle.generate_key_with_object(&algorithm, false, &usages).ok()?;
        // A dictionary in WebIDL, not a class: there is nothing to check `instanceof` against.
        let pair: CryptoKeyPair = JsFuture::from(generated).await.ok()?.unchecked_into();
        let exported = JsFuture::from(subtle.export_key("jwk", &pair.get_public_key()).ok()?)
            .await
            .ok()?;
        let field = |name: &str| {
            Reflect::get(&exported, &JsValue::from_str(name))
                .ok()?
                .as_string()
        };
        let jwk = stringify(&object(&[
            ("crv", "P-256"),
            ("kty", "EC"),
            ("x", &field("x")?),
            ("y", &field("y")?),
        ]))?;
        let stored = object(&[("jwk", &jwk)]);
        Reflect::set(&stored, &JsValue::from_str("privateKey"), &pair.get_private_key()).ok()?;
        idb::put(KEY_NAME, &stored).await.ok()?;
        Some(DeviceKey {
            private: pair.get_private_key(),
            jwk,
        })
    };
    let key = made.await;
    let made_one = key.is_some();
    LOADING.with(|slot| *slot.borrow_mut() = None);
    KEY.with(|slot| *slot.borrow_mut() = key);
    made_one
}

/// Starts reading the key from IndexedDB. Called while the page hydrates, so the silent
/// refresh that follows finds the key read instead of waiting for the database.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn preload() {
    if KEY.with(|slot| slot.borrow().is_none()) {
        let _ = loading();
    }
}

fn loading() -> Promise {
    LOADING.with(|slot| {
        slot.borrow_mut()
            .get_or_insert_with(|| {
                // The database is asked at once; the promise drives the rest from now on,
                // awaited or not, and never rejects (a failed read finds no key), so an
                // unawaited one leaves no uncaught error.
                let stored = idb::get(KEY_NAME);
                wasm_bindgen_futures::future_to_promise(async move {
                    Ok(stored.await.unwrap_or(JsValue::UNDEFINED))
                })
            })
            .clone()
    })
}

fn device_key(stored: &JsValue) -> Option<DeviceKey> {
    let private = Reflect::get(stored, &JsValue::from_str("privateKey"))
        .ok()?
        .dyn_into()
        .ok()?;
    let jwk = Reflect::get(stored, &JsValue::from_str("jwk"))
        .ok()?
        .as_string()?;
    Some(DeviceKey { private, jwk })
}

/// The key, from memory or IndexedDB.
async fn key() -> Option<DeviceKey> {
    if let Some(key) = KEY.with(|slot| slot.borrow().clone()) {
        return Some(key);
    }
    let loading = loading();
    let key = JsFuture::from(loading.clone())
        .await
        .ok()
        .and_then(|stored| device_key(&stored));
    // Kept only if no new key and no reload came meanwhile: the read may predate either.
    LOADING.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.as_ref().is_some_and(|current| Object::is(current, &loading)) {
            *slot = None;
            KEY.with(|held| *held.borrow_mut() = key.clone());
        }
    });
    key
}

/// Whether this browser can hold a key but has none: its site storage was cleared while the
/// cookie stayed. A refresh could only fail, so the user is asked to sign in instead. A
/// browser without IndexedDB never kept a key, so its (unbound) session lost nothing.
pub async fn key_lost() -> bool {
    subtle().is_some() && key().await.is_none() && idb::usable().await
}

/// Forgets the key held in memory, so the next proof reads IndexedDB (another tab signed in
/// and made a new one).
pub fn reload() {
    LOADING.with(|slot| *slot.borrow_mut() = None);
    KEY.with(|slot| *slot.borrow_mut() = None);
}

/// Deletes the key (after signing out): the next session gets a new one.
pub async fn forget() {
    reload();
    let _ = idb::delete(KEY_NAME).await;
}

/// The nonce to use next: the latest a response handed out, else the page's own.
fn nonce() -> Option<String> {
    NONCE.with(|slot| slot.borrow().clone()).or_else(|| {
        let meta = document_meta()?;
        NONCE.with(|slot| *slot.borrow_mut() = Some(meta.clone()));
        Some(meta)
    })
}

fn document_meta() -> Option<String> {
    web_sys::window()?
        .document()?
        .query_selector("meta[name=dpop-nonce]")
        .ok()??
        .get_attribute("content")
}

/// Keeps the nonce a response handed out, for the next proof.
pub fn remember_nonce(response: &Response) {
    if let Some(nonce) = response.headers().get("dpop-nonce") {
        NONCE.with(|slot| *slot.borrow_mut() = Some(nonce));
    }
}

#[wasm_bindgen]
extern "C" {
    /// `performance.measure(name, {start})`: a User Timing entry from `start` until now.
    #[wasm_bindgen(js_namespace = performance, js_name = measure, catch)]
    fn measure(name: &str, options: &Object) -> Result<JsValue, JsValue>;
}

/// Whether `url` is on another origin (one of the product's own services): an absolute URL.
/// Paths are on this origin.
pub fn is_elsewhere(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

/// A proof for `method path` (covering `access_token` on API calls), or `None` without a key.
/// `path` may be an absolute URL on another origin: the proof names it, and carries no nonce
/// (nonces are Latch's, for Latch).
/// Each one is timed as a User Timing entry named for the request (`latch:dpop-proof GET
/// /api/me`; never the token or the proof), so what device binding costs per call can be read
/// in a real browser.
pub async fn proof(method: &str, path: &str, access_token: Option<&str>) -> Option<String> {
    let start = token_store::now_ms();
    let proof = signed_proof(method, path, access_token).await?;
    let since = Object::new();
    let _ = Reflect::set(&since, &JsValue::from_str("start"), &JsValue::from_f64(start));
    let _ = measure(&format!("{PROOF_TIMING} {method} {path}"), &since);
    Some(proof)
}

async fn signed_proof(method: &str, path: &str, access_token: Option<&str>) -> Option<String> {
    let key = key().await?;
    let subtle = subtle()?;
    let elsewhere = is_elsewhere(path);
    let htu = match elsewhere {
        true => path.split(['?', '#']).next().unwrap_or(path).to_string(),
        false => format!("{}{path}", web_sys::window()?.location().origin().ok()?),
    };
    let jti = web_sys::window()?.crypto().ok()?.random_uuid();
    let claims = object(&[("htm", method), ("htu", &htu), ("jti", &jti)]);
    // Latch judges freshness by its nonce; another service, by this time.
    let iat = JsValue::from_f64((js_sys::Date::now() / 1000.0).floor());
    Reflect::set(&claims, &JsValue::from_str("iat"), &iat).ok()?;
    if let Some(nonce) = nonce().filter(|_| !elsewhere) {
        Reflect::set(&claims, &JsValue::from_str("nonce"), &JsValue::from_str(&nonce)).ok()?;
    }
    if let Some(token) = access_token {
        let ath = match token_store::ath(token) {
            Some(ath) => ath,
            None => {
                let digest = subtle.digest_with_str_and_u8_array("SHA-256", token.as_bytes());
                let ath = base64url(&bytes_of(digest).await?)?;
                token_store::keep_ath(token, &ath);
                ath
            }
        };
        Reflect::set(&claims, &JsValue::from_str("ath"), &JsValue::from_str(&ath)).ok()?;
    }
    let claims = stringify(&claims)?;
    let header = format!(r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{}}}"#, key.jwk);
    let input = format!(
        "{}.{}",
        base64url(header.as_bytes())?,
        base64url(claims.as_bytes())?
    );
    let algorithm = object(&[("name", "ECDSA"), ("hash", "SHA-256")]);
    let signature =
        bytes_of(subtle.sign_with_object_and_u8_array(&algorithm, &key.private, input.as_bytes())).await?;
    Some(format!("{input}.{}", base64url(&signature)?))
}
