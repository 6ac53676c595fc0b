//! Recent authentication (step-up). A session proves a browser, not the person at it: the
//! actions that could lock the owner out or hand the account over (a new password or
//! address, a passkey added or removed, the password removed, the account deleted) also need
//! the person to have proved themselves on this session within the last five minutes (by
//! default), by signing in or by re-authenticating with the password or a passkey.

use crate::auth::{
    Caller, ClientInfo,
    accounts::users,
    service::{AuthError, AuthResult, AuthService, SessionOver},
};

impl AuthService {
    /// Ok when the caller's session proved its person recently (five minutes by default,
    /// `LATCH_RECENT_AUTH`); otherwise `ReauthenticationRequired`, before anything changed.
    pub async fn require_recent_auth(&self, caller: &Caller) -> AuthResult<()> {
        match self.sessions.recently_authenticated(&caller.session_id).await? {
            Some(true) => Ok(()),
            Some(false) => Err(AuthError::ReauthenticationRequired),
            None => Err(AuthError::SessionOver(SessionOver::Revoked)),
        }
    }

    /// `POST /api/auth/reauthenticate` with the password: on success the caller's session
    /// counts as freshly authenticated (and its next access tokens say so in `auth_time`).
    /// Wrong guesses count against the session, as the current-password checks do, so a
    /// borrowed session cannot guess faster than that and cannot lock the owner out.
    pub async fn reauthenticate_with_password(&self, caller: &Caller, password: &str) -> AuthResult<()> {
        let user = users::by_id(&self.db, &caller.user_id)
            .await?
            .ok_or(AuthError::AccountGone)?;
        match self.check_current_password(caller, &user, Some(password)).await {
            Err(AuthError::InvalidFields(_)) => return Err(AuthError::InvalidCredentials),
            checked => checked?,
        }
        self.renew_authentication(caller).await
    }

    /// `POST /api/auth/reauthenticate` with a passkey assertion (options from the sign-in
    /// ceremony): it must be one of the caller's own passkeys.
    pub async fn reauthenticate_with_passkey(
        &self,
        caller: &Caller,
        ceremony: &str,
        credential: serde_json::Value,
        client: &ClientInfo,
    ) -> AuthResult<()> {
        let asserted = self.check_assertion(ceremony, credential, client).await?;
        if asserted.user.id != caller.user_id {
            return Err(AuthError::InvalidCredentials);
        }
        self.renew_authentication(caller).await
    }

    /// Marks the caller's session as authenticated now.
    pub(in crate::auth) async fn renew_authentication(&self, caller: &Caller) -> AuthResult<()> {
        if self.sessions.renew_auth_time(&caller.session_id).await? {
            tracing::info!(user = %caller.user_id, session = %caller.session_id, "re-authenticated");
            Ok(())
        } else {
            Err(AuthError::SessionOver(SessionOver::Revoked))
        }
    }
}
