use leptos::prelude::*;

use super::forms::CredentialsForm;
use crate::auth::{Auth, sign_up};

#[component]
pub fn SignupPage() -> impl IntoView {
    view! {
        <CredentialsForm
            title="Create your account"
            submit_label="Create account"
            pending_label="Creating your account…"
            password_autocomplete="new-password"
            password_hint="At least 10 characters. A few unrelated words make a strong password."
            other_prompt="Already have an account?"
            other_label="Sign in"
            other_path="/login"
            action=|auth: Auth, email: String, password: String| async move {
                sign_up(auth, &email, &password).await
            }
        />
    }
}
