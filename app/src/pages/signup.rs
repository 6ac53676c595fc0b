use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};
use leptos_router::hooks::{use_navigate, use_query_map};

use super::forms::{Field, Problems};
use crate::{
    auth::{Status, safe_next, sign_up, use_auth},
    components::encode_component,
};

#[component]
pub fn SignupPage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let next = Signal::derive(move || safe_next(query.with(|q| q.get("next"))));
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let problems = RwSignal::new(Problems::default());
    let pending = RwSignal::new(false);

    let navigate = use_navigate();
    Effect::new(move || {
        if let Status::SignedIn(_) = auth.status.get() {
            navigate(&next.get_untracked(), Default::default());
        }
    });

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        problems.set(Problems::default());
        spawn_local(async move {
            let result = sign_up(auth, &email.get_untracked(), &password.get_untracked()).await;
            pending.set(false);
            if let Err(error) = result {
                problems.set(error.into());
            }
        });
    };

    view! {
        <section class="auth-form">
            <h1>"Create your account"</h1>
            <form on:submit=submit novalidate=true>
                <Field id="email" label="Email" kind="email" autocomplete="username" value=email
                    error=Problems::field(problems, "email")/>
                <Field id="password" label="Password" kind="password" autocomplete="new-password"
                    value=password error=Problems::field(problems, "password")
                    hint="At least 10 characters. A few unrelated words make a strong password."/>
                <Show when=move || problems.with(|p| p.form.is_some())>
                    <p class="form-error" role="alert">{move || problems.with(|p| p.form.clone())}</p>
                </Show>
                <button type="submit" disabled=move || pending.get()>
                    {move || if pending.get() { "Creating your account…" } else { "Create account" }}
                </button>
            </form>
            <p>
                "Already have an account? "
                <a href=move || format!("/login?next={}", encode_component(&next.get()))>"Sign in"</a>
            </p>
        </section>
    }
}
