//! Sign-up, sign-in, refresh and sign-out: the endpoints that set or read the refresh cookie.
//! Each makes one call into the auth core and translates its answer.

use axum::{
    Json,
    extract::{FromRequest, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use axum_extra::extract::CookieJar;

use app::contract::{Credentials, ErrorBody, MailSent, SessionBody, TokenType};

use super::{
    client_address::Client,
    cookies,
    dpop::{CookieProof, SessionKey, SignUpKey},
    json::ApiJson,
    same_origin::SameOrigin,
};
use crate::{
    auth::{AuthError, AuthService, SignUp, SignedIn},
    error::{Error, Result},
    state::AppState,
};

/// The session body, with the refresh token in its cookie and nowhere else.
pub struct SessionReply {
    status: StatusCode,
    jar: CookieJar,
    body: SessionBody,
    /// `Secure-Session-Registration`, while the session is not DBSC-bound (`api/dbsc.rs`).
    dbsc_offer: Option<String>,
}

impl SessionReply {
    pub(super) fn new(status: StatusCode, jar: CookieJar, signed_in: SignedIn) -> Self {
        let mut jar = cookies::set(jar, &signed_in.refresh_token, signed_in.refresh_expires_at);
        if let Some(device) = signed_in.device_cookie {
            jar = cookies::set_device(jar, device);
        }
        let body = SessionBody {
            access_token: signed_in.access_token,
            token_type: if signed_in.device_bound {
                TokenType::Dpop
            } else {
                TokenType::Bearer
            },
            expires_in: signed_in.expires_in,
            user: signed_in.user,
        };
        Self {
            status,
            jar,
            body,
            dbsc_offer: signed_in.dbsc_offer,
        }
    }
}

impl IntoResponse for SessionReply {
    fn into_response(self) -> Response {
        let no_store = [(header::CACHE_CONTROL, "no-store")];
        let mut response = (self.status, self.jar, no_store, Json(self.body)).into_response();
        if let Some(offer) = self.dbsc_offer.and_then(|offer| HeaderValue::from_str(&offer).ok()) {
            response.headers_mut().insert(super::dbsc::REGISTRATION, offer);
        }
        response
    }
}

/// What sign-in reads from a request: the browser key its DPoP proof proved
/// (checked first), a same-origin JSON body of credentials, the client's address and browser,
/// and the cookie jar the refresh cookie goes into.
#[derive(FromRequest)]
#[from_request(state(AppState))]
pub struct CredentialsRequest {
    device_key: SessionKey,
    _same_origin: SameOrigin,
    client: Client,
    jar: CookieJar,
    credentials: ApiJson<Credentials>,
}

/// Creates an account. With email verification `required` (the default) it mails a link and
/// answers 202 for every address, new or not; with it `off`, it signs in at once (201).
#[utoipa::path(post, path = "/api/auth/signup", tag = "auth",
    request_body = Credentials,
    params(("DPoP" = Option<String>, Header, description = "A DPoP proof (RFC 9449) from the browser's key: the session is bound to it")),
    responses(
        (status = 201, description = "Verification off: signed up; the refresh token is in the `latch_refresh` cookie", body = SessionBody),
        (status = 202, description = "Verification required: a mail went to the address, whether or not it has an account", body = MailSent),
        (status = 400, description = "Malformed JSON; a missing (`dpop_required`), invalid or nonce-less DPoP proof", body = ErrorBody),
        (status = 403, description = "Cross-origin request", body = ErrorBody),
        (status = 409, description = "Verification off: an account with this email exists", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 422, description = "Invalid email or password, per field", body = ErrorBody),
        (status = 429, description = "Too many sign-ups from this address", body = ErrorBody),
        (status = 503, description = "Busy or database unavailable", body = ErrorBody),
    ))]
pub async fn signup(
    SignUpKey(device_key): SignUpKey,
    _: SameOrigin,
    State(auth): State<AuthService>,
    Client(client): Client,
    jar: CookieJar,
    ApiJson(credentials): ApiJson<Credentials>,
) -> Result<Response> {
    Ok(match auth.sign_up(credentials, &client, device_key.as_ref()).await? {
        SignUp::SignedIn(signed_in) => {
            SessionReply::new(StatusCode::CREATED, jar, *signed_in).into_response()
        }
        SignUp::CheckYourEmail => (StatusCode::ACCEPTED, Json(MailSent::CHECK_YOUR_EMAIL)).into_response(),
    })
}

/// Signs in with email and password.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth",
    request_body = Credentials,
    params(
        ("latch_device" = Option<String>, Cookie, description = "Device cookie from an earlier sign-in"),
        ("DPoP" = Option<String>, Header, description = "A DPoP proof (RFC 9449) from the browser's key: the session is bound to it"),
    ),
    responses(
        (status = 200, description = "Signed in; the refresh token is in the `latch_refresh` cookie", body = SessionBody),
        (status = 400, description = "Malformed JSON; a missing (`dpop_required`), invalid or nonce-less DPoP proof", body = ErrorBody),
        (status = 401, description = "Wrong email or password", body = ErrorBody),
        (status = 403, description = "Cross-origin request; the password is right but the address is not confirmed yet (`email_not_verified`)", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 422, description = "A field is missing", body = ErrorBody),
        (status = 429, description = "Too many failed attempts", body = ErrorBody),
        (status = 503, description = "Busy (also: the DPoP proof cannot be remembered now; see `Retry-After`) or database unavailable", body = ErrorBody),
    ))]
pub async fn login(State(auth): State<AuthService>, request: CredentialsRequest) -> Result<SessionReply> {
    let CredentialsRequest {
        device_key: SessionKey(device_key),
        client: Client(client),
        jar,
        credentials: ApiJson(credentials),
        ..
    } = request;
    let device_cookie = cookies::device(&jar);
    let signed_in = auth
        .sign_in(credentials, &client, device_cookie, device_key.as_ref())
        .await;
    crate::metrics::sign_in(crate::metrics::Method::Password, &signed_in);
    let signed_in = signed_in?;
    Ok(SessionReply::new(StatusCode::OK, jar, signed_in))
}

/// Rotates the refresh token and issues a new access token. A refused refresh also drops the
/// cookie when it can never work again.
#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth",
    params(
        ("latch_refresh" = Option<String>, Cookie, description = "The refresh token"),
        ("DPoP" = Option<String>, Header, description = "A DPoP proof (RFC 9449) from the browser's key; required for a device-bound session"),
    ),
    responses(
        (status = 200, description = "Refreshed; the rotated token is in the cookie", body = SessionBody),
        (status = 400, description = "More than one refresh cookie; a DPoP proof without a fresh nonce (`use_dpop_nonce`)", body = ErrorBody),
        (status = 401, description = "No, unknown, reused, expired or revoked refresh token; a bound session without its key's proof", body = ErrorBody),
        (status = 403, description = "Cross-origin request", body = ErrorBody),
        (status = 429, description = "The session refreshes too often", body = ErrorBody),
        (status = 503, description = "Database unavailable, or the DPoP proof cannot be remembered now (retry after `Retry-After`; nothing changed)", body = ErrorBody),
    ))]
pub async fn refresh(
    _: SameOrigin,
    State(auth): State<AuthService>,
    Client(client): Client,
    CookieProof(device): CookieProof,
    headers: HeaderMap,
    jar: CookieJar,
) -> (CookieJar, Result<SessionReply>) {
    match auth.refresh(cookies::read(&headers), &client, &device).await {
        Ok(signed_in) => (
            CookieJar::new(),
            Ok(SessionReply::new(StatusCode::OK, jar, signed_in)),
        ),
        // Clearing ours leaves only the planted one, which the next refresh refuses as invalid.
        Err(err @ (AuthError::SessionOver(_) | AuthError::DuplicatedRefreshCookie)) => {
            (cookies::clear(jar), Err(Error::from(err)))
        }
        Err(err) => (jar, Err(Error::from(err))),
    }
}

/// Ends the session of the refresh cookie and clears it.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    params(
        ("latch_refresh" = Option<String>, Cookie, description = "The refresh token"),
        ("DPoP" = Option<String>, Header, description = "A DPoP proof (RFC 9449) from the browser's key; required for a device-bound session"),
    ),
    responses(
        (status = 204, description = "Signed out (also without a valid cookie)"),
        (status = 400, description = "More than one refresh cookie; a DPoP proof without a fresh nonce", body = ErrorBody),
        (status = 401, description = "A device-bound session without its key's proof: nothing ended", body = ErrorBody),
        (status = 403, description = "Cross-origin request", body = ErrorBody),
        (status = 503, description = "Database unavailable, or the DPoP proof cannot be remembered now (retry after `Retry-After`; nothing ended)", body = ErrorBody),
    ))]
pub async fn logout(
    _: SameOrigin,
    State(auth): State<AuthService>,
    Client(client): Client,
    CookieProof(device): CookieProof,
    headers: HeaderMap,
    jar: CookieJar,
) -> (CookieJar, Result<StatusCode>) {
    match auth.sign_out(cookies::read(&headers), &client, &device).await {
        Ok(()) => (cookies::clear(jar), Ok(StatusCode::NO_CONTENT)),
        Err(err @ AuthError::DuplicatedRefreshCookie) => (cookies::clear(jar), Err(Error::from(err))),
        Err(err) => (jar, Err(Error::from(err))),
    }
}
