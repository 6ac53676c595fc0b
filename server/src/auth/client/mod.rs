//! Who is asking, as recorded on sessions and security events.

pub mod user_agent;

/// The client's address (after the trusted-proxy walk) and its user agent (truncated).
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: String,
    pub user_agent: String,
}
