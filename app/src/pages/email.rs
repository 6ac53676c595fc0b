use leptos::{ev::SubmitEvent, prelude::*};

use super::{
    account::account_page,
    field::{Field, Fields, SubmitButton},
    forms::{FormError, Submission},
    step_up::{ConfirmItsYou, StepUp},
};
use crate::{
    auth::{Method, send_json, use_auth},
    contract::EmailChange,
};

#[component]
pub fn EmailPage() -> impl IntoView {
    account_page(ChangeEmail)
}

/// A new address takes effect only once a link mailed to it is opened, so a typo cannot lock
/// the user out; the old address is told then, with a link to undo the change.
#[component]
fn ChangeEmail() -> impl IntoView {
    let auth = use_auth();
    let new_email = RwSignal::new(String::new());
    let current = RwSignal::new(String::new());
    let step_up = StepUp::new();
    let form = Submission::stepping_up(step_up);
    // The address the confirmation link went to.
    let sent = RwSignal::new(None::<String>);

    let submit = move |ev: SubmitEvent| {
        sent.set(None);
        let address = new_email.get_untracked();
        let body = EmailChange {
            new_email: Some(address.clone()),
            current_password: Some(current.get_untracked()),
        };
        let request = async move { send_json(auth, Method::POST, "/api/account/email", &body).await };
        form.send(ev, request, move |()| {
            let _ = new_email.try_set(String::new());
            let _ = current.try_set(String::new());
            let _ = sent.try_set(Some(address));
        });
    };

    view! {
        <section class="auth-form card">
            <h1>"Change your email address"</h1>
            <p class="lead">
                "We send a link to the new address; the change happens when you open it. Your current "
                "address is then told, with a link to undo the change."
            </p>
            <form on:submit=submit novalidate=true>
                <Fields>
                    <Field id="new_email" label="New email address" kind="email" autocomplete="email"
                        value=new_email error=form.field("new_email")/>
                    <Field id="current_password" label="Current password" kind="password"
                        autocomplete="current-password" value=current
                        error=form.field("current_password")/>
                    <FormError problems=form.problems/>
                    {move || sent.get().map(|address| view! {
                        <div class="notice success" role="status" data-testid="email-change-sent">
                            <p><strong>"Check your new address for a confirmation link."</strong></p>
                            <p>
                                "We sent it to " {address} ". Until you open it, your account keeps its "
                                "current address."
                            </p>
                        </div>
                    })}
                    <SubmitButton label="Send confirmation link" pending_label="Sending…" pending=form.pending/>
                </Fields>
            </form>
            <ConfirmItsYou step_up/>
        </section>
    }
}
