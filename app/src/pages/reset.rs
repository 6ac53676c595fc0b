//! A forgotten password: asking for a reset link, and the link's page, where a new password is
//! chosen (or a new passkey made to replace it). Either signs out every device, wherever the
//! reset was asked from.

use leptos::{ev::SubmitEvent, prelude::*};

use super::{
    field::{Field, Fields, SubmitButton},
    forms::{FormError, PASSWORD_HINT, Problems, Submission},
    landing::{Landing, LinkExpired, NoLink, Step},
    mail_sent::CheckYourEmail,
};
use crate::{
    auth::{passkeys, post_public, recheck, use_auth},
    contract::{ResetConfirm, ResetRequest},
};

/// `/forgot-password`: an address, then "check your email", the same whether or not the
/// address has an account (so the page tells nobody which addresses do).
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let form = Submission::new();
    let sent = RwSignal::new(None::<String>);

    let submit = move |ev: SubmitEvent| {
        let address = email.get_untracked();
        let body = ResetRequest {
            email: Some(address.clone()),
        };
        let request = async move { post_public("/api/auth/password-reset", &body).await };
        form.send(ev, request, move |()| drop(sent.try_set(Some(address))));
    };

    move || {
        match sent.get() {
        Some(address) => view! {
            <CheckYourEmail>
                <p class="lead">
                    "If " <strong data-testid="mail-sent-to">{address}</strong>
                    " belongs to an account, we sent it a link to choose a new password."
                </p>
                <p>"The link works once, and only for a while. Setting a new password signs out every device."</p>
                <p class="hint">
                    "Nothing after a few minutes? Look in your spam folder, or "
                    <button type="button" class="link-button" on:click=move |_| sent.set(None)>"try another address"</button>
                    "."
                </p>
            </CheckYourEmail>
        }
        .into_any(),
        None => view! {
            <section class="auth-form card">
                <h1>"Forgot your password?"</h1>
                <p class="lead">"Enter your account's email address and we will send you a link to choose a new password."</p>
                <form on:submit=submit novalidate=true>
                    <Fields>
                        <Field id="email" label="Email" kind="email" autocomplete="username" value=email
                            error=form.field("email")/>
                        <FormError problems=form.problems/>
                        <SubmitButton label="Send reset link" pending_label="Sending…" pending=form.pending/>
                    </Fields>
                </form>
                <p class="other-way">"Remembered it? " <a href="/login">"Sign in"</a></p>
            </section>
        }
        .into_any(),
    }
    }
}

/// `/reset-password#token=…`: a new password for the account the link was sent for.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let auth = use_auth();
    let landing = Landing::new();
    let step = landing.step;
    let new = RwSignal::new(String::new());
    let problems = RwSignal::new(Problems::default());
    let pending = Signal::derive(move || step.get() == Step::Working);
    // A weak password comes back as field problems, with zxcvbn's warning and suggestions.
    Effect::new(move || {
        if let Step::Failed(error) = step.get() {
            problems.set(error.into());
        }
    });

    // Or a passkey in place of the password: it becomes the only way in.
    let supported = RwSignal::new(false);
    Effect::new(move || supported.set(passkeys::supported()));
    let with_passkey = RwSignal::new(false);
    let use_passkey = move |_| {
        problems.set(Problems::default());
        with_passkey.set(true);
        landing.send(move |token| async move {
            passkeys::reset_with_passkey(&token)
                .await
                .map_err(|error| error.into_api_error())?;
            recheck(auth).await;
            Ok(())
        });
    };

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        problems.set(Problems::default());
        with_passkey.set(false);
        let new_password = new.get_untracked();
        landing.send(move |token| async move {
            let body = ResetConfirm {
                token: Some(token),
                new_password: Some(new_password),
            };
            post_public("/api/auth/password-reset/confirm", &body).await?;
            let _ = new.try_set(String::new());
            // This browser's own session, if it had one, was ended with the others.
            recheck(auth).await;
            Ok(())
        });
    };

    // The form stays put while it is sent or refused, so the focus and the typed text stay.
    let page = Memo::new(move |_| match step.get() {
        Step::Working | Step::Failed(_) => Step::Ready,
        other => other,
    });
    view! {
        <section class="auth-form card landing">
            <h1>"Choose a new password"</h1>
            {move || match page.get() {
                Step::Done if with_passkey.get_untracked() => view! {
                    <div class="notice success" role="status" data-testid="password-reset-done">
                        <p><strong>"Your new passkey is now the only way in; every device was signed out."</strong></p>
                        <p>"Your password and any other passkeys were removed. Sign in with the passkey."</p>
                    </div>
                    <a class="button-link primary" href="/login">"Sign in"</a>
                }.into_any(),
                Step::Done => view! {
                    <div class="notice success" role="status" data-testid="password-reset-done">
                        <p><strong>"Your password was changed; every device was signed out."</strong></p>
                        <p>"Sign in with your new password."</p>
                    </div>
                    <a class="button-link primary" href="/login">"Sign in"</a>
                }.into_any(),
                Step::Expired => view! {
                    <LinkExpired>
                        <p><a href="/forgot-password">"Ask for a new link"</a> " to choose a new password."</p>
                    </LinkExpired>
                }.into_any(),
                Step::NoLink => view! {
                    <NoLink>
                        <p>"To choose a new password, " <a href="/forgot-password">"ask for a reset link"</a> "."</p>
                    </NoLink>
                }.into_any(),
                _ => view! {
                    <p class="lead">"Every device signed in to your account will be signed out."</p>
                    <form on:submit=submit novalidate=true>
                        <Fields>
                            <Field id="new_password" label="New password" kind="password"
                                autocomplete="new-password" value=new
                                error=Problems::field(problems, "new_password") hint=Some(PASSWORD_HINT)/>
                            <FormError problems/>
                            <SubmitButton label="Set new password" pending_label="Setting your password…" pending/>
                        </Fields>
                    </form>
                    <Show when=move || supported.get()>
                        <div class="passkey-sign-in">
                            <p class="or"><span>"or"</span></p>
                            <button type="button" class="secondary" on:click=use_passkey disabled=move || pending.get()>
                                "Use a passkey instead"
                            </button>
                            <p class="hint">"Your password and any other passkeys are removed: only this new passkey signs in."</p>
                        </div>
                    </Show>
                }.into_any(),
            }}
        </section>
    }
}
