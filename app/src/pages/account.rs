use leptos::prelude::*;
use leptos_router::components::A;

use super::passkey_offer::PasskeyOffer;
use crate::{
    auth::{Status, check_blocked_attempts, use_auth},
    components::{Loaded, RequireAuth, When},
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

/// Links between the account's pages; the one shown is marked (`aria-current="page"`).
#[component]
pub fn AccountNav() -> impl IntoView {
    view! {
        <nav class="account-nav" aria-label="Account pages">
            <A href="/account" exact=true>"Account"</A>
            <A href="/account/sessions">"Sessions"</A>
            <A href="/account/security">"Security activity"</A>
            <A href="/account/email">"Email"</A>
            <A href="/account/password">"Password"</A>
            <A href="/account/passkeys">"Passkeys"</A>
            <A href="/account/data">"Your data"</A>
        </nav>
    }
}

/// What the account card shows: the user the session names at once, and what only `/api/me`
/// knows (whether the address is confirmed, since when the account exists) when it answers.
struct Details {
    id: String,
    email: String,
    /// `(email_verified, created_at)`, once `/api/me` answered.
    more: Option<(bool, String)>,
}

#[component]
fn AccountDetails() -> impl IntoView {
    let auth = use_auth();
    // Fetched in the browser only: the server never sees the access token.
    let me = Loaded::<Me>::new(auth, "/api/me");
    // The silent refresh that opened this page already named the user: showing that waits for
    // no second round trip.
    let details = move || match me.get() {
        Some(Ok(me)) => Some(Ok(Details {
            id: me.id,
            email: me.email,
            more: Some((me.email_verified, me.created_at)),
        })),
        Some(Err(error)) => Some(Err(error)),
        None => match auth.status.get() {
            Status::SignedIn(user) => Some(Ok(Details {
                id: user.id,
                email: user.email,
                more: None,
            })),
            _ => None,
        },
    };
    view! {
        <section class="account">
            <h1>"Your account"</h1>
            {move || match details() {
                None => view! { <p role="status">"Loading your account…"</p> }.into_any(),
                Some(Ok(Details { id, email, more })) => {
                    let unconfirmed = more.as_ref().is_some_and(|(verified, _)| !verified);
                    let since = match more {
                        Some((_, created_at)) => view! {
                            <span data-testid="member-since"><When at=created_at/></span>
                        }.into_any(),
                        None => view! { <span class="checking" aria-busy="true">"…"</span> }.into_any(),
                    };
                    view! {
                        <dl class="details card">
                            <div>
                                <dt>"Email"</dt>
                                <dd>
                                    <span data-testid="account-email">{email}</span>
                                    // Only a link mailed to it proves the address is the user's.
                                    {unconfirmed.then(|| view! {
                                        " " <span class="badge pending" data-testid="email-unconfirmed">"Not confirmed"</span>
                                    })}
                                </dd>
                            </div>
                            <div><dt>"Member since"</dt><dd>{since}</dd></div>
                            <div><dt>"Account id"</dt><dd><code>{id}</code></dd></div>
                        </dl>
                    }.into_any()
                }
                Some(Err(error)) => view! { <p role="status" class="form-error">{error.message()}</p> }.into_any(),
            }}
            <PasskeyOffer/>
            <ul class="next-steps">
                <li><a href="/account/sessions">"See where you are signed in"</a></li>
                <li><a href="/account/security">"Review security activity"</a></li>
                <li><a href="/account/password">"Change your password"</a></li>
                <li><a href="/account/email">"Change your email address"</a></li>
                <li><a href="/account/passkeys">"Sign in with passkeys"</a></li>
                <li><a href="/account/data">"Download or delete your data"</a></li>
                <li><a href="/notes">"Your notes"</a>" (the example product built on Latch)"</li>
            </ul>
        </section>
    }
}
