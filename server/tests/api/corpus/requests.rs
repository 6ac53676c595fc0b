//! The corpus: for each route, its well-formed request with one thing broken — the method,
//! the path, the query, the body or its type, the cookies, the origin, the Authorization
//! header, X-Forwarded-For or User-Agent.

use std::collections::HashSet;

use super::{
    Needs, ROUTES, Route, bodies,
    credentials::{authorizations, cookies},
    probe::{Known, Probe},
};

/// Every probe, each once.
pub fn corpus(known: &Known) -> Vec<Probe> {
    let mut probes = Vec::new();
    for route in ROUTES {
        let good = || Probe::well_formed(route, known);
        for method in [
            "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "HEAD", "FOO", "get", "PROPFIND",
        ] {
            if method != route.method {
                probes.push(good().method(method));
            }
        }
        for query in QUERIES {
            probes.push(good().path(format!("{}{query}", route.path)));
        }
        probes.push(good().path(format!("{}?a={}", route.path, "b".repeat(8_000))));
        for forwarded in FORWARDED {
            probes.push(good().header("x-forwarded-for", forwarded));
        }
        probes.push(good().header("x-forwarded-for", "a".repeat(4_000)));
        probes.push(
            good()
                .header("x-forwarded-for", "1.2.3.4")
                .header("x-forwarded-for", "garbage, 127.0.0.1"),
        );
        for agent in [
            &b"\xff\xfe\x80"[..],
            b"",
            "🙂".as_bytes(),
            "a".repeat(10_000).as_bytes(),
        ] {
            probes.push(good().replace("user-agent", agent));
        }
        if matches!(route.needs, Needs::Credentials | Needs::PasswordChange) {
            body_probes(route, known, &mut probes);
        }
        if matches!(route.needs, Needs::Credentials | Needs::RefreshCookie) {
            for cookie in cookies() {
                probes.push(good().without("cookie").headers("cookie", &cookie));
            }
            for (name, value) in ORIGINS {
                probes.push(good().replace(name, value));
            }
        }
        if matches!(route.needs, Needs::AccessToken | Needs::PasswordChange) {
            for authorization in authorizations(known) {
                probes.push(
                    good()
                        .without("authorization")
                        .headers("authorization", &authorization),
                );
            }
        }
    }
    paths(known, &mut probes);
    let mut seen = HashSet::new();
    probes.retain(|probe| seen.insert(probe.clone()));
    probes
}

fn body_probes(route: &Route, known: &Known, probes: &mut Vec<Probe>) {
    let good = || Probe::well_formed(route, known);
    let bodies = match route.needs {
        Needs::Credentials => bodies::credentials_bodies(),
        _ => bodies::password_change_bodies(),
    };
    for body in bodies {
        probes.push(good().body(body));
    }
    for content_type in bodies::content_types() {
        let probe = good().without("content-type");
        probes.push(match content_type {
            Some(value) => probe.header("content-type", value),
            None => probe,
        });
    }
    probes.push(good().header("content-type", "text/plain"));
}

const QUERIES: &[&str] = &[
    "?",
    "??",
    "?a=%ZZ",
    "?%00=%00",
    "?&&&===",
    "?email=x&email=y",
    "?__proto__[x]=1",
    "?a=%FF%FE",
];

const FORWARDED: &[&str] = &[
    "garbage",
    "",
    " ",
    ",,,",
    "1.2.3.4, garbage, 127.0.0.1",
    "999.999.999.999",
    "::ffff:1.2.3.4",
    "[::1]:80",
    "1.2.3.4:5678",
    "unknown",
    "127.0.0.1, 127.0.0.1",
    "for=192.0.2.60;proto=http",
    "203.0.113.9, 10.0.0.1, 127.0.0.1",
    "fe80::1%eth0",
    "1.2.3.4 5.6.7.8",
];

const ORIGINS: &[(&str, &str)] = &[
    ("origin", "null"),
    ("origin", ""),
    ("origin", "http://localhost:3000/"),
    ("origin", "HTTP://LOCALHOST:3000"),
    ("origin", "http://localhost:3000.evil.example"),
    ("origin", "http://localhost:3000, https://evil.example"),
    ("sec-fetch-site", ""),
    ("sec-fetch-site", "cross-site"),
    ("sec-fetch-site", "same-origin, cross-site"),
    ("sec-fetch-site", "SAME-ORIGIN"),
    ("sec-fetch-site", "none\t"),
    ("sec-fetch-site", "same-site"),
];

/// Odd paths under `/api`, with and without a valid access token. (reqwest tidies `.` and
/// `..` segments, `%2e%2e` included, so those go out raw: see `raw`.)
fn paths(known: &Known, probes: &mut Vec<Probe>) {
    let mut paths: Vec<String> = [
        "/api/sessions/%FF",
        "/api/sessions/..%2F",
        "/api/sessions/..%2F..%2Fme",
        "/api/sessions/%00",
        "/api/sessions/%",
        "/api/sessions/%zz",
        "/api/sessions/%C0%AF",
        "/api/sessions/%ED%A0%80",
        "/api/sessions/a%2Fb",
        "/api/sessions/a/b",
        "/api/sessions/",
        "/api/sessions//",
        "/api/sessions/%20",
        "/api/sessions/'%20OR%201=1--",
        "/api/sessions/🙂",
        "/api/me/",
        "/api//me",
        "/api/ME",
        "/api/%6De",
        "/api/me%00",
        "/api/me;x",
        "/api/nope",
        "/api/",
        "/api",
        "/api/auth",
        "/api/auth/",
        "/api/auth/signup/",
        "/api/auth/%FF",
        "/api/account/password/x",
        "/api/security-events/1",
    ]
    .iter()
    .map(|path| path.to_string())
    .collect();
    paths.push(format!("/api/sessions/{}", "a".repeat(4_000)));
    for path in paths {
        probes.push(Probe::new("DELETE", &path).bearer(&known.access_token));
        probes.push(Probe::new("GET", &path).bearer(&known.access_token));
        probes.push(Probe::new("POST", &path));
    }
}
