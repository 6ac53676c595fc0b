//! Signing in with a passkey: offered in the address field's autofill as soon as the page
//! can (conditional mediation), and by a button for browsers without autofill or for users
//! who would rather press it. Either way the session starts as a password sign-in's does.

use leptos::{prelude::*, task::spawn_local};
use web_sys::AbortController;

use super::forms::Problems;
use crate::auth::{
    passkeys::{self, PasskeyError},
    use_auth,
};

#[component]
pub fn PasskeySignIn(problems: RwSignal<Problems>) -> impl IntoView {
    let auth = use_auth();
    let supported = RwSignal::new(false);
    let pending = RwSignal::new(false);
    // The autofill request waits until a passkey is picked; it is stopped when the page goes
    // or the button starts the browser's own dialog (one request at a time).
    let autofill = StoredValue::new_local(None::<AbortController>);
    let stop_autofill = move || {
        let _ = autofill.try_update_value(|controller| {
            if let Some(controller) = controller.take() {
                controller.abort();
            }
        });
    };
    let show = move |error: PasskeyError| {
        if !matches!(error, PasskeyError::Cancelled) {
            let _ = problems.try_set(error.into_api_error().into());
        }
    };
    Effect::new(move |started: Option<()>| {
        if started.is_some() {
            return;
        }
        supported.set(passkeys::supported());
        spawn_local(async move {
            if !passkeys::autofill_available().await {
                return;
            }
            let Ok(controller) = AbortController::new() else {
                return;
            };
            let signal = controller.signal();
            if autofill.try_set_value(Some(controller)).is_some() {
                return;
            }
            if let Err(error) = passkeys::sign_in(auth, true, Some(&signal)).await {
                show(error);
            }
        });
    });
    on_cleanup(stop_autofill);
    let click = move |_| {
        stop_autofill();
        pending.set(true);
        spawn_local(async move {
            let result = passkeys::sign_in(auth, false, None).await;
            let _ = pending.try_set(false);
            if let Err(error) = result {
                show(error);
            }
        });
    };
    view! {
        <Show when=move || supported.get()>
            <div class="passkey-sign-in">
                <p class="or"><span>"or"</span></p>
                <button type="button" class="secondary" on:click=click disabled=move || pending.get()
                    aria-busy=move || pending.get().to_string()>
                    "Sign in with a passkey"
                </button>
            </div>
        </Show>
    }
}
