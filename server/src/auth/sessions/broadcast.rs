//! What one instance tells the others sharing its PostgreSQL: a session ended (so its access
//! tokens are refused everywhere) and an account changed (so no instance serves its old
//! profile). Each is a `NOTIFY` sent inside the writing transaction, so it is delivered
//! exactly when the change commits; this module follows both channels. The single-node SQLite
//! setup needs none of it.

use std::time::Duration;

use sqlx::{PgPool, postgres::PgListener};

use crate::auth::{accounts::profiles::Profiles, sessions::revocations::Revocations};
use crate::db::Db;

/// Payload: the ended session's id.
pub const SESSION_ENDED: &str = "latch_session_revoked";
/// Payload: the changed (or deleted) account's id.
pub const ACCOUNT_CHANGED: &str = "latch_user_changed";

/// Follows the other instances for as long as the process runs. A lost subscription is
/// renewed at once; one that cannot be made (the database away) is retried every second.
pub fn follow(pool: PgPool, revocations: Revocations, profiles: Profiles) {
    tokio::spawn(async move {
        loop {
            let outcome = listen(&pool, &revocations, &profiles).await;
            profiles.hear(false);
            match outcome {
                Ok(lost) => {
                    let error = lost.map_or_else(|| "closed".to_string(), |err| err.to_string());
                    tracing::warn!(%error, "instance listener lost its connection; resubscribing");
                }
                Err(err) => {
                    tracing::warn!(error = %err, "instance listener cannot subscribe; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
}

/// Subscribes, *then* catches up on what changed while not subscribed (the other order would
/// lose a change made in between): recent revocations are reloaded, and profiles start being
/// remembered afresh. Then follows notifications until the connection is lost, returning why
/// (`None`: closed). `Err` when it could not subscribe or catch up.
async fn listen(
    pool: &PgPool,
    revocations: &Revocations,
    profiles: &Profiles,
) -> Result<Option<sqlx::Error>, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    // sqlx would reconnect by itself and report the gap as `None`; a fresh listener per
    // subscription keeps "subscribe, then catch up" in one place.
    listener.eager_reconnect(false);
    listener.listen_all([SESSION_ENDED, ACCOUNT_CHANGED]).await?;
    revocations.load(&Db::Postgres(pool.clone())).await?;
    profiles.hear(true);
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) if notification.channel() == ACCOUNT_CHANGED => {
                profiles.forget(notification.payload());
            }
            Ok(Some(notification)) => revocations.insert(notification.payload()),
            Ok(None) => return Ok(None),
            Err(err) => return Ok(Some(err)),
        }
    }
}
