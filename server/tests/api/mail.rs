//! Mail: through a real SMTP server, or — in a local run — into the development outbox and its
//! page; and the mail settings a server refuses to start with.

use std::{fs, time::Duration};

use clap::Parser;
use reqwest::{StatusCode, header};
use serde_json::Value;
use server::{
    auth::accounts::email::Email,
    config::Config,
    mail::{Mail, MailError, Mailer},
    startup::Application,
};

use crate::{
    helpers::{Backend, spawn_app, spawn_app_with},
    smtp_sink::SmtpSink,
};

/// A link as the confirmation mails will carry it: the token in the fragment.
const LINK: &str = "http://localhost:3000/verify-email#token=c2luZ2xlLXVzZS10b2tlbi1mb3ItdGhlLW1haWwtdGVzdHM";

fn mail(to: &str, subject: &str) -> Mail {
    Mail {
        to: Email::parse(to).unwrap(),
        subject: subject.into(),
        text: format!("Confirm your address by opening this link:\n{LINK}\n"),
    }
}

use crate::smtp_sink::body_of;

/// A mailer configured as the server would be with `LATCH_SMTP_URL=url`.
fn mailer_for(url: &str) -> Mailer {
    let settings = [
        "latch",
        "--smtp-url",
        url,
        "--mail-from",
        "Latch <no-reply@example.com>",
    ];
    let config = Config::try_parse_from(settings).unwrap();
    let mail = config.mail.settings(&config.public_origin).unwrap();
    Mailer::new(mail, &config.public_origin).unwrap()
}

#[tokio::test]
async fn mail_reaches_a_real_smtp_server() {
    let sink = SmtpSink::start();
    let mailer = mailer_for(&sink.url(""));
    mailer
        .send(mail("Ann@Example.com", "Confirm your email address"))
        .await
        .expect("the relay takes the mail");

    let received = sink.wait_for(1).await;
    let got = &received[0];
    assert_eq!(got.mail_from, "no-reply@example.com");
    assert_eq!(got.rcpt_to, ["ann@example.com"]);
    assert_eq!(got.helo, "localhost", "EHLO names the public origin's host");
    for line in [
        "From: Latch <no-reply@example.com>\r\n",
        "To: ann@example.com\r\n",
        "Subject: Confirm your email address\r\n",
        "Content-Type: text/plain; charset=utf-8\r\n",
    ] {
        assert!(got.data.contains(line), "{line:?} in {}", got.data);
    }
    assert!(
        got.data.contains("@example.com>\r\n"),
        "a Message-ID in the sender's domain"
    );
    assert!(
        body_of(&got.data).contains(LINK),
        "the link arrives whole: {}",
        got.data
    );
}

#[tokio::test]
async fn starttls_that_the_relay_does_not_offer_means_no_mail_not_plain_text() {
    let sink = SmtpSink::start();
    let err = mailer_for(&sink.url("?tls=required"))
        .send(mail("ann@example.com", "Confirm your email address"))
        .await
        .unwrap_err();
    assert!(matches!(err, MailError::Smtp(_)), "{err}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(sink.received().is_empty(), "nothing was sent in the clear");
}

#[tokio::test]
async fn a_local_run_keeps_mail_in_the_outbox_and_lists_it() {
    let app = spawn_app(Backend::Sqlite).await;
    let mailer = &app.state.mailer;
    let dir = mailer.outbox().expect("no relay: the outbox").dir().to_path_buf();
    let none = app.get("/dev/outbox/latest.json").await;
    assert_eq!(none.status(), StatusCode::NOT_FOUND, "no mail yet");

    mailer.send(mail("ann@example.com", "First")).await.unwrap();
    mailer.send(mail("bob@example.com", "Second")).await.unwrap();

    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names.len(),
        4,
        "an .eml and a .json per mail, nothing half-written: {names:?}"
    );
    assert!(
        names[0].ends_with(".eml") && names[2].ends_with(".eml"),
        "{names:?}"
    );
    let first = fs::read_to_string(dir.join(&names[0])).unwrap();
    assert!(first.contains("Subject: First\r\n") && first.contains("To: ann@example.com\r\n"));
    assert!(body_of(&first).contains(LINK));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(dir.join(&names[0])), 0o600, "only this user reads the links");
        assert_eq!(mode(dir.clone()), 0o700);
    }

    let page = app.get("/dev/outbox").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.headers().contains_key(header::CONTENT_SECURITY_POLICY));
    let html = page.text().await.unwrap();
    let (second, first) = (html.find("Second").unwrap(), html.find("First").unwrap());
    assert!(second < first, "newest first");
    assert!(
        html.contains(&format!("<a href=\"{LINK}\">")),
        "the link can be clicked"
    );
    assert!(
        !html.contains("<script") && !html.contains("<style"),
        "nothing the CSP blocks"
    );

    let newest: Value = app.get("/dev/outbox/latest.json").await.json().await.unwrap();
    assert_eq!(
        (newest["to"].as_str(), newest["subject"].as_str()),
        (Some("bob@example.com"), Some("Second"))
    );
    let ann = app.get("/dev/outbox/latest.json?to=ANN@example.com").await;
    let ann: Value = ann.json().await.unwrap();
    assert_eq!(ann["subject"], "First");
    assert!(ann["text"].as_str().unwrap().contains(LINK));
    let nobody = app.get("/dev/outbox/latest.json?to=carol@example.com").await;
    assert_eq!(nobody.status(), StatusCode::NOT_FOUND);

    // DNS rebinding: a page whose name now resolves to this machine names itself in `Host`.
    for host in [
        "rebound.example",
        "rebound.example:3000",
        "localhost.evil.example",
    ] {
        let rebound = app
            .client
            .get(app.url("/dev/outbox/latest.json"))
            .header(header::HOST, host)
            .send()
            .await
            .unwrap();
        assert_eq!(rebound.status(), StatusCode::NOT_FOUND, "{host}");
    }
}

#[tokio::test]
async fn the_outbox_answers_only_this_machine() {
    let app = spawn_app_with(Backend::Sqlite, &["--trusted-proxies", "127.0.0.1"]).await;
    app.state
        .mailer
        .send(mail("ann@example.com", "First"))
        .await
        .unwrap();
    for path in ["/dev/outbox", "/dev/outbox/latest.json"] {
        let from_afar = app
            .client
            .get(app.url(path))
            .header("x-forwarded-for", "203.0.113.7");
        let from_afar = from_afar.send().await.unwrap();
        assert_eq!(
            from_afar.status(),
            StatusCode::NOT_FOUND,
            "{path} through the proxy"
        );
        let local = app
            .client
            .get(app.url(path))
            .header("x-forwarded-for", "127.0.0.1");
        assert_eq!(
            local.send().await.unwrap().status(),
            StatusCode::OK,
            "{path} from here"
        );
    }
}

#[tokio::test]
async fn there_is_no_outbox_page_when_mail_goes_to_a_relay() {
    let sink = SmtpSink::start();
    let relay = ["--smtp-url", &sink.url(""), "--mail-from", "no-reply@example.com"];
    let app = spawn_app_with(Backend::Sqlite, &relay).await;
    assert!(app.state.mailer.outbox().is_none());
    for path in ["/dev/outbox", "/dev/outbox/latest.json"] {
        assert_eq!(app.get(path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn a_server_that_could_not_deliver_mail_safely_does_not_start() {
    let real = "--public-origin=https://latch.example.com";
    let from = "--mail-from=no-reply@example.com";
    let cases = [
        (vec![real], "Set LATCH_SMTP_URL"),
        (
            vec![
                real,
                from,
                "--smtp-url=smtp://u:hunter2@mail.example.com?tls=opportunistic",
            ],
            "only ?tls=required",
        ),
        (
            vec![real, from, "--smtp-url=http://u:hunter2@mail.example.com"],
            "smtps:// (TLS) or smtp:// (STARTTLS)",
        ),
        (
            vec!["--smtp-url=smtps://u:hunter2@mail.example.com"],
            "set LATCH_MAIL_FROM",
        ),
    ];
    for (settings, reason) in cases {
        let config = Config::try_parse_from([&["latch"][..], &settings].concat()).unwrap();
        let err = Application::build(config).await.err().expect("refused");
        let message = format!("{err:#}");
        assert_eq!(message.matches(reason).count(), 1, "{settings:?}: {message}");
        assert!(!message.contains("hunter2"), "the password is not repeated");
    }
}

/// A reset asked for just before the server is told to stop still reaches the relay, though
/// the relay is slow to answer: a stopping server waits for the mails in hand.
#[tokio::test]
async fn a_stopping_server_sends_the_mails_in_hand_first() {
    let sink = SmtpSink::start_slow(Duration::from_millis(700));
    let database = crate::helpers::TestDatabase::new(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("latch.secret");
    let relay = sink.url("");
    let settings = [
        ("LATCH_SMTP_URL", relay.as_str()),
        ("LATCH_MAIL_FROM", "Latch <no-reply@example.com>"),
    ];
    let instance =
        crate::process::Instance::start_with(database.url(), secret.to_str().unwrap(), &settings).await;
    let client = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", instance.address);
    let credentials = serde_json::json!({"email": "ada@example.com", "password": crate::helpers::PASSWORD});
    let signed_up = client
        .post(url("/api/auth/signup"))
        .json(&credentials)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_up.status(), StatusCode::CREATED);
    let asked = client
        .post(url("/api/auth/password-reset"))
        .json(&serde_json::json!({"email": "ada@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), StatusCode::ACCEPTED);

    let stopped = instance.stop();
    assert!(stopped.success(), "{stopped}");
    let subjects: Vec<String> = sink
        .received()
        .iter()
        .map(|mail| mail.subject().to_owned())
        .collect();
    assert!(
        subjects.iter().any(|subject| subject.contains("password")),
        "the reset mail went out before the process ended: {subjects:?}"
    );
}
