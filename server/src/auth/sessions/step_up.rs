//! Recent authentication (step-up). A session proves a browser, not the person at it: the
//! actions that could lock the owner out or hand the account over (a new password or
//! address, a passkey added or removed, the password removed, the account deleted) also need
//! the person to have proved themselves on this session within the last five minutes (by
//! default), by signing in or by re-authenticating. Re-authentication is throttled exactly
//! like a sign-in, so a borrowed session cannot be used to guess the password faster.

use crate::auth::{
    Caller, ClientInfo,
    accounts::{email::Email, users},
    credentials::throttle::Guesser,
    service::{AuthError, AuthResult, AuthService, SessionOver},
    sessions::sign_in::account_key,
};

impl AuthService {
    /// Ok when the caller's session proved its person recently (five minutes by default,
    /// `LATCH_RECENT_AUTH`); otherwise `ReauthenticationRequired`, before anything changed.
    pub(in crate::auth) async fn require_recent_auth(&self, caller: &Caller) -> AuthResult<()> {
        match self.sessions.recently_authenticated(&caller.session_id).await? {
            Some(true) => Ok(()),
            Some(false) => Err(AuthError::ReauthenticationRequired),
            None => Err(AuthError::SessionOver(SessionOver::Revoked)),
        }
    }

    /// `POST /api/auth/reauthenticate` with the password: on success the caller's session
    /// counts as freshly authenticated (and its next access tokens say so in `auth_time`).
    pub async fn reauthenticate_with_password(
        &self,
        caller: &Caller,
        password: &str,
        client: &ClientInfo,
    ) -> AuthResult<()> {
        let user = users::by_id(&self.db, &caller.user_id)
            .await?
            .ok_or(AuthError::AccountGone)?;
        let email = Email::parse(&user.email).ok();
        let account = account_key(&user.email, email.as_ref());
        let guesser = Guesser::Stranger { account: &account };
        self.throttle
            .reserve_guess(guesser, &client.ip)
            .map_err(|retry_after| AuthError::Throttled { retry_after })?;
        if self.hasher.is_full() {
            self.throttle.refund_guess(guesser, &client.ip);
            return Err(AuthError::Busy);
        }
        match self.hasher.verify(password, Some(&user.password_hash)).await {
            Ok(true) => self.throttle.guess_succeeded(guesser, &client.ip),
            Ok(false) => return Err(AuthError::InvalidCredentials),
            Err(err) => {
                self.throttle.refund_guess(guesser, &client.ip);
                return Err(err.into());
            }
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
