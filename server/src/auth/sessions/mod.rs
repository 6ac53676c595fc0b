//! Sessions: one per sign-in. Starting one (`sign_in`), the refresh-token value and what the
//! refresh cookie can do (`refresh_token`, `refresh`), the store that rotates and ends them
//! (`store`), and how an ended session's access tokens are refused at once, here
//! (`revocations`) and on every other instance (`broadcast`); the refresh cookie bound to the
//! device's hardware where the browser offers it (`dbsc`).

pub mod broadcast;
pub mod dbsc;
pub mod refresh;
pub mod refresh_token;
pub mod revocations;
pub(in crate::auth) mod sign_in;
pub mod step_up;
pub mod store;
