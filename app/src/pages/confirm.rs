//! The landing pages of the links that confirm something: a new account's address, a changed
//! address, and the old address's undo of a change.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::{NavigateOptions, hooks::use_navigate};

use super::{
    field::Fields,
    landing::{Landing, LinkExpired, NoLink, Step, TryAgain},
};
use crate::{
    auth::{Status, post_public, recheck, sign_out, use_auth, verify_email},
    contract::LinkToken,
};

fn link_body(token: String) -> LinkToken {
    LinkToken { token: Some(token) }
}

/// Sends `send` once the page has its token and knows whether this browser was signed in: a
/// silent refresh still under way could otherwise answer after the link's sign-in, and undo it.
fn send_when_settled(landing: Landing, send: Callback<()>) {
    let auth = use_auth();
    Effect::new(move |sent: Option<bool>| {
        let settled = landing.looked() && !matches!(auth.status.get(), Status::Checking);
        if settled && sent != Some(true) {
            send.run(());
        }
        settled || sent == Some(true)
    });
}

/// `/verify-email#token=…`: the link of a sign-up. Opening it signs the user in, like a
/// sign-in, with a session bound to this browser's key; then on to the account. A browser
/// signed in to an account already is asked first: a confirmed account has no live sign-up
/// link, so the link is another account's, and a mail must not switch accounts silently.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let auth = use_auth();
    let landing = Landing::new();
    let step = landing.step;
    let switch_allowed = RwSignal::new(false);
    let confirm = Callback::new(move |()| landing.send(move |token| verify_email(auth, token)));
    let send_unless_signed_in = Callback::new(move |()| {
        if switch_allowed.get_untracked() || !matches!(auth.status.get_untracked(), Status::SignedIn(_)) {
            confirm.run(());
        }
    });
    send_when_settled(landing, send_unless_signed_in);
    let signed_in_as = move || match auth.status.get() {
        Status::SignedIn(user) if !switch_allowed.get() => Some(user.email),
        _ => None,
    };
    let switch = move |_| {
        switch_allowed.set(true);
        spawn_local(async move {
            // Signing out first ends that session on the server, not just in this tab.
            let _ = sign_out(auth).await;
            confirm.run(());
        });
    };
    let navigate = use_navigate();
    Effect::new(move || {
        if step.get() == Step::Done {
            // Replacing this page's entry: going back must not land on a spent link.
            let options = NavigateOptions {
                replace: true,
                ..Default::default()
            };
            navigate("/account", options);
        }
    });
    view! {
        <section class="auth-form card landing">
            <h1>"Confirm your email address"</h1>
            {move || match (step.get(), signed_in_as()) {
                (Step::Ready, Some(email)) => view! {
                    <div class="notice" role="status" data-testid="switch-account">
                        <p>
                            "This browser is signed in as " <strong>{email.clone()}</strong> ". "
                            "This link confirms another account and signs this browser in to it."
                        </p>
                    </div>
                    <div class="actions">
                        <button type="button" class="primary" on:click=switch>
                            "Sign out and confirm the other account"
                        </button>
                        <a class="button-link" href="/account">"Stay signed in as " {email}</a>
                    </div>
                }.into_any(),
                (step, _) => verify_step(step, confirm).into_any(),
            }}
        </section>
    }
}

/// What the confirmation page shows at `step`, once no account switch is in question.
fn verify_step(step: Step, confirm: Callback<()>) -> AnyView {
    match step {
        Step::Ready | Step::Working => view! {
            <p role="status">"Confirming your address and signing you in…"</p>
        }.into_any(),
        Step::Done => view! { <p role="status">"Confirmed. Taking you to your account…"</p> }.into_any(),
        Step::Expired => view! {
            <LinkExpired>
                <p>
                    "If you already confirmed your address, " <a href="/login">"sign in"</a>
                    ". If not, " <a href="/signup">"sign up again"</a>
                    " with the same address and we will send a new link."
                </p>
            </LinkExpired>
        }.into_any(),
        Step::NoLink => view! {
            <NoLink>
                <p>
                    "Open the link in the mail we sent when you signed up, or "
                    <a href="/login">"sign in"</a> "."
                </p>
            </NoLink>
        }.into_any(),
        Step::Failed(error) => view! { <TryAgain error retry=confirm/> }.into_any(),
    }
}

/// `/confirm-email#token=…`: the link sent to a new address. No sign-in needed; a browser that
/// is signed in refreshes, so it shows the new address at once.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let auth = use_auth();
    let landing = Landing::new();
    let step = landing.step;
    // The address the account now has, when this browser is signed in to it.
    let now = RwSignal::new(None::<String>);
    let confirm = Callback::new(move |()| {
        landing.send(move |token| async move {
            post_public("/api/account/email/confirm", &link_body(token)).await?;
            let _ = now.try_set(recheck(auth).await.map(|user| user.email));
            Ok(())
        })
    });
    send_when_settled(landing, confirm);
    view! {
        <section class="auth-form card landing">
            <h1>"Confirm your new address"</h1>
            {move || match step.get() {
                Step::Ready | Step::Working => view! { <p role="status">"Confirming your new address…"</p> }.into_any(),
                Step::Done => match now.get() {
                    Some(address) => view! {
                        <p class="notice success" role="status" data-testid="email-confirmed">
                            "Your address is now " <strong>{address}</strong> "."
                        </p>
                        <a class="button-link primary" href="/account">"Go to your account"</a>
                    }.into_any(),
                    None => view! {
                        <p class="notice success" role="status" data-testid="email-confirmed">
                            "Your new address is confirmed. Sign in with it from now on."
                        </p>
                        <a class="button-link primary" href="/login">"Sign in"</a>
                    }.into_any(),
                },
                Step::Expired => view! {
                    <LinkExpired>
                        <p>
                            "If you still want to change your address, ask again from "
                            <a href="/account/email">"your account"</a> "."
                        </p>
                    </LinkExpired>
                }.into_any(),
                Step::NoLink => view! {
                    <NoLink><p>"Open the link in the mail we sent to your new address."</p></NoLink>
                }.into_any(),
                Step::Failed(error) => view! { <TryAgain error retry=confirm/> }.into_any(),
            }}
        </section>
    }
}

/// `/undo-email#token=…`: the link sent to the old address when it was replaced. It asks
/// before acting, since undoing also signs out every device.
#[component]
pub fn UndoEmailPage() -> impl IntoView {
    let auth = use_auth();
    let landing = Landing::new();
    let step = landing.step;
    let undo = Callback::new(move |()| {
        landing.send(move |token| async move {
            post_public("/api/account/email/undo", &link_body(token)).await?;
            recheck(auth).await;
            Ok(())
        })
    });
    let working = Signal::derive(move || step.get() == Step::Working);
    // The question stays put while it is answered (or fails): the button keeps the focus.
    let page = Memo::new(move |_| match step.get() {
        Step::Working | Step::Failed(_) => Step::Ready,
        other => other,
    });
    view! {
        <section class="auth-form card landing">
            <h1>"Undo the change of your address"</h1>
            {move || match page.get() {
                Step::Ready | Step::Working | Step::Failed(_) => view! {
                    <p>
                        "The address of your Latch account was changed from this one. If that was not "
                        "you, undo it: your account gets this address back, every device signed in "
                        "to it is signed out, and its password is removed until you set a new one."
                    </p>
                    {move || match step.get() {
                        Step::Failed(error) => Some(view! {
                            <p class="form-error" role="alert">{error.message()}</p>
                        }),
                        _ => None,
                    }}
                    <Fields>
                        <button type="button" class="primary" disabled=move || working.get()
                            aria-busy=move || working.get().to_string() on:click=move |_| undo.run(())>
                            {move || if working.get() { "Undoing the change…" } else { "Undo the change and sign out everywhere" }}
                        </button>
                    </Fields>
                }.into_any(),
                Step::Done => view! {
                    <div class="notice success" role="status" data-testid="email-change-undone">
                        <p><strong>"Done: your account has this address again, and every device was signed out."</strong></p>
                    </div>
                    <p>
                        "Whoever changed the address may have known your password, so it no longer "
                        "works. We mailed this address a link to set a new one; if it does not "
                        "arrive, ask for another."
                    </p>
                    <a class="button-link" href="/forgot-password">"Reset your password"</a>
                }.into_any(),
                Step::Expired => view! {
                    <LinkExpired>
                        <p>"If you already undid the change, nothing more is needed. Otherwise "
                            <a href="/login">"sign in"</a> " and check your account's address."</p>
                    </LinkExpired>
                }.into_any(),
                Step::NoLink => view! {
                    <NoLink><p>"Open the link in the mail we sent to your old address."</p></NoLink>
                }.into_any(),
            }}
        </section>
    }
}
