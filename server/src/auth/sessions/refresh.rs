//! Refresh and sign-out: what the refresh cookie can do. Rotation itself (and reuse
//! detection) is the session store's, in `store/rotate.rs`.

use app::contract::EndReason;

use crate::auth::{
    client::ClientInfo,
    service::{AuthError, AuthResult, AuthService, SessionOver, SignedIn},
    sessions::refresh_token::RefreshToken,
    sessions::store::Rejected,
    tokens::dpop::DeviceProof,
};

/// What the request's refresh cookie held.
#[derive(Debug)]
pub enum PresentedToken {
    Missing,
    /// A cookie that cannot be a token this server issued.
    Malformed,
    /// More than one cookie of that name (e.g. one tossed in by a sibling subdomain): which
    /// is ours cannot be told, so neither is used.
    Duplicated,
    Token(RefreshToken),
}

impl From<Rejected> for AuthError {
    fn from(rejected: Rejected) -> Self {
        let over = match rejected {
            Rejected::TooFrequent { retry_after } => return AuthError::Throttled { retry_after },
            Rejected::WithoutDeviceKey { why } => return AuthError::InvalidDeviceProof(why),
            Rejected::NeedsNonce => return AuthError::DpopNonceNeeded,
            Rejected::ProofMemoryFull { retry_after } => return AuthError::ProofMemoryFull { retry_after },
            Rejected::Unknown | Rejected::LapsedCookie => SessionOver::InvalidToken,
            Rejected::Reused
            | Rejected::Ended {
                reason: EndReason::RefreshTokenReuse,
            } => SessionOver::Reused,
            Rejected::Expired
            | Rejected::Ended {
                reason: EndReason::Expired,
            } => SessionOver::Expired,
            Rejected::Ended {
                reason:
                    EndReason::SignedOut
                    | EndReason::RevokedByUser
                    | EndReason::PasswordChanged
                    | EndReason::PasswordReset
                    | EndReason::EmailChangeUndone
                    | EndReason::AccountDisabled
                    | EndReason::RevokedByAdmin,
            } => SessionOver::Revoked,
        };
        AuthError::SessionOver(over)
    }
}

impl PresentedToken {
    /// The token, or why the cookie cannot be one of this server's.
    pub fn into_token(self) -> AuthResult<RefreshToken> {
        match self {
            PresentedToken::Token(token) => Ok(token),
            PresentedToken::Missing => Err(AuthError::NoRefreshToken),
            PresentedToken::Malformed => Err(AuthError::SessionOver(SessionOver::InvalidToken)),
            PresentedToken::Duplicated => Err(AuthError::DuplicatedRefreshCookie),
        }
    }
}

impl AuthService {
    /// Exchanges the refresh token for its successor and a new access token. `device` is what
    /// the request's DPoP proof showed; a bound session needs its own key.
    pub async fn refresh(
        &self,
        presented: PresentedToken,
        client: &ClientInfo,
        device: &DeviceProof,
    ) -> AuthResult<SignedIn> {
        let refreshed = self.rotate_presented(presented, client, device).await;
        let repeated = matches!(refreshed, Ok((_, true)));
        let refreshed = refreshed.map(|(signed_in, _)| signed_in);
        crate::metrics::refresh(&refreshed, repeated);
        refreshed
    }

    /// The refresh, and whether the token was the just-retired one given its successor again.
    async fn rotate_presented(
        &self,
        presented: PresentedToken,
        client: &ClientInfo,
        device: &DeviceProof,
    ) -> AuthResult<(SignedIn, bool)> {
        let token = presented.into_token()?;
        let rotated = self
            .sessions
            .rotate(&token, client, device)
            .await?
            .map_err(AuthError::from)?;
        let repeated = rotated.repeated;
        Ok((self.signed_in(rotated.issued, rotated.email)?, repeated))
    }

    /// Ends the session the refresh token belongs to, if it names one. Signing out without
    /// a (valid) cookie is not an error: the client ends up signed out either way. Two cookies
    /// are: the one that is ours could be either. A device-bound session needs its key's proof.
    pub async fn sign_out(
        &self,
        presented: PresentedToken,
        client: &ClientInfo,
        device: &DeviceProof,
    ) -> AuthResult<()> {
        if let PresentedToken::Duplicated = presented {
            return Err(AuthError::DuplicatedRefreshCookie);
        }
        if let PresentedToken::Token(token) = presented
            && let Some(session) = self
                .sessions
                .end_by_token(&token, client, device)
                .await?
                .map_err(AuthError::from)?
        {
            tracing::info!(%session, "signed out");
        }
        Ok(())
    }
}
