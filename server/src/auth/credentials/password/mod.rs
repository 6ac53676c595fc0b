//! Password policy and Argon2id hashing, run off the async runtime on a fixed set of threads
//! with a fixed number of places: beyond them a request is refused at once
//! (`HashError::Busy`) rather than left waiting behind a flood.

use std::{sync::Arc, time::Duration};

mod argon;
mod pool;

use secrecy::{ExposeSecret, SecretString};
use zxcvbn::{Score, zxcvbn};

use crate::auth::accounts::email::Email;

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

/// How long the one spare 19 MiB block is kept after the last hash (`pool` says what is kept).
const RELEASE_AFTER: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct PasswordHasher {
    pool: pool::Pool,
    /// Verified against when the account does not exist, so that costs the same work.
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    /// `concurrency` hashing threads, and `max_waiting` hashes that may queue for one.
    pub fn new(concurrency: usize, max_waiting: usize) -> anyhow::Result<Self> {
        let dummy_hash = argon::hash(
            "dummy password for unknown accounts",
            &mut argon::Memory::default(),
        )?;
        Ok(Self {
            pool: pool::Pool::new(concurrency, max_waiting, RELEASE_AFTER)?,
            dummy_hash: dummy_hash.into(),
        })
    }

    /// Every hashing thread busy and the queue full: a new request would be refused. A cheap,
    /// racy look that lets a flood be turned away before any other work. Its caller refuses,
    /// so a true answer counts as a refused hash.
    pub fn is_full(&self) -> bool {
        let full = self.pool.is_full();
        if full {
            crate::metrics::hash_refused();
        }
        full
    }

    /// Hashes running now, and hashes waiting for a thread.
    pub fn in_hand(&self) -> (usize, usize) {
        self.pool.in_hand()
    }

    pub async fn hash(&self, password: &Password) -> Result<String, HashError> {
        let password = password.0.clone();
        Ok(self
            .pool
            .run(move |memory| argon::hash(password.expose_secret(), memory))
            .await??)
    }

    /// True when `password` matches `stored`. With no stored hash (unknown account) it does
    /// the same work against a dummy hash and answers false.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, HashError> {
        // An empty hash is an account without a password (after an undone change of
        // address): it costs the same work as an unknown one and matches nothing.
        let stored = stored.filter(|hash| !hash.is_empty());
        let known = stored.is_some();
        let hash = stored.map_or_else(|| self.dummy_hash.to_string(), str::to_string);
        let password = SecretString::from(password);
        let matches = self
            .pool
            .run(move |memory| argon::verify(password.expose_secret(), &hash, memory))
            .await??;
        Ok(known && matches)
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
        let memory = &mut argon::Memory::default();
        let hash = argon::hash("correct horse battery staple", memory).unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(argon::verify("correct horse battery staple", &hash, memory).unwrap());
        assert!(!argon::verify("correct horse battery stapler", &hash, memory).unwrap());
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
