//! The UI's HTTP calls. Authenticated requests carry the access token (refreshed first when
//! it is stale) and, on a 401, refresh once and retry once; failures become `ApiError`s the
//! UI can show.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::{Serialize, de::DeserializeOwned};

pub use gloo_net::http::Method;

use super::{
    ApiError, Auth,
    session::{self, Refreshed},
    token_store,
};
use crate::contract::{Credentials, ErrorBody, SessionBody};

async fn error_of(response: Response) -> ApiError {
    let status = response.status();
    match response.json::<ErrorBody>().await {
        Ok(ErrorBody {
            fields: Some(fields), ..
        }) if status == 422 && !fields.is_empty() => ApiError::Fields(fields),
        Ok(body) if status < 500 => ApiError::Refused {
            code: body.error,
            message: body.message,
        },
        _ => ApiError::Unavailable,
    }
}

/// Sign-in and sign-up share this: send credentials, take the session.
async fn credentials(auth: Auth, path: &str, email: &str, password: &str) -> Result<(), ApiError> {
    let body = Credentials {
        email: Some(email.to_string()),
        password: Some(password.to_string()),
    };
    let request = Request::post(path)
        .json(&body)
        .map_err(|_| ApiError::Unavailable)?;
    let response = request.send().await.map_err(|_| ApiError::Unavailable)?;
    if !response.ok() {
        return Err(error_of(response).await);
    }
    let session = response
        .json::<SessionBody>()
        .await
        .map_err(|_| ApiError::Unavailable)?;
    session::signed_in_here(auth, session);
    Ok(())
}

pub async fn sign_in(auth: Auth, email: &str, password: &str) -> Result<(), ApiError> {
    credentials(auth, "/api/auth/login", email, password).await
}

pub async fn sign_up(auth: Auth, email: &str, password: &str) -> Result<(), ApiError> {
    credentials(auth, "/api/auth/signup", email, password).await
}

/// Revokes the session on the server, then forgets it here. If the server cannot be
/// reached the user stays signed in (and is told), since the cookie would still work.
pub async fn sign_out(auth: Auth) -> Result<(), ApiError> {
    let response = Request::post("/api/auth/logout")
        .send()
        .await
        .map_err(|_| ApiError::Unavailable)?;
    if response.status() >= 500 {
        return Err(ApiError::Unavailable);
    }
    session::signed_out_here(auth);
    Ok(())
}

/// An authenticated request without a body, for actions answered with 204.
pub async fn send(auth: Auth, method: Method, path: &str) -> Result<(), ApiError> {
    authorized(auth, method, path, None).await.map(drop)
}

/// An authenticated request with a JSON body, for actions answered with 204.
pub async fn send_json(
    auth: Auth,
    method: Method,
    path: &str,
    body: &impl Serialize,
) -> Result<(), ApiError> {
    let body = serde_json::to_string(body).map_err(|_| ApiError::Unavailable)?;
    authorized(auth, method, path, Some(body)).await.map(drop)
}

/// An authenticated GET of JSON.
pub async fn get_json<T: DeserializeOwned>(auth: Auth, path: &str) -> Result<T, ApiError> {
    let response = authorized(auth, Method::GET, path, None).await?;
    response.json::<T>().await.map_err(|_| ApiError::Unavailable)
}

/// Sends with the access token (refreshing first if it is stale); on a 401, refreshes once
/// and retries once.
async fn authorized(
    auth: Auth,
    method: Method,
    path: &str,
    body: Option<String>,
) -> Result<Response, ApiError> {
    for attempt in 0..2 {
        if attempt == 1 || session::is_stale() {
            match session::refresh(auth).await {
                Refreshed::SignedIn => {}
                Refreshed::SignedOut => return Err(ApiError::SignedOut),
                Refreshed::Unreachable => return Err(ApiError::Unavailable),
            }
        }
        let Some(bearer) = token_store::bearer() else {
            return Err(ApiError::SignedOut);
        };
        let builder = RequestBuilder::new(path)
            .method(method.clone())
            .header("Authorization", &bearer);
        let sent = match &body {
            Some(body) => {
                builder
                    .header("Content-Type", "application/json")
                    .body(body.as_str())
                    .map_err(|_| ApiError::Unavailable)?
                    .send()
                    .await
            }
            None => builder.send().await,
        };
        let response = sent.map_err(|_| ApiError::Unavailable)?;
        match response.status() {
            401 => continue,
            status if status >= 500 => return Err(ApiError::Unavailable),
            status if status >= 400 => return Err(error_of(response).await),
            _ => return Ok(response),
        }
    }
    Err(ApiError::SignedOut)
}
