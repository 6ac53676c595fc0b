//! `AuthUser`: the extractor for a request made with a valid access token. A handler that
//! takes it is protected; one that does not, is not. A device-bound token (`cnf.jkt`) counts
//! only as `Authorization: DPoP <token>` with a fresh proof from its key (RFC 9449 §7).

use std::sync::Arc;

use axum::{
    extract::{FromRef, FromRequestParts},
    http::{StatusCode, header, request::Parts},
};

use latch_verify::access::{self, Misuse, Scheme};

use super::dpop;
use crate::{
    auth::{
        Caller,
        sessions::revocations::Revocations,
        tokens::access::{TokenError, TokenIssuer},
        tokens::dpop::{DeviceBinding, DeviceProof, MISSING, NotSpent, OTHER_KEY, REPLAYED},
    },
    config::Config,
    error::Error,
};

/// The caller of a request that carried a valid, unrevoked access token.
#[derive(Debug, Clone)]
pub struct AuthUser(pub Caller);

/// The scheme and token of the `Authorization` header.
fn credentials(parts: &Parts) -> Result<(Scheme, &str), Error> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Err(Error::Unauthenticated);
    };
    value
        .to_str()
        .ok()
        .and_then(access::authorization)
        .ok_or(Error::InvalidToken(access::MALFORMED_AUTHORIZATION))
}

impl<S: Send + Sync> FromRequestParts<S> for AuthUser
where
    TokenIssuer: FromRef<S>,
    Revocations: FromRef<S>,
    DeviceBinding: FromRef<S>,
    Arc<Config>: FromRef<S>,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let (scheme, token) = credentials(parts)?;
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
        let needed = access::proof_needed(scheme, &claims).map_err(|misuse| match misuse {
            Misuse::BoundAsBearer => Error::InvalidBoundToken(misuse.message()),
            Misuse::UnboundAsDpop => Error::InvalidToken(misuse.message()),
        })?;
        if let Some(jkt) = needed {
            let status = StatusCode::UNAUTHORIZED;
            let refused = |message| Error::InvalidDpopProof { status, message };
            match dpop::prove(parts, state, Some(token)) {
                // Verified, unrevoked and naming this key: only now is the proof spent.
                DeviceProof::Key(proof) if proof.jkt() == jkt => match proof.spend().await? {
                    Ok(()) => {}
                    Err(NotSpent::Replayed) => return Err(refused(REPLAYED)),
                    Err(NotSpent::Busy { retry_after }) => return Err(Error::Busy { retry_after }),
                },
                DeviceProof::Key(_) => {
                    return Err(refused(OTHER_KEY));
                }
                DeviceProof::Absent | DeviceProof::Hardware { .. } => return Err(refused(MISSING)),
                DeviceProof::NeedsNonce => return Err(Error::UseDpopNonce { status }),
                DeviceProof::Invalid(why) => return Err(refused(why)),
            }
        }
        Ok(AuthUser(Caller {
            token_expires_at: claims.exp,
            device_bound: claims.cnf.is_some(),
            user_id: claims.sub.clone(),
            session_id: claims.sid.clone(),
        }))
    }
}
