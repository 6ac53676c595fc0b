use leptos::prelude::*;
use serde::Deserialize;

use super::account::AccountNav;
use crate::{
    auth::{get_json, use_auth},
    components::RequireAuth,
};

#[derive(Clone, Debug, Deserialize)]
struct Event {
    kind: String,
    at: String,
    ip: String,
    device: String,
}

fn describe(kind: &str) -> &'static str {
    match kind {
        "signed_up" => "Account created",
        "signed_in" => "Signed in",
        "signed_in_new_device" => "Signed in from a new device",
        "refresh_token_reuse" => "Session ended: it was used from somewhere else (possible theft)",
        "session_revoked" => "A device was signed out",
        "other_sessions_revoked" => "All other devices were signed out",
        "password_changed" => "Password changed; other devices signed out",
        _ => "Account activity",
    }
}

#[component]
pub fn SecurityPage() -> impl IntoView {
    view! {
        <RequireAuth>
            <AccountNav/>
            <SecurityEvents/>
        </RequireAuth>
    }
}

#[component]
fn SecurityEvents() -> impl IntoView {
    let auth = use_auth();
    let events = LocalResource::new(move || get_json::<Vec<Event>>(auth, "/api/security-events"));
    view! {
        <section class="security">
            <h1>"Security activity"</h1>
            <Suspense fallback=|| view! { <p role="status">"Loading…"</p> }>
                {move || events.get().map(|result| match result {
                    Ok(list) => view! {
                        <ol class="event-list">
                            {list.into_iter().map(|event| {
                                let alarming = event.kind == "refresh_token_reuse" || event.kind == "signed_in_new_device";
                                view! {
                                    <li class="event" class:alarming=alarming data-kind=event.kind.clone()>
                                        <strong>{describe(&event.kind)}</strong>
                                        <p class="meta">{format!("{} · {} · IP {}", event.at, event.device, event.ip)}</p>
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                    }.into_any(),
                    Err(error) => view! { <p role="status">{error.message()}</p> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
