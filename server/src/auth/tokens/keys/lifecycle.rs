//! A key's life as an operator sees it (`latch keys list|retire`): the newest signs; an older
//! one verifies what it signed until `SWITCH_TIME` plus the longest token life after it was
//! superseded, and is retired after that (it stays stored, out of the ring and the JWKS).
//! Deleting a key that may still verify a live token is refused unless forced: a leaked key is
//! the one reason to cut its tokens short.

use serde::Serialize;

use super::{KeyRing, ring::SWITCH_TIME, store::stored_keys};
use crate::{clock, with_pool};

#[derive(Debug, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum KeyState {
    Signing,
    /// Verifies tokens it signed until `until` (Unix ms).
    Verifying {
        until: i64,
    },
    Retired,
}

#[derive(Debug, Serialize)]
pub struct KeyStatus {
    pub kid: String,
    pub generation: i64,
    /// Unix ms.
    pub created_at: i64,
    #[serde(flatten)]
    pub state: KeyState,
}

/// Why a key was not deleted.
#[derive(Debug)]
pub enum NotRetired {
    NoSuchKey,
    /// It signs now: rotate first.
    Signing,
    /// It may verify a live token until then (Unix ms).
    StillVerifying {
        until: i64,
    },
}

impl KeyRing {
    /// Every stored key, newest first, with what it does now.
    pub async fn statuses(&self) -> anyhow::Result<Vec<KeyStatus>> {
        let rows = stored_keys(&self.db).await?;
        let now = clock::now_millis();
        let keep = i64::try_from((SWITCH_TIME + self.longest_token).as_millis()).unwrap_or(i64::MAX);
        let superseded = std::iter::once(None).chain(rows.iter().map(|row| Some(row.created_at)));
        Ok(rows
            .iter()
            .zip(superseded)
            .map(|(row, superseded_at)| KeyStatus {
                kid: row.kid.clone(),
                generation: row.generation,
                created_at: row.created_at,
                state: match superseded_at {
                    None => KeyState::Signing,
                    Some(at) if now < at.saturating_add(keep) => KeyState::Verifying {
                        until: at.saturating_add(keep),
                    },
                    Some(_) => KeyState::Retired,
                },
            })
            .collect())
    }

    /// Deletes the key `kid` if it no longer signs and, unless `force`, no longer verifies.
    pub async fn retire(&self, kid: &str, force: bool) -> anyhow::Result<Result<(), NotRetired>> {
        let statuses = self.statuses().await?;
        let Some(status) = statuses.iter().find(|status| status.kid == kid) else {
            return Ok(Err(NotRetired::NoSuchKey));
        };
        match status.state {
            KeyState::Signing => return Ok(Err(NotRetired::Signing)),
            KeyState::Verifying { until } if !force => {
                return Ok(Err(NotRetired::StillVerifying { until }));
            }
            KeyState::Verifying { .. } | KeyState::Retired => {}
        }
        with_pool!(&self.db, |pool| {
            sqlx::query("DELETE FROM signing_keys WHERE kid = $1")
                .bind(kid)
                .execute(pool)
                .await
                .map(drop)?
        });
        self.reload().await?;
        Ok(Ok(()))
    }
}
