//! Account recovery: confirming an address at sign-up, resetting a forgotten password, and
//! changing the address (confirmed at the new one, undoable from the old one). Everything that
//! mails a link answers the same whether or not the address has an account, and does its
//! account-dependent work in the background, so neither the answer nor its timing tells.

mod address;
mod reset;
mod verify;

use std::time::Duration;

use crate::auth::{
    accounts::email::Email,
    accounts::links::{Links, NewLink, Opened, Purpose},
    accounts::notices::Notices,
    credentials::throttle::{Throttle, address_key},
    service::{AuthError, AuthResult},
};
use crate::config::{EmailVerification, RecoveryConfig, THROTTLE_WINDOW};

#[derive(Clone)]
pub struct Recovery {
    pub(in crate::auth) links: Links,
    pub(in crate::auth) notices: Notices,
    config: RecoveryConfig,
    /// Mails with links per address, counted whether or not the address has an account.
    mails: Throttle,
    /// Requests that may send a mail, per client address.
    requests: Throttle,
}

impl Recovery {
    pub fn new(links: Links, notices: Notices, config: RecoveryConfig, requests_per_address: u32) -> Self {
        Self {
            links,
            notices,
            mails: Throttle::new(config.mails_per_account, THROTTLE_WINDOW),
            requests: Throttle::new(requests_per_address, THROTTLE_WINDOW),
            config,
        }
    }

    /// Whether a new account must confirm its address before it can be used.
    pub fn verification_required(&self) -> bool {
        self.config.email_verification == EmailVerification::Required
    }

    fn ttl(&self, purpose: Purpose) -> Duration {
        Duration::from_secs(match purpose {
            Purpose::VerifyEmail => self.config.verify_link_ttl,
            Purpose::ResetPassword => self.config.reset_link_ttl,
            Purpose::ConfirmEmail => self.config.email_change_link_ttl,
            Purpose::UndoEmail => self.config.email_undo_link_ttl,
        })
    }

    /// Counts a request that may send a mail from this client; `Err` (429) past the limit.
    fn count_request(&self, ip: &str) -> AuthResult<()> {
        self.requests
            .reserve(&address_key(ip))
            .map_err(|retry_after| AuthError::Throttled { retry_after })
    }

    /// Whether one more link may be mailed to `email` now.
    pub(in crate::auth) fn may_mail(&self, email: &Email) -> bool {
        self.mails.reserve(&format!("mail:{email}")).is_ok()
    }

    /// Stores a link and returns its URL.
    pub(in crate::auth) async fn link(
        &self,
        purpose: Purpose,
        user_id: &str,
        email: &str,
        replaces: Option<&str>,
        password_hash: Option<&str>,
    ) -> Result<String, sqlx::Error> {
        let ttl = self.ttl(purpose);
        let link = NewLink {
            purpose,
            user_id,
            email,
            replaces,
            password_hash,
            ttl,
        };
        self.links.issue(link).await
    }

    /// Uses up the live link of `purpose` that `token` opens; anything else is an invalid link.
    async fn redeem(&self, purpose: Purpose, token: &str) -> AuthResult<Opened> {
        self.links
            .redeem(purpose, token)
            .await?
            .ok_or(AuthError::InvalidOrExpiredLink)
    }

    /// The live link of `purpose` that `token` opens, left unused.
    async fn peek(&self, purpose: Purpose, token: &str) -> AuthResult<Opened> {
        self.links
            .peek(purpose, token)
            .await?
            .ok_or(AuthError::InvalidOrExpiredLink)
    }
}

/// The token of a link as the request sent it; anything unusable is an invalid link.
fn token(raw: Option<String>) -> AuthResult<String> {
    raw.filter(|token| !token.is_empty())
        .ok_or(AuthError::InvalidOrExpiredLink)
}
