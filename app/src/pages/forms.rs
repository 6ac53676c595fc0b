//! Pieces shared by the sign-in and sign-up forms.

use std::collections::BTreeMap;

use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};
use leptos_router::hooks::{use_navigate, use_query_map};

use super::field::{Field, Fields, SubmitButton};
use crate::{
    auth::{ApiError, Auth, Notice, SignedUp, Status, safe_next, sign_in, sign_up, use_auth},
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
        Status::SignedOut(Some(Notice::SessionReused))
    );
    let next = Signal::derive(move || match query.with(|q| q.get("next")) {
        _ if reused => "/account/security".to_string(),
        next => safe_next(next),
    });
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let problems = RwSignal::new(Problems::default());
    let pending = RwSignal::new(false);

    // Signed in (just now, or already by the silent refresh): go where the user was going.
    let navigate = use_navigate();
    Effect::new(move || {
        if let Status::SignedIn(_) = auth.status.get() {
            navigate(&next.get_untracked(), Default::default());
        }
    });

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        problems.set(Problems::default());
        spawn_local(async move {
            let address = email.get_untracked();
            let result = kind.submit(auth, address.clone(), password.get_untracked()).await;
            pending.set(false);
            match result {
                Ok(SignedUp::SignedIn) => {}
                Ok(SignedUp::CheckYourEmail) => {
                    password.set(String::new());
                    if let Some(sent) = mail_sent {
                        sent.set(Some(address));
                    }
                }
                Err(error) => problems.set(error.into()),
            }
        });
    };

    view! {
        <section class="auth-form card">
            <h1>{title}</h1>
            {children.map(|children| children())}
            <form on:submit=submit novalidate=true>
                <Fields>
                    <Field id="email" label="Email" kind="email" autocomplete="username" value=email
                        error=Problems::field(problems, "email")/>
                    <Field id="password" label="Password" kind="password" autocomplete=password_autocomplete
                        value=password error=Problems::field(problems, "password") hint=password_hint/>
                    <FormError problems/>
                    <SubmitButton label=submit_label pending_label pending/>
                </Fields>
            </form>
            {(kind == CredentialsKind::SignIn).then(|| view! {
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
