//! The user's own data: all of it handed over in one document, or all of it deleted.

use app::contract::AccountExport;

use crate::auth::{
    Caller, ClientInfo,
    accounts::{account::event_view, events},
    service::{AuthError, AuthResult, AuthService},
};

/// Events read at a time for an export.
const PAGE: i64 = 500;

impl AuthService {
    /// Everything Latch holds of the account, as its own pages show it: the profile, live
    /// sessions, passkeys and every security event kept. No hash, key or token.
    pub async fn export(&self, caller: &Caller) -> AuthResult<AccountExport> {
        let account = self.me(caller).await?;
        let sessions = self.sessions(caller).await?;
        let passkeys = self.passkeys(caller).await?;
        let mut security_events = Vec::new();
        let mut before: Option<events::Cursor> = None;
        // A page at a time, until one comes back empty (a page may come back short when it
        // held kinds this build does not know, so a short one does not mean the end).
        loop {
            let page = events::list(&self.db, &caller.user_id, before.as_ref(), PAGE).await?;
            let Some(last) = page.last() else { break };
            before = Some(last.cursor());
            security_events.extend(page.into_iter().map(event_view));
        }
        Ok(AccountExport {
            account,
            sessions,
            passkeys,
            security_events,
            // The product's part is gathered beside Latch's (`crate::product::export`).
            product: Default::default(),
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
