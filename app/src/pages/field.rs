//! One form field and one submit button, as every form here uses them.

use leptos::prelude::*;

use crate::Hydrated;

/// A label above a full-width input, with its help and its error under it, both tied to the
/// input by `aria-describedby`. A password field has a Show/Hide toggle.
#[component]
pub fn Field(
    id: &'static str,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional_no_strip)] hint: Option<&'static str>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            ids.join(" ")
        }
    };
    let is_password = kind == "password";
    let shown = RwSignal::new(false);
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for=id>{label}</label>
            <div class="input-row">
                <input
                    id=id
                    name=id
                    type=move || if is_password && shown.get() { "text" } else { kind }
                    autocomplete=autocomplete
                    autocapitalize="off"
                    spellcheck="false"
                    required=true
                    aria-invalid=move || error.get().is_some().to_string()
                    aria-describedby=described_by
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
                {is_password.then(|| view! {
                    // The visible word changes; the hidden rest keeps the name whole ("Show
                    // password"), so a screen reader knows which field it reveals.
                    <button type="button" class="reveal secondary" aria-controls=id
                        on:click=move |_| shown.update(|shown| *shown = !*shown)>
                        {move || if shown.get() { "Hide" } else { "Show" }}
                        // The labels are English: ASCII lowering keeps Unicode's case tables out of the WASM.
                        <span class="visually-hidden">" " {label.to_ascii_lowercase()}</span>
                    </button>
                })}
            </div>
            <Show when=move || error.get().is_some()>
                <p class="field-error" id=error_id.clone()>{move || error.get()}</p>
            </Show>
            {hint.map(|hint| view! { <p class="hint" id=hint_id.clone()>{hint}</p> })}
        </div>
    }
}

/// The form's one primary action: disabled while its request runs (no double submission),
/// with words that say what is happening.
#[component]
pub fn SubmitButton(
    label: &'static str,
    pending_label: &'static str,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    view! {
        <button type="submit" class="primary" disabled=move || pending.get()
            aria-busy=move || pending.get().to_string()>
            {move || if pending.get() { pending_label } else { label }}
        </button>
    }
}

/// Disables a form's fields and buttons until the page's WASM has taken over: typed text would otherwise
/// be lost to hydration, and without JavaScript the form could never be sent.
#[component]
pub fn Fields(children: Children) -> impl IntoView {
    let hydrated = use_context::<Hydrated>().map(|Hydrated(hydrated)| hydrated);
    view! {
        <fieldset class="fields" disabled=move || hydrated.is_some_and(|hydrated| !hydrated.get())>
            {children()}
        </fieldset>
    }
}
