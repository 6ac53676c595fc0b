//! "Confirm it is you": the dialog a form opens when the server answers
//! `reauthentication_required`. The user enters their password, the session is
//! re-authenticated, and the form is sent again as it stands, so nothing typed is lost.

use leptos::{ev::SubmitEvent, html, prelude::*};

use super::{
    field::{Field, Fields, SubmitButton},
    forms::{FormError, Submission},
};
use crate::{
    auth::{Method, send_json, use_auth},
    contract::Reauthenticate,
};

/// What a form needs to ask for a re-authentication: its own element (to send it again) and
/// the dialog's.
#[derive(Clone, Copy)]
pub struct StepUp {
    form: NodeRef<html::Form>,
    dialog: NodeRef<html::Dialog>,
}

impl StepUp {
    pub fn new() -> Self {
        Self {
            form: NodeRef::new(),
            dialog: NodeRef::new(),
        }
    }

    /// The `node_ref` of the form whose action may need recent authentication.
    pub fn form(self) -> NodeRef<html::Form> {
        self.form
    }

    /// Opens the dialog (modal: focus moves into it, Escape cancels).
    pub fn ask(self) {
        if let Some(dialog) = self.dialog.get_untracked() {
            let _ = dialog.show_modal();
        }
    }

    fn close(self) {
        if let Some(dialog) = self.dialog.get_untracked() {
            dialog.close();
        }
    }
}

/// The dialog itself; place it once beside the form it serves.
#[component]
pub fn ConfirmItsYou(step_up: StepUp) -> impl IntoView {
    let auth = use_auth();
    let password = RwSignal::new(String::new());
    let form = Submission::new();

    let submit = move |ev: SubmitEvent| {
        let body = Reauthenticate {
            password: Some(password.get_untracked()),
        };
        let request = async move { send_json(auth, Method::POST, "/api/auth/reauthenticate", &body).await };
        form.send(ev, request, move |()| {
            let _ = password.try_set(String::new());
            step_up.close();
            if let Some(form) = step_up.form.get_untracked() {
                let _ = form.request_submit();
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
                        <button type="button" class="secondary" on:click=cancel>"Cancel"</button>
                    </div>
                </Fields>
            </form>
        </dialog>
    }
}
