//! DPoP on the wire (RFC 9449): reading the `DPoP` header, naming the request a proof must
//! be for, and handing out the next nonce on every API response. What a proof proves is the
//! auth core's (`auth::tokens::dpop`).

use std::sync::Arc;

use axum::{
    extract::{FromRef, FromRequestParts, OriginalUri, Request, State},
    http::{HeaderName, HeaderValue, StatusCode, request::Parts},
    middleware::Next,
    response::Response,
};

use crate::{
    auth::tokens::dpop::{DeviceBinding, DeviceProof, Proven, Target},
    config::{Config, DeviceBinding as Policy, EmailVerification as Verification},
    error::Error,
};

// Names checked once, when compiled: a name given as text is parsed on every use, which
// cost each API response more than its nonce.
pub const DPOP: HeaderName = HeaderName::from_static("dpop");
pub const NONCE_HEADER: HeaderName = HeaderName::from_static("dpop-nonce");

/// Checks the request's proof (if any) as one made for this request, covering
/// `access_token` when one is used. More than one `DPoP` header is itself invalid. The proof is
/// not spent: the caller does that once the request is otherwise acceptable.
pub fn prove<S: Send + Sync>(parts: &Parts, state: &S, access_token: Option<&str>) -> DeviceProof
where
    DeviceBinding: FromRef<S>,
    Arc<Config>: FromRef<S>,
{
    let mut headers = parts.headers.get_all(&DPOP).iter();
    let proof = match (headers.next(), headers.next()) {
        (None, _) => None,
        (Some(value), None) => match value.to_str() {
            Ok(text) => Some(text.trim()),
            Err(_) => return DeviceProof::Invalid("The DPoP header is not text."),
        },
        (Some(_), Some(_)) => return DeviceProof::Invalid("Send one DPoP header, not several."),
    };
    // Only the configured public origin counts: `Host` is the sender's to choose, and a
    // proof made for another site must not work here. `Config::origin` is already in the
    // form `Target` compares (`Url::origin`: lower case, no default port).
    let origin = Arc::<Config>::from_ref(state).origin();
    // `nest` strips `/api` from `parts.uri`; the proof names the path the client requested.
    let path = match parts.extensions.get::<OriginalUri>() {
        Some(OriginalUri(uri)) => uri.path(),
        None => parts.uri.path(),
    };
    let target = Target {
        method: parts.method.as_str(),
        path,
        origin: &origin,
        access_token,
    };
    DeviceBinding::from_ref(state).prove(proof, &target)
}

/// The browser key a session-starting request (sign-in, opening a confirmation link) proved.
/// The proof is checked before anything else on the request; without one, the policy decides.
/// It is spent just before the session opens (`AuthService::start`).
pub struct SessionKey(pub Option<Proven>);

impl<S: Send + Sync> FromRequestParts<S> for SessionKey
where
    DeviceBinding: FromRef<S>,
    Arc<Config>: FromRef<S>,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let required = DeviceBinding::from_ref(state).policy() == Policy::Require;
        session_key(parts, state, required).await.map(SessionKey)
    }
}

/// Sign-up's key. With email verification required, sign-up starts no session (opening the
/// mailed link does, and proves the key then), so only a proof that is sent is checked.
pub struct SignUpKey(pub Option<Proven>);

impl<S: Send + Sync> FromRequestParts<S> for SignUpKey
where
    DeviceBinding: FromRef<S>,
    Arc<Config>: FromRef<S>,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let starts_session = Arc::<Config>::from_ref(state).recovery.email_verification == Verification::Off;
        let required = starts_session && DeviceBinding::from_ref(state).policy() == Policy::Require;
        session_key(parts, state, required).await.map(SignUpKey)
    }
}

async fn session_key<S: Send + Sync>(
    parts: &Parts,
    state: &S,
    required: bool,
) -> Result<Option<Proven>, Error>
where
    DeviceBinding: FromRef<S>,
    Arc<Config>: FromRef<S>,
{
    let status = StatusCode::BAD_REQUEST;
    match prove(parts, state, None) {
        DeviceProof::Key(proof) => Ok(Some(proof)),
        DeviceProof::Absent if required => Err(Error::DpopRequired),
        DeviceProof::Absent | DeviceProof::Hardware { .. } => Ok(None),
        DeviceProof::NeedsNonce => Err(Error::UseDpopNonce { status }),
        DeviceProof::Invalid(message) => Err(Error::InvalidDpopProof { status, message }),
    }
}

/// What a refresh or sign-out request's proof showed; the session decides whether it needs one.
pub struct CookieProof(pub DeviceProof);

impl<S: Send + Sync> FromRequestParts<S> for CookieProof
where
    DeviceBinding: FromRef<S>,
    Arc<Config>: FromRef<S>,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        Ok(CookieProof(prove(parts, state, None)))
    }
}

/// Every API response carries the nonce for the client's next proof, so the normal case
/// never needs the extra round trip of a `use_dpop_nonce` answer.
pub async fn hand_out_nonce(State(binding): State<DeviceBinding>, request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    if is_api && let Ok(nonce) = HeaderValue::from_str(&binding.nonce()) {
        response.headers_mut().insert(&NONCE_HEADER, nonce);
    }
    response
}
