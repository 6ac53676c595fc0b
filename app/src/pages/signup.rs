use leptos::prelude::*;

use super::{
    forms::{CredentialsForm, CredentialsKind},
    mail_sent::CheckYourEmail,
};

#[component]
pub fn SignupPage() -> impl IntoView {
    // The address a confirmation link went to, once the server mailed one instead of signing
    // the user in (`LATCH_EMAIL_VERIFICATION=required`).
    let sent = RwSignal::new(None::<String>);
    move || match sent.get() {
        Some(address) => view! {
            <CheckYourEmail>
                <p class="lead">
                    "We sent a link to " <strong data-testid="mail-sent-to">{address}</strong>
                    ". Open it to finish signing up."
                </p>
                <p>"If you already have an account, the mail says how to sign in."</p>
                <p class="hint">
                    "Nothing after a few minutes? Look in your spam folder, or "
                    <button type="button" class="link-button" on:click=move |_| sent.set(None)>
                        "sign up again"
                    </button>
                    " if the address was mistyped."
                </p>
            </CheckYourEmail>
        }
        .into_any(),
        None => view! { <CredentialsForm kind=CredentialsKind::SignUp mail_sent=sent/> }.into_any(),
    }
}
