//! Coordination between tabs of the same browser. Refreshes are serialised with the Web
//! Locks API: the browser's cookie jar is shared, so a tab that waited for the lock refreshes
//! with the token the previous holder received, and no two tabs ever present one token at
//! once. Sign-in and sign-out are announced on a BroadcastChannel so every tab follows
//! promptly. No token ever crosses between tabs.

use std::{cell::RefCell, future::Future, rc::Rc};

use futures::channel::oneshot;
use wasm_bindgen::{JsCast, JsValue, prelude::*};
use web_sys::{BroadcastChannel, MessageEvent};

const LOCK: &str = "latch-refresh";
const CHANNEL: &str = "latch-auth";

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks.request(name, callback)`; throws where Web Locks are unavailable.
    #[wasm_bindgen(js_namespace = ["navigator", "locks"], js_name = request, catch)]
    fn request_lock(name: &str, callback: &js_sys::Function) -> Result<js_sys::Promise, JsValue>;
}

/// Runs `work` while holding the browser-wide refresh lock (or directly, where the browser
/// has no Web Locks: the server's grace window still keeps concurrent refreshes safe).
pub async fn exclusively<T: 'static>(work: impl Future<Output = T> + 'static) -> T {
    let (done, result) = oneshot::channel::<T>();
    let pending = Rc::new(RefCell::new(Some((work, done))));
    let for_lock = pending.clone();
    // The lock is held until the promise this callback returns settles.
    let callback = Closure::once_into_js(move |_lock: JsValue| -> js_sys::Promise {
        let taken = for_lock.borrow_mut().take();
        wasm_bindgen_futures::future_to_promise(async move {
            if let Some((work, done)) = taken {
                let _ = done.send(work.await);
            }
            Ok(JsValue::UNDEFINED)
        })
    });
    if let Ok(promise) = request_lock(LOCK, callback.unchecked_ref()) {
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
    let leftover = pending.borrow_mut().take();
    if let Some((work, done)) = leftover {
        let _ = done.send(work.await);
    }
    result.await.expect("the work ran, under the lock or without it")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message {
    SignedIn,
    SignedOut,
}

fn channel() -> Option<BroadcastChannel> {
    BroadcastChannel::new(CHANNEL).ok()
}

pub fn announce(message: Message) {
    if let Some(channel) = channel() {
        let text = match message {
            Message::SignedIn => "signed-in",
            Message::SignedOut => "signed-out",
        };
        let _ = channel.post_message(&JsValue::from_str(text));
        channel.close();
    }
}

/// Calls `on_message` for every announcement from another tab, for the page's lifetime.
pub fn listen(on_message: impl Fn(Message) + 'static) {
    let Some(channel) = channel() else { return };
    let handler = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        match event.data().as_string().as_deref() {
            Some("signed-in") => on_message(Message::SignedIn),
            Some("signed-out") => on_message(Message::SignedOut),
            _ => {}
        }
    });
    channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // Both live as long as the page.
    handler.forget();
    std::mem::forget(channel);
}
