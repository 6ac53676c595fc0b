//! Tokens a client presents: access tokens (`access`) and the check already made of them
//! (`verified`), the key ring that signs them (`keys`), and DPoP device binding (`dpop`).

pub mod access;
pub mod dbsc;
pub mod dpop;
pub mod keys;
pub mod verified;
