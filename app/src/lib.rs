//! Latch's user interface, rendered on the server (`ssr`) and hydrated in the browser (`hydrate`).

mod auth;
mod components;
pub mod contract;
mod pages;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    StaticSegment,
    components::{Route, Router, Routes},
    path,
};

use components::{BlockedAttemptNotice, ReconnectingBanner, SessionMenu};
use pages::{
    AccountPage, HomePage, LoginPage, NotFound, PasswordPage, SecurityPage, SessionsPage, SignupPage,
};

/// The DPoP nonce (RFC 9449) a page hands its client for the first proof, so the silent
/// refresh after a page load needs no extra round trip to learn one.
#[derive(Clone, Debug)]
pub struct DpopNonce(pub String);

/// The HTML document around the app; only the server renders it.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let dpop_nonce =
        use_context::<DpopNonce>().map(|DpopNonce(nonce)| view! { <meta name="dpop-nonce" content=nonce/> });
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // No favicon file to fetch (and 404 on) until the product has one.
                <link rel="icon" href="data:,"/>
                {dpop_nonce}
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    auth::provide_auth();
    mark_hydrated();

    view! {
        <Stylesheet id="leptos" href="/pkg/latch.css"/>
        <Title text="Latch"/>
        <Router>
            <header class="site-header">
                <a class="brand" href="/">"Latch"</a>
                <SessionMenu/>
            </header>
            <ReconnectingBanner/>
            <BlockedAttemptNotice/>
            <main>
                <ErrorBoundary fallback=|errors| view! { <ErrorPage errors/> }>
                    <Routes fallback=NotFound>
                        <Route path=StaticSegment("") view=HomePage/>
                        <Route path=StaticSegment("login") view=LoginPage/>
                        <Route path=StaticSegment("signup") view=SignupPage/>
                        <Route path=StaticSegment("account") view=AccountPage/>
                        <Route path=path!("/account/sessions") view=SessionsPage/>
                        <Route path=path!("/account/security") view=SecurityPage/>
                        <Route path=path!("/account/password") view=PasswordPage/>
                    </Routes>
                </ErrorBoundary>
            </main>
        </Router>
    }
}

/// Effects run only in the browser, after hydration: end-to-end tests wait for this attribute
/// instead of guessing when clicks start to work.
fn mark_hydrated() {
    Effect::new(|| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}

#[component]
fn ErrorPage(errors: ArcRwSignal<Errors>) -> impl IntoView {
    view! {
        <section class="error-page" role="alert">
            <h1>"Something went wrong"</h1>
            <ul>
                {move || {
                    errors
                        .get()
                        .into_iter()
                        .map(|(_, error)| view! { <li>{error.to_string()}</li> })
                        .collect_view()
                }}
            </ul>
        </section>
    }
}
