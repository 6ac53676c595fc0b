//! What a page shows once the server has mailed a link, or may have: the server answers the
//! same whether or not an address has an account, and so does this.

use leptos::{html, prelude::*};

/// "Check your email", with what the mail will say. Its heading takes the focus when it
/// appears, so a screen reader reads on from there instead of from a form that is gone.
#[component]
pub fn CheckYourEmail(
    #[prop(default = "Check your email")] title: &'static str,
    children: Children,
) -> impl IntoView {
    let heading = NodeRef::<html::H1>::new();
    Effect::new(move || {
        if let Some(heading) = heading.get() {
            let _ = heading.focus();
        }
    });
    view! {
        <section class="auth-form card mail-sent" data-testid="check-your-email">
            <h1 tabindex="-1" node_ref=heading>{title}</h1>
            {children()}
        </section>
    }
}
