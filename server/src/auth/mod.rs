//! The authentication core, independent of HTTP (no axum types here). `AuthService` is the
//! entry point, one call per thing a user can do; below it the core is grouped by what it
//! looks after:
//! - `accounts`: users, their profiles and addresses, recovery and the links it mails,
//!   notices and security events;
//! - `credentials`: what proves a person (passwords), the throttles on guessing, and the
//!   signed cookies that mark a browser already known to an account;
//! - `sessions`: starting one (sign-in), rotating and refreshing its tokens, ending it, and
//!   telling other instances;
//! - `tokens`: access tokens, the keys that sign them, and DPoP device binding;
//! - `client`: who is asking (address, User-Agent and its description).

pub mod accounts;
pub mod client;
pub mod credentials;
pub mod purge;
pub mod service;
pub mod sessions;
pub mod tokens;

pub use accounts::{account::Caller, sign_up::SignUp};
pub use client::ClientInfo;
pub use service::{AuthError, AuthService, SessionOver, SignedIn};
