//! A forgotten password: a single-use link to the address, and setting a new password from it,
//! which ends every session of the account.

use app::contract::{ResetConfirm, ResetRequest};

use serde_json::Value;

use crate::auth::{
    accounts::account::field,
    accounts::email::Email,
    accounts::links::Purpose,
    accounts::users,
    client::ClientInfo,
    credentials::passkeys::{CeremonyStart, name_or_browser, store::StoredPasskey},
    credentials::password::Password,
    service::{AuthError, AuthResult, AuthService},
};

impl AuthService {
    /// Mails a reset link if the address has an account. The answer is the same either way,
    /// and the link is made and mailed in the background, so the time taken is too. Past the
    /// per-address limit nothing is sent (the previous link still works).
    pub async fn request_password_reset(&self, request: ResetRequest, client: &ClientInfo) -> AuthResult<()> {
        let email = Email::parse(request.email.as_deref().unwrap_or_default())
            .map_err(|problem| field("email", problem))?;
        let recovery = &self.recovery;
        recovery.count_request(&client.ip)?;
        let user = users::by_email(&self.db, &email).await?;
        if !recovery.may_mail(&email) {
            return Ok(());
        }
        let Some(user) = user else {
            return Ok(());
        };
        let (recovery, client) = (recovery.clone(), client.clone());
        self.recovery.notices.in_background(async move {
            match recovery
                .link(Purpose::ResetPassword, &user.id, &user.email, None, None)
                .await
            {
                Ok(link) => recovery.notices.reset_password(&user.email, &link, &client),
                Err(err) => {
                    tracing::error!(error = %err, user = %user.id, "a reset link could not be stored")
                }
            }
        });
        Ok(())
    }

    /// Sets the new password from a reset link, ends every session of the account and cancels
    /// its other links (undo links aside). A weak password is refused without using the link
    /// up, so it can be typed again.
    pub async fn reset_password(&self, confirm: ResetConfirm, client: &ClientInfo) -> AuthResult<()> {
        let (token, user) = self.reset_link_account(confirm.token).await?;
        let email = Email::parse(&user.email).ok();
        let password = Password::parse(
            confirm.new_password.as_deref().unwrap_or_default(),
            email.as_ref(),
        )
        .map_err(|problem| field("new_password", problem))?;
        let hash = self.hasher.hash(&password).await?;
        self.reset(&token, &user, client, &hash, None).await
    }

    /// Options to create a passkey with a reset link, for an owner who would rather have a
    /// passkey than a password. The link is not used up. Nothing is excluded: the owner's
    /// authenticator may hold the account's old passkey, which the reset will delete.
    pub async fn reset_passkey_options(&self, token: Option<String>) -> AuthResult<CeremonyStart> {
        let (_, user) = self.reset_link_account(token).await?;
        self.registration_options(&user, false).await
    }

    /// Uses a reset link to make the passkey the browser created (from `reset_passkey_options`)
    /// the account's only way in: the password is emptied, every other passkey deleted, every
    /// session ended, as a password reset does. A passkey that fails to verify leaves the link
    /// usable.
    pub async fn reset_with_passkey(
        &self,
        token: Option<String>,
        ceremony: &str,
        credential: Value,
        client: &ClientInfo,
    ) -> AuthResult<()> {
        let (token, user) = self.reset_link_account(token).await?;
        let name = name_or_browser(None, client)?;
        let passkey = self
            .verify_registration(&user.id, ceremony, credential, name)
            .await?;
        self.reset(&token, &user, client, "", Some(&passkey)).await
    }

    /// The account a reset link is for, without using the link up.
    async fn reset_link_account(&self, token: Option<String>) -> AuthResult<(String, users::User)> {
        let token = super::token(token)?;
        let opened = self.recovery.peek(Purpose::ResetPassword, &token).await?;
        let user = users::by_id(&self.db, &opened.user_id)
            .await?
            // A link sent to an address the account no longer has is dead.
            .filter(|user| user.email == opened.email)
            .ok_or(AuthError::InvalidOrExpiredLink)?;
        Ok((token, user))
    }

    async fn reset(
        &self,
        token: &str,
        user: &users::User,
        client: &ClientInfo,
        hash: &str,
        passkey: Option<&StoredPasskey>,
    ) -> AuthResult<()> {
        // Two requests with one link: only one uses it.
        self.recovery.redeem(Purpose::ResetPassword, token).await?;
        let ended = self
            .sessions
            .reset_password(&user.id, client, hash, passkey)
            .await;
        // Forgotten whatever the outcome: a commit that failed may still have happened.
        self.profiles.forget(&user.id);
        let ended = ended?;
        tracing::info!(user = %user.id, sessions_ended = ended, with_passkey = passkey.is_some(), "password reset");
        let notices = &self.recovery.notices;
        match passkey {
            None => notices.password_changed(&user.email, client, true),
            Some(_) => notices.recovered_with_passkey(&user.email, client),
        }
        Ok(())
    }
}
