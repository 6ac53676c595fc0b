//! Pieces used across pages: the session menu, the reconnecting banner, the protected-page gate.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::{
    NavigateOptions,
    hooks::{use_location, use_navigate},
};

use crate::auth::{Method, Status, dismiss_blocked_attempt, send, sign_out, use_auth};

/// Sign-in links, or the user's email and a sign-out button; "checking" until we know.
#[component]
pub fn SessionMenu() -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let failed = RwSignal::new(false);
    let on_sign_out = move |_| {
        let navigate = navigate.clone();
        // Leave any protected page first, so its "sign in to continue" redirect does not fire
        // for a sign-out the user asked for.
        navigate("/", Default::default());
        spawn_local(async move {
            failed.set(sign_out(auth).await.is_err());
        });
    };
    view! {
        <nav class="session" aria-label="Account">
            {move || match auth.status.get() {
                Status::Checking => view! {
                    <span class="checking" role="status" data-testid="session-checking">"Checking session…"</span>
                }.into_any(),
                Status::SignedIn(user) => view! {
                    <a href="/account" data-testid="signed-in-as">{user.email}</a>
                    <button type="button" class="link-button" on:click=on_sign_out.clone()>"Sign out"</button>
                }.into_any(),
                Status::SignedOut(_) => view! {
                    <a href="/login">"Sign in"</a>
                    <a href="/signup">"Create account"</a>
                }.into_any(),
            }}
            <Show when=move || failed.get()>
                <span class="form-error" role="alert">"Could not sign out: the server is unreachable."</span>
            </Show>
        </nav>
    }
}

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
    let navigate = use_navigate();
    // Ends every session, this one last, so the copied cookie can never be tried again.
    let sign_out_everywhere = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            if send(auth, Method::POST, "/api/sessions/revoke-others")
                .await
                .is_ok()
                && sign_out(auth).await.is_ok()
            {
                dismiss_blocked_attempt(auth);
                navigate("/login", Default::default());
            }
        });
    };
    view! {
        {move || auth.blocked.get().map(|attempt| view! {
            <div class="banner warning" role="alert" data-testid="blocked-attempt">
                <p>
                    <strong>"Someone tried to use your session and was blocked. "</strong>
                    {format!(
                        "The attempt came from {} · IP {}, without this browser's key, so it failed. \
                         You are still signed in.",
                        attempt.device, attempt.ip,
                    )}
                </p>
                <p class="actions">
                    <button type="button" on:click=sign_out_everywhere.clone()>"Sign out everywhere"</button>
                    <a href="/account/password">"Change password"</a>
                    <a href="/account/security">"Review security activity"</a>
                    <button type="button" class="link-button" on:click=move |_| dismiss_blocked_attempt(auth)>
                        "Dismiss"
                    </button>
                </p>
            </div>
        })}
    }
}

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

/// Encodes a string as one query-string value (`application/x-www-form-urlencoded`).
pub fn encode_component(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::encode_component;

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            encode_component("/account?x=1&y=é"),
            "%2Faccount%3Fx%3D1%26y%3D%C3%A9"
        );
    }
}
