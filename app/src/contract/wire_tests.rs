use serde::Serialize;
use serde_json::{Value, json};

use super::*;
use crate::contract::{EventKind, TokenType};

impl Json for Value {
    fn member(&self, name: &str) -> Option<Self> {
        self.as_object()?
            .get(name)
            .filter(|value| !value.is_null())
            .cloned()
    }
    fn string(&self) -> Option<String> {
        self.as_str().map(str::to_string)
    }
    fn boolean(&self) -> Option<bool> {
        self.as_bool()
    }
    fn number(&self) -> Option<f64> {
        self.as_f64()
    }
    fn items(&self) -> Option<Vec<Self>> {
        self.as_array().cloned()
    }
    fn members(&self) -> Option<Vec<(String, Self)>> {
        Some(self.as_object()?.clone().into_iter().collect())
    }
}

/// What serde (the server) writes, the client reads back unchanged.
fn reads_back<T: Serialize + FromJson + std::fmt::Debug>(sent: T) {
    let read = T::from_json(&serde_json::to_value(&sent).unwrap());
    assert_eq!(format!("{read:?}"), format!("{:?}", Some(sent)));
}

/// What the client writes is exactly what serde writes for the same value.
fn writes_as_serde<T: Serialize + ToJson>(body: T) {
    let written: serde_json::Map<String, Value> = body
        .members()
        .into_iter()
        .map(|(name, value)| (name.to_string(), value.map_or(Value::Null, Value::from)))
        .collect();
    assert_eq!(Value::Object(written), serde_json::to_value(&body).unwrap());
}

fn user() -> User {
    User {
        id: "u1".into(),
        email: "ada@example.com".into(),
    }
}

fn party() -> PartyView {
    PartyView {
        ip: "203.0.113.9".into(),
        user_agent: "curl/8".into(),
        device: "curl 8".into(),
    }
}

#[test]
fn every_answer_the_client_reads_comes_back_as_the_server_wrote_it() {
    for token_type in [TokenType::Bearer, TokenType::Dpop] {
        reads_back(SessionBody {
            access_token: "a.b.c".into(),
            token_type,
            expires_in: 900,
            user: user(),
        });
    }
    for last_used_at in [None, Some("2026-12-07T10:00:00Z".to_string())] {
        reads_back(vec![PasskeyView {
            id: "p1".into(),
            credential_id: "Y3JlZA".into(),
            user_handle: "aGFuZGxl".into(),
            name: "Chrome on Linux".into(),
            created_at: "2026-12-07T09:00:00Z".into(),
            last_used_at,
            backed_up: true,
        }]);
    }
    reads_back(Me {
        id: "u1".into(),
        email: "ada@example.com".into(),
        email_verified: true,
        has_password: false,
        created_at: "2026-12-03T18:00:00Z".into(),
    });
    reads_back(vec![SessionView {
        id: "s1".into(),
        current: true,
        user_agent: "Mozilla/5.0".into(),
        device: "Chrome 131 on Linux".into(),
        ip: "127.0.0.1".into(),
        created_at: "2026-12-03T18:00:00Z".into(),
        last_used_at: "2026-12-03T18:01:00Z".into(),
        device_bound: false,
        binding: Binding::None,
    }]);
    let event = |kind, session_id: Option<&str>, last_refreshed_by| SecurityEventView {
        kind,
        at: "2026-12-03T18:00:00Z".into(),
        ip: "127.0.0.1".into(),
        user_agent: "Mozilla/5.0".into(),
        device: "Chrome 131 on Linux".into(),
        session_id: session_id.map(str::to_string),
        last_refreshed_by,
        count: if kind == EventKind::RefreshWithoutDeviceKey {
            37
        } else {
            1
        },
        cursor: "MTc2NDc4NDgwMDAwMDpl".into(),
    };
    reads_back(vec![
        event(EventKind::RefreshTokenReuse, Some("s1"), Some(party())),
        event(EventKind::SignedInNewDevice, Some("s2"), None),
        event(EventKind::PasswordReset, None, None),
        event(EventKind::RefreshWithoutDeviceKey, Some("s1"), None),
    ]);
    let fields = BTreeMap::from([("email".to_string(), "is not an address".to_string())]);
    for fields in [Some(fields), None] {
        reads_back(ErrorBody {
            error: ErrorCode::InvalidFields,
            message: "check the fields".into(),
            fields,
        });
    }
}

#[test]
fn every_body_the_client_sends_is_what_serde_would_write() {
    let some = |text: &str| Some(text.to_string());
    writes_as_serde(Credentials {
        email: some("ada@example.com"),
        password: None,
    });
    writes_as_serde(PasswordChange {
        current_password: some("old"),
        new_password: some("new"),
    });
    writes_as_serde(LinkToken { token: some("t") });
    writes_as_serde(Reauthenticate { password: some("p") });
    writes_as_serde(PasskeyRename { name: some("Work laptop") });
    writes_as_serde(ResetRequest { email: None });
    writes_as_serde(ResetConfirm {
        token: some("t"),
        new_password: some("p"),
    });
    writes_as_serde(EmailChange {
        new_email: some("ada@new.example"),
        current_password: some("p"),
    });
}

#[test]
fn an_answer_of_another_shape_reads_as_nothing() {
    let me = json!({"id": "u1", "email": "a@b.c", "email_verified": "yes", "created_at": "now"});
    assert!(Me::from_json(&me).is_none(), "a string where a flag belongs");
    let session = json!({"access_token": "t", "token_type": "MAC", "expires_in": 900,
        "user": {"id": "u1", "email": "a@b.c"}});
    assert!(
        SessionBody::from_json(&session).is_none(),
        "an unknown token type"
    );
    let session = json!({"access_token": "t", "token_type": "Bearer", "expires_in": -1,
        "user": {"id": "u1", "email": "a@b.c"}});
    assert!(SessionBody::from_json(&session).is_none(), "a negative lifetime");
    assert!(Vec::<SessionView>::from_json(&json!({"sessions": []})).is_none());
    let event = json!([{"kind": "from_the_future", "at": "now", "ip": "", "user_agent": "",
        "device": ""}]);
    assert!(
        Vec::<SecurityEventView>::from_json(&event).is_none(),
        "an unknown event kind"
    );
    let counted = |count: Value| {
        json!([{"kind": "signed_in", "at": "now", "ip": "", "user_agent": "", "device": "",
            "count": count, "cursor": "c"}])
    };
    assert!(Vec::<SecurityEventView>::from_json(&counted(json!(1))).is_some());
    assert!(
        Vec::<SecurityEventView>::from_json(&counted(json!(-1))).is_none(),
        "a negative count"
    );
    let error = json!({"error": "invalid_fields", "message": "m", "fields": {"email": 1}});
    assert!(
        ErrorBody::from_json(&error).is_none(),
        "a problem that is not text"
    );
    assert!(ErrorBody::from_json(&json!("Bad Gateway")).is_none());
}

#[test]
fn an_unknown_error_code_still_reads() {
    let body = ErrorBody::from_json(&json!({"error": "from_the_future", "message": "later"}));
    assert_eq!(body.map(|body| body.error), Some(ErrorCode::Unrecognised));
}
