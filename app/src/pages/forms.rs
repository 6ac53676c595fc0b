//! Pieces shared by the forms: a submission's state, its problems, and the sign-in and
//! sign-up forms.

use std::{collections::BTreeMap, future::Future};

use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};
use wasm_bindgen::JsCast;
use web_sys::HtmlFormElement;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::{
    field::{Field, Fields, SubmitButton},
    passkey_sign_in::PasskeySignIn,
    step_up::StepUp,
};
use crate::{
    contract::ErrorCode,
    auth::{ApiError, Auth, Notice, SignedUp, Status, passkeys, safe_next, sign_in, sign_up, use_auth},
    components::encode_component,
};

/// Which of the two credential forms to show.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CredentialsKind {
    SignIn,
    SignUp,
}

/// The words and the call that make one form of the two.
struct FormText {
    title: &'static str,
    submit_label: &'static str,
    pending_label: &'static str,
    /// Sign-in adds `webauthn`: the browser offers passkeys in the address field's autofill.
    email_autocomplete: &'static str,
    password_autocomplete: &'static str,
    password_hint: Option<&'static str>,
    /// "Already have an account?" and the like, with the page the link goes to.
    other_prompt: &'static str,
    other_label: &'static str,
    other_path: &'static str,
}

impl CredentialsKind {
    fn text(self) -> FormText {
        match self {
            CredentialsKind::SignIn => FormText {
                title: "Sign in",
                submit_label: "Sign in",
                pending_label: "Signing in…",
                email_autocomplete: "username webauthn",
                password_autocomplete: "current-password",
                password_hint: None,
                other_prompt: "New here?",
                other_label: "Create an account",
                other_path: "/signup",
            },
            CredentialsKind::SignUp => FormText {
                title: "Create your account",
                submit_label: "Create account",
                pending_label: "Creating your account…",
                email_autocomplete: "username",
                password_autocomplete: "new-password",
                password_hint: Some(PASSWORD_HINT),
                other_prompt: "Already have an account?",
                other_label: "Sign in",
                other_path: "/login",
            },
        }
    }

    async fn submit(self, auth: Auth, email: String, password: String) -> Result<SignedUp, ApiError> {
        match self {
            CredentialsKind::SignIn => sign_in(auth, &email, &password)
                .await
                .map(|()| SignedUp::SignedIn),
            CredentialsKind::SignUp => sign_up(auth, &email, &password).await,
        }
    }
}

/// Shown under every field where a new password is chosen.
pub const PASSWORD_HINT: &str = "At least 10 characters. A few unrelated words make a strong password.";

/// The sign-in and sign-up forms: email and password, field errors from the server, and on
/// success a return to where the user was going (`?next=`, same-origin paths only). A sign-up
/// answered with "check your email" puts the address in `mail_sent` instead.
#[component]
pub fn CredentialsForm(
    kind: CredentialsKind,
    #[prop(optional)] mail_sent: Option<RwSignal<Option<String>>>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let FormText {
        title,
        submit_label,
        pending_label,
        email_autocomplete,
        password_autocomplete,
        password_hint,
        other_prompt,
        other_label,
        other_path,
    } = kind.text();
    let auth = use_auth();
    let query = use_query_map();
    // After a stolen session was ended, the first place to go is what happened to it.
    let reused = matches!(
        auth.status.get_untracked(),
        Status::SignedOut(Some(Notice::Reused))
    );
    let next = Signal::derive(move || match query.with(|q| q.get("next")) {
        _ if reused => "/account/security".to_string(),
        next => safe_next(next),
    });
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let form = Submission::new();

    // Signed in (just now, or already by the silent refresh): go where the user was going.
    let navigate = use_navigate();
    Effect::new(move || {
        if let Status::SignedIn(_) = auth.status.get() {
            navigate(&next.get_untracked(), Default::default());
        }
    });

    let submit = move |ev: SubmitEvent| {
        let address = email.get_untracked();
        let request = kind.submit(auth, address.clone(), password.get_untracked());
        form.send(ev, request, move |outcome| {
            if kind == CredentialsKind::SignIn && outcome == SignedUp::SignedIn {
                spawn_local(passkeys::add_quietly(auth));
            }
            if outcome == SignedUp::CheckYourEmail {
                password.set(String::new());
                if let Some(sent) = mail_sent {
                    sent.set(Some(address));
                }
            }
        });
    };

    view! {
        <section class="auth-form card">
            <h1>{title}</h1>
            {children.map(|children| children())}
            <form on:submit=submit novalidate=true>
                <Fields>
                    <Field id="email" label="Email" kind="email" autocomplete=email_autocomplete value=email
                        error=form.field("email")/>
                    <Field id="password" label="Password" kind="password" autocomplete=password_autocomplete
                        value=password error=form.field("password") hint=password_hint/>
                    <FormError problems=form.problems/>
                    <SubmitButton label=submit_label pending_label pending=form.pending/>
                </Fields>
            </form>
            {(kind == CredentialsKind::SignIn).then(|| view! {
                <PasskeySignIn problems=form.problems/>
                <p class="other-way"><a href="/forgot-password">"Forgot your password?"</a></p>
            })}
            <p class="other-way">
                {other_prompt} " "
                <a href=move || format!("{other_path}?next={}", encode_component(&next.get()))>{other_label}</a>
            </p>
        </section>
    }
}

/// The message for the whole form, announced when it appears.
#[component]
pub fn FormError(problems: RwSignal<Problems>) -> impl IntoView {
    view! {
        {move || problems.with(|p| p.form.clone()).map(|message| view! {
            <p class="form-error" role="alert">{message}</p>
        })}
    }
}

/// The form-level message and per-field messages of a failed submission.
#[derive(Clone, Default, PartialEq)]
pub struct Problems {
    pub form: Option<String>,
    pub fields: BTreeMap<String, String>,
}

impl From<ApiError> for Problems {
    fn from(error: ApiError) -> Self {
        let form = Some(error.message());
        match error {
            ApiError::Fields(fields) => Problems { form, fields },
            _ => Problems {
                form,
                fields: BTreeMap::new(),
            },
        }
    }
}

impl Problems {
    pub fn field(problems: RwSignal<Problems>, name: &'static str) -> Signal<Option<String>> {
        Signal::derive(move || problems.with(|p| p.fields.get(name).cloned()))
    }
}

/// One form's submission: whether it is in flight (its button shows progress and a second
/// submit is ignored) and what the server refused last time.
#[derive(Clone, Copy)]
pub struct Submission {
    pub pending: RwSignal<bool>,
    pub problems: RwSignal<Problems>,
    /// Where a `reauthentication_required` refusal goes instead of the problems.
    step_up: Option<StepUp>,
}

impl Submission {
    pub fn new() -> Self {
        Self {
            pending: RwSignal::new(false),
            problems: RwSignal::new(Problems::default()),
            step_up: None,
        }
    }

    /// A submission whose action may need recent authentication: that refusal opens the
    /// "Confirm it is you" dialog, which sends the form again once the user has.
    pub fn stepping_up(step_up: StepUp) -> Self {
        Self {
            step_up: Some(step_up),
            ..Self::new()
        }
    }

    pub fn clear(self) {
        self.problems.set(Problems::default());
    }

    pub fn field(self, name: &'static str) -> Signal<Option<String>> {
        Problems::field(self.problems, name)
    }

    /// Sends the form with `request` unless it is already on its way, and hands a success to
    /// `done`; a refusal becomes the form's problems. The page may be gone by the time the
    /// answer comes, so nothing here assumes its signals still exist.
    pub fn send<T: 'static>(
        self,
        ev: SubmitEvent,
        request: impl Future<Output = Result<T, ApiError>> + 'static,
        done: impl FnOnce(T) + 'static,
    ) {
        ev.prevent_default();
        if self.pending.get_untracked() {
            return;
        }
        // The form that asked, for "Confirm it is you" to send again.
        let form = ev.target().and_then(|target| target.dyn_into::<HtmlFormElement>().ok());
        self.pending.set(true);
        self.problems.set(Problems::default());
        spawn_local(async move {
            let result = request.await;
            let _ = self.pending.try_set(false);
            match (result, self.step_up) {
                (Ok(value), _) => done(value),
                (Err(ApiError::Refused { code: ErrorCode::ReauthenticationRequired, .. }), Some(step_up)) => {
                    step_up.ask(form)
                }
                (Err(error), _) => drop(self.problems.try_set(error.into())),
            }
        });
    }
}
