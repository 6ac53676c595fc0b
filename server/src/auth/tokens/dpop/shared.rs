//! The proofs spent at every instance, in PostgreSQL's `dpop_proofs`, so a proof replayed at
//! another instance is caught there too. Every bound request spends one, so one statement a
//! request (and one commit, with its WAL flush) was most of a bound request's cost on
//! PostgreSQL. Requests that arrive together now share one: a writer task takes everything
//! that queued up while its previous statement ran. Alone, a request waits for one statement,
//! as before.

use std::{collections::HashSet, sync::OnceLock};

use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};

/// Proofs written by one statement at most.
const BATCH: usize = 512;
/// Requests waiting for the writer at most; more wait to be queued (backpressure, not refusal).
const QUEUE: usize = 4096;

struct Spend {
    id: [u8; 16],
    expires_at: i64,
    /// Whether the row was new: the proof had not been spent at any instance.
    answer: oneshot::Sender<Result<bool, sqlx::Error>>,
}

pub struct Shared {
    pool: PgPool,
    /// Started at the first spend, inside the runtime that serves requests.
    writer: OnceLock<mpsc::Sender<Spend>>,
}

impl Shared {
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            writer: OnceLock::new(),
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Records proof `id` as spent until `expires_at`; `true` if no instance had spent it.
    pub async fn spend(&self, id: [u8; 16], expires_at: i64) -> Result<bool, sqlx::Error> {
        let writer = self.writer.get_or_init(|| {
            let (queue, waiting) = mpsc::channel(QUEUE);
            tokio::spawn(write(self.pool.clone(), waiting));
            queue
        });
        let (answer, answered) = oneshot::channel();
        let spend = Spend {
            id,
            expires_at,
            answer,
        };
        writer.send(spend).await.map_err(|_| sqlx::Error::PoolClosed)?;
        answered.await.map_err(|_| sqlx::Error::PoolClosed)?
    }
}

/// The writer: one statement at a time, each for everything queued.
async fn write(pool: PgPool, mut waiting: mpsc::Receiver<Spend>) {
    let mut batch = Vec::with_capacity(BATCH);
    while waiting.recv_many(&mut batch, BATCH).await > 0 {
        let ids: Vec<Vec<u8>> = batch.iter().map(|spend| spend.id.to_vec()).collect();
        // One expiry for the batch: the latest asked, so no proof lapses early.
        let expires_at = batch
            .iter()
            .map(|spend| spend.expires_at)
            .max()
            .unwrap_or_default();
        let inserted = sqlx::query_scalar::<_, Vec<u8>>(
            "INSERT INTO dpop_proofs (id, expires_at) SELECT id, $2 FROM UNNEST($1::bytea[]) AS t(id) \
             ON CONFLICT (id) DO NOTHING RETURNING id",
        )
        .bind(&ids)
        .bind(expires_at)
        .fetch_all(&pool)
        .await;
        answer(batch.drain(..), inserted);
    }
}

fn answer(batch: impl Iterator<Item = Spend>, inserted: Result<Vec<Vec<u8>>, sqlx::Error>) {
    match inserted {
        Ok(rows) => {
            let mut new: HashSet<Vec<u8>> = rows.into_iter().collect();
            for spend in batch {
                // The same proof twice in one batch: the first is the one spent.
                let _ = spend.answer.send(Ok(new.remove(&spend.id[..])));
            }
        }
        Err(err) => {
            // Every request of the batch fails as the statement did; the error is told once
            // in full (to the first), the others get one classified alike (`Unavailable::of`).
            let retry = crate::db::Unavailable::of(&err).is_some();
            let mut first = Some(err);
            for spend in batch {
                let err = first.take().unwrap_or_else(|| match retry {
                    true => sqlx::Error::PoolTimedOut,
                    false => sqlx::Error::Protocol("recording a DPoP proof failed".into()),
                });
                let _ = spend.answer.send(Err(err));
            }
        }
    }
}
