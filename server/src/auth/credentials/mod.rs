//! Credentials: what a person proves themselves with (a password, a passkey), the throttles
//! that keep guessing slow, and device cookies (a browser that has signed in to an account
//! before).

pub mod device_cookies;
pub mod passkeys;
pub mod password;
pub mod throttle;
