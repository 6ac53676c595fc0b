//! The mails Latch sends: links (confirm an address, reset a password, confirm or undo a
//! change of address) and security notices (a new device, a password changed, a stolen
//! session, a blocked attempt). Each says what happened, when, from which browser and
//! address, and what to do. Mail goes out in the background: a request never waits on the
//! relay, so a request that sends a mail takes as long as one that does not.

use tokio_util::task::TaskTracker;

use crate::auth::{accounts::email::Email, client::ClientInfo, client::user_agent};
use crate::{
    clock,
    mail::{Mail, Mailer},
};

#[derive(Clone)]
pub struct Notices {
    mailer: Mailer,
    /// The mails on their way, for a process that must not exit before they are sent.
    sending: TaskTracker,
    /// The public origin, for the "sign in" and "security page" links.
    origin: String,
}

/// Where a notice says something happened.
struct Where<'a>(&'a ClientInfo);

impl std::fmt::Display for Where<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let now = clock::rfc3339(clock::now_millis());
        let when = now.get(..16).unwrap_or(&now).replace('T', " ");
        write!(
            f,
            "When: {when} UTC\nBrowser: {}\nAddress: {}",
            user_agent::describe(&self.0.user_agent),
            self.0.ip
        )
    }
}

impl Notices {
    pub fn new(mailer: Mailer, origin: String) -> Self {
        Self {
            mailer,
            origin,
            sending: TaskTracker::new(),
        }
    }

    /// Waits until every mail handed over so far is sent (or failed): the admin commands
    /// call it before they exit, and a stopping server before it closes the database.
    pub async fn all_sent(&self) {
        self.sending.close();
        self.sending.wait().await;
        self.sending.reopen();
    }

    /// Runs `work` (which ends in a mail) in the background, counted among the mails in hand,
    /// so a stopping server waits for it too.
    pub fn in_background(&self, work: impl Future<Output = ()> + Send + 'static) {
        self.sending.spawn(work);
    }

    /// Hands the mail to the relay (or outbox) in the background. A failure is logged without
    /// the body, which may hold a link.
    fn send(&self, to: &str, subject: &str, text: String) {
        let Ok(to) = Email::parse(to) else {
            tracing::warn!("an account address could not be mailed");
            return;
        };
        let mailer = self.mailer.clone();
        let mail = Mail {
            to,
            subject: subject.to_string(),
            text: format!("{text}\n\n-- \nLatch, {}\n", self.origin),
        };
        self.sending.spawn(async move {
            match mailer.send(mail).await {
                Ok(()) => crate::metrics::mail("sent"),
                Err(err) => {
                    crate::metrics::mail("failed");
                    tracing::warn!(error = %err, "a mail could not be sent");
                }
            }
        });
    }

    /// Each sign-up's link sets the password typed with that sign-up, so the mail says where
    /// it came from: an owner who finds two can tell theirs from a stranger's.
    pub fn confirm_sign_up(&self, to: &str, link: &str, client: &ClientInfo) {
        let text = format!(
            "Someone (we hope you) signed up for Latch with this address.\n\n{}\n\n\
             Open this link to confirm it and sign in with the password chosen at that \
             sign-up:\n{link}\n\n\
             The link works once. If you did not sign up from there, ignore this mail: \
             nothing happens without the link.",
            Where(client)
        );
        self.send(to, "Confirm your email address", text);
    }

    pub fn already_signed_up(&self, to: &str) {
        let text = format!(
            "Someone (we hope you) tried to sign up for Latch with this address, but it already \
             has an account.\n\n\
             Sign in: {origin}/login\n\
             Forgot your password? Reset it: {origin}/forgot-password\n\n\
             If it was not you, you need do nothing: your account is unchanged.",
            origin = self.origin
        );
        self.send(to, "You already have a Latch account", text);
    }

    pub fn reset_password(&self, to: &str, link: &str, client: &ClientInfo) {
        let text = format!(
            "Someone (we hope you) asked to reset the password of your Latch account.\n\n{}\n\n\
             Open this link to choose a new password:\n{link}\n\n\
             The link works once and only for a short time; a newer request replaces it. \
             Setting a new password signs out every device. If you did not ask, ignore this \
             mail: your password stays as it is.",
            Where(client)
        );
        self.send(to, "Reset your password", text);
    }

    pub fn confirm_new_address(&self, to: &str, link: &str) {
        let text = format!(
            "Someone (we hope you) asked to use this address for their Latch account.\n\n\
             Open this link to confirm the change:\n{link}\n\n\
             If you did not ask, ignore this mail: nothing changes without the link."
        );
        self.send(to, "Confirm your new email address", text);
    }

    pub fn address_in_use(&self, to: &str) {
        let text = format!(
            "Someone asked to move a Latch account to this address, but this address already \
             has an account of its own, so nothing was changed.\n\n\
             Sign in: {}/login",
            self.origin
        );
        self.send(to, "Your address already has a Latch account", text);
    }

    pub fn address_changed(&self, to: &str, new_address: &str, undo_link: &str, client: &ClientInfo) {
        let text = format!(
            "The email address of your Latch account was changed to {new_address}.\n\n{}\n\n\
             If this was not you, open this link to undo the change: every device is signed \
             out, every pending link is cancelled, and we mail you a link to set a new \
             password:\n{undo_link}\n\n\
             The link works once, for a limited time.",
            Where(client)
        );
        self.send(to, "Your email address was changed", text);
    }

    /// After an undo the account has no password (whoever moved it may know the old one).
    pub fn set_new_password(&self, to: &str, link: &str) {
        let text = format!(
            "The change of your Latch account's address was undone: this address is the \
             account's again, every device was signed out and the password was removed, in \
             case whoever changed the address knew it.\n\n\
             Open this link to set a new password:\n{link}\n\n\
             The link works once and only for a short time. If it lapses, ask for a new one at \
             {}/forgot-password.",
            self.origin
        );
        self.send(to, "Set a new password", text);
    }

    pub fn password_changed(&self, to: &str, client: &ClientInfo, by_reset: bool) {
        let how = if by_reset {
            "was reset from a link sent to this address. Every device was signed out"
        } else {
            "was changed. Every other device was signed out"
        };
        let text = format!(
            "The password of your Latch account {how}.\n\n{}\n\n\
             If this was not you, reset your password now: {}/forgot-password",
            Where(client),
            self.origin
        );
        self.send(to, "Your password was changed", text);
    }

    pub fn recovered_with_passkey(&self, to: &str, client: &ClientInfo) {
        let text = format!(
            "Your Latch account was recovered from a link sent to this address: a new passkey \
             replaced its password and every other passkey, and every device was signed out.\n\n\
             {}\n\nIf this was not you, reset your password now: {}/forgot-password",
            Where(client),
            self.origin
        );
        self.send(to, "A passkey replaced your password", text);
    }

    /// A passkey added or removed, or the password removed: `what` says which.
    pub fn credentials_changed(&self, to: &str, client: &ClientInfo, what: &str) {
        let text = format!(
            "{what}.\n\n{}\n\n\
             If this wasn't you, someone is signed in to your account: sign out every device and \
             look at your passkeys: {origin}/account/passkeys",
            Where(client),
            origin = self.origin
        );
        self.send(to, what, text);
    }

    pub fn new_device(&self, to: &str, client: &ClientInfo) {
        let text = format!(
            "Your Latch account was signed in to from a browser it had not been used from \
             before.\n\n{}\n\n\
             If this was you, there is nothing to do. If not, sign out that device on your \
             sessions page ({origin}/account/sessions) and change your password.",
            Where(client),
            origin = self.origin
        );
        self.send(to, "New sign-in to your Latch account", text);
    }

    pub fn stolen_session(&self, to: &str, client: &ClientInfo) {
        let text = format!(
            "A session of your Latch account was used from two places at once: a copy of its \
             sign-in cookie was presented after the browser had moved on. We signed that \
             session out, so the copy no longer works.\n\n{}\n\n\
             Check your security page ({origin}/account/security). If a device there is not \
             yours, sign out everywhere and change your password.",
            Where(client),
            origin = self.origin
        );
        self.send(to, "We signed out a session that looked stolen", text);
    }

    pub fn blocked_attempt(&self, to: &str, client: &ClientInfo) {
        let text = format!(
            "Someone presented the sign-in cookie of one of your sessions without the key that \
             only your browser holds. The attempt was refused and nothing changed.\n\n{}\n\n\
             The cookie was copied from one of your devices. Check your security page \
             ({origin}/account/security) and consider signing out everywhere.",
            Where(client),
            origin = self.origin
        );
        self.send(to, "A stolen sign-in cookie was refused", text);
    }

    /// Sent to the address an account had, once it is gone: nothing to click, nothing to undo.
    pub fn account_deleted(&self, to: &str, client: &ClientInfo) {
        let text = format!(
            "Your Latch account and everything it held (its sessions, passkeys and security \
             history) were deleted, and every device was signed out.\n\n{}\n\n\
             This address is free again: you may sign up with it at any time. If you did not \
             delete it, someone who knew how to sign in did; we can no longer recover it.",
            Where(client)
        );
        self.send(to, "Your Latch account was deleted", text);
    }

    /// What an operator did to the account (`what`: "disabled your account", …), and what it
    /// means for its owner.
    pub fn operator_action(&self, to: &str, subject: &str, what: &str) {
        let text = format!(
            "An administrator of this Latch site {what}.\n\n\
             If you did not expect this, reply to the site's administrator; your security page \
             shows it too: {}/account/security",
            self.origin
        );
        self.send(to, subject, text);
    }
}
