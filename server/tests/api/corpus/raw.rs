//! Requests reqwest will not write, sent over a bare TCP connection: chunked bodies (whose
//! size no header declares, so only the body limit itself can stop them), a declared length
//! far beyond what is sent, and paths a URL parser would have tidied (`..`, `%2e%2e`).

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::Duration,
};

use super::probe::{CREDENTIALS, Known, PASSWORD_CHANGE};

pub struct RawProbe {
    pub label: String,
    pub bytes: Vec<u8>,
}

pub fn corpus(known: &Known) -> Vec<RawProbe> {
    let bearer = format!("Authorization: Bearer {}\r\n", known.access_token);
    let json_routes = [
        ("/api/auth/signup", String::new(), CREDENTIALS),
        ("/api/auth/login", String::new(), CREDENTIALS),
        ("/api/account/password", bearer.clone(), PASSWORD_CHANGE),
    ];
    let mut probes = Vec::new();
    for (path, extra, good) in json_routes {
        let head = |framing: &str| {
            format!("POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{extra}Content-Type: application/json\r\n{framing}\r\n")
                .into_bytes()
        };
        let oversized = format!(r#"{{"{}": 1}}"#, "a".repeat(20 * 1024));
        for (what, body) in [
            ("a chunked body over the limit", oversized.as_bytes()),
            ("a chunked body cut short", &good.as_bytes()[..good.len() / 2]),
            ("a chunked body that is not UTF-8", b"{\"email\": \"\xff\xfe\"}"),
            ("a well-formed chunked body", good.as_bytes()),
        ] {
            probes.push(RawProbe {
                label: format!("POST {path}: {what}"),
                bytes: [head("Transfer-Encoding: chunked\r\n"), chunked(body)].concat(),
            });
        }
        probes.push(RawProbe {
            label: format!("POST {path}: a declared length far beyond the limit"),
            bytes: [head("Content-Length: 99999999\r\n"), b"{\"email\":".to_vec()].concat(),
        });
    }
    for (method, path, extra) in [
        ("GET", "/api/me", bearer.as_str()),
        ("POST", "/api/auth/refresh", "Cookie: latch_refresh=x\r\n"),
        ("GET", "/healthz", ""),
    ] {
        let head = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{extra}");
        probes.push(RawProbe {
            label: format!("{method} {path}: a chunked body over the limit"),
            bytes: [
                format!("{head}Transfer-Encoding: chunked\r\n\r\n").into_bytes(),
                chunked(&[b'x'; 20 * 1024]),
            ]
            .concat(),
        });
        probes.push(RawProbe {
            label: format!("{method} {path}: a declared length far beyond the limit"),
            bytes: format!("{head}Content-Length: 99999999\r\n\r\nxx").into_bytes(),
        });
    }
    for target in [
        "/api/sessions/..",
        "/api/sessions/%2e%2e",
        "/api/sessions/%2E%2e/",
        "/api/sessions/%2e%2e%2fme",
        "/api/../api/me",
        "/api/./me",
        "/api/%2e%2e/healthz",
        "http://localhost/api/me",
    ] {
        for method in ["GET", "DELETE", "OPTIONS"] {
            probes.push(RawProbe {
                label: format!("{method} {target}"),
                bytes: format!(
                    "{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{bearer}\r\n"
                )
                .into_bytes(),
            });
        }
    }
    probes
}

/// `body` in chunks of 1000 bytes, the first with an extension, as HTTP/1.1 allows.
fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (index, chunk) in body.chunks(1000).enumerate() {
        let extension = if index == 0 { ";ext=1" } else { "" };
        out.extend(format!("{:x}{extension}\r\n", chunk.len()).into_bytes());
        out.extend(chunk);
        out.extend(b"\r\n");
    }
    out.extend(b"0\r\n\r\n");
    out
}

/// Sends `request` and reads the answer to the end: its status and body.
pub async fn send(address: &str, request: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
    let (address, request) = (address.to_string(), request.to_vec());
    tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(address)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        // The server may answer (413) and stop reading before all is sent; its answer counts.
        let _ = stream.write_all(&request);
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer)?;
        parse(&answer)
            .ok_or_else(|| std::io::Error::other(format!("not HTTP: {:?}", String::from_utf8_lossy(&answer))))
    })
    .await
    .expect("the sender does not panic")
}

fn parse(answer: &[u8]) -> Option<(u16, Vec<u8>)> {
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&answer[..end]).ok()?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let body = &answer[end + 4..];
    let is_chunked = head.lines().any(|line| {
        line.to_ascii_lowercase()
            .starts_with("transfer-encoding: chunked")
    });
    Some((status, if is_chunked { unchunk(body)? } else { body.to_vec() }))
}

fn unchunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&body[..line_end]).ok()?.split(';').next()?;
        let size = usize::from_str_radix(size_text.trim(), 16).ok()?;
        if size == 0 {
            return Some(out);
        }
        let start = line_end + 2;
        out.extend(body.get(start..start + size)?);
        body = body.get(start + size + 2..)?;
    }
}
