use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};
use leptos_router::hooks::{use_navigate, use_query_map};

use super::forms::{Field, Problems};
use crate::{
    auth::{Notice, Status, safe_next, sign_in, use_auth},
    components::encode_component,
};

#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let next = Signal::derive(move || safe_next(query.with(|q| q.get("next"))));
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let problems = RwSignal::new(Problems::default());
    let pending = RwSignal::new(false);

    // Signed in (just now, or already by the silent refresh): go where the user was going.
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
            let result = sign_in(auth, &email.get_untracked(), &password.get_untracked()).await;
            pending.set(false);
            if let Err(error) = result {
                problems.set(error.into());
            }
        });
    };

    view! {
        <section class="auth-form">
            <h1>"Sign in"</h1>
            <SessionNotice/>
            <form on:submit=submit novalidate=true>
                <Field id="email" label="Email" kind="email" autocomplete="username" value=email
                    error=Problems::field(problems, "email")/>
                <Field id="password" label="Password" kind="password" autocomplete="current-password"
                    value=password error=Problems::field(problems, "password")/>
                <Show when=move || problems.with(|p| p.form.is_some())>
                    <p class="form-error" role="alert">{move || problems.with(|p| p.form.clone())}</p>
                </Show>
                <button type="submit" disabled=move || pending.get()>
                    {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
            <p>
                "New here? "
                <a href=move || format!("/signup?next={}", encode_component(&next.get()))>"Create an account"</a>
            </p>
        </section>
    }
}

/// Why the user was signed out, when the server said.
#[component]
fn SessionNotice() -> impl IntoView {
    let auth = use_auth();
    move || {
        let text = match auth.status.get() {
            Status::SignedOut(Some(Notice::SessionReused)) => {
                "Your session was ended because it was used from somewhere else. \
                 Sign in again, and consider changing your password."
            }
            Status::SignedOut(Some(Notice::SessionExpired)) => "Your session expired. Please sign in again.",
            Status::SignedOut(Some(Notice::SessionRevoked)) => "You were signed out. Please sign in again.",
            _ => return None,
        };
        Some(view! { <p class="notice" role="alert">{text}</p> })
    }
}
