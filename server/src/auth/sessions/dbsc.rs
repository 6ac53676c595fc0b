//! Device Bound Session Credentials for a session (`auth::tokens::dbsc` has the wire and the
//! checks): registering the browser's hardware key, and renewing the refresh cookie with it.
//!
//! A renewal is answered with a challenge until the browser signs a fresh one with the
//! session's key; a stale challenge, or a signature by another key, earns another challenge
//! and never ends the session (a second tab, a slow browser, a thief: the owner keeps going).
//! Each renewal starts a new stretch of the cookie and rotates its token: the one the browser
//! holds (the same successor a concurrent refresh would get), or, once its cookie lapsed, a
//! fresh one, retiring the old so a copy of it is refused.

use app::contract::EventKind;

use crate::{
    auth::{
        accounts::events::NewEvent,
        client::ClientInfo,
        service::{AuthError, AuthResult, AuthService, SessionOver},
        sessions::{refresh::PresentedToken, refresh_token::RefreshToken, store::Rejected},
        tokens::{
            dbsc::{Checked, Purpose, SessionKey, response},
            dpop::DeviceProof,
        },
    },
    clock,
};

/// A registered key: the session, and its cookie again, for the first stretch.
pub struct DbscBound {
    pub session_id: String,
    pub token: RefreshToken,
    /// When the cookie stops working (Unix ms).
    pub cookie_expires_at: i64,
}

pub enum Renewal {
    /// Sign this (`Secure-Session-Challenge`) and ask again.
    Challenge { session_id: String, challenge: String },
    Renewed {
        token: RefreshToken,
        cookie_expires_at: i64,
    },
    /// No such live, bound session: the browser should stop renewing it.
    Ended { session_id: String },
}

impl AuthService {
    /// Binds the session of the refresh cookie `presented` (its current token) to the key in
    /// `response`, which must sign a fresh registration challenge for that session.
    pub async fn register_dbsc(
        &self,
        presented: PresentedToken,
        response: Option<&str>,
    ) -> AuthResult<DbscBound> {
        if !self.dbsc.offer {
            return Err(AuthError::SessionNotFound);
        }
        let token = presented.into_token()?;
        let holder = self
            .sessions
            .current_holder(&token)
            .await?
            .ok_or(AuthError::SessionOver(SessionOver::InvalidToken))?;
        let response = response.ok_or(AuthError::InvalidDbscResponse(
            "Send the Secure-Session-Response header.",
        ))?;
        let (key, challenge) = response::open_registration(response)
            .map_err(|refused| AuthError::InvalidDbscResponse(refused.0))?;
        let checked = self.dbsc.challenges.check(
            Purpose::Registration,
            &holder.session_id,
            &challenge,
            clock::now_secs(),
        );
        if !matches!(checked, Checked::Fresh { .. }) {
            return Err(AuthError::InvalidDbscResponse(
                "The registration signs no fresh challenge of this session.",
            ));
        }
        let until = self.dbsc.stretch_end();
        if !self
            .sessions
            .bind_dbsc(&holder.session_id, &key.stored(), until)
            .await?
        {
            return Err(AuthError::InvalidDbscResponse(
                "This session has registered its key already.",
            ));
        }
        tracing::info!(session = %holder.session_id, alg = key.alg(), "session bound to a DBSC key");
        Ok(DbscBound {
            cookie_expires_at: until.min(holder.expires_at),
            session_id: holder.session_id,
            token,
        })
    }

    /// A renewal of the session `session_id` (`Sec-Secure-Session-Id`), signed in `response`
    /// if the browser had a challenge; `presented` is its refresh cookie, if it still has one.
    pub async fn renew_dbsc(
        &self,
        session_id: &str,
        response: Option<&str>,
        presented: PresentedToken,
        client: &ClientInfo,
    ) -> AuthResult<Renewal> {
        let session = self.sessions.dbsc_session(session_id).await?;
        let Some((user_id, key)) = session
            .filter(|session| session.live)
            .and_then(|session| Some((session.user_id, SessionKey::from_stored(session.key.as_deref()?)?)))
        else {
            return Ok(Renewal::Ended {
                session_id: session_id.to_string(),
            });
        };
        let challenge = || Renewal::Challenge {
            session_id: session_id.to_string(),
            challenge: self
                .dbsc
                .challenges
                .issue(Purpose::Renewal, session_id, clock::now_secs()),
        };
        let Some(response) = response else {
            return Ok(challenge());
        };
        let signed = match response::open_renewal(response, &key) {
            Ok(signed) => signed,
            Err(refused) => {
                tracing::warn!(session = %session_id, why = refused.0, "a DBSC renewal without the session's key refused");
                self.record_blocked_renewal(&user_id, session_id, client).await?;
                return Ok(challenge());
            }
        };
        let issued =
            match self
                .dbsc
                .challenges
                .check(Purpose::Renewal, session_id, &signed, clock::now_secs())
            {
                Checked::Fresh { issued } => issued,
                Checked::Stale | Checked::Invalid => return Ok(challenge()),
            };
        // Claimed before anything changes: two renewals that signed one challenge (a replay)
        // cannot both pass.
        let until = self.dbsc.stretch_end();
        if !self.sessions.extend_dbsc(session_id, until, issued).await? {
            tracing::warn!(session = %session_id, "a replayed DBSC renewal refused");
            self.record_blocked_renewal(&user_id, session_id, client).await?;
            return Ok(challenge());
        }
        let hardware = DeviceProof::Hardware {
            session: session_id.to_string(),
        };
        let rotated = match presented {
            PresentedToken::Token(token) => match self.sessions.rotate(&token, client, &hardware).await? {
                Ok(rotated) => Some(rotated),
                // The browser's cookie is current, but the session refreshes too often: a fresh
                // token now would leave a refresh holding that cookie looking like a copy.
                // Chrome retries a 503 later.
                Err(Rejected::TooFrequent { .. }) => return Err(AuthError::Busy),
                // Not this session's current token (another's, retired, garbage): a fresh one.
                Err(_) => None,
            },
            _ => None,
        };
        let (token, expires_at) = match rotated {
            Some(rotated) => (rotated.issued.token, rotated.issued.expires_at),
            None => match self.sessions.reissue(session_id, client).await? {
                Some(reissued) => reissued,
                None => {
                    return Ok(Renewal::Ended {
                        session_id: session_id.to_string(),
                    });
                }
            },
        };
        Ok(Renewal::Renewed {
            token,
            cookie_expires_at: until.min(expires_at),
        })
    }

    async fn record_blocked_renewal(
        &self,
        user_id: &str,
        session_id: &str,
        client: &ClientInfo,
    ) -> AuthResult<()> {
        let event = NewEvent::new(
            user_id,
            EventKind::RefreshWithoutDeviceKey,
            client,
            Some(session_id),
        );
        self.sessions.record_blocked(session_id, event).await?;
        Ok(())
    }
}
