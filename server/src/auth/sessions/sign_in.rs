//! Sign-in: checking what the user typed (or the passkey's assertion), throttling guesses,
//! deciding whether the device is new, and opening the session (also for a sign-up, in
//! `sign_up`).

use app::contract::{Credentials, EventKind};

use crate::auth::{
    accounts::email::Email,
    accounts::users,
    client::ClientInfo,
    credentials::{passkeys::Asserted, throttle::Guesser},
    service::{AuthError, AuthResult, AuthService, SignedIn},
    sessions::store::{Issued, NotStarted},
    tokens::dpop::Proven,
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
    /// Checks the password (throttled per account and per address) and opens a session,
    /// recorded (and mailed) as a sign-in from a new device unless the browser holds the
    /// account's device cookie.
    /// `device_cookie` is the browser's device cookie, if it sent one: when it was issued for
    /// this account, failures count against that browser instead of the account. The session
    /// is bound to the key of `device`, the request's DPoP proof, when there is one.
    pub async fn sign_in(
        &self,
        credentials: Credentials,
        client: &ClientInfo,
        device_cookie: Option<&str>,
        device: Option<&Proven>,
    ) -> AuthResult<SignedIn> {
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
        let known_device = email
            .as_ref()
            .zip(device_cookie)
            .and_then(|(email, cookie)| self.devices.device(cookie, email));
        let guesser = match known_device {
            Some(device) => Guesser::KnownDevice { device },
            None => Guesser::Stranger { account: &account },
        };
        // Reserved before hashing, so concurrent guesses are counted before any is checked.
        self.throttle
            .reserve_guess(guesser, &client.ip)
            .map_err(|retry_after| AuthError::Throttled { retry_after })?;

        let user = match self.check_password(&password, email.as_ref()).await {
            Ok(user) => user,
            Err(err) => {
                // Not a guess that was checked (no hashing slot, database down): no attempt.
                self.throttle.refund_guess(guesser, &client.ip);
                return Err(err);
            }
        };
        let (Some(user), Some(email)) = (user, email.as_ref()) else {
            return Err(AuthError::InvalidCredentials);
        };
        self.throttle.guess_succeeded(guesser, &client.ip);
        if user.email_verified_at.is_none() && self.recovery.verification_required() {
            return Err(AuthError::EmailNotVerified);
        }
        self.open_signed_in(&user, email, known_device.is_some(), device, client)
            .await
    }

    /// Signs in with a passkey's assertion from `ceremony`: the same session, device cookie,
    /// events and new-browser mail as a password sign-in.
    pub async fn sign_in_with_passkey(
        &self,
        ceremony: &str,
        credential: serde_json::Value,
        client: &ClientInfo,
        device_cookie: Option<&str>,
        device: Option<&Proven>,
    ) -> AuthResult<SignedIn> {
        let Asserted { user, .. } = self.check_assertion(ceremony, credential, client).await?;
        if user.email_verified_at.is_none() && self.recovery.verification_required() {
            return Err(AuthError::EmailNotVerified);
        }
        let email = Email::parse(&user.email).map_err(|_| AuthError::InvalidCredentials)?;
        let known_device = device_cookie.and_then(|cookie| self.devices.device(cookie, &email));
        self.open_signed_in(&user, &email, known_device.is_some(), device, client)
            .await
    }

    /// The session of a sign-in whose credential held, recorded (and mailed) as from a new
    /// device unless this browser holds the account's device cookie: a browser and OS look the
    /// same on every machine, and a thief's refused attempts must not make theirs known.
    async fn open_signed_in(
        &self,
        user: &users::User,
        email: &Email,
        known_device: bool,
        device: Option<&Proven>,
        client: &ClientInfo,
    ) -> AuthResult<SignedIn> {
        let event = match known_device {
            true => EventKind::SignedIn,
            false => EventKind::SignedInNewDevice,
        };
        let issued = self.start(user, device, client, event).await?;
        tracing::info!(user = %user.id, session = %issued.session_id, "signed in");
        if !known_device {
            self.recovery.notices.new_device(&user.email, client);
        }
        self.signed_in_on_device(issued, email)
    }

    /// The account, if `password` is its password. Unknown and malformed emails cost the same
    /// hashing work as a wrong password and get the same answer, so neither timing nor
    /// wording tells whether an account exists.
    async fn check_password(&self, password: &str, email: Option<&Email>) -> AuthResult<Option<users::User>> {
        if self.hasher.is_full() {
            return Err(AuthError::Busy);
        }
        let user = match email {
            Some(email) => users::by_email(&self.db, email).await?,
            None => None,
        };
        let stored_hash = user.as_ref().map(|user| user.password_hash.as_str());
        let verified = self.hasher.verify(password, stored_hash).await?;
        Ok(user.filter(|_| verified))
    }

    /// Opens the session, unless the password just checked has been changed since (a sign-in
    /// that raced a password change must not outlive it) or an operator disabled the account. The request's DPoP proof is spent
    /// first: everything else about the request has held by now.
    pub(in crate::auth) async fn start(
        &self,
        user: &users::User,
        device: Option<&Proven>,
        client: &ClientInfo,
        event: EventKind,
    ) -> AuthResult<Issued> {
        self.spend_device_proof(device).await?;
        let device_key = device.map(Proven::jkt);
        self.sessions
            .start(&user.id, &user.password_hash, device_key, client, event)
            .await?
            .map_err(|refused| match refused {
                NotStarted::PasswordChanged => AuthError::InvalidCredentials,
                NotStarted::Disabled => AuthError::AccountDisabled,
            })
    }

    /// The session, with a fresh device cookie for this browser and account.
    pub(in crate::auth) fn signed_in_on_device(&self, issued: Issued, email: &Email) -> AuthResult<SignedIn> {
        let mut signed_in = self.signed_in(issued, email.to_string())?;
        signed_in.device_cookie = Some(self.devices.issue(email));
        Ok(signed_in)
    }
}
