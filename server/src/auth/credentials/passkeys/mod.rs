//! Passkeys: WebAuthn discoverable credentials with user verification required. A signed-in
//! user registers them from the account; anyone signs in with one (autofill or a button)
//! and a signed-in user re-authenticates with one. webauthn-rs is the relying party (its
//! checks: origin, rpId hash, challenge, user verification, signature, a counter that must
//! rise); ceremony state lives in the database (`ceremonies`), passkeys in `store`.

mod account;
mod assertion;
pub mod ceremonies;
pub mod store;

use std::sync::Arc;

use serde_json::{Value, json};
use url::Url;
use webauthn_rs::{Webauthn, WebauthnBuilder};

use crate::auth::service::AuthError;

pub(in crate::auth) use account::name_or_browser;
pub use assertion::Asserted;

/// The relying party: this deployment's public origin, its host as the rpId.
#[derive(Clone)]
pub struct Passkeys {
    webauthn: Arc<Webauthn>,
}

impl Passkeys {
    pub fn new(public_origin: &Url) -> anyhow::Result<Self> {
        let rp_id = public_origin
            .host_str()
            .ok_or_else(|| anyhow::anyhow!("the public origin has no host for passkeys"))?;
        let webauthn = WebauthnBuilder::new(rp_id, public_origin)?
            .rp_name("Latch")
            .timeout(ceremonies::LIFETIME)
            .build()?;
        Ok(Self {
            webauthn: Arc::new(webauthn),
        })
    }

    pub(in crate::auth) fn webauthn(&self) -> &Webauthn {
        &self.webauthn
    }
}

/// What the browser gets to start a ceremony: `{ceremony, publicKey}`, the latter the JSON
/// form of the WebAuthn options (`PublicKeyCredential{Creation,Request}OptionsJSON`).
#[derive(Debug, serde::Serialize)]
pub struct CeremonyStart {
    pub ceremony: String,
    #[serde(rename = "publicKey")]
    pub public_key: Value,
}

/// A failure of the relying party or of its stored state: nothing the browser sent.
fn internal(err: impl std::fmt::Display) -> AuthError {
    AuthError::Internal(anyhow::anyhow!("passkeys: {err}"))
}

/// webauthn-rs asks for a non-discoverable credential; a passkey must be discoverable (it
/// names its account at sign-in, so nobody types an address first).
fn discoverable(mut public_key: Value) -> Value {
    public_key["authenticatorSelection"] = json!({
        "residentKey": "required",
        "requireResidentKey": true,
        "userVerification": "required",
    });
    public_key
}
