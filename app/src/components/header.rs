//! The site header: the brand, and who is signed in or the ways in.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::{components::A, hooks::use_navigate};

use crate::auth::{Status, sign_out, use_auth};

#[component]
pub fn SiteHeader() -> impl IntoView {
    view! {
        <header class="site-header">
            <a class="brand" href="/">"Latch"</a>
            <SessionMenu/>
        </header>
    }
}

/// Sign-in links, or the user's email and a sign-out button; "checking" until we know.
#[component]
fn SessionMenu() -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let failed = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let on_sign_out = move |_| {
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        let navigate = navigate.clone();
        // Leave any protected page first, so its "sign in to continue" redirect does not fire
        // for a sign-out the user asked for.
        navigate("/", Default::default());
        spawn_local(async move {
            failed.set(sign_out(auth).await.is_err());
            pending.set(false);
        });
    };
    view! {
        <nav class="session-menu" aria-label="Account">
            // Every `<A>` here takes the same `attr:` names: when the status changes, Leptos's
            // type-erased views (`erase_components`) reuse the first link's element and set the
            // new `attr:` values over the old ones without removing names the new link lacks,
            // so a `data-testid` given to one link alone stayed on "Sign in" after sign-out.
            {move || match auth.status.get() {
                Status::Checking => view! {
                    <span class="checking" role="status" data-testid="session-checking">"Checking session…"</span>
                }.into_any(),
                Status::SignedIn(user) => view! {
                    <A href="/account" exact=true attr:class="who" attr:data-testid="signed-in-as">{user.email}</A>
                    <button type="button" class="secondary" on:click=on_sign_out.clone()
                        disabled=move || pending.get() aria-busy=move || pending.get().to_string()>
                        "Sign out"
                    </button>
                }.into_any(),
                Status::SignedOut(_) => view! {
                    <A href="/login" attr:class="nav-link" attr:data-testid="sign-in-link">"Sign in"</A>
                    <A href="/signup" attr:class="nav-link primary-link" attr:data-testid="sign-up-link">
                        "Create account"
                    </A>
                }.into_any(),
            }}
            <Show when=move || failed.get()>
                <span class="form-error" role="alert">"Could not sign out: the server is unreachable."</span>
            </Show>
        </nav>
    }
}
