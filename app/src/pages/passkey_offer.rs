//! Offer, don't nag: the first time an account opens its page in a browser that can make
//! passkeys, and it has none, the page offers one, once (this browser remembers it offered).

use leptos::{prelude::*, task::spawn_local};

use crate::{
    auth::{Status, get_json, passkeys, use_auth},
    contract::PasskeyView,
};

#[component]
pub fn PasskeyOffer() -> impl IntoView {
    let auth = use_auth();
    let shown = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    Effect::new(move |asked: Option<bool>| {
        if asked == Some(true) {
            return true;
        }
        let Status::SignedIn(user) = auth.status.get() else {
            return false;
        };
        if passkeys::supported() && passkeys::offer_once(&user.id) {
            spawn_local(async move {
                let none = get_json::<Vec<PasskeyView>>(auth, "/api/account/passkeys")
                    .await
                    .is_ok_and(|keys| keys.is_empty());
                let _ = shown.try_set(none);
            });
        }
        true
    });
    let add = move |_| {
        pending.set(true);
        spawn_local(async move {
            let result = passkeys::add(auth, None, None).await;
            let _ = pending.try_set(false);
            let _ = outcome.try_set(match result {
                Ok(added) => Some(Ok(format!(
                    "Passkey “{}” added: sign in with it next time.",
                    added.name
                ))),
                Err(passkeys::PasskeyError::Cancelled) => None,
                Err(error) => Some(Err(error.into_api_error().message())),
            });
        });
    };
    view! {
        <Show when=move || shown.get()>
            <aside class="card passkey-offer" aria-labelledby="passkey-offer-title" data-testid="passkey-offer">
                <h2 id="passkey-offer-title">"Sign in with a passkey next time"</h2>
                {move || match outcome.get() {
                    Some(Ok(done)) => view! { <p class="notice success" role="status">{done}</p> }.into_any(),
                    Some(Err(problem)) => view! { <p class="form-error" role="alert">{problem}</p> }.into_any(),
                    None => view! {
                        <p>"Your fingerprint, face or screen lock instead of a password: nothing to type, nothing to phish."</p>
                    }.into_any(),
                }}
                <div class="actions">
                    <button type="button" on:click=add disabled=move || pending.get()
                        aria-busy=move || pending.get().to_string()>"Add a passkey"</button>
                    <button type="button" class="secondary" on:click=move |_| shown.set(false)>"Not now"</button>
                </div>
            </aside>
        </Show>
    }
}
