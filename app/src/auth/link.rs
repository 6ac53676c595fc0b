//! The token of a mailed link (`/verify-email#token=…` and the like). It sits in the URL's
//! fragment, which no request line or `Referer` carries, but which the address bar, the
//! history and any script reading `location` would keep. So it is moved out of the URL before
//! anything else on the page loads, into page memory only: never storage, a cookie or the DOM.

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

/// The first thing in the document's `<head>` (rendered with the page's CSP nonce): on the four
/// landing pages only, it moves the fragment's token into a page-memory global and replaces the
/// history entry with the bare path, before the stylesheet, the WASM or anything else loads.
/// The WASM takes the global (and deletes it) when the page hydrates.
pub const LINK_SCRIPT: &str = r#"(function(){var p=location.pathname;if(/^\/(verify-email|reset-password|confirm-email|undo-email)$/.test(p)&&location.hash){window.__latchLink=new URLSearchParams(location.hash.slice(1)).get("token");history.replaceState(null,"",p)}})()"#;

/// Where `LINK_SCRIPT` leaves the token.
const GLOBAL: &str = "__latchLink";

/// The landing page's token, taken from where `LINK_SCRIPT` left it, or (should the script not
/// have run) from the fragment itself, which is then removed from the URL and the history entry.
/// A second call finds nothing: the page keeps the one copy in its own memory.
pub fn take_link_token() -> Option<String> {
    let window = web_sys::window()?;
    let global: &Object = window.as_ref();
    let name = JsValue::from_str(GLOBAL);
    let held = Reflect::get(global, &name)
        .ok()
        .and_then(|value| value.as_string());
    let _ = Reflect::delete_property(global, &name);
    held.or_else(|| from_fragment(&window))
        .filter(|token| !token.is_empty())
}

fn from_fragment(window: &web_sys::Window) -> Option<String> {
    let location = window.location();
    let fragment = location.hash().ok().filter(|hash| !hash.is_empty())?;
    let path = location.pathname().ok()?;
    // Out of the URL first, whatever the fragment holds.
    let _ = window
        .history()
        .ok()?
        .replace_state_with_url(&JsValue::NULL, "", Some(&path));
    form_urlencoded::parse(fragment.trim_start_matches('#').as_bytes())
        .find(|(name, _)| name == "token")
        .map(|(_, token)| token.into_owned())
}
