//! Sign-up. With confirmation required (the default) it answers "check your email" for every
//! address: a new one gets a confirmation link, one that has an account gets a mail saying
//! so, and the password is hashed either way, so the answer and its timing tell nothing.

use std::collections::BTreeMap;

use app::contract::{Credentials, EventKind};

use crate::auth::{
    accounts::email::Email,
    accounts::links::Purpose,
    accounts::users,
    client::ClientInfo,
    credentials::password::Password,
    service::{AuthError, AuthResult, AuthService, SignedIn},
    tokens::dpop::Proven,
};

/// What a sign-up led to.
#[derive(Debug)]
pub enum SignUp {
    /// Confirmation is off: the account is signed in at once, its address unconfirmed.
    SignedIn(Box<SignedIn>),
    /// A mail went (or will go) to the address; nothing else is said.
    CheckYourEmail,
}

impl AuthService {
    /// Creates an account. Its first session, bound to the key of `device` (the request's DPoP
    /// proof) when there is one, opens
    /// now (confirmation off) or when the mailed link is opened.
    pub async fn sign_up(
        &self,
        credentials: Credentials,
        client: &ClientInfo,
        device: Option<&Proven>,
    ) -> AuthResult<SignUp> {
        let (email, password) = valid_credentials(&credentials)?;
        // Counted whether or not the address is taken, so sign-up cannot list accounts fast.
        self.throttle
            .reserve_sign_up(&client.ip)
            .map_err(|retry_after| AuthError::Throttled { retry_after })?;
        let hash = self.hasher.hash(&password).await.inspect_err(|_| {
            self.throttle.refund_sign_up(&client.ip);
        })?;
        if self.recovery.verification_required() {
            self.sign_up_by_mail(&email, hash, client).await?;
            return Ok(SignUp::CheckYourEmail);
        }
        let user = users::create(&self.db, &email, hash)
            .await?
            .map_err(|users::EmailTaken| AuthError::EmailTaken)?;
        let issued = self.start(&user, device, client, EventKind::SignedUp).await?;
        tracing::info!(user = %user.id, session = %issued.session_id, "signed up");
        Ok(SignUp::SignedIn(Box::new(
            self.signed_in_on_device(issued, &email)?,
        )))
    }

    /// A new address: an unconfirmed account and a link. An address with an unconfirmed
    /// account: another link, carrying this sign-up's password; the earlier links keep
    /// theirs and keep working, so a stranger's sign-up can neither void the owner's link nor
    /// choose the password it applies. A confirmed account: a mail that says so. Every mail
    /// counts towards the address's mail limit; past it the answer is the same and nothing
    /// is sent.
    async fn sign_up_by_mail(&self, email: &Email, hash: String, client: &ClientInfo) -> AuthResult<()> {
        let recovery = &self.recovery;
        if !recovery.may_mail(email) {
            return Ok(());
        }
        let user = match users::create(&self.db, email, hash.clone()).await? {
            Ok(user) => user,
            Err(users::EmailTaken) => match users::by_email(&self.db, email).await? {
                Some(user) if user.email_verified_at.is_none() => user,
                Some(_) => {
                    recovery.notices.already_signed_up(email.as_str());
                    return Ok(());
                }
                None => return Ok(()),
            },
        };
        let link = recovery
            .link(Purpose::VerifyEmail, &user.id, email.as_str(), None, Some(&hash))
            .await?;
        recovery.notices.confirm_sign_up(email.as_str(), &link, client);
        tracing::info!(user = %user.id, "sign-up waits for its address to be confirmed");
        Ok(())
    }
}

/// The address and a strong password, or every problem with them, per field.
fn valid_credentials(credentials: &Credentials) -> AuthResult<(Email, Password)> {
    let email = Email::parse(credentials.email.as_deref().unwrap_or_default());
    let password = Password::parse(
        credentials.password.as_deref().unwrap_or_default(),
        email.as_ref().ok(),
    );
    match (email, password) {
        (Ok(email), Ok(password)) => Ok((email, password)),
        (email, password) => {
            let mut fields = BTreeMap::new();
            if let Err(problem) = email {
                fields.insert("email".to_string(), problem.to_string());
            }
            if let Err(problem) = password {
                fields.insert("password".to_string(), problem);
            }
            Err(AuthError::InvalidFields(fields))
        }
    }
}
