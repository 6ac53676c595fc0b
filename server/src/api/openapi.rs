//! The OpenAPI 3.1 document of the whole API, generated from the handlers' annotations and
//! the contract types, served at `/api/openapi.json`.

use axum::Json;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use super::{account, auth, dbsc, passkeys, recovery, sessions, step_up};
use crate::health;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Latch",
        description = "Browser token authentication: a short-lived access token for the \
                       client's memory, a rotating refresh token in an HttpOnly cookie. \
                       Every error answers with the `ErrorBody` shape.",
    ),
    paths(
        auth::signup,
        auth::login,
        auth::refresh,
        dbsc::register,
        dbsc::renew,
        auth::logout,
        step_up::reauthenticate,
        passkeys::sign_in_options,
        passkeys::sign_in,
        passkeys::registration_options,
        passkeys::register,
        passkeys::list,
        passkeys::rename,
        passkeys::delete,
        passkeys::remove_password,
        recovery::verify_email,
        recovery::password_reset,
        recovery::password_reset_confirm,
        recovery::password_reset_passkey_options,
        recovery::password_reset_passkey,
        recovery::change_email,
        recovery::confirm_email,
        recovery::undo_email,
        account::me,
        account::session,
        account::change_password,
        account::security_events,
        account::export,
        account::delete,
        sessions::list,
        sessions::revoke,
        sessions::revoke_others,
        super::jwks,
        health::healthz,
        health::readyz,
        document,
    ),
    modifiers(&BearerScheme),
)]
struct ApiDoc;

/// Access tokens travel as `Authorization: Bearer <JWT>`.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi().merge_from(crate::product::openapi()))
}
