//! The account's passkeys: add one (named after this browser unless the user names it), see
//! when each was made and last used and whether it is synced, rename or delete one, and, once
//! there is a passkey, remove the password. Adding, deleting and removing ask "Confirm it is
//! you" when the sign-in is not recent, then go on.

use leptos::{ev::SubmitEvent, prelude::*};

use super::{
    account::account_page,
    field::{Field, Fields, SubmitButton},
    forms::{FormError, Submission},
    step_up::{ConfirmItsYou, StepUp},
};
use crate::{
    auth::{Method, passkeys, send, send_json, use_auth},
    components::{Loaded, When},
    contract::{Me, PasskeyRename, PasskeyView},
};

#[component]
pub fn PasskeysPage() -> impl IntoView {
    account_page(Passkeys)
}

#[component]
fn Passkeys() -> impl IntoView {
    let auth = use_auth();
    let list = Loaded::<Vec<PasskeyView>>::new(auth, "/api/account/passkeys");
    let me = Loaded::<Me>::new(auth, "/api/me");
    let step_up = StepUp::new();
    // The browser's passkey manager is told which passkeys still sign in here, so it stops
    // offering deleted ones. The account's handle is kept from the last non-empty list, for
    // the list that no longer has any.
    let handle = StoredValue::new(None::<String>);
    Effect::new(move || {
        if let Some(Ok(keys)) = list.get() {
            if let Some(first) = keys.first() {
                handle.set_value(Some(first.user_handle.clone()));
            }
            if let Some(handle) = handle.get_value() {
                let ids: Vec<String> = keys.iter().map(|key| key.credential_id.clone()).collect();
                passkeys::all_accepted(&handle, &ids);
            }
        }
    });
    let has_password = move || {
        matches!(
            me.get(),
            Some(Ok(Me {
                has_password: true,
                ..
            }))
        )
    };
    // What the last action did: announced, since the list it acted on changes.
    let done = RwSignal::new(None::<String>);
    let supported = RwSignal::new(false);
    Effect::new(move || supported.set(passkeys::supported()));

    view! {
        <section class="passkeys">
            <h1>"Passkeys"</h1>
            <p class="lead">
                "Sign in with your fingerprint, face or screen lock instead of a password. A passkey "
                "works only on this site, so it cannot be phished, and there is nothing to type or steal."
            </p>
            {move || done.get().map(|done| view! { <p class="notice success" role="status">{done}</p> })}
            {move || match list.get() {
                None => view! { <p role="status">"Loading your passkeys…"</p> }.into_any(),
                Some(Ok(keys)) if keys.is_empty() => view! {
                    <p data-testid="no-passkeys">"You have no passkeys yet."</p>
                }.into_any(),
                Some(Ok(keys)) => {
                    let any = !keys.is_empty();
                    view! {
                        <ul class="passkey-list">
                            {keys.into_iter().map(|key| view! { <PasskeyItem passkey=key list step_up done/> }).collect_view()}
                        </ul>
                        {(any && has_password()).then(|| view! { <RemovePassword me step_up done/> })}
                    }.into_any()
                }
                Some(Err(error)) => view! { <p role="status" class="form-error">{error.message()}</p> }.into_any(),
            }}
            <Show when=move || supported.get()
                fallback=|| view! { <p class="hint">"This browser cannot create passkeys."</p> }>
                <AddPasskey list step_up done/>
            </Show>
            <ConfirmItsYou step_up/>
        </section>
    }
}

#[component]
fn AddPasskey(
    list: Loaded<Vec<PasskeyView>>,
    step_up: StepUp,
    done: RwSignal<Option<String>>,
) -> impl IntoView {
    let auth = use_auth();
    let name = RwSignal::new(String::new());
    let form = Submission::stepping_up(step_up);
    let submit = move |ev: SubmitEvent| {
        done.set(None);
        let typed = Some(name.get_untracked()).filter(|name| !name.trim().is_empty());
        let request = async move {
            passkeys::add(auth, typed, None)
                .await
                .map_err(|e| e.into_api_error())
        };
        form.send(ev, request, move |added: PasskeyView| {
            let _ = name.try_set(String::new());
            let _ = done.try_set(Some(format!(
                "Passkey “{}” added. You can sign in with it now.",
                added.name
            )));
            list.reload();
        });
    };
    view! {
        <form class="card add-passkey" on:submit=submit novalidate=true>
            <h2>"Add a passkey"</h2>
            <Fields>
                <Field id="passkey_name" label="Name (optional)" kind="text" autocomplete="off" value=name
                    error=form.field("name") hint=Some("Left empty, it is named after this browser.")/>
                <FormError problems=form.problems/>
                <SubmitButton label="Add a passkey" pending_label="Waiting for your device…" pending=form.pending/>
            </Fields>
        </form>
    }
}

#[component]
fn PasskeyItem(
    passkey: PasskeyView,
    list: Loaded<Vec<PasskeyView>>,
    step_up: StepUp,
    done: RwSignal<Option<String>>,
) -> impl IntoView {
    let auth = use_auth();
    let path = format!("/api/account/passkeys/{}", passkey.id);
    let renaming = RwSignal::new(false);
    let new_name = RwSignal::new(passkey.name.clone());
    let rename = Submission::new();
    let delete = Submission::stepping_up(step_up);
    let name = passkey.name.clone();

    let submit_rename = {
        let path = path.clone();
        move |ev: SubmitEvent| {
            let body = PasskeyRename {
                name: Some(new_name.get_untracked()),
            };
            let path = path.clone();
            let request = async move { send_json(auth, Method::PATCH, &path, &body).await };
            rename.send(ev, request, move |()| {
                let _ = renaming.try_set(false);
                let _ = done.try_set(Some("Passkey renamed.".into()));
                list.reload();
            });
        }
    };
    let submit_delete = move |ev: SubmitEvent| {
        let path = path.clone();
        let request = async move { send(auth, Method::DELETE, &path).await };
        let name = name.clone();
        delete.send(ev, request, move |()| {
            let _ = done.try_set(Some(format!(
                "Passkey “{name}” deleted. It no longer signs in here."
            )));
            list.reload();
        });
    };

    view! {
        <li class="passkey-item card">
            <p class="session-head">
                <strong>{passkey.name.clone()}</strong>
                {if passkey.backed_up {
                    view! { <span class="badge" title="Kept in your password manager's cloud: it survives a lost device">"Synced"</span> }
                } else {
                    view! { <span class="badge" title="Only on the device that made it">"This device only"</span> }
                }}
            </p>
            <p class="meta">
                "Added " <When at=passkey.created_at.clone()/> " · "
                {match passkey.last_used_at.clone() {
                    Some(at) => view! { "last used " <When at/> }.into_any(),
                    None => view! { "not used yet" }.into_any(),
                }}
            </p>
            <Show when=move || renaming.get()>
                <form on:submit=submit_rename.clone() novalidate=true>
                    <Fields>
                        <Field id="rename_passkey" label="New name" kind="text" autocomplete="off" value=new_name
                            error=rename.field("name")/>
                        <FormError problems=rename.problems/>
                        <div class="actions">
                            <SubmitButton label="Save name" pending_label="Saving…" pending=rename.pending/>
                            <button type="button" class="secondary" on:click=move |_| renaming.set(false)>"Cancel"</button>
                        </div>
                    </Fields>
                </form>
            </Show>
            <form class="actions" on:submit=submit_delete novalidate=true>
                <FormError problems=delete.problems/>
                <button type="button" class="secondary" on:click=move |_| renaming.set(true)>"Rename"</button>
                <button type="submit" class="secondary" disabled=move || delete.pending.get()>"Delete"</button>
            </form>
        </li>
    }
}

/// Once a passkey can stand in for it, the password can go: nothing left to phish or reuse.
#[component]
fn RemovePassword(me: Loaded<Me>, step_up: StepUp, done: RwSignal<Option<String>>) -> impl IntoView {
    let auth = use_auth();
    let form = Submission::stepping_up(step_up);
    let submit = move |ev: SubmitEvent| {
        let request = async move { send(auth, Method::DELETE, "/api/account/password").await };
        form.send(ev, request, move |()| {
            let _ = done.try_set(Some(
                "Your password was removed: sign in with a passkey. A reset link by mail can set a new one."
                    .into(),
            ));
            me.reload();
        });
    };
    view! {
        <form class="card remove-password" on:submit=submit novalidate=true>
            <h2>"Passkeys only"</h2>
            <p>"Remove your password, so only your passkeys sign in. A reset link by mail can always set a new one."</p>
            <FormError problems=form.problems/>
            <button type="submit" class="secondary" disabled=move || form.pending.get()>"Remove my password"</button>
        </form>
    }
}
