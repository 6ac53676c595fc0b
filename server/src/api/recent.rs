//! `RecentAuth`: the extractor for a request by a signed-in user whose session proved its
//! person recently (a sign-in or re-authentication within `LATCH_RECENT_AUTH`, five minutes by
//! default). Otherwise 403 `reauthentication_required`, before the handler runs: the page
//! asks "Confirm it is you" (`POST /api/auth/reauthenticate`) and sends the request again.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;

use super::bearer::AuthUser;
use crate::{
    auth::{
        AuthService, Caller, sessions::revocations::Revocations, tokens::access::TokenIssuer,
        tokens::dpop::DeviceBinding,
    },
    config::Config,
    error::Error,
};

#[derive(Debug, Clone)]
pub struct RecentAuth(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for RecentAuth
where
    TokenIssuer: FromRef<S>,
    Revocations: FromRef<S>,
    DeviceBinding: FromRef<S>,
    Arc<Config>: FromRef<S>,
    AuthService: FromRef<S>,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let AuthUser(caller) = AuthUser::from_request_parts(parts, state).await?;
        AuthService::from_ref(state).require_recent_auth(&caller).await?;
        Ok(RecentAuth(caller))
    }
}
