//! Connections that hold a place without making requests (slow loris): a head never finished,
//! a connection that says nothing, an idle keep-alive connection. Each is dropped within the
//! request-head timeout (1 s here), while a client that keeps asking is served as before.

use std::{net::SocketAddr, time::Duration};

use axum::{Router, extract::ConnectInfo, routing::get};
use reqwest::StatusCode;
use server::serve::serve;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::oneshot,
};

use crate::helpers::{Backend, TestApp, spawn_app_with};

const SETTINGS: &[&str] = &["--request-head-timeout", "1"];
/// Well past the 1 s timeout, far short of "never".
const DEADLINE: Duration = Duration::from_secs(5);
const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";

#[tokio::test]
async fn a_request_head_that_never_ends_is_dropped() {
    let app = spawn_app_with(Backend::Sqlite, SETTINGS).await;
    let (mut reader, mut writer) = connect(&app).await.into_split();
    writer
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    // One more header line every 200 ms: bytes keep coming, the head never ends.
    let dribble = tokio::spawn(async move {
        while writer.write_all(b"X-Slow: 1\r\n").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let sent = read_until_closed(&mut reader).await;
    dribble.abort();
    let sent = sent.expect("the server still waits for the head after 5 s");
    assert!(!sent.contains(" 200 "), "{sent}");
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_dropped() {
    let app = spawn_app_with(Backend::Sqlite, SETTINGS).await;
    let mut stream = connect(&app).await;
    let sent = read_until_closed(&mut stream).await;
    assert_eq!(
        sent.as_deref(),
        Some(""),
        "the silent connection is still open after 5 s"
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_dropped_and_a_busy_one_is_not() {
    let app = spawn_app_with(Backend::Sqlite, SETTINGS).await;
    let mut stream = connect(&app).await;
    // Requests half a timeout apart keep the connection: keep-alive still works.
    for _ in 0..3 {
        stream.write_all(HEALTHZ).await.unwrap();
        let response = read_response(&mut stream).await;
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let sent = read_until_closed(&mut stream).await;
    assert_eq!(
        sent.as_deref(),
        Some(""),
        "the idle connection is still open after 5 s"
    );
}

#[tokio::test]
async fn ordinary_requests_are_served_and_know_the_client_address() {
    let app = spawn_app_with(Backend::Sqlite, SETTINGS).await;
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    // The session records the peer address, which comes from the connection.
    let session = app.signed_up("ada@example.com").await;
    let listed = app.get_with_token("/api/sessions", &session.access_token).await;
    let listed: serde_json::Value = listed.json().await.unwrap();
    assert_eq!(listed[0]["ip"], "127.0.0.1", "{listed}");
}

#[tokio::test]
async fn shutdown_lets_a_request_in_flight_finish_and_stops_accepting() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let router = Router::new()
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(500)).await;
                "done"
            }),
        )
        .route(
            "/peer",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
        );
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, router, Duration::from_secs(1), async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let peer = client.get(format!("{address}/peer")).send().await.unwrap();
    assert!(peer.text().await.unwrap().starts_with("127.0.0.1:"));

    let slow = tokio::spawn(client.get(format!("{address}/slow")).send());
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();
    let slow = slow.await.unwrap().expect("the request in flight is answered");
    assert_eq!(slow.text().await.unwrap(), "done");
    tokio::time::timeout(DEADLINE, server)
        .await
        .expect("the server stops once its requests are done")
        .unwrap();
    assert!(
        reqwest::get(format!("{address}/peer")).await.is_err(),
        "still accepting"
    );
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .expect("the server accepts connections")
}

/// Everything the server sends until it closes the connection; `None` if it is still open
/// at the deadline.
async fn read_until_closed(stream: &mut (impl AsyncReadExt + Unpin)) -> Option<String> {
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    let closed = tokio::time::timeout(DEADLINE, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    closed
        .ok()
        .map(|()| String::from_utf8_lossy(&received).into_owned())
}

/// One response with a `Content-Length`, read without waiting for the connection to close.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&received).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().unwrap())
                })
                .expect("the response has a Content-Length");
            if received.len() >= end + 4 + length {
                return text;
            }
        }
        let n = tokio::time::timeout(DEADLINE, stream.read(&mut buf))
            .await
            .expect("the response arrives")
            .unwrap();
        assert!(n > 0, "the server closed the connection mid-response: {text}");
        received.extend_from_slice(&buf[..n]);
    }
}
