//! The protected-page gate.

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    hooks::{use_location, use_navigate},
};

use super::encode_component;
use crate::auth::{Status, use_auth};

/// Renders `children` for a signed-in user; sends anyone else to sign in and back.
#[component]
pub fn RequireAuth(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let location = use_location();
    let navigate = use_navigate();
    Effect::new(move || {
        if let Status::SignedOut(_) = auth.status.get() {
            let here = format!(
                "{}{}",
                location.pathname.get_untracked(),
                location.search.get_untracked()
            );
            let here = if here.is_empty() { "/".to_string() } else { here };
            navigate(
                &format!("/login?next={}", encode_component(&here)),
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });
    // Only a change between checking, signed in and signed out re-renders the page; a
    // refresh (a new token for the same user) must not rebuild it and refetch its data.
    let phase = Memo::new(move |_| match auth.status.get() {
        Status::Checking => Phase::Checking,
        Status::SignedIn(_) => Phase::SignedIn,
        Status::SignedOut(_) => Phase::SignedOut,
    });
    move || match phase.get() {
        Phase::SignedIn => children().into_any(),
        Phase::Checking => view! {
            <p class="checking" role="status" data-testid="page-checking">"Checking your session…"</p>
        }
        .into_any(),
        Phase::SignedOut => view! { <p role="status">"Taking you to sign in…"</p> }.into_any(),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Checking,
    SignedIn,
    SignedOut,
}
