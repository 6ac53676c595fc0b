//! Password policy and Argon2id hashing, run off the async runtime with bounded concurrency
//! and a bounded queue: beyond it a request is refused at once (`HashError::Busy`) rather than
//! left waiting behind a flood.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

mod argon;

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;
use zxcvbn::{Score, zxcvbn};

use super::email::Email;

pub const MIN_CHARS: usize = 10;
pub const MAX_CHARS: usize = 128;

/// A password that meets the policy, in a `secrecy` box: `Debug` cannot show it and the
/// memory is wiped when dropped.
#[derive(Debug)]
pub struct Password(SecretString);

impl Password {
    /// Length limits and a strength estimate (zxcvbn, which also penalises the email).
    pub fn parse(raw: &str, email: Option<&Email>) -> Result<Self, String> {
        let chars = raw.chars().count();
        if chars < MIN_CHARS {
            return Err(format!("Use at least {MIN_CHARS} characters."));
        }
        if chars > MAX_CHARS {
            return Err(format!("Use at most {MAX_CHARS} characters."));
        }
        if let Some(local) = email.and_then(|email| email.as_str().split('@').next()) {
            let lowered = raw.to_lowercase();
            if local.chars().count() >= 4 && (lowered.contains(local) || local.contains(&lowered)) {
                return Err("Do not build your password from your email address.".to_string());
            }
        }
        let mut user_inputs = vec!["latch"];
        let email_parts: Vec<&str> = email
            .map(|email| email.as_str().split(['@', '.']).collect())
            .unwrap_or_default();
        user_inputs.extend(email_parts.iter().copied());
        user_inputs.extend(email.map(Email::as_str));
        let estimate = zxcvbn(raw, &user_inputs);
        if estimate.score() < Score::Three {
            // zxcvbn's own words: what makes it guessable, then what would help.
            let feedback = estimate.feedback();
            let warning = feedback
                .and_then(|feedback| feedback.warning().map(|w| w.to_string()))
                .filter(|w| !w.is_empty())
                .unwrap_or_else(|| "It would be easy to guess.".to_string());
            let suggestions: Vec<String> = feedback
                .map(|feedback| feedback.suggestions().iter().map(ToString::to_string).collect())
                .unwrap_or_default();
            let suggestions = if suggestions.is_empty() {
                "Try a few unrelated words or a longer phrase.".to_string()
            } else {
                suggestions.join(" ")
            };
            return Err(format!("This password is too weak. {warning} {suggestions}"));
        }
        Ok(Self(raw.into()))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("every password-hashing slot is taken and the queue is full")]
    Busy,
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// Requests waiting for a slot, and how many may.
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
    /// Verified against when the account does not exist, so that costs the same work.
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    pub fn new(concurrency: usize, max_waiting: usize) -> anyhow::Result<Self> {
        let dummy_hash = argon::hash("dummy password for unknown accounts")?;
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            waiting: Arc::default(),
            max_waiting,
            dummy_hash: dummy_hash.into(),
        })
    }

    /// Every slot busy and the queue full: a new request would be refused. A cheap, racy
    /// look that lets a flood be turned away before any other work (`run` decides for real).
    pub fn is_full(&self) -> bool {
        self.permits.available_permits() == 0 && self.waiting.load(Ordering::Relaxed) >= self.max_waiting
    }

    pub async fn hash(&self, password: &Password) -> Result<String, HashError> {
        let password = password.0.clone();
        Ok(self.run(move || argon::hash(password.expose_secret())).await??)
    }

    /// True when `password` matches `stored`. With no stored hash (unknown account) it does
    /// the same work against a dummy hash and answers false.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, HashError> {
        let known = stored.is_some();
        let hash = stored.map_or_else(|| self.dummy_hash.to_string(), str::to_string);
        let password = password.to_string();
        let matches = self.run(move || argon::verify(&password, &hash)).await??;
        Ok(known && matches)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let _permit = match self.permits.try_acquire() {
            Ok(permit) => permit,
            Err(_) => {
                let _waiting = Waiting::enter(&self.waiting, self.max_waiting)?;
                self.permits.acquire().await.context("hasher closed")?
            }
        };
        Ok(tokio::task::spawn_blocking(|| {
            let _background = Background::enter();
            work()
        })
        .await
        .context("password hashing task failed")?)
    }
}

/// How long hashing must be quiet before its kept buffers are freed.
const BUFFERS_IDLE: Duration = Duration::from_secs(10);

/// Frees the hash buffers once hashing has been quiet for `BUFFERS_IDLE`, checking every few
/// seconds for as long as the process runs: a burst of sign-ins keeps its ~19 MiB per hashing
/// thread only while it lasts.
pub fn release_idle_buffers() {
    tokio::spawn(async {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            every.tick().await;
            argon::release_idle_buffers(BUFFERS_IDLE);
        }
    });
}

/// Hashing runs at the lowest CPU priority (nice 19), so a flood of sign-ins slows sign-ins,
/// not the token checks and refreshes every signed-in page depends on. The thread's priority
/// is put back afterwards where the OS allows it (raising it again needs CAP_SYS_NICE), since
/// tokio reuses blocking threads for other work.
struct Background;

impl Background {
    fn enter() -> Self {
        set_own_niceness(19);
        Background
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        set_own_niceness(0);
    }
}

/// Linux keeps a nice value per thread; `gettid` names this one.
fn set_own_niceness(nice: i32) {
    // SAFETY: plain system calls on the calling thread, with no pointers involved.
    unsafe {
        let _ = libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, nice);
    }
}

/// A place in the queue for a hashing slot, given back when dropped (also when the request
/// is abandoned while waiting).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn enter(count: &'a AtomicUsize, max: usize) -> Result<Self, HashError> {
        let place = Waiting(count);
        if count.fetch_add(1, Ordering::SeqCst) >= max {
            return Err(HashError::Busy);
        }
        Ok(place)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_passwords_are_refused() {
        assert!(
            Password::parse("Tr0ub4dor", None)
                .unwrap_err()
                .contains("at least 10")
        );
        assert!(
            Password::parse(&"x".repeat(MAX_CHARS + 1), None)
                .unwrap_err()
                .contains("at most")
        );
    }

    #[test]
    fn guessable_passwords_are_refused_with_what_would_help() {
        for weak in ["password123", "aaaaaaaaaaaa", "qwertyuiop", "1234567890"] {
            assert!(Password::parse(weak, None).is_err(), "{weak} was accepted");
        }
        // zxcvbn's warning and its suggestions both reach the user.
        let why = Password::parse("qwertyuiop", None).unwrap_err();
        assert!(
            why.contains("common password") && why.contains("Add another word or two"),
            "{why}"
        );
    }

    #[test]
    fn the_email_does_not_make_a_password() {
        let email = Email::parse("margaret.hamilton@example.com").unwrap();
        assert!(Password::parse("margaret.hamilton", Some(&email)).is_err());
    }

    #[test]
    fn a_strong_passphrase_is_accepted() {
        assert!(Password::parse("correct horse battery staple", None).is_ok());
    }

    #[test]
    fn hashes_use_argon2id_at_owasp_parameters() {
        let hash = argon::hash("correct horse battery staple").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(argon::verify("correct horse battery staple", &hash).unwrap());
        assert!(!argon::verify("correct horse battery stapler", &hash).unwrap());
    }

    #[tokio::test]
    async fn unknown_accounts_never_verify() {
        let hasher = PasswordHasher::new(1, 1).unwrap();
        assert!(
            !hasher
                .verify("dummy password for unknown accounts", None)
                .await
                .unwrap()
        );
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        // zxcvbn is the slow part; a hundred cases still cover lengths on both sides of the limits.
        #![proptest_config(ProptestConfig::with_cases(100))]

        #[test]
        fn any_text_is_accepted_or_refused_without_panicking(
            raw in prop_oneof![any::<String>(), "\\PC{0,140}", ".{120,140}"],
            email in proptest::option::of("[a-z.]{1,12}@[a-z]{1,8}\\.[a-z]{2,4}"),
        ) {
            let email = email.map(|email| Email::parse(&email).unwrap());
            let chars = raw.chars().count();
            match Password::parse(&raw, email.as_ref()) {
                Ok(password) => {
                    prop_assert!((MIN_CHARS..=MAX_CHARS).contains(&chars));
                    prop_assert_eq!(password.expose(), raw.as_str());
                }
                Err(message) => prop_assert!(!message.is_empty()),
            }
        }
    }
}
