//! A real SMTP server (mailin-embedded) in the test process, on a port of its own, keeping what
//! it is given. It offers neither STARTTLS nor AUTH: a mailer that insists on TLS must fail.

use std::{
    net::{IpAddr, TcpListener},
    sync::{Arc, Mutex},
    time::Duration,
};

use mailin_embedded::{Handler, Response, Server, response};

/// One mail as the server received it.
#[derive(Debug, Clone, Default)]
pub struct Received {
    pub helo: String,
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The message (headers and body) as transmitted.
    pub data: String,
}

pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

impl SmtpSink {
    /// Starts serving on 127.0.0.1. The server thread ends with the test process.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let mut server = Server::new(Keep {
            received: Arc::clone(&received),
            current: Received::default(),
        });
        server.with_name("sink.localhost").with_tcp_listener(listener);
        std::thread::spawn(move || {
            if let Err(err) = server.serve() {
                eprintln!("the SMTP sink stopped: {err}");
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
