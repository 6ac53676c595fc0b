use leptos::prelude::*;

use super::account::account_page;
use crate::{
    auth::{get_json, use_auth},
    contract::{EventKind, SecurityEventView},
};

fn describe(kind: EventKind) -> &'static str {
    match kind {
        EventKind::SignedUp => "Account created",
        EventKind::SignedIn => "Signed in",
        EventKind::SignedInNewDevice => "Signed in from a new device",
        EventKind::RefreshTokenReuse => "Session ended: it was used from somewhere else (possible theft)",
        EventKind::RefreshWithoutDeviceKey => {
            "Blocked: someone tried to use your session without this browser's key"
        }
        EventKind::SessionRevoked => "A device was signed out",
        EventKind::OtherSessionsRevoked => "All other devices were signed out",
        EventKind::PasswordChanged => "Password changed; other devices signed out",
    }
}

/// Events worth the user's attention, shown highlighted.
fn is_alarming(kind: EventKind) -> bool {
    match kind {
        EventKind::RefreshTokenReuse | EventKind::RefreshWithoutDeviceKey | EventKind::SignedInNewDevice => {
            true
        }
        EventKind::SignedUp
        | EventKind::SignedIn
        | EventKind::SessionRevoked
        | EventKind::OtherSessionsRevoked
        | EventKind::PasswordChanged => false,
    }
}

#[component]
pub fn SecurityPage() -> impl IntoView {
    account_page(SecurityEvents)
}

#[component]
fn SecurityEvents() -> impl IntoView {
    let auth = use_auth();
    let events = LocalResource::new(move || get_json::<Vec<SecurityEventView>>(auth, "/api/security-events"));
    view! {
        <section class="security">
            <h1>"Security activity"</h1>
            <Suspense fallback=|| view! { <p role="status">"Loading…"</p> }>
                {move || events.get().map(|result| match result {
                    Ok(list) => view! {
                        <ol class="event-list">
                            {list.into_iter().map(|event| {
                                view! {
                                    <li class="event" class:alarming=is_alarming(event.kind) data-kind=event.kind.as_str()>
                                        <strong>{describe(event.kind)}</strong>
                                        <p class="meta">{format!("{} · {} · IP {}", event.at, event.device, event.ip)}</p>
                                        {event.last_refreshed_by.map(|before| view! {
                                            <p class="meta last-refreshed-by">{format!(
                                                "Before that, the session was last refreshed by {} · IP {}. \
                                                 One of the two was not you.",
                                                before.device, before.ip,
                                            )}</p>
                                        })}
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
