//! `/notes`: the example's page. Signed-out visitors are sent to sign in and back
//! (`RequireAuth`); the list comes from the product's own API with the session's token
//! (`Loaded`, `send_json`, `send`: the same refresh, retries and "unreachable" as Latch's own
//! pages); deleting every note asks "Confirm it is you" when the sign-in is not recent.

use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};

use super::{NOTE_MAX_CHARS, NewNote, Note, elsewhere::SecondService};
use crate::{
    auth::{Method, send, send_json, use_auth},
    components::{Loaded, RequireAuth, When},
    pages::{Field, FormError, StepUp, Submission, ConfirmItsYou},
};

#[component]
pub fn NotesPage() -> impl IntoView {
    view! { <RequireAuth><Notes/></RequireAuth> }
}

#[component]
fn Notes() -> impl IntoView {
    let auth = use_auth();
    let notes = Loaded::<Vec<Note>>::new(auth, "/api/notes");
    let text = RwSignal::new(String::new());
    let adding = Submission::new();
    let add = move |ev: SubmitEvent| {
        let body = NewNote {
            text: Some(text.get_untracked()),
        };
        let request = async move { send_json(auth, Method::POST, "/api/notes", &body).await };
        adding.send(ev, request, move |()| {
            text.set(String::new());
            notes.reload();
        });
    };
    let remove = move |id: String| {
        spawn_local(async move {
            let _ = send(auth, Method::DELETE, &format!("/api/notes/{id}")).await;
            notes.reload();
        });
    };
    let step_up = StepUp::new();
    let clearing = Submission::stepping_up(step_up);
    let asked = RwSignal::new(false);
    let clear = move |ev: SubmitEvent| {
        let request = async move { send(auth, Method::DELETE, "/api/notes").await };
        clearing.send(ev, request, move |()| {
            asked.set(false);
            notes.reload();
        });
    };
    view! {
        <section class="notes">
            <h1>"Your notes"</h1>
            <p class="lead">"The example product built on Latch: only you can read these."</p>
            <form class="card" on:submit=add novalidate=true>
                <Field id="text" label="New note" kind="text" autocomplete="off" value=text
                    error=adding.field("text") hint=Some(HINT)/>
                <FormError problems=adding.problems/>
                <button type="submit" disabled=move || adding.pending.get()
                    aria-busy=move || adding.pending.get().to_string()>
                    {move || if adding.pending.get() { "Adding…" } else { "Add note" }}
                </button>
            </form>
            {move || match notes.get() {
                None => view! { <p role="status">"Loading your notes…"</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p data-testid="no-notes">"No notes yet."</p>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="note-list">
                        {list.into_iter().map(|note| view! { <NoteItem note remove/> }).collect_view()}
                    </ul>
                    <Show when=move || asked.get()
                        fallback=move || view! {
                            <button type="button" class="secondary" on:click=move |_| asked.set(true)>"Delete every note…"</button>
                        }>
                        <form class="confirm" on:submit=clear novalidate=true>
                            <p>"Delete every note? This cannot be undone."</p>
                            <FormError problems=clearing.problems/>
                            <button type="submit" class="danger" disabled=move || clearing.pending.get()
                                aria-busy=move || clearing.pending.get().to_string()>
                                "Yes, delete them all"
                            </button>
                            <button type="button" class="secondary" on:click=move |_| asked.set(false)>"Keep them"</button>
                        </form>
                    </Show>
                }.into_any(),
                Some(Err(error)) => view! { <p role="status" class="form-error">{error.message()}</p> }.into_any(),
            }}
            <ConfirmItsYou step_up/>
            <SecondService/>
        </section>
    }
}

const HINT: &str = "Up to 1000 characters.";
const _: () = assert!(NOTE_MAX_CHARS == 1000, "HINT names the limit");

#[component]
fn NoteItem(note: Note, remove: impl Fn(String) + Copy + Send + Sync + 'static) -> impl IntoView {
    let id = note.id.clone();
    // Which note a "Delete" deletes, for those who hear the buttons one after another.
    let which: String = note.text.chars().take(40).collect();
    view! {
        <li class="note card">
            <p class="note-text">{note.text}</p>
            <p class="meta">"Added " <When at=note.created_at/></p>
            <button type="button" class="secondary" on:click=move |_| remove(id.clone())>
                "Delete" <span class="visually-hidden">" “" {which} "”"</span>
            </button>
        </li>
    }
}
