use leptos::prelude::*;

use crate::{
    auth::{ApiError, Status, check_blocked_attempts, get_json, use_auth},
    components::RequireAuth,
    contract::Me,
};

#[component]
pub fn AccountPage() -> impl IntoView {
    account_page(AccountDetails)
}

/// A page of the account area: for a signed-in user only, under the account navigation.
/// Opening one also looks for blocked attempts on the session to tell the user about.
pub fn account_page<V: IntoView + 'static>(page: fn() -> V) -> impl IntoView {
    let auth = use_auth();
    Effect::new(move |checked: Option<bool>| {
        let signed_in = matches!(auth.status.get(), Status::SignedIn(_));
        if signed_in && checked != Some(true) {
            check_blocked_attempts(auth);
        }
        signed_in || checked == Some(true)
    });
    view! {
        <RequireAuth>
            <AccountNav/>
            {page()}
        </RequireAuth>
    }
}

/// Links between the account's pages.
#[component]
pub fn AccountNav() -> impl IntoView {
    view! {
        <nav class="account-nav" aria-label="Account pages">
            <a href="/account">"Account"</a>
            <a href="/account/sessions">"Sessions"</a>
            <a href="/account/security">"Security activity"</a>
            <a href="/account/password">"Password"</a>
        </nav>
    }
}

#[component]
fn AccountDetails() -> impl IntoView {
    let auth = use_auth();
    // Fetched in the browser only (a LocalResource): the server never sees the access token.
    let me = LocalResource::new(move || get_json::<Me>(auth, "/api/me"));
    // While the server is unreachable, try again every few seconds.
    Effect::new(move || {
        if let Some(Err(ApiError::Unavailable)) = me.get() {
            set_timeout(move || me.refetch(), std::time::Duration::from_secs(3));
        }
    });

    view! {
        <section class="account">
            <h1>"Your account"</h1>
            <Suspense fallback=|| view! { <p role="status">"Loading your account…"</p> }>
                {move || me.get().map(|result| match result {
                    Ok(me) => view! {
                        <dl class="account-details">
                            <dt>"Email"</dt><dd data-testid="account-email">{me.email}</dd>
                            <dt>"Account id"</dt><dd><code>{me.id}</code></dd>
                            <dt>"Member since"</dt><dd>{me.created_at}</dd>
                        </dl>
                    }.into_any(),
                    Err(error) => view! { <p role="status" class="form-error">{error.message()}</p> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
