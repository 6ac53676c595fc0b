//! "Confirm it is you": the dialog a form opens when the server answers
//! `reauthentication_required`. The user enters their password or uses a passkey, the
//! session is re-authenticated, and the form that asked is sent again as it stands, so
//! nothing typed is lost. One dialog serves every form of a page.

use leptos::{ev::SubmitEvent, html, prelude::*, task::spawn_local};
use web_sys::HtmlFormElement;

use super::{
    field::{Field, Fields, SubmitButton},
    forms::{FormError, Problems, Submission},
};
use crate::{
    auth::{Method, passkeys, send_json, use_auth},
    contract::Reauthenticate,
};

/// The page's dialog, and the form waiting for it.
#[derive(Clone, Copy)]
pub struct StepUp {
    dialog: NodeRef<html::Dialog>,
    waiting: StoredValue<Option<HtmlFormElement>, LocalStorage>,
}

impl StepUp {
    pub fn new() -> Self {
        Self {
            dialog: NodeRef::new(),
            waiting: StoredValue::new_local(None),
        }
    }

    /// Opens the dialog (modal: focus moves into it, Escape cancels) for `form`, which is
    /// sent again once the user has confirmed.
    pub fn ask(self, form: Option<HtmlFormElement>) {
        self.waiting.set_value(form);
        if let Some(dialog) = self.dialog.get_untracked() {
            let _ = dialog.show_modal();
        }
    }

    fn close(self) {
        if let Some(dialog) = self.dialog.get_untracked() {
            dialog.close();
        }
    }

    /// Confirmed: close, and send the waiting form again.
    fn go_on(self) {
        self.close();
        if let Some(form) = self.waiting.try_update_value(Option::take).flatten() {
            let _ = form.request_submit();
        }
    }
}

/// The dialog itself; place it once on a page whose forms use `Submission::stepping_up`.
#[component]
pub fn ConfirmItsYou(step_up: StepUp) -> impl IntoView {
    let auth = use_auth();
    let password = RwSignal::new(String::new());
    let form = Submission::new();
    let with_passkey = RwSignal::new(false);
    Effect::new(move || with_passkey.set(passkeys::supported()));

    let submit = move |ev: SubmitEvent| {
        let body = Reauthenticate {
            password: Some(password.get_untracked()),
        };
        let request = async move { send_json(auth, Method::POST, "/api/auth/reauthenticate", &body).await };
        form.send(ev, request, move |()| {
            let _ = password.try_set(String::new());
            step_up.go_on();
        });
    };
    let use_passkey = move |_| {
        form.problems.set(Problems::default());
        form.pending.set(true);
        spawn_local(async move {
            let result = passkeys::reauthenticate(auth).await;
            let _ = form.pending.try_set(false);
            match result {
                Ok(()) => step_up.go_on(),
                Err(passkeys::PasskeyError::Cancelled) => {}
                Err(error) => drop(form.problems.try_set(error.into_api_error().into())),
            }
        });
    };
    let cancel = move |_| {
        password.set(String::new());
        form.clear();
        step_up.close();
    };

    view! {
        <dialog node_ref=step_up.dialog class="step-up card" aria-labelledby="step-up-title"
            aria-describedby="step-up-why">
            <form on:submit=submit novalidate=true>
                <h2 id="step-up-title">"Confirm it is you"</h2>
                <p id="step-up-why">
                    "For your security, enter your password again: it has been a few minutes since "
                    "you signed in. What you typed on the page is kept."
                </p>
                <Fields>
                    <Field id="step_up_password" label="Password" kind="password"
                        autocomplete="current-password" value=password error=form.field("password")/>
                    <FormError problems=form.problems/>
                    <div class="actions">
                        <SubmitButton label="Confirm" pending_label="Checking…" pending=form.pending/>
                        <Show when=move || with_passkey.get()>
                            <button type="button" class="secondary" on:click=use_passkey
                                disabled=move || form.pending.get()>"Use a passkey"</button>
                        </Show>
                        <button type="button" class="secondary" on:click=cancel>"Cancel"</button>
                    </div>
                </Fields>
            </form>
        </dialog>
    }
}
