//! The authentication core, independent of HTTP (no axum types here): `AuthService` is the
//! entry point; below it, accounts, passwords, access tokens and their signing keys, refresh
//! tokens, sessions and security events.

pub mod account;
pub mod broadcast;
pub mod client_info;
pub mod device;
pub mod dpop;
pub mod email;
pub mod events;
pub mod keys;
pub mod known_device;
pub mod links;
pub mod notices;
pub mod password;
pub mod profiles;
pub mod purge;
pub mod recovery;
pub mod refresh;
pub mod refresh_token;
pub mod revocations;
pub mod service;
pub mod sessions;
mod sign_in;
pub mod sign_up;
pub mod throttle;
pub mod tokens;
pub mod users;
pub mod verified_tokens;

pub use account::Caller;
pub use client_info::ClientInfo;
pub use service::{AuthError, AuthService, SessionOver, SignedIn};
pub use sign_up::SignUp;
