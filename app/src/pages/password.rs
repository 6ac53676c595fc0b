use leptos::{ev::SubmitEvent, prelude::*};

use super::{
    account::account_page,
    field::{Field, Fields, SubmitButton},
    forms::{FormError, PASSWORD_HINT, Submission},
    step_up::{ConfirmItsYou, StepUp},
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
    let step_up = StepUp::new();
    let form = Submission::stepping_up(step_up);
    let done = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        done.set(false);
        let body = PasswordChange {
            current_password: Some(current.get_untracked()),
            new_password: Some(new.get_untracked()),
        };
        let request = async move { send_json(auth, Method::POST, "/api/account/password", &body).await };
        form.send(ev, request, move |()| {
            let _ = current.try_set(String::new());
            let _ = new.try_set(String::new());
            let _ = done.try_set(true);
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
                        error=form.field("current_password")/>
                    <Field id="new_password" label="New password" kind="password" autocomplete="new-password"
                        value=new error=form.field("new_password")
                        hint=Some(PASSWORD_HINT)/>
                    <FormError problems=form.problems/>
                    <Show when=move || done.get()>
                        <p class="notice success" role="status">"Password changed. Other devices have been signed out."</p>
                    </Show>
                    <SubmitButton label="Change password" pending_label="Changing password…" pending=form.pending/>
                </Fields>
            </form>
            <ConfirmItsYou step_up/>
        </section>
    }
}
