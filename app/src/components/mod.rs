//! Pieces used across pages: the header, notices, the protected-page gate, account data
//! loaded in the browser, and human times.

mod gate;
mod header;
mod loaded;
mod notices;
mod place;
mod time;

pub use gate::RequireAuth;
pub use header::SiteHeader;
pub use loaded::Loaded;
pub use notices::{BlockedAttemptNotice, ReconnectingBanner, SignOutEverywhere};
pub use place::address;
pub use time::When;

/// Encodes a string as one query-string value (`application/x-www-form-urlencoded`).
pub fn encode_component(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::encode_component;

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            encode_component("/account?x=1&y=é"),
            "%2Faccount%3Fx%3D1%26y%3D%C3%A9"
        );
    }
}
