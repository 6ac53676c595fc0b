//! Properties of the access-token checks over arbitrary input: whatever a client writes in a
//! token or an `Authorization` header is refused cleanly, and a token the server signed is
//! accepted exactly when every claim checks out. (The other parsers' properties live beside
//! them, in the `properties` test modules of the server crate.)

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, Header};
use proptest::{
    collection::vec,
    prelude::*,
    test_runner::{Config, TestRunner},
};
use reqwest::{
    StatusCode,
    header::{AUTHORIZATION, HeaderValue},
};
use serde_json::json;

use crate::helpers::{Backend, ORIGIN, error_code, spawn_app};

/// The configured access-token lifetime (the default, `--access-token-ttl 600`).
const TTL: i64 = 600;

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

fn b64(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(text)
}

/// Three-part strings that look more or less like JWTs: any `alg` (`none` and HMAC included),
/// any `typ`, our key id or another, and garbage claims and signatures; plus strings with
/// the wrong number of parts and plain junk.
fn token_like(our_kid: String) -> impl Strategy<Value = String> {
    let segment = || prop_oneof!["[A-Za-z0-9_-]{0,60}", "[ -~]{0,20}", Just(String::new())];
    let header = (
        prop::sample::select(vec!["none", "None", "HS256", "RS256", "ES256", "EdDSA", ""]),
        prop::sample::select(vec!["at+jwt", "JWT", ""]),
        prop_oneof![Just(our_kid), "[ -~]{0,12}"],
    )
        .prop_map(|(alg, typ, kid)| b64(&json!({"alg": alg, "typ": typ, "kid": kid}).to_string()));
    let claims = "[ -~]{0,40}".prop_map(|text| b64(&text));
    prop_oneof![
        any::<String>(),
        vec(segment(), 0..6).prop_map(|parts| parts.join(".")),
        (header, prop_oneof![claims, segment()], segment()).prop_map(|(h, c, s)| format!("{h}.{c}.{s}")),
    ]
}

#[tokio::test]
async fn no_string_a_client_makes_up_passes_as_an_access_token() {
    let app = spawn_app(Backend::Sqlite).await;
    let tokens = &app.state.tokens;
    let strategy = token_like(tokens.keys().signing_kid());
    runner(256)
        .run(&strategy, |token| {
            prop_assert!(tokens.verify(&token).is_err(), "{token:?} was accepted");
            Ok(())
        })
        .unwrap();
}

#[tokio::test]
async fn a_minted_token_with_any_character_changed_is_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    let tokens = &app.state.tokens;
    let (token, _) = tokens.mint("user", "session", u64::MAX / 2, None, 0).unwrap();
    assert!(tokens.verify(&token).is_ok());
    let alphabet: Vec<char> = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.="
        .chars()
        .collect();
    let strategy = (0..token.len(), prop::sample::select(alphabet));
    runner(256)
        .run(&strategy, |(at, replacement)| {
            let mut altered = token.clone().into_bytes();
            prop_assume!(altered[at] != replacement as u8);
            altered[at] = replacement as u8;
            let altered = String::from_utf8(altered).unwrap();
            prop_assert!(
                tokens.verify(&altered).is_err(),
                "byte {at} → {replacement:?} was accepted"
            );
            Ok(())
        })
        .unwrap();
}

/// Claims a forger who somehow held our key, or a buggy minter, might sign. Times are offsets
/// from now in seconds, far from every boundary (leeway 5 s, lifetime 600 s).
#[derive(Debug, Clone)]
struct Claims {
    typ: Option<&'static str>,
    iss: &'static str,
    aud: &'static str,
    has_sub: bool,
    iat: i64,
    nbf: i64,
    exp: i64,
}

impl Claims {
    /// The specification: what a valid access token is.
    fn valid(&self) -> bool {
        self.typ == Some("at+jwt")
            && self.iss == ORIGIN
            && self.aud == "latch"
            && self.has_sub
            && self.iat < 0
            && self.nbf < 0
            && self.exp > 0
            && self.exp - self.iat <= TTL
    }
}

fn claims() -> impl Strategy<Value = Claims> {
    let right_or = |right, wrong| prop_oneof![3 => Just(right), 1 => Just(wrong)];
    (
        prop_oneof![3 => Just(Some("at+jwt")), 1 => Just(Some("JWT")), 1 => Just(None)],
        right_or(ORIGIN, "https://evil.example"),
        right_or("latch", "another-service"),
        prop_oneof![3 => Just(true), 1 => Just(false)],
        prop_oneof![3 => Just(-30i64), 1 => Just(120), 1 => Just(-1200)],
        prop_oneof![3 => Just(-30i64), 1 => Just(120)],
        prop_oneof![3 => Just(300i64), 1 => Just(-120), 1 => Just(1200)],
    )
        .prop_map(|(typ, iss, aud, has_sub, iat, nbf, exp)| Claims {
            typ,
            iss,
            aud,
            has_sub,
            iat,
            nbf,
            exp,
        })
}

#[tokio::test]
async fn a_signed_token_passes_exactly_when_every_claim_checks_out() {
    let app = spawn_app(Backend::Sqlite).await;
    let tokens = &app.state.tokens;
    let accepted = std::cell::Cell::new(0);
    runner(256)
        .run(&claims(), |claims| {
            let now = jsonwebtoken::get_current_timestamp() as i64;
            let mut body = json!({
                "iss": claims.iss, "aud": claims.aud, "sub": "user", "sid": "session", "jti": "j",
                "iat": now + claims.iat, "nbf": now + claims.nbf, "exp": now + claims.exp,
            });
            if !claims.has_sub {
                body.as_object_mut().unwrap().remove("sub");
            }
            let mut header = Header::new(Algorithm::EdDSA);
            header.typ = claims.typ.map(str::to_string);
            let token = tokens.keys().sign(&header, &body).unwrap();
            let verdict = tokens.verify(&token);
            prop_assert_eq!(verdict.is_ok(), claims.valid(), "{:?}: {:?}", claims, verdict);
            accepted.set(accepted.get() + usize::from(verdict.is_ok()));
            Ok(())
        })
        .unwrap();
    assert!(
        accepted.get() > 0,
        "the strategy produced no valid token to accept"
    );
}

/// Header values a client can send: any visible ASCII, spaces, tabs and high bytes, after
/// one of the schemes (or none).
fn authorization(our_kid: String) -> impl Strategy<Value = HeaderValue> {
    let scheme = prop::sample::select(vec![
        "Bearer ", "bearer ", "BEARER ", "Bearer  ", "Bearer", "Basic ", "",
    ]);
    let rest = prop_oneof![
        token_like(our_kid).prop_map(String::into_bytes),
        vec(prop_oneof![0x20u8..=0x7E, 0x80u8..=0xFF, Just(b'\t')], 0..200),
    ];
    (scheme, rest).prop_filter_map("not a header value", |(scheme, rest)| {
        HeaderValue::from_bytes(&[scheme.as_bytes(), &rest].concat()).ok()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_authorization_header_is_refused_with_a_json_401() {
    let app = spawn_app(Backend::Sqlite).await;
    let strategy = authorization(app.state.tokens.keys().signing_kid());
    let runtime = tokio::runtime::Handle::current();
    tokio::task::block_in_place(|| {
        runner(128)
            .run(&strategy, |value| {
                let response = runtime.block_on(
                    app.client
                        .get(app.url("/api/me"))
                        .header(AUTHORIZATION, value)
                        .send(),
                );
                let response = response.expect("the server answers");
                prop_assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
                let code = runtime.block_on(error_code(response));
                prop_assert!(code == "invalid_token" || code == "unauthenticated", "{}", code);
                Ok(())
            })
            .unwrap();
    });
}
