//! Account data fetched in the browser with the access token (the server never sees it), as a
//! plain signal: lighter in the WASM than a resource under `Suspense`, and all a page needs.

use std::time::Duration;

use crate::{
    auth::{ApiError, Auth, get_json},
    contract::FromJson,
};
use leptos::{prelude::*, task::spawn_local};

/// `None` while loading; while the server is unreachable it retries every few seconds.
pub struct Loaded<T: Send + Sync + 'static> {
    value: RwSignal<Option<Result<T, ApiError>>>,
    auth: Auth,
    path: &'static str,
}

impl<T: Send + Sync + 'static> Clone for Loaded<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Loaded<T> {}

impl<T: FromJson + Clone + Send + Sync + 'static> Loaded<T> {
    pub fn new(auth: Auth, path: &'static str) -> Self {
        let loaded = Self {
            value: RwSignal::new(None),
            auth,
            path,
        };
        // Effects run only in the browser, after hydration.
        Effect::new(move |started: Option<()>| {
            if started.is_none() {
                loaded.reload();
            }
        });
        loaded
    }

    /// Fetches again, keeping what is shown until the answer arrives.
    pub fn reload(self) {
        spawn_local(async move {
            let result = get_json::<T>(self.auth, self.path).await;
            let retry = matches!(result, Err(ApiError::Unavailable));
            // The page may be gone by now; then there is nothing to update.
            if self.value.try_set(Some(result)).is_none() && retry {
                set_timeout(move || self.reload(), Duration::from_secs(3));
            }
        });
    }

    pub fn get(&self) -> Option<Result<T, ApiError>> {
        self.value.get()
    }
}
