//! Pieces shared by the sign-in and sign-up forms.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::auth::ApiError;

/// A labelled input with its error message, wired for screen readers.
#[component]
pub fn Field(
    id: &'static str,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            ids.join(" ")
        }
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id.clone()>{hint}</p> })}
            <input
                id=id
                name=id
                type=kind
                autocomplete=autocomplete
                required=true
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=described_by
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            <Show when=move || error.get().is_some()>
                <p class="field-error" id=error_id.clone()>{move || error.get()}</p>
            </Show>
        </div>
    }
}

/// The form-level message and per-field messages of a failed submission.
#[derive(Clone, Default, PartialEq)]
pub struct Problems {
    pub form: Option<String>,
    pub fields: BTreeMap<String, String>,
}

impl From<ApiError> for Problems {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Fields(fields) => Problems {
                form: Some(ApiError::Fields(BTreeMap::new()).message()),
                fields,
            },
            other => Problems {
                form: Some(other.message()),
                fields: BTreeMap::new(),
            },
        }
    }
}

impl Problems {
    pub fn field(problems: RwSignal<Problems>, name: &'static str) -> Signal<Option<String>> {
        Signal::derive(move || problems.with(|p| p.fields.get(name).cloned()))
    }
}
