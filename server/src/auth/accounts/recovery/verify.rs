//! Opening a sign-up's confirmation link: the address is confirmed and the first session opens.

use app::contract::{EventKind, LinkToken};

use super::token;
use crate::auth::{
    accounts::email::Email,
    accounts::links::Purpose,
    accounts::users,
    client::ClientInfo,
    service::{AuthError, AuthResult, AuthService, SignedIn},
    tokens::dpop::Proven,
};

impl AuthService {
    /// Uses the link, confirms the address (setting the password typed with that sign-up,
    /// cancelling the other sign-up links) and signs in, bound to the key of `device` (the
    /// request's DPoP proof) when there is one. An account confirmed meanwhile (another link, a reset) refuses the link.
    pub async fn verify_email(
        &self,
        link: LinkToken,
        client: &ClientInfo,
        device: Option<&Proven>,
    ) -> AuthResult<SignedIn> {
        let token = token(link.token)?;
        let opened = self.recovery.redeem(Purpose::VerifyEmail, &token).await?;
        if !users::confirm(
            &self.db,
            &self.profiles,
            &opened.user_id,
            opened.password_hash.as_deref(),
        )
        .await?
        {
            return Err(AuthError::InvalidOrExpiredLink);
        }
        let user = users::by_id(&self.db, &opened.user_id)
            .await?
            .ok_or(AuthError::InvalidOrExpiredLink)?;
        let email = Email::parse(&user.email).map_err(|_| AuthError::InvalidOrExpiredLink)?;
        let issued = self.start(&user, device, client, EventKind::SignedUp).await?;
        tracing::info!(user = %user.id, session = %issued.session_id, "address confirmed, signed in");
        self.signed_in_on_device(issued, &email)
    }
}
