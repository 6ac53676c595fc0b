//! Notices across pages: the server is unreachable, or someone tried this session and was
//! blocked. Each has a live role, so screen readers announce it when it appears.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::hooks::use_navigate;

use super::{place::address, time::When};
use crate::auth::{Method, dismiss_blocked_attempt, send, sign_out, use_auth};

/// Shown while the server cannot be reached; the user stays signed in meanwhile.
#[component]
pub fn ReconnectingBanner() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Show when=move || auth.reconnecting.get()>
            <p class="banner" role="status" data-testid="reconnecting">"Reconnecting…"</p>
        </Show>
    }
}

/// Someone tried this session without the browser's key and was refused: say so, calmly, and
/// offer what to do. Nothing was lost; the notice stays until dismissed.
#[component]
pub fn BlockedAttemptNotice() -> impl IntoView {
    let auth = use_auth();
    view! {
        {move || auth.blocked.get().map(|attempt| view! {
                <div class="banner warning" role="alert" data-testid="blocked-attempt">
                    <p>
                        <strong>"Someone tried to use your session and was blocked. "</strong>
                        "The attempt came from " {attempt.device} " at " {address(&attempt.ip)} ", "
                        <When at=attempt.at/>
                        ". It did not have this browser's key, so it failed. You are still signed in."
                    </p>
                    <div class="actions">
                        <SignOutEverywhere/>
                        <a class="button-link secondary" href="/account/password">"Change password"</a>
                        <a href="/account/security">"Review security activity"</a>
                        <button type="button" class="link-button" on:click=move |_| dismiss_blocked_attempt(auth)>
                            "Dismiss"
                        </button>
                    </div>
                </div>
            })}
    }
}

/// Ends every session, this one last, so a copied cookie can never be tried again; then
/// the user signs in afresh.
#[component]
pub fn SignOutEverywhere() -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let pending = RwSignal::new(false);
    let failed = RwSignal::new(false);
    let on_click = move |_| {
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let done = send(auth, Method::POST, "/api/sessions/revoke-others")
                .await
                .is_ok()
                && sign_out(auth).await.is_ok();
            pending.set(false);
            failed.set(!done);
            if done {
                dismiss_blocked_attempt(auth);
                navigate("/login", Default::default());
            }
        });
    };
    view! {
        <button type="button" class="danger" on:click=on_click disabled=move || pending.get()
            aria-busy=move || pending.get().to_string()>
            {move || if pending.get() { "Signing out everywhere…" } else { "Sign out everywhere" }}
        </button>
        <Show when=move || failed.get()>
            <span class="form-error" role="alert">"Could not sign out everywhere. Please try again."</span>
        </Show>
    }
}
