//! Latch's user interface, rendered on the server (`ssr`) and hydrated in the browser (`hydrate`).

mod auth;
mod components;
pub mod contract;
// The product built on Latch: the worked example (delete the line and the folder to remove it).
pub mod notes;
mod pages;

use leptos::{nonce::use_nonce, prelude::*};
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::{
    StaticSegment,
    components::{Route, Router, Routes},
    path,
};

use components::{BlockedAttemptNotice, ReconnectingBanner, SiteHeader};
use pages::{
    AccountPage, ConfirmEmailPage, EmailPage, ForgotPasswordPage, HomePage, LoginPage, NotFound,
    PasskeysPage, PasswordPage, ResetPasswordPage, SecurityPage, SessionsPage, SignupPage, UndoEmailPage, VerifyEmailPage, YourDataPage,
};

/// The DPoP nonce (RFC 9449) a page hands its client for the first proof, so the silent
/// refresh after a page load needs no extra round trip to learn one.
#[derive(Clone, Debug)]
pub struct DpopNonce(pub String);

/// The product's own services the pages may call across origins (`LATCH_SERVICE_ORIGINS`),
/// handed to the client as a `<meta>` (`auth::service_origins` reads it).
#[derive(Clone, Debug, Default)]
pub struct ServiceOrigins(pub Vec<String>);

/// The HTML document around the app; only the server renders it.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let dpop_nonce =
        use_context::<DpopNonce>().map(|DpopNonce(nonce)| view! { <meta name="dpop-nonce" content=nonce/> });
    let services = use_context::<ServiceOrigins>()
        .filter(|ServiceOrigins(origins)| !origins.is_empty())
        .map(|ServiceOrigins(origins)| view! { <meta name="service-origins" content=origins.join(" ")/> });
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                // First of all: a mailed link's token leaves the URL before anything loads.
                <script nonce=use_nonce() inner_html=auth::LINK_SCRIPT></script>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // No favicon file to fetch (and 404 on) until the product has one.
                <link rel="icon" href="data:,"/>
                // Names the stylesheet as built: `latch.<hash>.css` in a release site.
                <HashedStylesheet options=options.clone() id="leptos"/>
                {dpop_nonce}
                {services}
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
                // Outside the hydrated tree: a browser without JavaScript is told why the
                // forms above are disabled (tokens live in the page's memory, so there is no
                // form post to fall back to).
                <noscript>
                    <p class="banner warning noscript">
                        "Latch needs JavaScript to sign you in: your access token lives only in this "
                        "page's memory, never in a cookie a form could send. Turn JavaScript on and reload."
                    </p>
                </noscript>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    auth::provide_auth();
    let hydrated = mark_hydrated();
    provide_context(Hydrated(hydrated));

    view! {
        <Title text="Latch"/>
        <Router>
            <SiteHeader/>
            <ReconnectingBanner/>
            <BlockedAttemptNotice/>
            <main>
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("") view=HomePage/>
                    <Route path=StaticSegment("login") view=LoginPage/>
                    <Route path=StaticSegment("signup") view=SignupPage/>
                    <Route path=StaticSegment("account") view=AccountPage/>
                    <Route path=path!("/account/sessions") view=SessionsPage/>
                    <Route path=path!("/account/security") view=SecurityPage/>
                    <Route path=path!("/account/password") view=PasswordPage/>
                    <Route path=path!("/account/passkeys") view=PasskeysPage/>
                    <Route path=path!("/account/data") view=YourDataPage/>
                    <Route path=path!("/account/email") view=EmailPage/>
                    // The product's own pages (the worked example).
                    <Route path=StaticSegment("notes") view=notes::NotesPage/>
                    <Route path=StaticSegment("forgot-password") view=ForgotPasswordPage/>
                    // The landing pages of mailed links.
                    <Route path=StaticSegment("verify-email") view=VerifyEmailPage/>
                    <Route path=StaticSegment("reset-password") view=ResetPasswordPage/>
                    <Route path=StaticSegment("confirm-email") view=ConfirmEmailPage/>
                    <Route path=StaticSegment("undo-email") view=UndoEmailPage/>
                </Routes>
            </main>
        </Router>
    }
}

/// Whether the page's WASM has taken over. Until then (or without JavaScript at all) a form
/// could not be sent, so forms stay disabled rather than silently dead.
#[derive(Clone, Copy)]
pub struct Hydrated(pub ReadSignal<bool>);

/// Effects run only in the browser, after hydration: end-to-end tests wait for this attribute
/// instead of guessing when clicks start to work.
fn mark_hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move || {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
        set_hydrated.set(true);
    });
    hydrated
}
