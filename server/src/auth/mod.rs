//! The authentication core, independent of HTTP: accounts, passwords, access tokens and their
//! signing keys, refresh tokens, sessions and security events.

pub mod device;
pub mod email;
pub mod events;
pub mod keys;
pub mod password;
pub mod refresh;
pub mod revocations;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod users;
