use leptos::prelude::*;

use super::forms::{CredentialsForm, CredentialsKind};

#[component]
pub fn SignupPage() -> impl IntoView {
    view! { <CredentialsForm kind=CredentialsKind::SignUp/> }
}
