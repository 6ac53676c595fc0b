//! Sign-up, sign-in, refresh and sign-out: the endpoints that set or read the refresh cookie.
//! Each makes one call into the auth core and translates its answer.

use axum::{
    Json,
    extract::{FromRequest, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use axum_extra::extract::CookieJar;

use app::contract::{Credentials, SessionBody, TokenType};

use super::{client_address::Client, cookies, json::ApiJson, same_origin::SameOrigin};
use crate::{
    auth::{AuthError, AuthService, SignedIn},
    error::{Error, Result},
    state::AppState,
};

/// The session body, with the refresh token in its cookie and nowhere else.
pub struct SessionReply {
    status: StatusCode,
    jar: CookieJar,
    body: SessionBody,
}

impl SessionReply {
    fn new(status: StatusCode, jar: CookieJar, signed_in: SignedIn) -> Self {
        let mut jar = cookies::set(jar, &signed_in.refresh_token, signed_in.refresh_expires_at);
        if let Some(device) = signed_in.device_cookie {
            jar = cookies::set_device(jar, device);
        }
        let body = SessionBody {
            access_token: signed_in.access_token,
            token_type: TokenType::Bearer,
            expires_in: signed_in.expires_in,
            user: signed_in.user,
        };
        Self { status, jar, body }
    }
}

impl IntoResponse for SessionReply {
    fn into_response(self) -> Response {
        let no_store = [(header::CACHE_CONTROL, "no-store")];
        (self.status, self.jar, no_store, Json(self.body)).into_response()
    }
}

/// What sign-up and sign-in read from a request: a same-origin JSON body of credentials, the
/// client's address and browser, and the cookie jar the refresh cookie goes into.
#[derive(FromRequest)]
#[from_request(state(AppState))]
pub struct CredentialsRequest {
    _same_origin: SameOrigin,
    client: Client,
    jar: CookieJar,
    credentials: ApiJson<Credentials>,
}

pub async fn signup(State(auth): State<AuthService>, request: CredentialsRequest) -> Result<SessionReply> {
    let CredentialsRequest {
        client: Client(client),
        jar,
        credentials: ApiJson(credentials),
        ..
    } = request;
    let signed_in = auth.sign_up(credentials, &client).await?;
    Ok(SessionReply::new(StatusCode::CREATED, jar, signed_in))
}

pub async fn login(State(auth): State<AuthService>, request: CredentialsRequest) -> Result<SessionReply> {
    let CredentialsRequest {
        client: Client(client),
        jar,
        credentials: ApiJson(credentials),
        ..
    } = request;
    let signed_in = auth.sign_in(credentials, &client, cookies::device(&jar)).await?;
    Ok(SessionReply::new(StatusCode::OK, jar, signed_in))
}

/// A refused refresh also drops the cookie when it can never work again.
pub async fn refresh(
    _: SameOrigin,
    State(auth): State<AuthService>,
    Client(client): Client,
    headers: HeaderMap,
    jar: CookieJar,
) -> (CookieJar, Result<SessionReply>) {
    match auth.refresh(cookies::read(&headers), &client).await {
        Ok(signed_in) => (
            CookieJar::new(),
            Ok(SessionReply::new(StatusCode::OK, jar, signed_in)),
        ),
        Err(err @ AuthError::SessionOver(_)) => (cookies::clear(jar), Err(Error::from(err))),
        Err(err) => (jar, Err(Error::from(err))),
    }
}

pub async fn logout(
    _: SameOrigin,
    State(auth): State<AuthService>,
    headers: HeaderMap,
    jar: CookieJar,
) -> Result<(StatusCode, CookieJar)> {
    auth.sign_out(cookies::read(&headers)).await?;
    Ok((StatusCode::NO_CONTENT, cookies::clear(jar)))
}
