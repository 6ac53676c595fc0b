//! Changing the account's address: confirmed from the new address; the old address is told,
//! with a link that undoes the change and ends every session for a while, so whoever took
//! over a session cannot keep the account by moving it to their own mailbox.

use app::contract::{EmailChange, EventKind, LinkToken};

use super::token;
use crate::auth::{
    accounts::account::{Caller, field},
    accounts::email::Email,
    accounts::events::NewEvent,
    accounts::links::Purpose,
    accounts::users,
    client::ClientInfo,
    service::{AuthError, AuthResult, AuthService},
};

impl AuthService {
    /// Needs recent authentication. Checks the current password, then mails a confirmation link to the new address. If
    /// that address has an account, it is told so instead, and the answer is the same.
    pub async fn request_email_change(
        &self,
        caller: &Caller,
        change: EmailChange,
        client: &ClientInfo,
    ) -> AuthResult<()> {
        self.require_recent_auth(caller).await?;
        let user = users::by_id(&self.db, &caller.user_id)
            .await?
            .ok_or(AuthError::AccountGone)?;
        let new_email = Email::parse(change.new_email.as_deref().unwrap_or_default())
            .map_err(|problem| field("new_email", problem))?;
        if new_email.as_str() == user.email {
            return Err(field("new_email", "This is already your address."));
        }
        self.check_current_password(caller, &user, change.current_password.as_deref())
            .await?;
        let recovery = &self.recovery;
        recovery.count_request(&client.ip)?;
        if !recovery.may_mail(&new_email) {
            return Err(AuthError::Throttled {
                retry_after: crate::config::THROTTLE_WINDOW,
            });
        }
        if users::by_email(&self.db, &new_email).await?.is_some()
            || recovery.links.reserved(new_email.as_str()).await?
        {
            recovery.notices.address_in_use(new_email.as_str());
            return Ok(());
        }
        let link = recovery
            .link(
                Purpose::ConfirmEmail,
                &user.id,
                new_email.as_str(),
                Some(&user.email),
                None,
            )
            .await?;
        recovery.notices.confirm_new_address(new_email.as_str(), &link);
        Ok(())
    }

    /// Makes the new address the account's, then tells the old one, with an undo link.
    pub async fn confirm_email_change(&self, link: LinkToken, client: &ClientInfo) -> AuthResult<()> {
        let token = token(link.token)?;
        let recovery = &self.recovery;
        let opened = recovery.redeem(Purpose::ConfirmEmail, &token).await?;
        let old = opened.replaces.as_deref().unwrap_or_default();
        let still_old = users::by_id(&self.db, &opened.user_id)
            .await?
            .is_some_and(|user| user.email == old);
        // The address changed since the link was sent: it no longer says what it would undo.
        if !still_old {
            return Err(AuthError::InvalidOrExpiredLink);
        }
        // The undo link is stored first: it reserves the old address before the account
        // lets go of it, so nobody can sign up the address in between.
        let undo = recovery
            .link(
                Purpose::UndoEmail,
                &opened.user_id,
                old,
                Some(&opened.email),
                None,
            )
            .await?;
        let evict = recovery.verification_required();
        match users::take_address(&self.db, &self.profiles, &opened.user_id, &opened.email, evict).await? {
            Ok(true) => {}
            Ok(false) | Err(users::EmailTaken) => {
                recovery.links.withdraw(&undo).await?;
                return Err(AuthError::InvalidOrExpiredLink);
            }
        }
        NewEvent::new(&opened.user_id, EventKind::EmailChanged, client, None)
            .record(&self.db)
            .await?;
        recovery
            .notices
            .address_changed(old, &opened.email, &undo, client);
        tracing::info!(user = %opened.user_id, "address changed");
        Ok(())
    }

    /// Puts the old address back, ends every session of the account, cancels its links and
    /// leaves it without a password (whoever made the change may know it); the old address
    /// gets a link to set a new one. A link whose undo fails is not used up.
    pub async fn undo_email_change(&self, link: LinkToken, client: &ClientInfo) -> AuthResult<()> {
        let token = token(link.token)?;
        let recovery = &self.recovery;
        let opened = recovery.peek(Purpose::UndoEmail, &token).await?;
        let evict = recovery.verification_required();
        match users::take_address(&self.db, &self.profiles, &opened.user_id, &opened.email, evict).await? {
            Ok(true) => {}
            Ok(false) | Err(users::EmailTaken) => return Err(AuthError::InvalidOrExpiredLink),
        }
        // Two requests with one link: only one goes on.
        recovery.redeem(Purpose::UndoEmail, &token).await?;
        let ended = self
            .sessions
            .end_all_after_undo(&opened.user_id, client, opened.created_at)
            .await;
        // It has no password now (forgotten whatever the outcome, as every profile write is).
        self.profiles.forget(&opened.user_id);
        let ended = ended?;
        tracing::warn!(user = %opened.user_id, sessions_ended = ended, "address change undone");
        let reset = recovery
            .link(Purpose::ResetPassword, &opened.user_id, &opened.email, None, None)
            .await?;
        recovery.notices.set_new_password(&opened.email, &reset);
        Ok(())
    }
}
