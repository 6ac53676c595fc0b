//! What a signed-in user can do with their own account: see it, change the password, see
//! what happened to it, and look after the devices signed in to it.

use app::contract::{Binding, EVENTS_PER_PAGE, Me, PartyView, PasswordChange, SecurityEventView, SessionView};

use crate::auth::{
    accounts::email::Email,
    accounts::events,
    accounts::users,
    client::ClientInfo,
    client::user_agent,
    credentials::password::Password,
    service::{AuthError, AuthResult, AuthService},
};
use crate::clock;

/// The caller, as proven by a valid access token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: String,
    pub session_id: String,
    /// When the token that proved it expires (Unix seconds).
    pub token_expires_at: u64,
    /// Whether that token is bound to a device key (`cnf.jkt`).
    pub device_bound: bool,
}

impl AuthService {
    /// The caller's account, served from memory while it is unchanged (`profiles.rs`).
    pub async fn me(&self, caller: &Caller) -> AuthResult<Me> {
        let read = async {
            let user = users::by_id(&self.db, &caller.user_id).await?;
            Ok::<_, sqlx::Error>(user.map(|user| Me {
                id: user.id,
                email: user.email,
                email_verified: user.email_verified_at.is_some(),
                has_password: !user.password_hash.is_empty(),
                created_at: clock::rfc3339(user.created_at),
            }))
        };
        let me = self.profiles.get_or_load(&caller.user_id, read).await?;
        me.ok_or(AuthError::AccountGone)
    }

    /// Needs recent authentication. Checks the current password, then stores the new one and signs out every other
    /// session, in one transaction, and tells the address.
    pub async fn change_password(
        &self,
        caller: &Caller,
        change: PasswordChange,
        client: &ClientInfo,
    ) -> AuthResult<()> {
        self.require_recent_auth(caller).await?;
        let user = users::by_id(&self.db, &caller.user_id)
            .await?
            .ok_or(AuthError::AccountGone)?;
        let current = change.current_password.unwrap_or_default();
        self.check_current_password(caller, &user, Some(&current)).await?;
        let email = Email::parse(&user.email).ok();
        let new_password =
            Password::parse(change.new_password.as_deref().unwrap_or_default(), email.as_ref())
                .map_err(|problem| field("new_password", problem))?;
        if new_password.expose() == current {
            return Err(field(
                "new_password",
                "Choose a password different from the current one.",
            ));
        }
        let hash = self.hasher.hash(&new_password).await?;
        let ended = self
            .sessions
            .change_password(&caller.user_id, &caller.session_id, client, &hash)
            .await?;
        tracing::info!(user = %caller.user_id, other_sessions_ended = ended, "password changed");
        self.recovery.notices.password_changed(&user.email, client, false);
        Ok(())
    }

    /// Checks the caller's current password. Guesses are limited per session, not by the
    /// account's sign-in lock: strangers failing to sign in must not stop the owner.
    pub(in crate::auth) async fn check_current_password(
        &self,
        caller: &Caller,
        user: &users::User,
        current: Option<&str>,
    ) -> AuthResult<()> {
        let session_key = format!("session:{}", caller.session_id);
        self.throttle
            .per_session
            .reserve(&session_key)
            .map_err(|retry_after| AuthError::Throttled { retry_after })?;
        let verified = self
            .hasher
            .verify(current.unwrap_or_default(), Some(&user.password_hash))
            .await;
        if verified.is_err() {
            self.throttle.per_session.release(&session_key);
        }
        if !verified? {
            return Err(field("current_password", "This is not your current password."));
        }
        self.throttle.per_session.clear(&session_key);
        Ok(())
    }

    /// A page of the account's security events, newest first: the newest, or those just
    /// older than `before`.
    pub async fn security_events(
        &self,
        caller: &Caller,
        before: Option<&events::Cursor>,
    ) -> AuthResult<Vec<SecurityEventView>> {
        let page = EVENTS_PER_PAGE as i64;
        let events = events::list(&self.db, &caller.user_id, before, page).await?;
        Ok(events.into_iter().map(event_view).collect())
    }

    /// Every live session of the account, the caller's own marked `current`.
    pub async fn sessions(&self, caller: &Caller) -> AuthResult<Vec<SessionView>> {
        let sessions = self.sessions.list_active(&caller.user_id).await?;
        Ok(sessions
            .into_iter()
            .map(|session| SessionView {
                current: session.id == caller.session_id,
                device: user_agent::describe(&session.user_agent),
                created_at: clock::rfc3339(session.created_at),
                last_used_at: clock::rfc3339(session.last_used_at),
                device_bound: session.dpop_jkt.is_some(),
                binding: match (&session.dpop_jkt, &session.dbsc_key) {
                    (Some(_), Some(_)) => Binding::DbscDpop,
                    (Some(_), None) => Binding::Dpop,
                    (None, _) => Binding::None,
                },
                id: session.id,
                user_agent: session.user_agent,
                ip: session.ip,
            })
            .collect())
    }

    /// Signs out one of the caller's sessions. Another user's session, an unknown id and an
    /// ended session all answer `SessionNotFound`, so nobody can probe for them.
    pub async fn revoke_session(
        &self,
        caller: &Caller,
        session_id: &str,
        client: &ClientInfo,
    ) -> AuthResult<()> {
        // Session ids are UUIDs; anything else names no session (and a NUL byte, which
        // PostgreSQL text cannot hold, never reaches the database).
        if uuid::Uuid::parse_str(session_id).is_err() {
            return Err(AuthError::SessionNotFound);
        }
        if self.sessions.revoke(&caller.user_id, session_id, client).await? {
            Ok(())
        } else {
            Err(AuthError::SessionNotFound)
        }
    }

    /// Signs out every session of the account but the caller's.
    pub async fn revoke_other_sessions(&self, caller: &Caller, client: &ClientInfo) -> AuthResult<()> {
        self.sessions
            .revoke_others(&caller.user_id, &caller.session_id, client)
            .await?;
        Ok(())
    }
}

/// A refusal of one field, in the user's words.
pub(in crate::auth) fn field(name: &str, problem: impl Into<String>) -> AuthError {
    AuthError::InvalidFields([(name.to_string(), problem.into())].into())
}

/// An event as the account's pages (and its export) show it.
pub(super) fn event_view(event: events::Event) -> SecurityEventView {
    SecurityEventView {
        cursor: event.cursor().encode(),
        count: u64::try_from(event.count).unwrap_or(1),
        kind: event.kind,
        at: clock::rfc3339(event.at),
        device: user_agent::describe(&event.user_agent),
        ip: event.ip,
        user_agent: event.user_agent,
        session_id: event.session_id,
        last_refreshed_by: event.last_refreshed_by.map(|party| PartyView {
            device: user_agent::describe(&party.user_agent),
            ip: party.ip,
            user_agent: party.user_agent,
        }),
    }
}
