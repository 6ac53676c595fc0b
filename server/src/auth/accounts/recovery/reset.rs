//! A forgotten password: a single-use link to the address, and setting a new password from it,
//! which ends every session of the account.

use app::contract::{ResetConfirm, ResetRequest};

use super::token;
use crate::auth::{
    accounts::account::field,
    accounts::email::Email,
    accounts::links::Purpose,
    accounts::users,
    client::ClientInfo,
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
        tokio::spawn(async move {
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
        let token = token(confirm.token)?;
        let opened = self.recovery.peek(Purpose::ResetPassword, &token).await?;
        let user = users::by_id(&self.db, &opened.user_id)
            .await?
            // A link sent to an address the account no longer has is dead.
            .filter(|user| user.email == opened.email)
            .ok_or(AuthError::InvalidOrExpiredLink)?;
        let email = Email::parse(&user.email).ok();
        let password = Password::parse(
            confirm.new_password.as_deref().unwrap_or_default(),
            email.as_ref(),
        )
        .map_err(|problem| field("new_password", problem))?;
        let hash = self.hasher.hash(&password).await?;
        // Two requests with one link: only one uses it.
        self.recovery.redeem(Purpose::ResetPassword, &token).await?;
        let ended = self.sessions.reset_password(&user.id, client, &hash).await?;
        tracing::info!(user = %user.id, sessions_ended = ended, "password reset");
        self.recovery.notices.password_changed(&user.email, client, true);
        Ok(())
    }
}
