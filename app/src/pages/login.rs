use leptos::prelude::*;

use super::forms::{CredentialsForm, CredentialsKind};
use crate::auth::{Notice, Status, use_auth};

#[component]
pub fn LoginPage() -> impl IntoView {
    view! {
        <CredentialsForm kind=CredentialsKind::SignIn>
            <SessionNotice/>
        </CredentialsForm>
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
