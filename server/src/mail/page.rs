//! `/dev/outbox`: the development outbox as a page (newest first, links clickable) and
//! `/dev/outbox/latest.json` (the newest mail, `?to=` one address's) for end-to-end tests.
//! Mounted only when mail goes to the outbox, which the configuration allows only for a
//! localhost origin; and answered only to this machine, in case the listener is reachable from
//! elsewhere, and only under a loopback host name, so a page whose name was rebound to this
//! machine's address (DNS rebinding) cannot read it from a browser here. No script or style:
//! the page works under the site's Content-Security-Policy.

use std::{fmt::Write, net::IpAddr, path::Path};

use axum::{
    Json, Router,
    extract::{Query, State},
    http::{HeaderMap, header},
    response::Html,
    routing::get,
};
use serde::Deserialize;

use super::{Mailer, Outbox, OutboxMail};
use crate::{api::client_address::Client, error::Error, state::AppState};

/// Mails shown on the page; the files hold them all.
const PAGE_SIZE: usize = 50;

/// The outbox routes when mail goes to the outbox; none otherwise (so they are 404s).
pub fn routes(mailer: &Mailer) -> Router<AppState> {
    if mailer.outbox().is_none() {
        return Router::new();
    }
    Router::new()
        .route("/dev/outbox", get(page))
        .route("/dev/outbox/latest.json", get(latest))
}

#[derive(Deserialize)]
struct Recipient {
    to: Option<String>,
}

async fn page(State(mailer): State<Mailer>, client: Client, headers: HeaderMap) -> Result<Html<String>, Error> {
    let outbox = local_outbox(&mailer, &client, &headers)?;
    let mails = outbox.newest(PAGE_SIZE).await.map_err(anyhow::Error::from)?;
    Ok(Html(render(outbox.dir(), &mails)))
}

async fn latest(
    State(mailer): State<Mailer>,
    client: Client,
    headers: HeaderMap,
    Query(recipient): Query<Recipient>,
) -> Result<Json<OutboxMail>, Error> {
    let outbox = local_outbox(&mailer, &client, &headers)?;
    let mail = outbox
        .latest(recipient.to.as_deref())
        .await
        .map_err(anyhow::Error::from)?;
    mail.map(Json).ok_or(Error::NotFound)
}

/// The outbox, for a caller on this machine (behind a trusted proxy: the address it reports)
/// that named it by a loopback name. The configuration allows the outbox only for a localhost
/// origin, so the public origin's host is one of these.
fn local_outbox<'a>(
    mailer: &'a Mailer,
    Client(client): &Client,
    headers: &HeaderMap,
) -> Result<&'a Outbox, Error> {
    let local = client
        .ip
        .parse::<IpAddr>()
        .is_ok_and(|ip| ip.to_canonical().is_loopback());
    let named_locally = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .and_then(|host| url::Url::parse(&format!("http://{host}")).ok())
        .is_some_and(|url| match url.host() {
            Some(url::Host::Domain(name)) => name == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        });
    mailer.outbox().filter(|_| local && named_locally).ok_or(Error::NotFound)
}

fn render(dir: &Path, mails: &[OutboxMail]) -> String {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>Outbox · Latch (development)</title></head>\
         <body><main><h1>Development outbox</h1>",
    );
    let _ = write!(
        html,
        "<p>Mail this server would have sent, newest first. There is no mail server in a local \
         run: set LATCH_SMTP_URL for one. The files are in <code>{}</code>.</p>",
        escape(&dir.display().to_string())
    );
    if mails.is_empty() {
        html.push_str("<p>No mail yet.</p>");
    }
    for mail in mails {
        let _ = write!(
            html,
            "<article><h2>{}</h2><dl><dt>To</dt><dd>{}</dd><dt>Date</dt><dd><time>{}</time></dd></dl>\
             <pre>{}</pre></article>",
            escape(&mail.subject),
            escape(&mail.to),
            escape(&mail.date),
            linked(&mail.text),
        );
    }
    html.push_str("</main></body></html>\n");
    html
}

/// The text, escaped, with each http(s) address made a link (the mails' confirmation links).
fn linked(text: &str) -> String {
    let lines = text.split('\n').map(|line| {
        let words = line.split(' ').map(|word| {
            if word.starts_with("http://") || word.starts_with("https://") {
                let word = escape(word);
                format!("<a href=\"{word}\">{word}</a>")
            } else {
                escape(word)
            }
        });
        words.collect::<Vec<_>>().join(" ")
    });
    lines.collect::<Vec<_>>().join("\n")
}

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_clickable_and_everything_is_escaped() {
        let text = "Confirm: http://localhost:3000/verify-email#token=a&b\n<script>x</script>";
        assert_eq!(
            linked(text),
            "Confirm: <a href=\"http://localhost:3000/verify-email#token=a&amp;b\">\
             http://localhost:3000/verify-email#token=a&amp;b</a>\n&lt;script&gt;x&lt;/script&gt;"
        );
        assert_eq!(
            linked("javascript:alert(1) \"x\""),
            "javascript:alert(1) &quot;x&quot;"
        );
    }

    #[test]
    fn the_page_lists_each_mail() {
        let mail = OutboxMail {
            to: "ann@example.com".into(),
            subject: "Confirm <yours>".into(),
            date: "2026-01-01T00:00:00Z".into(),
            text: "hello".into(),
        };
        let html = render(Path::new("latch-outbox"), &[mail]);
        assert!(html.contains("<h2>Confirm &lt;yours&gt;</h2>"));
        assert!(html.contains("<dd>ann@example.com</dd>"));
        assert!(html.contains("<pre>hello</pre>"));
        assert!(!html.contains("style") && !html.contains("<script"));
    }
}
