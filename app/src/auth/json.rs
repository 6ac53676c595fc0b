//! JSON on the wire, parsed and printed by the browser's own `JSON`; the contract types are
//! read from and written to those JavaScript values by `contract::wire`. The bundle carries
//! neither serde_json's parser nor serde's visitors, which together weighed more of the WASM
//! than every page's JSON handling.

use gloo_net::http::Response;
use js_sys::{Array, JSON, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::contract::{FromJson, Json, ToJson};

/// The response's body as `T`, or `None` when it is not JSON of that shape.
pub async fn read<T: FromJson>(response: Response) -> Option<T> {
    T::from_json(&parse(response).await?)
}

/// The response's body as the browser parsed it. Apart from `read` so that the waiting is
/// compiled once, not once per type read.
pub async fn parse(response: Response) -> Option<JsValue> {
    let text = response.text().await.ok()?;
    JSON::parse(&text).ok()
}

/// `value` as JSON text.
pub fn write(value: &impl ToJson) -> Option<String> {
    let object = Object::new();
    for (name, value) in value.members() {
        let value = value.map_or(JsValue::NULL, JsValue::from_str);
        Reflect::set(&object, &JsValue::from_str(name), &value).ok()?;
    }
    JSON::stringify(&object).ok()?.as_string()
}

impl Json for JsValue {
    fn member(&self, name: &str) -> Option<Self> {
        if !self.is_object() {
            return None;
        }
        let value = Reflect::get(self, &JsValue::from_str(name)).ok()?;
        (!value.is_undefined() && !value.is_null()).then_some(value)
    }

    fn string(&self) -> Option<String> {
        self.as_string()
    }

    fn boolean(&self) -> Option<bool> {
        self.as_bool()
    }

    fn number(&self) -> Option<f64> {
        self.as_f64()
    }

    fn items(&self) -> Option<Vec<Self>> {
        Some(self.dyn_ref::<Array>()?.iter().collect())
    }

    fn members(&self) -> Option<Vec<(String, Self)>> {
        if !self.is_object() || Array::is_array(self) {
            return None;
        }
        let entries = Object::entries(self.unchecked_ref());
        entries
            .iter()
            .map(|entry| {
                let pair: Array = entry.unchecked_into();
                Some((pair.get(0).as_string()?, pair.get(1)))
            })
            .collect()
    }
}
