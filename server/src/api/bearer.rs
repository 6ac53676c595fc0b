//! `AuthUser`: the extractor for a request made with a valid access token. A handler that
//! takes it is protected; one that does not, is not.

use axum::{
    extract::{FromRef, FromRequestParts},
    http::request::Parts,
};
use axum_extra::{
    TypedHeader,
    headers::{Authorization, authorization::Bearer},
};

use crate::{
    auth::{
        Caller,
        revocations::Revocations,
        tokens::{TokenError, TokenIssuer},
    },
    error::Error,
};

/// The caller of a request that carried a valid, unrevoked access token.
#[derive(Debug, Clone)]
pub struct AuthUser(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for AuthUser
where
    TokenIssuer: FromRef<S>,
    Revocations: FromRef<S>,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let header = TypedHeader::<Authorization<Bearer>>::from_request_parts(parts, state).await;
        let token = match &header {
            Err(rejection) if rejection.is_missing() => return Err(Error::Unauthenticated),
            Ok(TypedHeader(Authorization(bearer))) => bearer.token().trim(),
            Err(_) => "",
        };
        if token.is_empty() {
            return Err(Error::InvalidToken(
                "The Authorization header must be `Bearer <access token>`.",
            ));
        }
        let tokens = TokenIssuer::from_ref(state);
        let mut verified = tokens.verify(token);
        // A key rotated in by another instance: re-read the keys once, then decide.
        if verified == Err(TokenError::UnknownKey) && tokens.keys().reload_for_unknown_kid().await {
            verified = tokens.verify(token);
        }
        let claims = verified.map_err(|err| match err {
            TokenError::Expired => Error::InvalidToken("The access token has expired."),
            TokenError::Invalid | TokenError::UnknownKey => {
                Error::InvalidToken("The access token is not valid.")
            }
        })?;
        // Signed and unexpired is not enough: the session may have ended since.
        if Revocations::from_ref(state).contains(&claims.sid) {
            return Err(Error::InvalidToken("This session has ended. Sign in again."));
        }
        Ok(AuthUser(Caller {
            user_id: claims.sub,
            session_id: claims.sid,
        }))
    }
}
