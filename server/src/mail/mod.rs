//! Sending mail: one `Mailer`, built at start-up from `config::MailSettings`, that hands each
//! `Mail` to an SMTP relay or, in a local run, to the development outbox. The mails carry
//! single-use links, so nothing here logs a body.

pub mod outbox;
pub mod page;
mod smtp;

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};
use url::Url;

use crate::{
    auth::accounts::email::Email,
    config::{Delivery, MailSettings},
};
pub use outbox::{Outbox, OutboxMail};

/// One plain-text mail to one address.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Email,
    pub subject: String,
    /// The body; it may hold a single-use link, so it is never logged.
    pub text: String,
}

/// Cheap to clone: the relay's settings or the outbox's path, behind shared pointers.
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(Outbox),
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// An account address the mail library does not accept as a recipient.
    #[error("the recipient address cannot be used for mail")]
    Recipient,
    #[error("the mail could not be put together: {0}")]
    Build(#[from] lettre::error::Error),
    /// The relay refused, could not be reached, or would not do TLS.
    #[error("the SMTP relay did not take the mail: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("the outbox could not store the mail: {0}")]
    Outbox(#[from] std::io::Error),
}

impl Mailer {
    /// `origin` names this server when it greets the relay (EHLO).
    pub fn new(settings: MailSettings, origin: &Url) -> Result<Self, MailError> {
        let transport = match settings.delivery {
            Delivery::Smtp(relay) => Transport::Smtp(smtp::transport(&relay, origin)?),
            Delivery::Outbox(dir) => Transport::Outbox(Outbox::new(dir)),
        };
        Ok(Self {
            from: settings.from,
            transport,
        })
    }

    /// The development outbox, when that is where mail goes.
    pub fn outbox(&self) -> Option<&Outbox> {
        match &self.transport {
            Transport::Outbox(outbox) => Some(outbox),
            Transport::Smtp(_) => None,
        }
    }

    pub async fn send(&self, mail: Mail) -> Result<(), MailError> {
        let message = self.message(&mail)?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await?;
            }
            Transport::Outbox(outbox) => outbox.store(&message, &mail).await?,
        }
        // The domain only: enough to see which provider a bounce came from, no more.
        let domain = mail.to.as_str().rsplit_once('@').map_or("", |(_, domain)| domain);
        tracing::debug!(to_domain = domain, subject = %mail.subject, "mail sent");
        Ok(())
    }

    fn message(&self, mail: &Mail) -> Result<Message, MailError> {
        let to = mail.to.as_str().parse().map_err(|_| MailError::Recipient)?;
        // Our own Message-ID domain, not the mail library's `localhost` default, which spam
        // filters count against a message.
        let message_id = format!("<{}@{}>", uuid::Uuid::new_v4().simple(), self.from.email.domain());
        Ok(Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            .subject(mail.subject.clone())
            .message_id(Some(message_id))
            .header(ContentType::TEXT_PLAIN)
            .body(mail.text.clone())?)
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn mail_to(address: &str) -> Mail {
        Mail {
            to: Email::parse(address).unwrap(),
            subject: "Confirm your email address".into(),
            text: "hello".into(),
        }
    }

    fn outbox_mailer() -> Mailer {
        let settings = MailSettings {
            from: "Latch <no-reply@example.com>".parse().unwrap(),
            delivery: Delivery::Outbox(PathBuf::from("unused")),
        };
        Mailer::new(settings, &Url::parse("http://localhost:3000").unwrap()).unwrap()
    }

    #[test]
    fn every_account_address_can_be_written_to() {
        for address in [
            "ann@example.com",
            "zoë@exämple.org",
            "o'brien+tag@sub.example.co.uk",
        ] {
            let message = outbox_mailer().message(&mail_to(address));
            let message = message.unwrap_or_else(|err| panic!("{address}: {err}"));
            let text = String::from_utf8(message.formatted()).unwrap();
            assert!(text.contains(&format!("\r\nTo: {address}\r\n")), "{text}");
        }
    }
}
