//! Accounts as `GET /api/me` shows them, remembered for a minute so that a protected GET costs
//! no database round trip (on PostgreSQL that trip was most of the request, and what a
//! sign-in flood slowed).
//!
//! A remembered profile must never outlive a change to it:
//! - every write to what it shows (`users::confirm`, `users::take_address`, a password set,
//!   reset, emptied or removed, the account deleted) forgets the account here after it
//!   commits, and tells the other instances in the same transaction (`users::tell_others!`:
//!   PostgreSQL `NOTIFY`, followed in `broadcast.rs`), as revocations do. The purge deletes
//!   only accounts that never had a session, so never one remembered here;
//! - a read that began before a change must not store what it read once the change has been
//!   forgotten: every forget moves an epoch, and a read stores only if the epoch it started
//!   under still holds;
//! - on PostgreSQL nothing is remembered or served while this instance is not subscribed to
//!   the other instances' changes (at start-up, and whenever the listener reconnects), since
//!   a change could then go unheard. The minute bounds whatever a silent connection loss hides.

use std::{
    collections::HashMap,
    future::Future,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use app::contract::Me;

/// How long a profile is served without reading the row again.
const KEPT_FOR: Duration = Duration::from_secs(60);

/// Profiles remembered at most (~250 bytes each): beyond it, lapsed ones are dropped, and if
/// none have lapsed, all are (they are read again).
const CAPACITY: usize = 10_000;

#[derive(Clone)]
pub struct Profiles(Arc<RwLock<Remembered>>);

struct Remembered {
    by_id: HashMap<String, (Me, Instant)>,
    /// Moves at every forget: a read started under an older epoch stores nothing.
    epoch: u64,
    /// Whether every change made elsewhere reaches `forget` (always, on a single node).
    heard: bool,
    kept_for: Duration,
}

impl Profiles {
    /// `heard`: whether changes made by other instances already reach this one (a single
    /// node has none); otherwise nothing is remembered until `hear` is called.
    pub fn new(heard: bool) -> Self {
        Self::keeping_for(heard, KEPT_FOR)
    }

    fn keeping_for(heard: bool, kept_for: Duration) -> Self {
        Self(Arc::new(RwLock::new(Remembered {
            by_id: HashMap::new(),
            epoch: 0,
            heard,
            kept_for,
        })))
    }

    /// The account's profile, remembered or else read by `load` (`None`: no such account).
    pub async fn get_or_load<E, F>(&self, user_id: &str, load: F) -> Result<Option<Me>, E>
    where
        F: Future<Output = Result<Option<Me>, E>>,
    {
        let epoch = {
            let remembered = self.0.read().expect("profiles lock");
            if let Some((me, until)) = remembered.by_id.get(user_id)
                && remembered.heard
                && Instant::now() < *until
            {
                return Ok(Some(me.clone()));
            }
            remembered.epoch
        };
        let loaded = load.await?;
        if let Some(me) = &loaded {
            self.store(epoch, user_id, me);
        }
        Ok(loaded)
    }

    fn store(&self, epoch: u64, user_id: &str, me: &Me) {
        let mut remembered = self.0.write().expect("profiles lock");
        if remembered.epoch != epoch || !remembered.heard {
            return;
        }
        let now = Instant::now();
        if remembered.by_id.len() >= CAPACITY {
            remembered.by_id.retain(|_, (_, until)| *until > now);
            if remembered.by_id.len() >= CAPACITY {
                remembered.by_id.clear();
            }
        }
        let until = now + remembered.kept_for;
        remembered.by_id.insert(user_id.to_owned(), (me.clone(), until));
    }

    /// The account changed (or is gone): read it again next time.
    pub fn forget(&self, user_id: &str) {
        let mut remembered = self.0.write().expect("profiles lock");
        remembered.epoch += 1;
        remembered.by_id.remove(user_id);
    }

    /// Changes made elsewhere may go unheard from now on (`false`), or are heard again
    /// (`true`); either way what is remembered may be stale, so all of it goes.
    pub fn hear(&self, heard: bool) {
        let mut remembered = self.0.write().expect("profiles lock");
        remembered.epoch += 1;
        remembered.by_id.clear();
        remembered.heard = heard;
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use super::*;

    fn me(email: &str) -> Me {
        Me {
            id: "u1".into(),
            email: email.into(),
            email_verified: true,
            has_password: true,
            created_at: "2026-12-03T00:00:00Z".into(),
        }
    }

    async fn read(profiles: &Profiles, email: &str) -> String {
        let loaded = profiles
            .get_or_load("u1", async { Ok::<_, Infallible>(Some(me(email))) })
            .await;
        loaded.unwrap().unwrap().email
    }

    #[tokio::test]
    async fn a_profile_is_served_from_memory_until_it_is_forgotten() {
        let profiles = Profiles::new(true);
        assert_eq!(read(&profiles, "a@example.com").await, "a@example.com");
        assert_eq!(
            read(&profiles, "b@example.com").await,
            "a@example.com",
            "the second read is not a load"
        );
        profiles.forget("u1");
        assert_eq!(read(&profiles, "b@example.com").await, "b@example.com");
    }

    /// What no forget reaches (a change written into the database by hand) shows once the
    /// profile has been kept for its time.
    #[tokio::test]
    async fn a_profile_is_read_again_once_kept_for_its_time() {
        let profiles = Profiles::keeping_for(true, Duration::from_millis(50));
        read(&profiles, "a@example.com").await;
        assert_eq!(read(&profiles, "b@example.com").await, "a@example.com");
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(read(&profiles, "b@example.com").await, "b@example.com");
    }

    #[tokio::test]
    async fn a_read_that_began_before_a_change_does_not_store_what_it_read() {
        let profiles = Profiles::new(true);
        let stale = profiles.get_or_load("u1", async {
            // The change commits and is forgotten while this read is under way.
            profiles.forget("u1");
            Ok::<_, Infallible>(Some(me("old@example.com")))
        });
        assert_eq!(stale.await.unwrap().unwrap().email, "old@example.com");
        assert_eq!(read(&profiles, "new@example.com").await, "new@example.com");
    }

    #[tokio::test]
    async fn nothing_is_remembered_while_other_instances_are_not_heard() {
        let profiles = Profiles::new(false);
        read(&profiles, "a@example.com").await;
        assert_eq!(read(&profiles, "b@example.com").await, "b@example.com");
        profiles.hear(true);
        read(&profiles, "c@example.com").await;
        assert_eq!(read(&profiles, "d@example.com").await, "c@example.com");
        profiles.hear(false);
        assert_eq!(
            read(&profiles, "e@example.com").await,
            "e@example.com",
            "a lost subscription drops what was remembered"
        );
    }

    #[tokio::test]
    async fn a_missing_account_is_not_remembered_and_memory_stays_bounded() {
        let profiles = Profiles::new(true);
        let gone = profiles.get_or_load("u1", async { Ok::<_, Infallible>(None) });
        assert!(gone.await.unwrap().is_none());
        assert_eq!(read(&profiles, "a@example.com").await, "a@example.com");
        let epoch = profiles.0.read().unwrap().epoch;
        for i in 0..CAPACITY + 10 {
            profiles.store(epoch, &format!("u{i}"), &me("x@example.com"));
        }
        assert!(profiles.0.read().unwrap().by_id.len() <= CAPACITY);
    }
}
