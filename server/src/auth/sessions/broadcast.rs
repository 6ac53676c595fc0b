//! What one instance tells the others sharing its PostgreSQL: a session ended (so its access
//! tokens are refused everywhere) and an account changed (so no instance serves its old
//! profile). Each is a `NOTIFY` sent inside the writing transaction, so it is delivered
//! exactly when the change commits; this module follows both channels. On SQLite the
//! processes sharing the file (a server, the admin commands) write the same notices to a table
//! in the same transaction, and a server reads them (`follow_file`).

use std::time::Duration;

use sqlx::{PgPool, SqlitePool, postgres::PgListener};

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

/// How often a server on SQLite reads the notices other processes wrote.
const FILE_POLL: Duration = Duration::from_millis(250);

/// Follows the notices written to the SQLite file (by this process too: applying one twice
/// changes nothing). Starts from the oldest kept, so a server that starts after an account
/// was deleted still refuses its tokens; notices older than `keep` (the longest an access
/// token lives) concern nothing live and are deleted.
pub fn follow_file(pool: SqlitePool, revocations: Revocations, profiles: Profiles, keep: Duration) {
    let keep_ms = i64::try_from(keep.as_millis()).unwrap_or(i64::MAX);
    tokio::spawn(async move {
        let mut seen = 0_i64;
        for round in 0_u64.. {
            if round % 240 == 1 {
                let cutoff = crate::clock::now_millis().saturating_sub(keep_ms);
                let swept = sqlx::query("DELETE FROM instance_notices WHERE at < $1")
                    .bind(cutoff)
                    .execute(&pool)
                    .await;
                if let Err(err) = swept {
                    tracing::warn!(error = %err, "old instance notices could not be deleted");
                }
            }
            let rows: Result<Vec<(i64, String, String)>, _> = sqlx::query_as(
                "SELECT id, channel, payload FROM instance_notices WHERE id > $1 ORDER BY id LIMIT 1000",
            )
            .bind(seen)
            .fetch_all(&pool)
            .await;
            match rows {
                Ok(rows) => {
                    let full = rows.len() == 1000;
                    for (id, channel, payload) in rows {
                        seen = id;
                        match channel.as_str() {
                            ACCOUNT_CHANGED => profiles.forget(&payload),
                            SESSION_ENDED => revocations.insert(&payload),
                            _ => {}
                        }
                    }
                    if full {
                        continue;
                    }
                }
                Err(err) => tracing::warn!(error = %err, "instance notices could not be read"),
            }
            tokio::time::sleep(FILE_POLL).await;
        }
    });
}
