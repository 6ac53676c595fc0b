//! JSON on the wire, read and written by the browser's own `JSON` and handed to serde as
//! JavaScript values (serde-wasm-bindgen). The contract types keep their serde derives, shared
//! with the server; what the bundle no longer carries is serde_json's parser and number
//! formatting, which cost more of the WASM than every page's JSON handling together.

use gloo_net::http::Response;
use js_sys::JSON;
use serde::{Serialize, de::DeserializeOwned};

/// The response's body as `T`, or `None` when it is not JSON of that shape.
pub async fn read<T: DeserializeOwned>(response: Response) -> Option<T> {
    let text = response.text().await.ok()?;
    serde_wasm_bindgen::from_value(JSON::parse(&text).ok()?).ok()
}

/// `value` as JSON text. Maps become objects and `None` becomes `null`, as serde_json writes
/// them (serde-wasm-bindgen's defaults are a `Map` and `undefined`).
pub fn write(value: &impl Serialize) -> Option<String> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    JSON::stringify(&value.serialize(&serializer).ok()?)
        .ok()?
        .as_string()
}
