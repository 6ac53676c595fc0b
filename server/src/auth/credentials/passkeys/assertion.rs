//! Checking a passkey assertion: the sign-in ceremony's options, and the one check that both
//! a passkey sign-in and a re-authentication make of what the browser answered.

use serde_json::Value;
use webauthn_rs::prelude::{DiscoverableAuthentication, Passkey, PublicKeyCredential};

use super::{
    CeremonyStart,
    ceremonies::{self, Kind},
    internal,
    store::{self, StoredPasskey},
};
use crate::auth::{
    ClientInfo,
    accounts::users,
    credentials::throttle::address_key,
    service::{AuthError, AuthResult, AuthService},
};

/// The account a passkey assertion proved, and the passkey that made it.
pub struct Asserted {
    pub user: users::User,
    pub passkey: StoredPasskey,
}

impl AuthService {
    /// Options for a discoverable sign-in (autofill or a button), also used to re-authenticate.
    pub async fn passkey_sign_in_options(&self, client: &ClientInfo) -> AuthResult<CeremonyStart> {
        let (options, state) = self
            .passkeys
            .webauthn()
            .start_discoverable_authentication()
            .map_err(internal)?;
        let state = serde_json::to_string(&state).map_err(internal)?;
        let holder = format!("address:{}", address_key(&client.ip));
        let ceremony = ceremonies::open(&self.db, Kind::Authenticate, &holder, None, &state).await?;
        let mut options = serde_json::to_value(options).map_err(internal)?;
        Ok(CeremonyStart {
            ceremony,
            public_key: options["publicKey"].take(),
        })
    }

    /// Takes the ceremony and checks the assertion against it (origin, rpId, challenge, user
    /// verification, signature, a rising counter), counted against the client's address like
    /// a password guess. Whatever fails answers `InvalidCredentials`, as a wrong password does
    /// (`UnknownPasskey`, its twin, when no account has the credential); the ceremony is used
    /// up either way.
    pub(in crate::auth) async fn check_assertion(
        &self,
        ceremony: &str,
        credential: Value,
        client: &ClientInfo,
    ) -> AuthResult<Asserted> {
        self.throttle
            .reserve_attempt(&client.ip)
            .map_err(|retry_after| AuthError::Throttled { retry_after })?;
        let asserted = self.verify_assertion(ceremony, credential).await;
        // Only a refused passkey counts; a success, or a database that could not answer, does not.
        if !matches!(asserted, Err(AuthError::InvalidCredentials | AuthError::UnknownPasskey)) {
            self.throttle.release_attempt(&client.ip);
        }
        asserted
    }

    async fn verify_assertion(&self, ceremony: &str, credential: Value) -> AuthResult<Asserted> {
        let refused = |why: &str| {
            tracing::info!(why, "a passkey assertion was refused");
            AuthError::InvalidCredentials
        };
        let taken = ceremonies::take(&self.db, ceremony, Kind::Authenticate)
            .await?
            .ok_or_else(|| refused("no such ceremony, or used, or expired"))?;
        let state: DiscoverableAuthentication = serde_json::from_str(&taken.state).map_err(internal)?;
        let credential: PublicKeyCredential =
            serde_json::from_value(credential).map_err(|_| refused("not an assertion"))?;
        let webauthn = self.passkeys.webauthn();
        let (handle, credential_id) = webauthn
            .identify_discoverable_authentication(&credential)
            .map_err(|_| refused("no user handle"))?;
        let Some(stored) = store::by_credential_id(&self.db, credential_id).await? else {
            tracing::info!("a passkey assertion named an unknown credential");
            return Err(AuthError::UnknownPasskey);
        };
        let owner = store::user_of_handle(&self.db, handle.as_bytes()).await?;
        if owner.as_deref() != Some(stored.user_id.as_str()) {
            return Err(refused("the user handle is not the credential's account"));
        }
        let mut passkey: Passkey = serde_json::from_str(&stored.passkey).map_err(internal)?;
        let result = webauthn
            .finish_discoverable_authentication_v2(&credential, state, &passkey)
            .map_err(|err| {
                tracing::info!(user = %stored.user_id, error = %err, "a passkey assertion was refused");
                AuthError::InvalidCredentials
            })?;
        passkey.update_credential(&result);
        let record = serde_json::to_string(&passkey).map_err(internal)?;
        store::used(&self.db, &stored.id, &record, result.backup_state()).await?;
        let user = users::by_id(&self.db, &stored.user_id)
            .await?
            .ok_or_else(|| refused("the account is gone"))?;
        Ok(Asserted {
            user,
            passkey: stored,
        })
    }
}
