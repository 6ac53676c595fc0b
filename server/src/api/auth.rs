//! Sign-up, sign-in, refresh and sign-out: the endpoints that set or read the refresh cookie.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};

use super::{
    cookies,
    extract::{ApiJson, Client, SameOrigin},
};
use crate::{
    auth::{
        device,
        email::Email,
        events,
        password::{Password, PasswordHasher},
        sessions::{Issued, Rejected, SessionStore, reason},
        throttle::LoginThrottle,
        tokens::TokenIssuer,
        users,
    },
    db::Db,
    error::{Error, Result},
};

#[derive(Deserialize)]
pub struct Credentials {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

#[derive(Serialize)]
struct SessionBody<'a> {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    user: UserBody<'a>,
}

#[derive(Serialize)]
struct UserBody<'a> {
    id: &'a str,
    email: &'a str,
}

/// The session body and rotated cookie every successful sign-in and refresh answers with.
fn session_response(
    status: StatusCode,
    jar: CookieJar,
    tokens: &TokenIssuer,
    issued: &Issued,
    email: &str,
) -> Result<Response> {
    let not_after = u64::try_from(issued.expires_at / 1000).unwrap_or(0);
    let (access_token, expires_in) = tokens.mint(&issued.user_id, &issued.session_id, not_after)?;
    let body = SessionBody {
        access_token,
        token_type: "Bearer",
        expires_in,
        user: UserBody {
            id: &issued.user_id,
            email,
        },
    };
    let jar = cookies::set(jar, &issued.token, issued.expires_at);
    Ok((status, jar, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}

pub async fn signup(
    _: SameOrigin,
    State(db): State<Db>,
    State(hasher): State<PasswordHasher>,
    State(sessions): State<SessionStore>,
    State(tokens): State<TokenIssuer>,
    Client(client): Client,
    jar: CookieJar,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<Response> {
    let email = Email::parse(body.email.as_deref().unwrap_or_default());
    let password = Password::parse(body.password.as_deref().unwrap_or_default(), email.as_ref().ok());
    let (email, password) = match (email, password) {
        (Ok(email), Ok(password)) => (email, password),
        (email, password) => {
            let mut fields = std::collections::BTreeMap::new();
            if let Err(problem) = email {
                fields.insert("email".to_string(), problem.to_string());
            }
            if let Err(problem) = password {
                fields.insert("password".to_string(), problem);
            }
            return Err(Error::Unprocessable { fields });
        }
    };

    let hash = hasher.hash(&password).await?;
    let user = users::create(&db, &email, hash)
        .await?
        .map_err(|users::EmailTaken| Error::Conflict {
            code: "email_taken",
            message: "An account with this email already exists. Sign in instead.",
        })?;
    let issued = sessions.start(&user.id, &client, events::kind::SIGNED_UP).await?;
    tracing::info!(user = %user.id, session = %issued.session_id, "signed up");
    session_response(StatusCode::CREATED, jar, &tokens, &issued, &user.email)
}

pub async fn login(
    _: SameOrigin,
    State(throttle): State<LoginThrottle>,
    State(db): State<Db>,
    State(hasher): State<PasswordHasher>,
    State(sessions): State<SessionStore>,
    State(tokens): State<TokenIssuer>,
    Client(client): Client,
    jar: CookieJar,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<Response> {
    let (Some(raw_email), Some(password)) = (body.email, body.password) else {
        return Err(Error::Unprocessable {
            fields: [
                ("email", "Enter your email address."),
                ("password", "Enter your password."),
            ]
            .into_iter()
            .map(|(field, problem)| (field.to_string(), problem.to_string()))
            .collect(),
        });
    };
    // Throttled by the address as typed (normalised when possible), whether or not an account
    // exists, so the throttle does not reveal accounts either.
    let email = Email::parse(&raw_email);
    let account_key = match &email {
        Ok(email) => format!("account:{email}"),
        Err(_) => format!("account:{}", raw_email.trim().to_lowercase()),
    };
    throttle
        .check(&account_key, &client.ip)
        .map_err(|retry_after| Error::RateLimited { retry_after })?;

    // Unknown and malformed emails cost the same hashing work as a wrong password and get the
    // same answer, so neither timing nor wording tells whether an account exists.
    let user = match &email {
        Ok(email) => users::by_email(&db, email).await?,
        Err(_) => None,
    };
    let stored_hash = user.as_ref().map(|user| user.password_hash.as_str());
    let verified = hasher.verify(&password, stored_hash).await?;
    let Some(user) = user.filter(|_| verified) else {
        throttle.failed(&account_key, &client.ip);
        return Err(Error::Unauthorized {
            code: "invalid_credentials",
            message: "The email or password is not correct.",
            token_sent: false,
        });
    };
    throttle.succeeded(&account_key);

    let family = device::family(&client.user_agent);
    let known = events::known_user_agents(&db, &user.id).await?;
    let kind = if known.iter().any(|seen| device::family(seen) == family) {
        events::kind::SIGNED_IN
    } else {
        events::kind::SIGNED_IN_NEW_DEVICE
    };
    let issued = sessions.start(&user.id, &client, kind).await?;
    tracing::info!(user = %user.id, session = %issued.session_id, "signed in");
    session_response(StatusCode::OK, jar, &tokens, &issued, &user.email)
}

pub async fn refresh(
    _: SameOrigin,
    State(db): State<Db>,
    State(sessions): State<SessionStore>,
    State(tokens): State<TokenIssuer>,
    Client(client): Client,
    headers: HeaderMap,
    jar: CookieJar,
) -> Result<Response, Response> {
    let refused = |jar: CookieJar, code, message| {
        (
            cookies::clear(jar),
            Error::Unauthorized {
                code,
                message,
                token_sent: false,
            },
        )
            .into_response()
    };
    let token = match cookies::read(&headers) {
        None => {
            return Err(Error::Unauthorized {
                code: "missing_refresh_token",
                message: "There is no session to refresh. Sign in.",
                token_sent: false,
            }
            .into_response());
        }
        Some(Err(())) => {
            return Err(refused(
                jar,
                "invalid_refresh_token",
                "The session is not valid. Sign in again.",
            ));
        }
        Some(Ok(token)) => token,
    };

    let issued = match sessions
        .rotate(&token, &client)
        .await
        .map_err(|err| Error::from(err).into_response())?
    {
        Ok(issued) => issued,
        Err(rejected) => {
            let (code, message) = match rejected {
                Rejected::Unknown => (
                    "invalid_refresh_token",
                    "The session is not valid. Sign in again.",
                ),
                Rejected::Reused => REUSE,
                Rejected::Ended { reason } if reason == reason::REFRESH_TOKEN_REUSE => REUSE,
                Rejected::Expired => EXPIRED,
                Rejected::Ended { reason } if reason == reason::EXPIRED => EXPIRED,
                Rejected::Ended { .. } => ("session_revoked", "This session was signed out. Sign in again."),
            };
            return Err(refused(jar, code, message));
        }
    };
    let user = users::by_id(&db, &issued.user_id)
        .await
        .map_err(|err| Error::from(err).into_response())?
        .ok_or_else(|| {
            refused(
                jar.clone(),
                "invalid_refresh_token",
                "The account no longer exists.",
            )
        })?;
    session_response(StatusCode::OK, jar, &tokens, &issued, &user.email).map_err(IntoResponse::into_response)
}

const REUSE: (&str, &str) = (
    "refresh_token_reuse",
    "Your session was ended because it was used from somewhere else. Sign in again, and \
     consider changing your password.",
);
const EXPIRED: (&str, &str) = ("session_expired", "Your session has expired. Sign in again.");

pub async fn logout(
    _: SameOrigin,
    State(sessions): State<SessionStore>,
    headers: HeaderMap,
    jar: CookieJar,
) -> Result<Response> {
    if let Some(Ok(token)) = cookies::read(&headers) {
        if let Some(session) = sessions.end_by_token(&token, reason::SIGNED_OUT).await? {
            tracing::info!(%session, "signed out");
        }
    }
    Ok((StatusCode::NO_CONTENT, cookies::clear(jar)).into_response())
}
