use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};

use super::{
    account::account_page,
    forms::{Field, PASSWORD_HINT, Problems},
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
        <section class="auth-form">
            <h1>"Change your password"</h1>
            <p>"Every other device will be signed out."</p>
            <form on:submit=submit novalidate=true>
                <Field id="current_password" label="Current password" kind="password"
                    autocomplete="current-password" value=current
                    error=Problems::field(problems, "current_password")/>
                <Field id="new_password" label="New password" kind="password" autocomplete="new-password"
                    value=new error=Problems::field(problems, "new_password")
                    hint=Some(PASSWORD_HINT)/>
                <Show when=move || problems.with(|p| p.form.is_some())>
                    <p class="form-error" role="alert">{move || problems.with(|p| p.form.clone())}</p>
                </Show>
                <Show when=move || done.get()>
                    <p class="notice" role="status">"Password changed. Other devices have been signed out."</p>
                </Show>
                <button type="submit" disabled=move || pending.get()>"Change password"</button>
            </form>
        </section>
    }
}
