//! The contract types as the browser reads and writes them. The server serialises them with
//! serde; in the WASM, serde's generic visitors weighed more than the few fields the UI reads,
//! so the client reads those fields by hand from what the browser's own `JSON` parsed
//! (`auth/json.rs`). The tests below read what serde writes and have serde read what this
//! writes, so the two sides cannot drift apart unnoticed.

use std::collections::BTreeMap;

use super::{
    Binding, Credentials, EmailChange, ErrorBody, ErrorCode, LinkToken, Me, PartyView, PasskeyRename, PasskeyView, PasswordChange,
    Reauthenticate, ResetConfirm, ResetRequest, SecurityEventView, SessionBody, SessionView, User,
};

/// A parsed JSON value: the browser's `JsValue`, or serde_json's in the tests.
pub trait Json: Sized {
    /// An object's member, `None` when it is absent or `null`.
    fn member(&self, name: &str) -> Option<Self>;
    fn string(&self) -> Option<String>;
    fn boolean(&self) -> Option<bool>;
    fn number(&self) -> Option<f64>;
    fn items(&self) -> Option<Vec<Self>>;
    /// An object's members, in order.
    fn members(&self) -> Option<Vec<(String, Self)>>;
}

/// What the client reads from a response body; `None` when the body is not of that shape.
pub trait FromJson: Sized {
    fn from_json<J: Json>(json: &J) -> Option<Self>;
}

/// What the client sends: every request body is an object of optional strings, and a missing
/// one is sent as `null`, as serde writes it.
pub trait ToJson {
    fn members(&self) -> Vec<(&'static str, Option<&str>)>;
}

/// The string member `name`: for a product's own `FromJson` too.
pub fn text<J: Json>(json: &J, name: &str) -> Option<String> {
    json.member(name)?.string()
}

pub fn flag<J: Json>(json: &J, name: &str) -> Option<bool> {
    json.member(name)?.boolean()
}

/// A number that is a count or a length: not negative (JSON numbers arrive as `f64`).
fn whole<J: Json>(json: &J, name: &str) -> Option<u64> {
    let number = json.member(name)?.number()?;
    (number >= 0.0).then_some(number as u64)
}

/// A member that may be `null` or absent (`Some(None)`), but not of another shape (`None`).
fn optional<J: Json, T>(json: &J, name: &str, read: impl Fn(&J) -> Option<T>) -> Option<Option<T>> {
    match json.member(name) {
        None => Some(None),
        Some(value) => read(&value).map(Some),
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json<J: Json>(json: &J) -> Option<Self> {
        json.items()?.iter().map(T::from_json).collect()
    }
}

impl FromJson for User {
    fn from_json<J: Json>(json: &J) -> Option<Self> {
        Some(User {
            id: text(json, "id")?,
            email: text(json, "email")?,
        })
    }
}

impl FromJson for SessionBody {
    fn from_json<J: Json>(json: &J) -> Option<Self> {
        Some(SessionBody {
            access_token: text(json, "access_token")?,
            token_type: text(json, "token_type")?.parse().ok()?,
            expires_in: whole(json, "expires_in")?,
            user: User::from_json(&json.member("user")?)?,
        })
    }
}

impl FromJson for Me {
    fn from_json<J: Json>(json: &J) -> Option<Self> {
        Some(Me {
            id: text(json, "id")?,
            email: text(json, "email")?,
            email_verified: flag(json, "email_verified")?,
            has_password: flag(json, "has_password")?,
            created_at: text(json, "created_at")?,
        })
    }
}

impl FromJson for SessionView {
    fn from_json<J: Json>(json: &J) -> Option<Self> {
        Some(SessionView {
            id: text(json, "id")?,
            current: flag(json, "current")?,
            user_agent: text(json, "user_agent")?,
            device: text(json, "device")?,
            ip: text(json, "ip")?,
            created_at: text(json, "created_at")?,
            last_used_at: text(json, "last_used_at")?,
            device_bound: flag(json, "device_bound")?,
            binding: match text(json, "binding")?.as_str() {
                "dbsc+dpop" => Binding::DbscDpop,
                "dpop" => Binding::Dpop,
                _ => Binding::None,
            },
        })
    }
}

impl FromJson for PasskeyView {
    fn from_json<J: Json>(json: &J) -> Option<Self> {
        Some(PasskeyView {
            id: text(json, "id")?,
            credential_id: text(json, "credential_id")?,
            user_handle: text(json, "user_handle")?,
            name: text(json, "name")?,
            created_at: text(json, "created_at")?,
            last_used_at: optional(json, "last_used_at", J::string)?,
            backed_up: flag(json, "backed_up")?,
        })
    }
}

impl FromJson for PartyView {
    fn from_json<J: Json>(json: &J) -> Option<Self> {
        Some(PartyView {
            ip: text(json, "ip")?,
            user_agent: text(json, "user_agent")?,
            device: text(json, "device")?,
        })
    }
}

impl FromJson for SecurityEventView {
    fn from_json<J: Json>(json: &J) -> Option<Self> {
        Some(SecurityEventView {
            kind: text(json, "kind")?.parse().ok()?,
            at: text(json, "at")?,
            ip: text(json, "ip")?,
            user_agent: text(json, "user_agent")?,
            device: text(json, "device")?,
            session_id: optional(json, "session_id", J::string)?,
            last_refreshed_by: optional(json, "last_refreshed_by", PartyView::from_json)?,
            count: whole(json, "count")?,
            cursor: text(json, "cursor")?,
        })
    }
}

impl FromJson for ErrorBody {
    fn from_json<J: Json>(json: &J) -> Option<Self> {
        // Inserted one by one: collecting would sort the pairs first, and bring a sort into
        // the WASM for it.
        let fields = |value: &J| -> Option<BTreeMap<String, String>> {
            let mut fields = BTreeMap::new();
            for (name, problem) in value.members()? {
                fields.insert(name, problem.string()?);
            }
            Some(fields)
        };
        Some(ErrorBody {
            // A code this build does not know still reads, as `Unrecognised`.
            error: text(json, "error")?.parse().unwrap_or(ErrorCode::Unrecognised),
            message: text(json, "message")?,
            fields: optional(json, "fields", fields)?,
        })
    }
}

impl ToJson for Credentials {
    fn members(&self) -> Vec<(&'static str, Option<&str>)> {
        vec![
            ("email", self.email.as_deref()),
            ("password", self.password.as_deref()),
        ]
    }
}

impl ToJson for PasswordChange {
    fn members(&self) -> Vec<(&'static str, Option<&str>)> {
        vec![
            ("current_password", self.current_password.as_deref()),
            ("new_password", self.new_password.as_deref()),
        ]
    }
}

impl ToJson for Reauthenticate {
    fn members(&self) -> Vec<(&'static str, Option<&str>)> {
        vec![("password", self.password.as_deref())]
    }
}

impl ToJson for PasskeyRename {
    fn members(&self) -> Vec<(&'static str, Option<&str>)> {
        vec![("name", self.name.as_deref())]
    }
}

impl ToJson for LinkToken {
    fn members(&self) -> Vec<(&'static str, Option<&str>)> {
        vec![("token", self.token.as_deref())]
    }
}

impl ToJson for ResetRequest {
    fn members(&self) -> Vec<(&'static str, Option<&str>)> {
        vec![("email", self.email.as_deref())]
    }
}

impl ToJson for ResetConfirm {
    fn members(&self) -> Vec<(&'static str, Option<&str>)> {
        vec![
            ("token", self.token.as_deref()),
            ("new_password", self.new_password.as_deref()),
        ]
    }
}

impl ToJson for EmailChange {
    fn members(&self) -> Vec<(&'static str, Option<&str>)> {
        vec![
            ("new_email", self.new_email.as_deref()),
            ("current_password", self.current_password.as_deref()),
        ]
    }
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
