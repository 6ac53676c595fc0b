use leptos::{prelude::*, task::spawn_local};

use super::account::account_page;
use crate::{
    auth::{Method, get_json, send, use_auth},
    contract::SessionView,
};

#[component]
pub fn SessionsPage() -> impl IntoView {
    account_page(Sessions)
}

#[component]
fn Sessions() -> impl IntoView {
    let auth = use_auth();
    let sessions = LocalResource::new(move || get_json::<Vec<SessionView>>(auth, "/api/sessions"));
    let problem = RwSignal::new(None::<String>);

    let act = move |method: Method, path: String| {
        spawn_local(async move {
            match send(auth, method, &path).await {
                Ok(()) => {
                    problem.set(None);
                    sessions.refetch();
                }
                Err(error) => problem.set(Some(error.message())),
            }
        });
    };

    view! {
        <section class="sessions">
            <h1>"Where you're signed in"</h1>
            <Show when=move || problem.get().is_some()>
                <p class="form-error" role="alert">{move || problem.get()}</p>
            </Show>
            <Suspense fallback=|| view! { <p role="status">"Loading your sessions…"</p> }>
                {move || sessions.get().map(|result| match result {
                    Ok(list) => {
                        let others = list.iter().filter(|s| !s.current).count();
                        view! {
                            <ul class="session-list">
                                {list.into_iter().map(|session| {
                                    let path = format!("/api/sessions/{}", session.id);
                                    view! {
                                        <li class="session-item" data-current=session.current.to_string()>
                                            <strong>{session.device}</strong>
                                            {session.current.then(|| view! { <span class="badge">" (this device)"</span> })}
                                            {(!session.device_bound).then(|| view! {
                                                <span class="badge unbound" title="Its cookie would work from any browser that copied it">
                                                    " · not device-bound"
                                                </span>
                                            })}
                                            <p class="meta">
                                                {format!("IP {} · signed in {} · last active {}",
                                                    session.ip, session.created_at, session.last_used_at)}
                                            </p>
                                            {(!session.current).then(|| view! {
                                                <button type="button" on:click=move |_| act(Method::DELETE, path.clone())>
                                                    "Sign out this device"
                                                </button>
                                            })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            {(others > 0).then(|| view! {
                                <button type="button" class="danger"
                                    on:click=move |_| act(Method::POST, "/api/sessions/revoke-others".to_string())>
                                    "Sign out all other devices"
                                </button>
                            })}
                        }.into_any()
                    }
                    Err(error) => view! { <p role="status">{error.message()}</p> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
