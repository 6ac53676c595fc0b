//! What clients present as credentials, broken: `Cookie` headers (garbage, two refresh
//! cookies, oversized, not text, forged device cookies) and `Authorization` headers (wrong
//! schemes and shapes, and tokens forged or altered every way we know).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};

use super::probe::{Known, unknown_refresh_token};

/// `Cookie` headers (one request may send several): garbage, two refresh cookies, oversized,
/// not text, forged device cookies.
pub fn cookies() -> Vec<Vec<Vec<u8>>> {
    let token = unknown_refresh_token();
    let mut cookies: Vec<Vec<Vec<u8>>> = [
        "",
        "latch_refresh",
        "latch_refresh=",
        "latch_refresh=x",
        "latch_refresh=a; latch_refresh=b",
        "latch_refresh=a;latch_refresh=a",
        "=; =; ;;",
        ";;;;;",
        "latch_device=garbage",
        "latch_device=a.b",
        "latch_device=.",
        "latch_device=a; latch_device=b",
        "latch_refresh=\"quoted\"",
        "LATCH_REFRESH=x",
        " latch_refresh = x",
        "latch_refresh=%00",
        "latch_refresh=é",
        "latch_refresh==",
    ]
    .iter()
    .map(|cookie| vec![cookie.as_bytes().to_vec()])
    .collect();
    for value in [
        "A".repeat(42),
        "A".repeat(44),
        "!".repeat(43),
        format!("{}=", "A".repeat(42)),
        "A".repeat(8_000),
    ] {
        cookies.push(vec![format!("latch_refresh={value}").into_bytes()]);
    }
    cookies.push(vec![
        format!("latch_device={}.{}", "A".repeat(22), "B".repeat(43)).into_bytes(),
    ]);
    cookies.push(vec![
        format!("latch_refresh={token}").into_bytes(),
        format!("latch_refresh={token}").into_bytes(),
    ]);
    cookies.push(vec![b"latch_refresh=\xff\xfe".to_vec()]);
    cookies.push(vec![
        (0..100)
            .map(|i| format!("c{i}=v{i}"))
            .collect::<Vec<_>>()
            .join("; ")
            .into_bytes(),
    ]);
    cookies
}

/// `Authorization` headers (one request may send several): wrong schemes, wrong shapes, and
/// tokens forged or altered every way we know.
pub fn authorizations(known: &Known) -> Vec<Vec<Vec<u8>>> {
    let good = &known.access_token;
    let parts: Vec<&str> = good.split('.').collect();
    let (header, claims, signature) = (parts[0], parts[1], parts[2]);
    let b64 = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
    let with_header = |changes: Value| {
        let mut header = known.header.clone();
        header
            .as_object_mut()
            .unwrap()
            .extend(changes.as_object().unwrap().clone());
        b64(&header)
    };
    let mut raised = known.claims.clone();
    raised["sub"] = json!("someone-else");
    raised["exp"] = json!(raised["exp"].as_u64().unwrap() + 86_400);
    // HMAC keyed with public material: the classic algorithm-confusion forgery.
    let hs256_header = Header {
        kid: Some(known.kid().to_string()),
        typ: Some("at+jwt".into()),
        ..Header::default()
    };
    let hs256 = jsonwebtoken::encode(
        &hs256_header,
        &known.claims,
        &EncodingKey::from_secret(known.kid().as_bytes()),
    )
    .unwrap();
    let tokens = [
        String::new(),
        "a".into(),
        "a.b".into(),
        "a.b.c".into(),
        "a.b.c.d".into(),
        "..".into(),
        "....".into(),
        "!!!.???.***".into(),
        "a+b/c=.d+e/f=.g+h/i=".into(),
        "a".repeat(8_000),
        format!("{}.{claims}.", with_header(json!({"alg": "none"}))),
        format!("{}.{claims}.{signature}", with_header(json!({"alg": "none"}))),
        format!("{}.{claims}.{signature}", with_header(json!({"alg": "HS256"}))),
        hs256,
        format!("{}.{claims}.{signature}", with_header(json!({"typ": "JWT"}))),
        format!("{}.{claims}.{signature}", with_header(json!({"kid": "nope"}))),
        format!(
            "{}.{claims}.{signature}",
            with_header(json!({"kid": "k".repeat(4_000)}))
        ),
        format!("{}.{claims}.{signature}", with_header(json!({"crit": ["exp"]}))),
        format!("{}.{claims}.{signature}", b64(&json!([]))),
        format!("{}.{claims}.{signature}", b64(&json!({"alg": 5}))),
        format!("{header}.{}.{signature}", b64(&raised)),
        format!("{header}.{claims}.{}", &signature[..signature.len() - 2]),
        format!("{header}.{claims}.{signature}AA"),
        format!("{header}.{claims}"),
        format!("{header}.{claims}.{signature}.{signature}"),
        format!("{header}..{signature}"),
        format!("{good} extra"),
        format!("{good},{good}"),
    ];
    let mut headers: Vec<Vec<Vec<u8>>> = tokens
        .iter()
        .map(|token| vec![format!("Bearer {token}").into_bytes()])
        .collect();
    for value in [
        "",
        "Bearer",
        "Bearer ",
        "Bearer  ",
        "Basic YWRtaW46YWRtaW4=",
        "Digest x",
        "Token t",
    ] {
        headers.push(vec![value.as_bytes().to_vec()]);
    }
    for scheme in ["bearer", "BEARER", "Bearer\t", "Bearer  "] {
        headers.push(vec![format!("{scheme} {good}").into_bytes()]);
    }
    headers.push(vec![b"Bearer \xff\xfe".to_vec()]);
    headers.push(vec![
        format!("Bearer {good}").into_bytes(),
        b"Bearer garbage".to_vec(),
    ]);
    headers
}
