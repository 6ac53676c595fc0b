//! The WASM entry point. Everything else lives in the `app` crate.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // A build whose panics trap at once (`-Cpanic=immediate-abort`, the nightly release
    // build) never calls a panic hook: there it would be dead weight.
    #[cfg(not(panic = "immediate-abort"))]
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
