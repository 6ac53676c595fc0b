//! The worked example of building on Latch: a signed-in user's own notes through the
//! product's own JSON API, built only on what a product may use (README, "Build on Latch"):
//! `AuthUser` (the signed-in user of this request, bound or bearer, revocation checked),
//! `RecentAuth` (the same, proved within the last few minutes), `ApiJson` (a JSON body with
//! Latch's error answers), `Error` (every refusal in the API's shape) and `Db` with
//! `with_pool!`. `crate::product` adds its routes and its API document to the server's; to
//! remove it, see there. Its migration stays (drop the table in one of your own).

mod store;

use axum::{
    Json, Router,
    extract::{Path, State, rejection::PathRejection},
    http::StatusCode,
    routing::{delete, get},
};

use app::{
    contract::ErrorBody,
    notes::{NOTE_MAX_CHARS, NOTES_PER_ACCOUNT, NewNote, Note},
};

use crate::{
    api::{ApiJson, AuthUser, RecentAuth},
    db::Db,
    error::{Error, Result},
    state::AppState,
};

/// The example's operations, for `/api/openapi.json`.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, add, delete_one, delete_all))]
pub struct NotesApi;

/// The example's routes (`crate::product` merges them beside Latch's own).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/notes", get(list).post(add).delete(delete_all))
        .route("/api/notes/{id}", delete(delete_one))
}

/// The caller's notes, newest first.
#[utoipa::path(get, path = "/api/notes", tag = "notes (example)", security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<Note>),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn list(AuthUser(caller): AuthUser, State(db): State<Db>) -> Result<Json<Vec<Note>>> {
    Ok(Json(store::list(&db, &caller.user_id).await?))
}

/// One user's notes, newest first, for the account export (`crate::product::export`).
pub async fn export(db: &Db, owner: &str) -> std::result::Result<Vec<Note>, sqlx::Error> {
    store::list(db, owner).await
}

/// Adds a note for the caller.
#[utoipa::path(post, path = "/api/notes", tag = "notes (example)", security(("bearer" = [])),
    request_body = NewNote,
    responses(
        (status = 201, body = Note),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 422, description = "`fields.text`: empty, too long, control characters, or the account keeps 500 notes already", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn add(
    AuthUser(caller): AuthUser,
    State(db): State<Db>,
    ApiJson(new): ApiJson<NewNote>,
) -> Result<(StatusCode, Json<Note>)> {
    let text = valid_text(new.text.as_deref().unwrap_or_default())?;
    match store::add(&db, &caller.user_id, text).await? {
        Some(note) => Ok((StatusCode::CREATED, Json(note))),
        None => Err(text_problem(format!(
            "You keep {NOTES_PER_ACCOUNT} notes already: delete some first."
        ))),
    }
}

/// Deletes one of the caller's notes.
#[utoipa::path(delete, path = "/api/notes/{id}", tag = "notes (example)", security(("bearer" = [])),
    params(("id" = String, Path, description = "A note id from `GET /api/notes`")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "The id does not decode", body = ErrorBody),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 404, description = "No note of yours has this id (another account's included)", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn delete_one(
    AuthUser(caller): AuthUser,
    State(db): State<Db>,
    id: std::result::Result<Path<String>, PathRejection>,
) -> Result<StatusCode> {
    let Path(id) = id?;
    if store::delete(&db, &caller.user_id, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::NotFound)
    }
}

/// Deletes every note of the caller: an action that cannot be undone, so it needs a recent
/// sign-in or re-authentication.
#[utoipa::path(delete, path = "/api/notes", tag = "notes (example)", security(("bearer" = [])),
    responses(
        (status = 204, description = "Every note deleted"),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 403, description = "No sign-in or re-authentication on this session in the last five minutes (`reauthentication_required`); nothing deleted", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn delete_all(RecentAuth(caller): RecentAuth, State(db): State<Db>) -> Result<StatusCode> {
    store::delete_all(&db, &caller.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Some text, at most `NOTE_MAX_CHARS` characters, no control characters but line breaks
/// and tabs (PostgreSQL cannot store a NUL anyway).
fn valid_text(text: &str) -> Result<&str> {
    let text = text.trim();
    if text.is_empty() {
        return Err(text_problem("Write something first.".into()));
    }
    if text.chars().count() > NOTE_MAX_CHARS {
        return Err(text_problem(format!(
            "A note holds at most {NOTE_MAX_CHARS} characters."
        )));
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(text_problem("A note cannot hold control characters.".into()));
    }
    Ok(text)
}

fn text_problem(message: String) -> Error {
    Error::Unprocessable {
        fields: [("text".to_owned(), message)].into(),
    }
}
