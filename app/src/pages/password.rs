use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};

use super::{
    account::account_page,
    field::{Field, Fields, SubmitButton},
    forms::{FormError, PASSWORD_HINT, Problems},
};
use crate::{
    auth::{Method, send_json, use_auth},
    contract::PasswordChange,
};

#[component]
pub fn PasswordPage() -> impl IntoView {
    account_page(ChangePassword)
}

#[component]
fn ChangePassword() -> impl IntoView {
    let auth = use_auth();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let problems = RwSignal::new(Problems::default());
    let pending = RwSignal::new(false);
    let done = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        done.set(false);
        problems.set(Problems::default());
        let body = PasswordChange {
            current_password: Some(current.get_untracked()),
            new_password: Some(new.get_untracked()),
        };
        spawn_local(async move {
            let result = send_json(auth, Method::POST, "/api/account/password", &body).await;
            pending.set(false);
            match result {
                Ok(()) => {
                    current.set(String::new());
                    new.set(String::new());
                    done.set(true);
                }
                Err(error) => problems.set(error.into()),
            }
        });
    };

    view! {
        <section class="auth-form card">
            <h1>"Change your password"</h1>
            <p class="lead">"Every other device will be signed out; this one stays signed in."</p>
            <form on:submit=submit novalidate=true>
                <Fields>
                    <Field id="current_password" label="Current password" kind="password"
                        autocomplete="current-password" value=current
                        error=Problems::field(problems, "current_password")/>
                    <Field id="new_password" label="New password" kind="password" autocomplete="new-password"
                        value=new error=Problems::field(problems, "new_password")
                        hint=Some(PASSWORD_HINT)/>
                    <FormError problems/>
                    <Show when=move || done.get()>
                        <p class="notice success" role="status">"Password changed. Other devices have been signed out."</p>
                    </Show>
                    <SubmitButton label="Change password" pending_label="Changing password…" pending/>
                </Fields>
            </form>
        </section>
    }
}
