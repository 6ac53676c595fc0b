//! Sign-up and sign-in: checking what the user typed, throttling guesses, deciding whether
//! the device is new, and opening the session.

use std::collections::BTreeMap;

use app::contract::{Credentials, EventKind};

use super::{
    client_info::ClientInfo,
    device,
    email::Email,
    events,
    password::Password,
    service::{AuthError, AuthResult, AuthService, SignedIn},
    users,
};

/// The per-account throttle key: the address as typed (normalised when it parses), whether or
/// not an account exists, so the throttle does not reveal accounts either.
fn account_key(raw_email: &str, parsed: Option<&Email>) -> String {
    match parsed {
        Some(email) => format!("account:{email}"),
        None => format!("account:{}", raw_email.trim().to_lowercase()),
    }
}

impl AuthService {
    /// Creates an account and its first session.
    pub async fn sign_up(&self, credentials: Credentials, client: &ClientInfo) -> AuthResult<SignedIn> {
        let email = Email::parse(credentials.email.as_deref().unwrap_or_default());
        let password = Password::parse(
            credentials.password.as_deref().unwrap_or_default(),
            email.as_ref().ok(),
        );
        let (email, password) = match (email, password) {
            (Ok(email), Ok(password)) => (email, password),
            (email, password) => {
                let mut fields = BTreeMap::new();
                if let Err(problem) = email {
                    fields.insert("email".to_string(), problem.to_string());
                }
                if let Err(problem) = password {
                    fields.insert("password".to_string(), problem);
                }
                return Err(AuthError::InvalidFields(fields));
            }
        };

        let hash = self.hasher.hash(&password).await?;
        let user = users::create(&self.db, &email, hash)
            .await?
            .map_err(|users::EmailTaken| AuthError::EmailTaken)?;
        let issued = self.sessions.start(&user.id, client, EventKind::SignedUp).await?;
        tracing::info!(user = %user.id, session = %issued.session_id, "signed up");
        self.signed_in(issued, user.email)
    }

    /// Checks the password (throttled per account and per address) and opens a session,
    /// recorded as a sign-in from a new device when this browser and OS are new to the account.
    pub async fn sign_in(&self, credentials: Credentials, client: &ClientInfo) -> AuthResult<SignedIn> {
        let (Some(raw_email), Some(password)) = (credentials.email, credentials.password) else {
            let fields = [
                ("email", "Enter your email address."),
                ("password", "Enter your password."),
            ];
            return Err(AuthError::InvalidFields(
                fields
                    .into_iter()
                    .map(|(field, problem)| (field.to_string(), problem.to_string()))
                    .collect(),
            ));
        };
        let email = Email::parse(&raw_email).ok();
        let account = account_key(&raw_email, email.as_ref());
        // Reserved before hashing, so concurrent guesses are counted before any is checked.
        self.throttle
            .reserve(&account, &client.ip)
            .map_err(|retry_after| AuthError::Throttled { retry_after })?;

        // Unknown and malformed emails cost the same hashing work as a wrong password and get
        // the same answer, so neither timing nor wording tells whether an account exists.
        let user = match &email {
            Some(email) => users::by_email(&self.db, email).await?,
            None => None,
        };
        let stored_hash = user.as_ref().map(|user| user.password_hash.as_str());
        let verified = match self.hasher.verify(&password, stored_hash).await {
            Ok(verified) => verified,
            Err(err) => {
                // Not a guess that was checked: a refused or failed hash costs no attempt.
                self.throttle.refund(&account, &client.ip);
                return Err(err.into());
            }
        };
        let Some(user) = user.filter(|_| verified) else {
            return Err(AuthError::InvalidCredentials);
        };
        self.throttle.succeeded(&account, &client.ip);

        let event = self.sign_in_event(&user.id, client).await?;
        let issued = self.sessions.start(&user.id, client, event).await?;
        tracing::info!(user = %user.id, session = %issued.session_id, "signed in");
        self.signed_in(issued, user.email)
    }

    /// `SignedInNewDevice` when the account has never been used from this browser and OS
    /// (versions aside, so an update is not a new device).
    async fn sign_in_event(&self, user_id: &str, client: &ClientInfo) -> AuthResult<EventKind> {
        let family = device::family(&client.user_agent);
        let known = events::known_user_agents(&self.db, user_id).await?;
        Ok(if known.iter().any(|seen| device::family(seen) == family) {
            EventKind::SignedIn
        } else {
            EventKind::SignedInNewDevice
        })
    }
}
