//! The smallest IndexedDB the device key needs: one object store of values by name. IndexedDB
//! stores a `CryptoKey` by structured clone, which keeps it non-extractable; no other storage
//! can hold one at all.

use std::future::Future;

use js_sys::{Function, Promise};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

const DATABASE: &str = "latch";
const STORE: &str = "device";

/// The request's outcome: its result, or the failure. The handlers are attached at once, so the
/// request may be awaited later without missing its event.
fn settled(request: &IdbRequest) -> JsFuture {
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
    JsFuture::from(promise)
}

/// Opens the database. The request goes out now, not when the future is first polled, so a
/// read started before the page hydrates runs while it does.
fn open() -> impl Future<Output = Result<IdbDatabase, JsValue>> {
    let opened = open_request().map(|request| settled(&request));
    async move { opened?.await?.dyn_into::<IdbDatabase>() }
}

fn open_request() -> Result<IdbOpenDbRequest, JsValue> {
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
    Ok(request)
}

/// Whether this browser lets the site open its database at all.
pub async fn usable() -> bool {
    open().await.map(|database| database.close()).is_ok()
}

fn in_store(
    mode: IdbTransactionMode,
    act: impl FnOnce(&web_sys::IdbObjectStore) -> Result<IdbRequest, JsValue> + 'static,
) -> impl Future<Output = Result<JsValue, JsValue>> {
    let database = open();
    async move {
        let database = database.await?;
        let store = database
            .transaction_with_str_and_mode(STORE, mode)?
            .object_store(STORE)?;
        let result = match act(&store) {
            Ok(request) => settled(&request).await,
            Err(error) => Err(error),
        };
        database.close();
        result
    }
}

/// The value stored under `name` (undefined when there is none).
pub fn get(name: &str) -> impl Future<Output = Result<JsValue, JsValue>> {
    let name = JsValue::from_str(name);
    in_store(IdbTransactionMode::Readonly, move |store| store.get(&name))
}

pub async fn put(name: &str, value: &JsValue) -> Result<(), JsValue> {
    let (name, value) = (JsValue::from_str(name), value.clone());
    in_store(IdbTransactionMode::Readwrite, move |store| {
        store.put_with_key(&value, &name)
    })
    .await
    .map(drop)
}

pub async fn delete(name: &str) -> Result<(), JsValue> {
    let name = JsValue::from_str(name);
    in_store(IdbTransactionMode::Readwrite, move |store| store.delete(&name))
        .await
        .map(drop)
}
