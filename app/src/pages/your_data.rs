//! `/account/data`: everything the account holds, downloaded as one JSON file, and deleting
//! the account. Deleting is a second, deliberate step (the address typed again) and asks
//! "Confirm it is you" when the sign-in is not recent; nothing can undo it.

use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};
use leptos_router::{NavigateOptions, hooks::use_navigate};
use wasm_bindgen::JsCast;

use super::{
    account::account_page,
    field::{Field, Fields},
    forms::{FormError, Submission},
    step_up::{ConfirmItsYou, StepUp},
};
use crate::{
    auth::{ApiError, Method, Status, account_deleted, get_json, get_text, passkeys, send, use_auth},
    contract::PasskeyView,
};

#[component]
pub fn YourDataPage() -> impl IntoView {
    account_page(YourData)
}

#[component]
fn YourData() -> impl IntoView {
    let step_up = StepUp::new();
    view! {
        <section class="your-data">
            <h1>"Your data"</h1>
            <p class="lead">"Take a copy of everything your account holds, or delete all of it."</p>
            <Download/>
            <DeleteAccount step_up/>
            <ConfirmItsYou step_up/>
        </section>
    }
}

#[component]
fn Download() -> impl IntoView {
    let auth = use_auth();
    let pending = RwSignal::new(false);
    let failed = RwSignal::new(None::<String>);
    let click = move |_| {
        pending.set(true);
        failed.set(None);
        spawn_local(async move {
            let result = get_text(auth, "/api/account/export").await;
            let _ = pending.try_set(false);
            match result {
                Ok(text) => save("latch-account.json", &text),
                Err(error) => drop(failed.try_set(Some(error.message()))),
            }
        });
    };
    view! {
        <div class="card">
            <h2>"Download your data"</h2>
            <p>"Your account, where you are signed in, your passkeys and your security activity, as a JSON file. It holds no password or key."</p>
            {move || failed.get().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
            <button type="button" class="secondary" on:click=click disabled=move || pending.get()
                aria-busy=move || pending.get().to_string()>
                {move || if pending.get() { "Preparing your file…" } else { "Download my data" }}
            </button>
        </div>
    }
}

/// Offers `text` to the user as a file named `name`, without it ever being on a server URL.
fn save(name: &str, text: &str) {
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let link = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.create_element("a").ok())
        .and_then(|element| element.dyn_into::<web_sys::HtmlAnchorElement>().ok());
    if let Some(link) = link {
        link.set_href(&url);
        link.set_download(name);
        link.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

#[component]
fn DeleteAccount(step_up: StepUp) -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let asked = RwSignal::new(false);
    let typed = RwSignal::new(String::new());
    let form = Submission::stepping_up(step_up);
    let email = move || match auth.status.get() {
        Status::SignedIn(user) => user.email,
        _ => String::new(),
    };
    let submit = move |ev: SubmitEvent| {
        let matches = typed.get_untracked().trim().eq_ignore_ascii_case(&email());
        let navigate = navigate.clone();
        let request = async move {
            if !matches {
                return Err(ApiError::Fields(
                    [(
                        "confirm_email".to_string(),
                        "Type your account's email address to confirm.".to_string(),
                    )]
                    .into(),
                ));
            }
            // Read first: once the account is gone, the browser is told none of its passkeys
            // sign in any more.
            let keys = get_json::<Vec<PasskeyView>>(auth, "/api/account/passkeys")
                .await
                .ok();
            send(auth, Method::DELETE, "/api/account").await?;
            if let Some(handle) = keys.as_ref().and_then(|keys| keys.first()) {
                passkeys::all_accepted(&handle.user_handle, &[]);
            }
            Ok(())
        };
        form.send(ev, request, move |()| {
            navigate(
                "/login",
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
            spawn_local(account_deleted(auth));
        });
    };
    view! {
        <div class="card danger-zone">
            <h2>"Delete your account"</h2>
            <p>"Every device is signed out, and your account, passkeys and security activity are deleted for good. The address can sign up again."</p>
            <Show when=move || asked.get()
                fallback=move || view! {
                    <button type="button" class="danger" on:click=move |_| asked.set(true)>"Delete my account…"</button>
                }>
                <form on:submit=submit.clone() novalidate=true>
                    <Fields>
                        <p><strong>"This cannot be undone."</strong>" To confirm, type " <strong>{email}</strong> "."</p>
                        <Field id="confirm_email" label="Your email address" kind="email" autocomplete="off"
                            value=typed error=form.field("confirm_email")/>
                        <FormError problems=form.problems/>
                        <div class="actions">
                            <button type="submit" class="danger" disabled=move || form.pending.get()
                                aria-busy=move || form.pending.get().to_string()>
                                {move || if form.pending.get() { "Deleting…" } else { "Delete my account forever" }}
                            </button>
                            <button type="button" class="secondary" on:click=move |_| asked.set(false)>"Keep my account"</button>
                        </div>
                    </Fields>
                </form>
            </Show>
        </div>
    }
}
