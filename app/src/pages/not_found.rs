use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    // The page must answer 404, not a 200 that merely says "not found".
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }

    view! {
        <section class="not-found">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. " <a href="/">"Go to the home page"</a></p>
        </section>
    }
}
