//! `ApiJson`: a JSON body, with every failure mapped to the API's error body: wrong content
//! type 415, too large 413, broken JSON 400 (also trailing data or a key given twice), a field of
//! the wrong type 422.

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::{HeaderMap, StatusCode, header},
};
use serde::de::DeserializeOwned;

use crate::error::Error;

pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        if !is_json(req.headers()) {
            return Err(Error::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Error::PayloadTooLarge
            } else {
                Error::Malformed("The request body could not be read.".into())
            }
        })?;
        if bytes.trim_ascii_start().first() != Some(&b'{') {
            return Err(Error::Malformed("The request body must be a JSON object.".into()));
        }
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if inner.to_string().starts_with("duplicate field") {
                // Which copy would count is anybody's guess: refuse rather than pick one.
                Error::Malformed(format!("The request body is ambiguous: {inner}."))
            } else if inner.is_data() {
                Error::field(path, "has the wrong type")
            } else {
                Error::Malformed("The request body is not valid JSON.".into())
            }
        })?;
        // Strict: nothing but whitespace may follow the object.
        deserializer
            .end()
            .map_err(|_| Error::Malformed("The request body has something after the JSON object.".into()))?;
        Ok(ApiJson(value))
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
}
