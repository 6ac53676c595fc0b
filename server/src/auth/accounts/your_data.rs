//! The user's own data: all of it handed over in one document, or all of it deleted.

use app::contract::AccountExport;

use crate::auth::{
    Caller, ClientInfo,
    accounts::events,
    service::{AuthError, AuthResult, AuthService},
};

impl AuthService {
    /// Everything the account holds, as its own pages show it: the profile, live sessions,
    /// passkeys and every security event kept. No hash, key or token.
    pub async fn export(&self, caller: &Caller) -> AuthResult<AccountExport> {
        let account = self.me(caller).await?;
        let sessions = self.sessions(caller).await?;
        let passkeys = self.passkeys(caller).await?;
        let mut security_events = Vec::new();
        let mut before: Option<events::Cursor> = None;
        // A page at a time, as the security page reads them, until a short page.
        loop {
            let page = self.security_events(caller, before.as_ref()).await?;
            let last = page.len() < app::contract::EVENTS_PER_PAGE;
            before = page
                .last()
                .and_then(|event| events::Cursor::parse(&event.cursor).ok());
            security_events.extend(page);
            if last || before.is_none() {
                break;
            }
        }
        Ok(AccountExport {
            account,
            sessions,
            passkeys,
            security_events,
        })
    }

    /// Deletes the account and all it owns; every session ends at once on every instance.
    /// Needs recent authentication. The address it had is told, and is free to sign up again.
    pub async fn delete_account(&self, caller: &Caller, client: &ClientInfo) -> AuthResult<()> {
        self.require_recent_auth(caller).await?;
        let deleted = self.sessions.delete_account(&caller.user_id).await;
        // Forgotten whatever the outcome: a commit that failed may still have happened.
        self.profiles.forget(&caller.user_id);
        let email = deleted?.ok_or(AuthError::AccountGone)?;
        tracing::warn!(user = %caller.user_id, "account deleted by its owner");
        self.recovery.notices.account_deleted(&email, client);
        Ok(())
    }
}
