//! A signed-in user's passkeys: registering one (options, then what the browser made),
//! listing, renaming and deleting them, and removing the password once a passkey can stand
//! in for it. Adding, deleting and removing need recent authentication; an account always
//! keeps one way in.

use app::contract::{EventKind, PasskeyView};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::Value;
use webauthn_rs::prelude::{Passkey, PasskeyRegistration, RegisterPublicKeyCredential};

use super::{
    CeremonyStart,
    ceremonies::{self, Kind},
    discoverable, internal,
    store::{self, Refused, StoredPasskey},
};
use crate::auth::{
    Caller, ClientInfo,
    accounts::{account::field, events::NewEvent, users},
    client::user_agent,
    service::{AuthError, AuthResult, AuthService},
};
use crate::clock;

/// The longest name a passkey may have, in characters.
const NAME_MAX: usize = 64;

/// The passkey as listed; `handle` is its account's WebAuthn user handle.
fn view(passkey: &StoredPasskey, handle: &[u8]) -> PasskeyView {
    PasskeyView {
        id: passkey.id.clone(),
        credential_id: URL_SAFE_NO_PAD.encode(&passkey.credential_id),
        user_handle: URL_SAFE_NO_PAD.encode(handle),
        name: passkey.name.clone(),
        created_at: clock::rfc3339(passkey.created_at),
        last_used_at: passkey.last_used_at.map(clock::rfc3339),
        backed_up: passkey.backed_up,
    }
}

/// The name as given (trimmed), or the browser's description when none is.
pub(in crate::auth) fn name_or_browser(name: Option<String>, client: &ClientInfo) -> AuthResult<String> {
    match name.as_deref().map(str::trim).filter(|name| !name.is_empty()) {
        None => Ok(user_agent::describe(&client.user_agent)),
        Some(name) => valid_name(name),
    }
}

fn valid_name(name: &str) -> AuthResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(field("name", "Give the passkey a name."));
    }
    if name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        return Err(field("name", "Use at most 64 characters, on one line."));
    }
    Ok(name.to_string())
}

impl AuthService {
    /// The options for the browser to create a passkey for this account, its existing ones
    /// excluded. Needs recent authentication.
    pub async fn passkey_registration_options(&self, caller: &Caller) -> AuthResult<CeremonyStart> {
        self.require_recent_auth(caller).await?;
        let user = users::by_id(&self.db, &caller.user_id)
            .await?
            .ok_or(AuthError::AccountGone)?;
        self.registration_options(&user, true).await
    }

    /// Options to create a passkey for `user`; `exclude_existing` lists its passkeys so the
    /// browser will not make a second one on an authenticator that holds one.
    pub(in crate::auth) async fn registration_options(
        &self,
        user: &users::User,
        exclude_existing: bool,
    ) -> AuthResult<CeremonyStart> {
        let handle = store::user_handle(&self.db, &user.id)
            .await?
            .ok_or(AuthError::AccountGone)?;
        let handle = uuid::Uuid::from_slice(&handle).map_err(internal)?;
        let exclude = if exclude_existing {
            let existing = store::of_user(&self.db, &user.id).await?;
            existing
                .iter()
                .filter_map(|stored| serde_json::from_str::<Passkey>(&stored.passkey).ok())
                .map(|passkey| passkey.cred_id().clone())
                .collect()
        } else {
            Vec::new()
        };
        let (options, state) = self
            .passkeys
            .webauthn()
            .start_passkey_registration(handle, &user.email, &user.email, Some(exclude))
            .map_err(internal)?;
        let state = serde_json::to_string(&state).map_err(internal)?;
        let holder = format!("account:{}", user.id);
        let ceremony = ceremonies::open(&self.db, Kind::Register, &holder, Some(&user.id), &state).await?;
        let mut options = serde_json::to_value(options).map_err(internal)?;
        Ok(CeremonyStart {
            ceremony,
            public_key: discoverable(options["publicKey"].take()),
        })
    }

    /// Verifies and stores the passkey the browser created from `ceremony`'s options. Needs
    /// recent authentication; the account's address is told.
    pub async fn register_passkey(
        &self,
        caller: &Caller,
        ceremony: &str,
        credential: Value,
        name: Option<String>,
        client: &ClientInfo,
    ) -> AuthResult<PasskeyView> {
        self.require_recent_auth(caller).await?;
        let name = name_or_browser(name, client)?;
        let stored = self
            .verify_registration(&caller.user_id, ceremony, credential, name)
            .await?;
        let event = NewEvent::new(
            &caller.user_id,
            EventKind::PasskeyAdded,
            client,
            Some(caller.session_id.as_str()),
        );
        if let Err(Refused::Taken) = store::insert(&self.db, &stored, &event).await? {
            return Err(field("credential", "This passkey is registered already."));
        }
        tracing::info!(user = %caller.user_id, passkey = %stored.id, "passkey added");
        self.tell_owner(caller, client, "A passkey was added to your account")
            .await;
        Ok(view(&stored, &self.handle_of(&caller.user_id).await?))
    }

    /// Takes `ceremony` (a registration for `user_id`) and checks the passkey the browser made
    /// from its options. Nothing is stored.
    pub(in crate::auth) async fn verify_registration(
        &self,
        user_id: &str,
        ceremony: &str,
        credential: Value,
        name: String,
    ) -> AuthResult<StoredPasskey> {
        let taken = ceremonies::take(&self.db, ceremony, Kind::Register)
            .await?
            .filter(|taken| taken.user_id.as_deref() == Some(user_id))
            .ok_or_else(|| field("ceremony", "This request has expired or was used. Start again."))?;
        let state: PasskeyRegistration = serde_json::from_str(&taken.state).map_err(internal)?;
        let credential: RegisterPublicKeyCredential = serde_json::from_value(credential)
            .map_err(|_| field("credential", "This is not a passkey a browser made."))?;
        let passkey = self
            .passkeys
            .webauthn()
            .finish_passkey_registration(&credential, &state)
            .map_err(|err| {
                tracing::info!(user = %user_id, error = %err, "a passkey registration was refused");
                field("credential", "The passkey could not be verified. Try again.")
            })?;
        let record = serde_json::to_value(&passkey).map_err(internal)?;
        Ok(StoredPasskey {
            id: uuid::Uuid::new_v4().to_string(),
            user_id: user_id.to_owned(),
            credential_id: passkey.cred_id().to_vec(),
            passkey: record.to_string(),
            name,
            created_at: clock::now_millis(),
            last_used_at: None,
            backed_up: record["cred"]["backup_state"].as_bool().unwrap_or(false),
        })
    }

    pub async fn passkeys(&self, caller: &Caller) -> AuthResult<Vec<PasskeyView>> {
        let stored = store::of_user(&self.db, &caller.user_id).await?;
        let handle = self.handle_of(&caller.user_id).await?;
        Ok(stored.iter().map(|passkey| view(passkey, &handle)).collect())
    }

    /// The account's user handle (empty if none was ever made, and so no passkey either).
    async fn handle_of(&self, user_id: &str) -> AuthResult<Vec<u8>> {
        Ok(store::handle_of(&self.db, user_id).await?.unwrap_or_default())
    }

    pub async fn rename_passkey(
        &self,
        caller: &Caller,
        id: &str,
        name: Option<String>,
    ) -> AuthResult<PasskeyView> {
        let name = valid_name(name.as_deref().unwrap_or_default())?;
        let renamed = store::rename(&self.db, &caller.user_id, id, &name)
            .await?
            .ok_or(AuthError::PasskeyNotFound)?;
        Ok(view(&renamed, &self.handle_of(&caller.user_id).await?))
    }

    /// Deletes one of the account's passkeys, unless it is the last way in. Needs recent
    /// authentication; the account's address is told.
    pub async fn delete_passkey(&self, caller: &Caller, id: &str, client: &ClientInfo) -> AuthResult<()> {
        self.require_recent_auth(caller).await?;
        match store::delete(&self.db, &caller.user_id, id, client, &caller.session_id).await? {
            Ok(_) => {}
            Err(Refused::LastCredential) => return Err(AuthError::LastCredential),
            Err(Refused::NotFound | Refused::Taken) => return Err(AuthError::PasskeyNotFound),
        }
        tracing::info!(user = %caller.user_id, passkey = %id, "passkey removed");
        self.tell_owner(caller, client, "A passkey was removed from your account")
            .await;
        Ok(())
    }

    /// Removes the password, once the account has a passkey. Needs recent authentication;
    /// the account's address is told (once: removing it again changes nothing). A reset link
    /// still sets a new one.
    pub async fn remove_password(&self, caller: &Caller, client: &ClientInfo) -> AuthResult<()> {
        self.require_recent_auth(caller).await?;
        let removed = store::remove_password(&self.db, &caller.user_id, client, &caller.session_id).await;
        self.profiles.forget(&caller.user_id);
        match removed? {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(_) => return Err(AuthError::LastCredential),
        }
        tracing::info!(user = %caller.user_id, "password removed");
        self.tell_owner(caller, client, "The password was removed from your account")
            .await;
        Ok(())
    }

    async fn tell_owner(&self, caller: &Caller, client: &ClientInfo, what: &str) {
        if let Ok(Some(user)) = users::by_id(&self.db, &caller.user_id).await {
            self.recovery
                .notices
                .credentials_changed(&user.email, client, what);
        }
    }
}
