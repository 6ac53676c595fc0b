//! The wire types of the security page: what happened to the account, newest first, a page at
//! a time. Repeats of a blocked attempt from one party are one entry with a count, so a thief
//! who keeps trying cannot push the rest of the history out of sight.

use serde::{Deserialize, Serialize};

use super::EventKind;

/// How many entries a page of `GET /api/security-events` holds; a shorter page is the last.
pub const EVENTS_PER_PAGE: usize = 50;

/// One entry of `GET /api/security-events`, newest first.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SecurityEventView {
    pub kind: EventKind,
    /// RFC 3339; for repeats counted in one entry, the latest.
    pub at: String,
    pub ip: String,
    pub user_agent: String,
    pub device: String,
    pub session_id: Option<String>,
    /// On a `refresh_token_reuse` event: the party that had last refreshed the session before
    /// the retired token was presented. One of the two is the thief.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_refreshed_by: Option<PartyView>,
    /// How many times it happened: 1, or more for the repeats of a blocked attempt from one
    /// session, address and user agent.
    #[cfg_attr(feature = "ssr", schema(minimum = 1))]
    pub count: u64,
    /// Opaque: pass it back as `before` for the events older than this one.
    pub cursor: String,
}

/// A client as an event names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PartyView {
    pub ip: String,
    pub user_agent: String,
    /// The user agent as a person reads it.
    pub device: String,
}

/// `GET /api/security-events?before=<cursor>`: the page of events just older than the one
/// whose `cursor` is given; without it, the newest page.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct EventsBefore {
    /// The `cursor` of the oldest event already shown.
    #[cfg_attr(feature = "ssr", param(pattern = r"^[A-Za-z0-9_-]{1,128}$"))]
    pub before: Option<String>,
}

impl EventsBefore {
    pub const PATH: &'static str = "/api/security-events";

    /// The request for the page older than the event with `cursor`.
    pub fn path(cursor: &str) -> String {
        let cursor: String = form_urlencoded::byte_serialize(cursor.as_bytes()).collect();
        format!("{}?before={cursor}", Self::PATH)
    }
}
