//! What the landing pages of mailed links share: the link's token, taken out of the URL when
//! the page hydrates and held in this page's memory only, and the steps of sending it back.

use std::future::Future;

use leptos::{prelude::*, task::spawn_local};

use crate::{
    auth::{ApiError, take_link_token},
    contract::ErrorCode,
};

/// Where a landing page is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Waiting for the page to hydrate, or for the user.
    Ready,
    /// The page was opened without a link's token (typed, bookmarked, or reloaded after use).
    NoLink,
    Working,
    Done,
    /// The server refused the link: used, expired, or replaced by a newer mail.
    Expired,
    Failed(ApiError),
}

impl Step {
    fn of(result: Result<(), ApiError>) -> Step {
        match result {
            Ok(()) => Step::Done,
            Err(ApiError::Refused {
                code: ErrorCode::InvalidOrExpiredLink,
                ..
            }) => Step::Expired,
            Err(error) => Step::Failed(error),
        }
    }
}

/// A landing page's link and where the page is with it.
#[derive(Clone, Copy)]
pub struct Landing {
    token: RwSignal<Option<String>>,
    looked: RwSignal<bool>,
    pub step: RwSignal<Step>,
}

impl Landing {
    /// Takes the token when the page hydrates (the server never sees the fragment, so it
    /// renders the page without one).
    pub fn new() -> Self {
        let landing = Landing {
            token: RwSignal::new(None),
            looked: RwSignal::new(false),
            step: RwSignal::new(Step::Ready),
        };
        Effect::new(move |taken: Option<()>| {
            if taken.is_none() {
                match take_link_token() {
                    Some(token) => landing.token.set(Some(token)),
                    None => landing.step.set(Step::NoLink),
                }
                landing.looked.set(true);
            }
        });
        landing
    }

    /// Whether the page has looked for its token yet (tracked).
    pub fn looked(self) -> bool {
        self.looked.get()
    }

    /// Sends the token with `send`, unless it is gone or already on its way; the outcome
    /// becomes the step. A used or refused token is forgotten: it can do nothing more.
    pub fn send<F, Fut>(self, send: F)
    where
        F: FnOnce(String) -> Fut + 'static,
        Fut: Future<Output = Result<(), ApiError>> + 'static,
    {
        if self.step.get_untracked() == Step::Working {
            return;
        }
        let Some(token) = self.token.get_untracked() else {
            return;
        };
        self.step.set(Step::Working);
        spawn_local(async move {
            let step = Step::of(send(token).await);
            if matches!(step, Step::Done | Step::Expired) {
                let _ = self.token.try_set(None);
            }
            let _ = self.step.try_set(step);
        });
    }
}

/// The server refused the link; `children` say what to do instead.
#[component]
pub fn LinkExpired(children: Children) -> impl IntoView {
    view! {
        <div class="notice warning" role="alert" data-testid="link-expired">
            <p><strong>"This link no longer works."</strong></p>
            <p>"It has expired, was already used, or a newer mail replaced it."</p>
            {children()}
        </div>
    }
}

/// The page was opened without a link; `children` say where to get one.
#[component]
pub fn NoLink(children: Children) -> impl IntoView {
    view! {
        <div class="notice" role="status" data-testid="no-link">
            <p>"This page opens from a link we mailed you, and it was opened without one."</p>
            {children()}
        </div>
    }
}

/// A request that failed for now (the server unreachable, throttled): its message and a way
/// to send the same link again.
#[component]
pub fn TryAgain(error: ApiError, retry: Callback<()>) -> impl IntoView {
    view! {
        <p class="form-error" role="alert">{error.message()}</p>
        <button type="button" class="secondary" on:click=move |_| retry.run(())>"Try again"</button>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_refused_link_reads_as_expired() {
        assert_eq!(Step::of(Ok(())), Step::Done);
        let refused = |code| ApiError::Refused {
            code,
            message: String::new(),
        };
        assert_eq!(
            Step::of(Err(refused(ErrorCode::InvalidOrExpiredLink))),
            Step::Expired
        );
        // Worth another try with the same link: it was not used.
        let throttled = refused(ErrorCode::RateLimited);
        assert_eq!(Step::of(Err(throttled.clone())), Step::Failed(throttled));
        assert_eq!(
            Step::of(Err(ApiError::Unavailable)),
            Step::Failed(ApiError::Unavailable)
        );
    }
}
