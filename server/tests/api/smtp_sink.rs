//! A real SMTP server in the test process, on a port of its own, keeping what it is given:
//! mailin's SMTP session over plain TCP, a thread per connection. It offers neither STARTTLS nor
//! AUTH: a mailer that insists on TLS must fail.

use std::{
    io::{BufRead, BufReader},
    net::{IpAddr, TcpListener, TcpStream},
    sync::{Arc, Mutex},
    time::Duration,
};

use mailin::{Action, Handler, Response, SessionBuilder, response};

/// One mail as the server received it.
#[derive(Debug, Clone, Default)]
pub struct Received {
    pub helo: String,
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The message (headers and body) as transmitted.
    pub data: String,
}

impl Received {
    /// The body as the recipient reads it.
    pub fn text(&self) -> String {
        body_of(&self.data)
    }

    pub fn subject(&self) -> &str {
        self.data
            .lines()
            .find_map(|line| line.strip_prefix("Subject: "))
            .unwrap_or_default()
    }

    /// The first link in the body that opens `page` (e.g. `/reset-password`), whole.
    pub fn link(&self, page: &str) -> Option<String> {
        let text = self.text();
        text.split_whitespace()
            .find(|word| word.starts_with("http") && word.contains(&format!("{page}#token=")))
            .map(str::to_string)
    }

    /// The token in the fragment of the link that opens `page`.
    pub fn token(&self, page: &str) -> String {
        let link = self
            .link(page)
            .unwrap_or_else(|| panic!("a {page} link in {:?}", self.subject()));
        link.split_once("#token=").unwrap().1.to_string()
    }
}

/// The body as the recipient's mail program shows it: long lines (the links) arrive
/// quoted-printable.
pub fn body_of(message: &str) -> String {
    let (headers, body) = message.split_once("\r\n\r\n").expect("headers, then a body");
    if !headers.contains("Content-Transfer-Encoding: quoted-printable") {
        return body.to_string();
    }
    let decoded = quoted_printable::decode(body, quoted_printable::ParseMode::Strict).unwrap();
    String::from_utf8(decoded).unwrap()
}

pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

impl SmtpSink {
    /// Starts serving on 127.0.0.1. The server's threads end with the test process.
    pub fn start() -> Self {
        Self::start_slow(Duration::ZERO)
    }

    /// As `start`, but each conversation waits `delay` before the greeting: a slow relay.
    pub fn start_slow(delay: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let keep = Keep {
            received: Arc::clone(&received),
            current: Received::default(),
        };
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let keep = keep.clone();
                // A client that hangs up midway (one refusing a server without STARTTLS) only
                // ends its own conversation.
                std::thread::spawn(move || {
                    std::thread::sleep(delay);
                    converse(stream, keep).ok()
                });
            }
        });
        Self { port, received }
    }

    /// `smtp://127.0.0.1:<port>` plus `query` (e.g. `?tls=required`).
    pub fn url(&self, query: &str) -> String {
        format!("smtp://127.0.0.1:{}{query}", self.port)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The mails to `address`, in the order they arrived.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|mail| {
                mail.rcpt_to
                    .iter()
                    .any(|to| to.trim_matches(['<', '>']) == address)
            })
            .collect()
    }

    /// Waits (briefly) for the `count`-th mail to `address` and returns it.
    pub async fn nth_to(&self, address: &str, count: usize) -> Received {
        for _ in 0..250 {
            if let Some(mail) = self.to(address).get(count - 1) {
                return mail.clone();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{address} received {} mails, not {count}", self.to(address).len());
    }

    /// Waits (briefly) for a mail to `address` with this subject and returns the newest.
    pub async fn with_subject(&self, address: &str, subject: &str) -> Received {
        for _ in 0..250 {
            if let Some(mail) = self
                .to(address)
                .into_iter()
                .rev()
                .find(|mail| mail.subject() == subject)
            {
                return mail;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("no mail {subject:?} to {address}");
    }

    /// Waits (briefly) for the `count`-th mail to `address` with this subject and returns it.
    pub async fn nth_with_subject(&self, address: &str, subject: &str, count: usize) -> Received {
        for _ in 0..250 {
            let mut matching = self
                .to(address)
                .into_iter()
                .filter(|mail| mail.subject() == subject);
            if let Some(mail) = matching.nth(count - 1) {
                return mail;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{address} received fewer than {count} mails {subject:?}");
    }

    /// Waits (briefly) for `count` mails: the server stores a mail after it has answered.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..100 {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!(
            "the SMTP server received {} mails, not {count}",
            self.received().len()
        );
    }
}

/// One SMTP conversation: mailin's session reads each line the client sends and says what to
/// answer, and whether to hang up.
fn converse(stream: TcpStream, keep: Keep) -> std::io::Result<()> {
    let mut session = SessionBuilder::new("sink.localhost").build(stream.peer_addr()?.ip(), keep);
    let mut lines = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    session.greeting().write_to(&mut out)?;
    let mut line = Vec::new();
    loop {
        line.clear();
        if lines.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let answer = session.process(&line);
        match answer.action {
            Action::NoReply => {}
            Action::Close => return answer.write_to(&mut out),
            Action::Reply | Action::UpgradeTls => answer.write_to(&mut out)?,
        }
    }
}

#[derive(Clone)]
struct Keep {
    received: Arc<Mutex<Vec<Received>>>,
    current: Received,
}

impl Handler for Keep {
    fn helo(&mut self, _ip: IpAddr, domain: &str) -> Response {
        self.current.helo = domain.to_string();
        response::OK
    }

    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> Response {
        self.current.mail_from = from.to_string();
        response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        self.current.rcpt_to.push(to.to_string());
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.data.push_str(&String::from_utf8_lossy(buf));
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let helo = self.current.helo.clone();
        let mail = std::mem::replace(
            &mut self.current,
            Received {
                helo,
                ..Received::default()
            },
        );
        self.received.lock().unwrap().push(mail);
        response::OK
    }
}
