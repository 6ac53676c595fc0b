use leptos::{prelude::*, task::spawn_local};

use super::account::account_page;
use crate::{
    auth::{get_json, use_auth},
    components::{Loaded, SignOutEverywhere, When, address},
    contract::{EVENTS_PER_PAGE, EventKind, EventsBefore, SecurityEventView},
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
        EventKind::PasswordReset => "Password reset from a mailed link; every device signed out",
        EventKind::EmailChanged => "Email address changed",
        EventKind::EmailChangeUndone => {
            "Email address change undone from the old address; every device signed out"
        }
        EventKind::PasskeyAdded => "Passkey added",
        EventKind::PasskeyRemoved => "Passkey removed",
        EventKind::PasswordRemoved => "Password removed; this account signs in with passkeys",
        EventKind::AccountDisabled => "An administrator disabled your account; every device signed out",
        EventKind::AccountEnabled => "An administrator enabled your account again",
        EventKind::SessionsRevokedByAdmin => "An administrator ended your sessions",
    }
}

/// The word on a notable event's badge.
fn badge(kind: EventKind) -> &'static str {
    match kind {
        EventKind::SignedInNewDevice => "New device",
        EventKind::PasswordReset => "Password reset",
        EventKind::EmailChanged => "Address changed",
        EventKind::EmailChangeUndone => "Change undone",
        EventKind::PasskeyAdded => "Passkey added",
        EventKind::PasskeyRemoved => "Passkey removed",
        EventKind::PasswordRemoved => "Password removed",
        EventKind::AccountDisabled | EventKind::AccountEnabled | EventKind::SessionsRevokedByAdmin => {
            "Administrator"
        }
        _ => "Worth a look",
    }
}

/// How much an event deserves the user's attention.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Concern {
    /// Someone else had the session: highlighted, with what to do about it.
    Suspicious,
    /// Worth a look, usually the user themselves (a new browser).
    Notable,
    Routine,
}

fn concern(kind: EventKind) -> Concern {
    match kind {
        EventKind::RefreshTokenReuse | EventKind::RefreshWithoutDeviceKey => Concern::Suspicious,
        // Each is usually the user; if not, someone had their password or their mail.
        EventKind::SignedInNewDevice
        | EventKind::PasswordReset
        | EventKind::EmailChanged
        | EventKind::EmailChangeUndone
        | EventKind::PasskeyAdded
        | EventKind::PasskeyRemoved
        | EventKind::PasswordRemoved
        | EventKind::AccountDisabled
        | EventKind::AccountEnabled
        | EventKind::SessionsRevokedByAdmin => Concern::Notable,
        EventKind::SignedUp
        | EventKind::SignedIn
        | EventKind::SessionRevoked
        | EventKind::OtherSessionsRevoked
        | EventKind::PasswordChanged => Concern::Routine,
    }
}

#[component]
pub fn SecurityPage() -> impl IntoView {
    account_page(SecurityEvents)
}

#[component]
fn SecurityEvents() -> impl IntoView {
    let events = Loaded::<Vec<SecurityEventView>>::new(use_auth(), EventsBefore::PATH);
    view! {
        <section class="security">
            <h1>"Security activity"</h1>
            <p class="lead">"Everything that happened to your account, newest first. Anything unusual is highlighted."</p>
            {move || match events.get() {
                None => view! { <p role="status">"Loading your security activity…"</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p>"Nothing has happened yet."</p> }.into_any(),
                Some(Ok(first)) => view! { <History first/> }.into_any(),
                Some(Err(error)) => view! { <p role="status" class="form-error">{error.message()}</p> }.into_any(),
            }}
        </section>
    }
}

/// The newest page, then the older ones the user asks for, one page at a time.
#[component]
fn History(first: Vec<SecurityEventView>) -> impl IntoView {
    let auth = use_auth();
    // Where the next page starts, while the last page shown was full; `None` once it was not.
    let next = |page: &[SecurityEventView]| match page.len() {
        n if n < EVENTS_PER_PAGE => None,
        _ => page.last().map(|event| event.cursor.clone()),
    };
    let cursor = RwSignal::new(next(&first));
    // A memo, so the button is not rebuilt (and the keyboard's focus lost) after each page.
    let more = Memo::new(move |_| cursor.with(Option::is_some));
    let older = RwSignal::new(Vec::<SecurityEventView>::new());
    let loading = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let show_older = move |_| {
        let Some(before) = cursor.get_untracked() else {
            return;
        };
        loading.set(true);
        spawn_local(async move {
            let page = get_json::<Vec<SecurityEventView>>(auth, &EventsBefore::path(&before)).await;
            // The page may be gone by now; then there is nothing to update.
            if loading.try_set(false).is_some() {
                return;
            }
            outcome.set(Some(match page {
                Ok(page) => {
                    cursor.set(next(&page));
                    let shown = match page.len() {
                        0 => "There are no older events.".to_string(),
                        1 => "One older event shown.".to_string(),
                        n => format!("{n} older events shown."),
                    };
                    older.update(|older| older.extend(page));
                    Ok(shown)
                }
                Err(error) => Err(error.message()),
            }));
        });
    };
    view! {
        <ol class="event-list">
            {first.into_iter().map(|event| view! { <Event event/> }).collect_view()}
            {move || older.get().into_iter().map(|event| view! { <Event event/> }).collect_view()}
        </ol>
        {move || more.get().then(|| view! {
            <button type="button" class="secondary" on:click=show_older disabled=move || loading.get()
                aria-busy=move || loading.get().to_string()>
                {move || if loading.get() { "Loading older events…" } else { "Show older events" }}
            </button>
        })}
        {move || outcome.get().map(|outcome| match outcome {
            Ok(shown) => view! { <p class="meta" role="status">{shown}</p> }.into_any(),
            Err(problem) => view! { <p class="form-error" role="alert">{problem}</p> }.into_any(),
        })}
    }
}

#[component]
fn Event(event: SecurityEventView) -> impl IntoView {
    let concern = concern(event.kind);
    let alarming = concern == Concern::Suspicious;
    // Repeats of a blocked attempt from one party arrive as one entry; `at` is the latest.
    let repeated = (event.count > 1).then_some(event.count);
    view! {
        <li class="event card" class:alarming=alarming data-kind=event.kind.as_str() data-count=event.count.to_string()>
            <p class="event-head">
                {alarming.then(|| view! { <span class="badge alarm">"Suspicious"</span> })}
                {(concern == Concern::Notable).then(|| view! { <span class="badge">{badge(event.kind)}</span> })}
                <strong>{describe(event.kind)}</strong>
                {repeated.map(|count| view! {
                    <span class="badge count">
                        <span aria-hidden="true">{format!("× {count}")}</span>
                        <span class="visually-hidden">{format!("{count} times")}</span>
                    </span>
                })}
            </p>
            <p class="meta">
                {repeated.map(|_| "Latest ")} <When at=event.at/> " · " {event.device} " · from " {address(&event.ip)}
            </p>
            {event.last_refreshed_by.map(|before| view! {
                <p class="meta last-refreshed-by">
                    "Before that, the session was last refreshed by " {before.device} " from "
                    {address(&before.ip)} ". One of the two was not you."
                </p>
            })}
            {alarming.then(|| view! {
                <div class="actions">
                    <p>"Not you? Sign out every device, then choose a new password."</p>
                    <SignOutEverywhere/>
                    <a class="button-link secondary" href="/account/password">"Change password"</a>
                </div>
            })}
            {if_not_you(event.kind)}
        </li>
    }
}

/// What to do about a change to the account's password or address that the user did not make.
fn if_not_you(kind: EventKind) -> Option<impl IntoView> {
    let advice = match kind {
        EventKind::EmailChanged => {
            "If this wasn't you: sign out every device, change your password, and open the undo link we \
             sent to your old address."
        }
        EventKind::PasswordReset => {
            "If this wasn't you, someone can read your mail: secure your mailbox, then change your password."
        }
        EventKind::EmailChangeUndone => {
            "If you did not change the address in the first place, someone knew your password: change it."
        }
        _ => return None,
    };
    let sign_out = kind == EventKind::EmailChanged;
    Some(view! {
        <div class="actions">
            <p>{advice}</p>
            {sign_out.then(|| view! { <SignOutEverywhere/> })}
            <a class="button-link secondary" href="/account/password">"Change password"</a>
        </div>
    })
}
