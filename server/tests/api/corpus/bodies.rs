//! Broken bodies and content types for the routes that read JSON: truncated, mistyped,
//! nested too deep, too large, not UTF-8, with NULs, keys given twice, things after the end.

use super::probe::{CREDENTIALS, PASSWORD_CHANGE};

/// Bodies that are wrong for a route whose good body is `good` (fields `fields`).
pub fn bodies(good: &str, fields: [&str; 2]) -> Vec<Vec<u8>> {
    let [first, second] = fields;
    let mut bodies: Vec<Vec<u8>> = Vec::new();
    let mut text = |body: String| bodies.push(body.into_bytes());

    // Truncated anywhere.
    for cut in (1..good.len()).step_by(4) {
        text(good[..cut].to_string());
    }
    // Not an object, or not JSON at all.
    for junk in [
        "",
        " ",
        "\r\n\t",
        "null",
        "true",
        "0",
        "-1",
        "1e999",
        "\"text\"",
        "[]",
        "[{}]",
        "{",
        "}",
        "{}}",
        "{}{}",
        "{} x",
        "{},",
        "{\"a\":1}]",
        "{'email': 'a'}",
        "{email: 1}",
        "{\"email\" \"a\"}",
        "{,}",
        "{\"email\": \"a\",}",
        "{\"email\": }",
        "{\"email\": \"\\x41\"}",
        "{\"email\": \"\\u12\"}",
        "{\"email\": \"unterminated}",
        "{\"email\": NaN}",
        "{\"email\": 01}",
        "/* comment */ {}",
    ] {
        text(junk.to_string());
    }
    // Each field with the wrong type, or an odd value.
    for field in fields {
        for value in [
            "5",
            "true",
            "null",
            "[]",
            "{}",
            "1.5",
            "-0",
            "1e400",
            "[\"a\"]",
            "{\"a\": \"b\"}",
            "\"\\ud800\"",
            "\"\\udc00\\ud800\"",
            "\"\\u0000\"",
            "\"\\u202e\\u200b\"",
        ] {
            text(format!(r#"{{"{field}": {value}}}"#));
        }
        text(format!(r#"{{"{field}": {}}}"#, "9".repeat(5_000)));
    }
    // Keys twice, unknown keys, keys differing only in case.
    text(format!(r#"{{"{first}": "a", "{first}": "b", "{second}": "c"}}"#));
    text(format!(r#"{{"{first}": "a", "{second}": "b", "{second}": "c"}}"#));
    text(format!(r#"{{"{first}": null, "{first}": null}}"#));
    text(format!(r#"{{"{}": "a", "{second}": "b"}}"#, first.to_uppercase()));
    text(format!(
        r#"{{"{first}": "a", "{second}": "b", "admin": true, "__proto__": {{}}}}"#
    ));
    // Nested too deep (serde_json's limit is 128), within the body limit and beyond it.
    for depth in [129, 1_000, 8_000] {
        text(format!(
            r#"{{"{first}": {}{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        ));
    }
    text(format!("{}{}", r#"{"a":"#.repeat(2_500), "}".repeat(2_500)));
    text(format!("{}{}", r#"{"a":"#.repeat(4_000), "}".repeat(4_000)));
    // Long strings: within the 16 KiB limit, just under it, just over it, far over it.
    for size in [15_000, 16_300, 16_500, 64 * 1024, 256 * 1024] {
        text(format!(
            r#"{{"{first}": "{}", "{second}": "x"}}"#,
            "a".repeat(size)
        ));
    }
    text(format!(r#"{{"{first}": "{}"}}"#, "\\u00e9".repeat(2_700)));
    // Anything after the object, including a NUL.
    text(format!("{good}\0"));
    text(format!("{good}{good}"));
    text(format!("{good} // done"));
    text(format!("\u{FEFF}{good}"));

    // Bytes that are not UTF-8, inside strings and outside them; raw NULs and control bytes.
    let raw = |middle: &[u8]| [format!(r#"{{"{first}": ""#).as_bytes(), middle, br#"", "x": 1}"#].concat();
    for bad in [
        &b"\xff\xfe"[..],
        b"\xc3\x28",
        b"\xc0\xaf",
        b"\xed\xa0\x80",
        b"\x80",
        b"\xf4\x90\x80\x80",
        b"a\0b",
        b"\x01\x1f",
        b"\n",
    ] {
        bodies.push(raw(bad));
    }
    bodies.push(b"\xff\xfe{\0\"\0}\0".to_vec());
    bodies.push([&b"\0"[..], good.as_bytes()].concat());
    bodies
}

pub fn credentials_bodies() -> Vec<Vec<u8>> {
    bodies(CREDENTIALS, ["email", "password"])
}

pub fn password_change_bodies() -> Vec<Vec<u8>> {
    bodies(PASSWORD_CHANGE, ["current_password", "new_password"])
}

/// Content types other than JSON, JSON spelled oddly, and bytes that are not text. `None` is
/// no `Content-Type` header at all.
pub fn content_types() -> Vec<Option<Vec<u8>>> {
    let mut types: Vec<Option<Vec<u8>>> = vec![None];
    for text in [
        "",
        " ",
        "text/plain",
        "text/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonx",
        "application/json5",
        "json",
        "application/",
        "/json",
        "application/+json",
        "application/json; charset=utf-16",
        "application/json;;;;",
        "application/json; charset=\"",
        "APPLICATION/JSON",
        " application/json ",
        "application/vnd.api+json",
        "application/json, text/plain",
        "*/*",
        "application/*",
        "application/json\t",
        "application/json;q=0",
        "application/problem+json",
    ] {
        types.push(Some(text.as_bytes().to_vec()));
    }
    types.push(Some(format!("application/{}", "a".repeat(8_000)).into_bytes()));
    types.push(Some(b"application/json\xff".to_vec()));
    types.push(Some(b"\xff\xfe".to_vec()));
    types
}
