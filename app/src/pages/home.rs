use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let (open, set_open) = signal(false);

    view! {
        <section class="hero">
            <h1>"Latch"</h1>
            <p class="lead">
                "Browser sign-in done properly: the access token lives only in memory, "
                "the refresh token in an HttpOnly cookie that rotates on every use."
            </p>
            <button
                id="how-it-works"
                aria-expanded=move || open.get().to_string()
                aria-controls="how-it-works-detail"
                on:click=move |_| set_open.update(|open| *open = !*open)
            >
                "How it works"
            </button>
            <div id="how-it-works-detail" hidden=move || !open.get()>
                <p>
                    "A short-lived signed access token is held in the page's WebAssembly memory. "
                    "When it is about to expire, or after a reload, the app asks for a new one "
                    "with a refresh cookie that scripts cannot read. Every refresh retires the "
                    "old refresh token; presenting a retired one ends the session."
                </p>
            </div>
        </section>
    }
}
