use leptos::{html, prelude::*, task::spawn_local};

use super::account::account_page;
use crate::{
    auth::{Method, send, use_auth},
    components::{Loaded, When, address},
    contract::{Binding, SessionView},
};

#[component]
pub fn SessionsPage() -> impl IntoView {
    account_page(Sessions)
}

#[component]
fn Sessions() -> impl IntoView {
    let auth = use_auth();
    let sessions = Loaded::<Vec<SessionView>>::new(auth, "/api/sessions");
    // What the last action did, or why it failed: announced, since the list it acted on changes.
    let outcome = RwSignal::new(None::<Result<&'static str, String>>);
    // Ends one session (or all others) and shows the list as it now is.
    let act = move |method: Method, path: String, done: &'static str| {
        spawn_local(async move {
            outcome.set(Some(
                send(auth, method, &path)
                    .await
                    .map(|()| done)
                    .map_err(|e| e.message()),
            ));
            sessions.reload();
        });
    };

    view! {
        <section class="sessions">
            <h1>"Where you're signed in"</h1>
            <p class="lead">"If you do not recognise a device, sign it out and change your password."</p>
            {move || outcome.get().map(|outcome| match outcome {
                Ok(done) => view! { <p class="notice success" role="status">{done}</p> }.into_any(),
                Err(problem) => view! { <p class="form-error" role="alert">{problem}</p> }.into_any(),
            })}
            {move || match sessions.get() {
                None => view! { <p role="status">"Loading your sessions…"</p> }.into_any(),
                Some(Ok(mut list)) => {
                    // This device first, then the rest in the server's order: the most
                    // recently active first.
                    if let Some(current) = list.iter().position(|session| session.current) {
                        list[..=current].rotate_right(1);
                    }
                    let others = list.iter().filter(|s| !s.current).count();
                    view! {
                        <ul class="session-list">
                            {list.into_iter().map(|session| view! { <SessionItem session act/> }).collect_view()}
                        </ul>
                        {(others > 0).then(|| {
                            let question = match others {
                                1 => "Sign out the other device?".to_string(),
                                n => format!("Sign out all {n} other devices?"),
                            };
                            view! {
                                <Confirmed label="Sign out all other devices" question confirm="Yes, sign them out"
                                    on_confirm=move || act(Method::POST, "/api/sessions/revoke-others".into(),
                                        "Every other device was signed out.")/>
                            }
                        })}
                    }.into_any()
                }
                Some(Err(error)) => view! { <p role="status" class="form-error">{error.message()}</p> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn SessionItem(
    session: SessionView,
    act: impl Fn(Method, String, &'static str) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let path = format!("/api/sessions/{}", session.id);
    let question = format!("Sign out {}? It will have to sign in again.", session.device);
    view! {
        <li class="session-item card" data-current=session.current.to_string()>
            <p class="session-head">
                <strong>{session.device}</strong>
                {session.current.then(|| view! { <span class="badge">"This device"</span> })}
                {(session.binding == Binding::DbscDpop).then(|| view! {
                    <span class="badge" title="Its sign-in cookie renews only with a key that never leaves this device's hardware">
                        "Bound to this device's hardware"
                    </span>
                })}
                {(!session.device_bound).then(|| view! {
                    <span class="badge unbound" title="Its cookie would work from any browser that copied it">
                        "Not device-bound"
                    </span>
                })}
            </p>
            <p class="meta">
                "Last active " <When at=session.last_used_at/> " · signed in " <When at=session.created_at/>
                " · from " {address(&session.ip)}
            </p>
            {(!session.current).then(|| view! {
                <Confirmed label="Sign out this device" question confirm="Yes, sign it out"
                    on_confirm=move || act(Method::DELETE, path.clone(), "That device was signed out.")/>
            })}
        </li>
    }
}

/// A button whose action is asked about first: the question and its two answers replace it,
/// with the keyboard's focus on the answer that acts.
#[component]
fn Confirmed(
    label: &'static str,
    question: String,
    confirm: &'static str,
    on_confirm: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let yes = NodeRef::<html::Button>::new();
    let ask = NodeRef::<html::Button>::new();
    // Declining puts the focus back where it was, once the button is back on the page.
    let decline = move |_| {
        asking.set(false);
        request_animation_frame(move || {
            if let Some(button) = ask.get_untracked() {
                let _ = button.focus();
            }
        });
    };
    Effect::new(move || {
        if let Some(button) = yes.get() {
            let _ = button.focus();
        }
    });
    move || {
        if asking.get() {
            let on_confirm = on_confirm.clone();
            view! {
                <div class="confirm" role="group" aria-label=label>
                    <p>{question.clone()}</p>
                    <button type="button" class="danger" node_ref=yes on:click=move |_| {
                        asking.set(false);
                        on_confirm();
                    }>{confirm}</button>
                    <button type="button" class="secondary" on:click=decline>"Cancel"</button>
                </div>
            }
            .into_any()
        } else {
            view! {
                <button type="button" class="secondary" node_ref=ask on:click=move |_| asking.set(true)>{label}</button>
            }
                .into_any()
        }
    }
}
