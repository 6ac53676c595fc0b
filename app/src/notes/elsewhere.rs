//! The notes page's call to another service (`server/examples/second_service`, on one of
//! `LATCH_SERVICE_ORIGINS`): the same client API with an absolute URL. That service checks the
//! token and this browser's proof itself, with `latch-verify`, and says whom it verified.

use leptos::{prelude::*, task::spawn_local};

use crate::{
    auth::{ApiError, get_json, service_origins, use_auth},
    contract::{FromJson, Json, flag, text},
};

/// What the second service answers at `GET /v1/me`.
#[derive(Clone, Debug, PartialEq)]
struct Verified {
    user_id: String,
    device_bound: bool,
}

impl FromJson for Verified {
    fn from_json<J: Json>(json: &J) -> Option<Self> {
        Some(Verified {
            user_id: text(json, "user_id")?,
            device_bound: flag(json, "device_bound")?,
        })
    }
}

/// Shown only when a service is configured; asks the first one.
#[component]
pub fn SecondService() -> impl IntoView {
    let origin = service_origins().into_iter().next()?;
    let auth = use_auth();
    let answer = RwSignal::new(None::<Result<Verified, ApiError>>);
    let pending = RwSignal::new(false);
    let url = format!("{origin}/v1/me");
    let ask = move |_| {
        let url = url.clone();
        pending.set(true);
        spawn_local(async move {
            answer.set(Some(get_json::<Verified>(auth, &url).await));
            pending.set(false);
        });
    };
    let me = move || match auth.status.get() {
        crate::auth::Status::SignedIn(user) => Some(user.id),
        _ => None,
    };
    Some(view! {
        <section class="card elsewhere" aria-labelledby="elsewhere-title">
            <h2 id="elsewhere-title">"Another service"</h2>
            <p>"A service of its own at " <code>{origin.clone()}</code>
               " accepts your session too: it checks your token and this browser's key itself."</p>
            <button type="button" class="secondary" on:click=ask disabled=move || pending.get()
                aria-busy=move || pending.get().to_string()>
                {move || if pending.get() { "Asking…" } else { "Ask it who I am" }}
            </button>
            <p role="status" data-testid="elsewhere-answer">{move || answer.get().map(|answer| match answer {
                Ok(verified) if Some(&verified.user_id) == me().as_ref() => format!(
                    "It verified you{}.",
                    if verified.device_bound { ", with this browser's key" } else { "" }
                ),
                Ok(_) => "It verified someone else: check its settings.".to_string(),
                Err(ApiError::Unavailable) => "It cannot be reached right now.".to_string(),
                Err(error) => format!("It refused: {}", error.message()),
            })}</p>
        </section>
    })
}
