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

/// Why the user was signed out, when the server said, in plain words.
#[component]
fn SessionNotice() -> impl IntoView {
    let auth = use_auth();
    move || {
        match auth.status.get() {
        Status::SignedOut(Some(Notice::Reused)) => Some(view! {
            <div class="notice warning" role="alert" data-testid="theft-notice">
                <p><strong>"We signed you out to protect your account."</strong></p>
                <p>
                    "Your sign-in was used from two places at once: this browser and somewhere else "
                    "that had a copy of it. One of them was not you, so we ended that session everywhere."
                </p>
                <p>
                    "Sign in again below. Then we will show you your "
                    <a href="/account/security">"security activity"</a>
                    ", so you can see where it happened. If you do not recognise it, change your password."
                </p>
            </div>
        }.into_any()),
        Status::SignedOut(Some(Notice::Expired)) => Some(view! {
            <p class="notice" role="alert">"Your session expired. Please sign in again."</p>
        }.into_any()),
        Status::SignedOut(Some(Notice::AccountDeleted)) => Some(view! {
            <p class="notice success" role="status" data-testid="account-deleted">
                "Your account and everything it held were deleted, and every device was signed out. "
                "We sent a last mail to its address."
            </p>
        }.into_any()),
        Status::SignedOut(Some(Notice::Revoked)) => Some(view! {
            <p class="notice" role="alert">"You were signed out from another device. Please sign in again."</p>
        }.into_any()),
        Status::SignedOut(Some(Notice::DuplicatedCookie)) => Some(view! {
            <div class="notice warning" role="alert" data-testid="duplicated-cookie">
                <p><strong>"Your browser sent this site two session cookies, so we signed you out here."</strong></p>
                <p>
                    "Sign in again below. If this happens again, another site under the same domain is "
                    "setting a cookie for this one: clear this site's cookies in your browser's settings, "
                    "then sign in."
                </p>
            </div>
        }.into_any()),
        _ => None,
    }
    }
}
