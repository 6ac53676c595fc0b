//! The smallest IndexedDB the device key needs: one object store of values by name. IndexedDB
//! stores a `CryptoKey` by structured clone, which keeps it non-extractable; no other storage
//! can hold one at all.

use js_sys::{Function, Promise};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

const DATABASE: &str = "latch";
const STORE: &str = "device";

/// Waits for an IndexedDB request to succeed (its result) or fail.
async fn settled(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        let on_success = Closure::once_into_js(move |event: web_sys::Event| {
            let result = event
                .target()
                .and_then(|target| target.dyn_into::<IdbRequest>().ok())
                .and_then(|request| request.result().ok())
                .unwrap_or(JsValue::UNDEFINED);
            let _ = resolve.call1(&JsValue::NULL, &result);
        });
        let on_error = Closure::once_into_js(move |event: web_sys::Event| {
            let _ = reject.call1(&JsValue::NULL, &event);
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await
}

async fn open() -> Result<IdbDatabase, JsValue> {
    let factory = web_sys::window()
        .ok_or(JsValue::NULL)?
        .indexed_db()?
        .ok_or(JsValue::NULL)?;
    let request: IdbOpenDbRequest = factory.open_with_u32(DATABASE, 1)?;
    let on_upgrade = Closure::once_into_js(move |event: web_sys::Event| {
        let database = event
            .target()
            .and_then(|target| target.dyn_into::<IdbRequest>().ok())
            .and_then(|request| request.result().ok())
            .and_then(|result| result.dyn_into::<IdbDatabase>().ok());
        if let Some(database) = database {
            let _ = database.create_object_store(STORE);
        }
    });
    request.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    settled(&request).await?.dyn_into::<IdbDatabase>()
}

/// Whether this browser lets the site open its database at all.
pub async fn usable() -> bool {
    open().await.map(|database| database.close()).is_ok()
}

async fn in_store(
    mode: IdbTransactionMode,
    act: impl FnOnce(&web_sys::IdbObjectStore) -> Result<IdbRequest, JsValue>,
) -> Result<JsValue, JsValue> {
    let database = open().await?;
    let store = database
        .transaction_with_str_and_mode(STORE, mode)?
        .object_store(STORE)?;
    let result = settled(&act(&store)?).await;
    database.close();
    result
}

/// The value stored under `name` (undefined when there is none).
pub async fn get(name: &str) -> Result<JsValue, JsValue> {
    in_store(IdbTransactionMode::Readonly, |store| {
        store.get(&JsValue::from_str(name))
    })
    .await
}

pub async fn put(name: &str, value: &JsValue) -> Result<(), JsValue> {
    in_store(IdbTransactionMode::Readwrite, |store| {
        store.put_with_key(value, &JsValue::from_str(name))
    })
    .await
    .map(drop)
}

pub async fn delete(name: &str) -> Result<(), JsValue> {
    in_store(IdbTransactionMode::Readwrite, |store| {
        store.delete(&JsValue::from_str(name))
    })
    .await
    .map(drop)
}
