//! Accept Latch's access tokens in a service of your own, the way Latch itself does.
//!
//! A Latch access token is an EdDSA JWT (`typ: at+jwt`) that anyone can verify with the keys
//! Latch publishes at `/.well-known/jwks.json`. Checking the signature is not enough, though:
//! a token from a device-bound session (`cnf.jkt`) is only worth something with a fresh DPoP
//! proof (RFC 9449) from the browser's own key, made for *this* service's URL. A service that
//! checks the JWKS alone accepts a copied bound token as a bearer token, and the binding is
//! lost.
//!
//! [`Verifier`] does the whole check for one request:
//! - the token's signature, by a key from Latch's JWKS, fetched and cached; a token signed by
//!   a key it has not seen (Latch rotated its key) makes it fetch the set again;
//! - its claims as Latch checks them (`typ`, `iss`, `aud`, `exp`, `nbf`, `iat`, lifetime);
//! - for a bound token: `Authorization: DPoP <token>` (as `Bearer` it is refused) and a proof
//!   signed by the token's key (`cnf.jkt`), for this request's method and URL on this
//!   service's own origin (`htm`, `htu`), covering this token (`ath`), recent (`iat`), and
//!   never used before (`jti`, remembered in a bounded memory).
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use latch_verify::{Request, Settings, Verifier};
//!
//! let verifier = Verifier::new(Settings::new(
//!     "https://latch.example".parse()?,   // Latch: the tokens' issuer, and where its JWKS is
//!     "https://notes.example".parse()?,   // this service, as browsers address it
//! ))?;
//! let request = Request {
//!     method: "GET",
//!     path: "/v1/me",
//!     authorization: Some("DPoP eyJ…"),
//!     dpop: Some("eyJ…"),
//! };
//! match verifier.verify(&request).await {
//!     Ok(verified) => println!("user {}", verified.claims.sub),
//!     Err(refusal) => println!("{} {}", refusal.status, refusal.message),
//! }
//! # Ok(()) }
//! ```
//!
//! What a verifier cannot know: that Latch has ended a session. Latch's own API refuses a
//! revoked session's tokens at once; another service accepts them until they expire (ten
//! minutes at most, by default). Keep tokens short-lived, and ask Latch for anything that must
//! stop the moment a session ends.
//!
//! Latch's server uses the same checks ([`access`], [`dpop`]), without the JWKS fetch (the
//! `jwks` feature), since it holds the keys itself.

pub mod access;
pub mod dpop;
#[cfg(feature = "jwks")]
mod jwks;
#[cfg(feature = "jwks")]
mod refusal;
#[cfg(feature = "jwks")]
mod verifier;

#[cfg(feature = "jwks")]
pub use refusal::Refusal;
#[cfg(feature = "jwks")]
pub use verifier::{Request, Settings, SettingsError, Verified, Verifier};
