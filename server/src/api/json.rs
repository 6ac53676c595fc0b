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

#[cfg(test)]
mod properties {
    use app::contract::Credentials;
    use axum::{body::Body, response::IntoResponse};
    use proptest::prelude::*;

    use super::*;

    /// What `ApiJson<Credentials>` makes of `body` sent as `content_type`: the credentials, or
    /// the status its rejection answers with.
    fn extract(content_type: &str, body: Vec<u8>) -> Result<Credentials, StatusCode> {
        let request = Request::builder()
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        futures::executor::block_on(ApiJson::<Credentials>::from_request(request, &()))
            .map(|ApiJson(credentials)| credentials)
            .map_err(|err| err.into_response().status())
    }

    fn credentials_json(email: &Option<String>, password: &Option<String>) -> String {
        serde_json::json!({ "email": email, "password": password }).to_string()
    }

    proptest! {
        #[test]
        fn any_body_is_a_value_or_a_client_error(body in prop_oneof![
            any::<Vec<u8>>(),
            "[ \t\r\n]*\\{.{0,40}".prop_map(String::into_bytes),
            any::<String>().prop_map(|s| format!("{{\"email\": {s}").into_bytes()),
        ]) {
            if let Err(status) = extract("application/json", body) {
                prop_assert!(
                    status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY,
                    "{status}"
                );
            }
        }

        #[test]
        fn well_formed_credentials_arrive_as_sent(
            email in any::<Option<String>>(),
            password in any::<Option<String>>(),
            before in "[ \t\r\n]{0,3}",
            after in "[ \t\r\n]{0,3}",
        ) {
            let body = format!("{before}{}{after}", credentials_json(&email, &password));
            let credentials = extract("application/json; charset=utf-8", body.into()).unwrap();
            prop_assert_eq!(credentials.email, email);
            prop_assert_eq!(credentials.password, password);
        }

        #[test]
        fn anything_after_the_object_is_refused(
            email in any::<Option<String>>(),
            trailing in "[^ \t\r\n].{0,20}",
        ) {
            let body = format!("{}{trailing}", credentials_json(&email, &None));
            prop_assert_eq!(extract("application/json", body.into()).err(), Some(StatusCode::BAD_REQUEST));
        }

        #[test]
        fn a_key_given_twice_is_refused(first in any::<String>(), second in any::<String>()) {
            let body = format!(
                r#"{{"email": {}, "password": null, "email": {}}}"#,
                serde_json::Value::from(first),
                serde_json::Value::from(second),
            );
            prop_assert_eq!(extract("application/json", body.into()).err(), Some(StatusCode::BAD_REQUEST));
        }

        #[test]
        fn a_body_not_labelled_json_is_never_read(
            content_type in "[ -~]{0,40}".prop_filter("not JSON", |t| !t.to_ascii_lowercase().contains("json")),
            email in any::<Option<String>>(),
        ) {
            let body = credentials_json(&email, &None);
            prop_assert_eq!(
                extract(&content_type, body.into()).err(),
                Some(StatusCode::UNSUPPORTED_MEDIA_TYPE)
            );
        }
    }
}
