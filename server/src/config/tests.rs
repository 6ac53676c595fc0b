use super::*;

fn config(origin: &str, db: &str) -> Config {
    Config::try_parse_from(["latch", "--public-origin", origin, "--database-url", db]).unwrap()
}

#[test]
fn defaults_are_a_working_local_setup() {
    let config = Config::try_parse_from(["latch"]).unwrap();
    assert_eq!(config.validate(), Ok(()));
    assert_eq!(config.origin(), "http://localhost:3000");
    assert!(config.database_url.expose_secret().starts_with("sqlite:"));
}

#[test]
fn plain_http_is_refused_off_localhost() {
    let err = config("http://example.com", "sqlite:x.db")
        .validate()
        .unwrap_err();
    assert!(matches!(err, ConfigError::InsecureOrigin(_)));
    let https = Config::try_parse_from([
        "latch",
        "--public-origin",
        "https://example.com",
        "--smtp-url",
        "smtps://mail.example.com",
        "--mail-from",
        "no-reply@example.com",
    ])
    .unwrap();
    assert_eq!(https.validate(), Ok(()));
    assert_eq!(config("http://127.0.0.1:8080", "sqlite:x.db").validate(), Ok(()));
}

#[test]
fn the_secret_never_appears_in_debug_output() {
    let config = Config::try_parse_from([
        "latch",
        "--secret",
        "c2VjcmV0LXZhbHVlLXRoYXQtaXMtbG9uZy1lbm91Z2g=",
    ])
    .unwrap();
    assert!(!format!("{config:?}").contains("c2VjcmV0"));
}

#[test]
fn lifetimes_that_would_overflow_time_arithmetic_are_refused() {
    for flag in ["--session-lifetime", "--session-idle-timeout"] {
        assert!(
            Config::try_parse_from(["latch", flag, &u64::MAX.to_string()]).is_err(),
            "{flag}"
        );
    }
}

#[test]
fn idle_timeout_beyond_lifetime_is_refused() {
    let config = Config::try_parse_from([
        "latch",
        "--session-idle-timeout",
        "7200",
        "--session-lifetime",
        "3600",
    ])
    .unwrap();
    assert_eq!(config.validate(), Err(ConfigError::IdleLongerThanLifetime));
}

#[test]
fn origin_with_a_path_is_refused() {
    let err = config("https://example.com/app", "sqlite:x.db")
        .validate()
        .unwrap_err();
    assert!(matches!(err, ConfigError::NotAnOrigin(_)));
}

#[test]
fn unknown_database_is_refused_without_echoing_credentials() {
    let err = config("https://example.com", "mysql://root:hunter2@db/x")
        .validate()
        .unwrap_err();
    assert_eq!(err, ConfigError::UnsupportedDatabase("mysql".into()));
    assert!(!err.to_string().contains("hunter2"));
}

#[test]
fn debug_never_prints_the_database_password() {
    let config = Config::try_parse_from([
        "latch",
        "--database-url",
        "postgres://latch:hunter2-database-password@db.internal/latch",
    ])
    .unwrap();
    let shown = format!("{config:?}");
    assert!(!shown.contains("hunter2-database-password"), "{shown}");
}

#[test]
fn service_origins_are_origins_over_https_unless_on_loopback() {
    let parsed = |value: &str| Config::try_parse_from(["latch", "--service-origins", value]).map(|c| c.service_origins);
    assert_eq!(
        parsed("https://API.example.com:443,http://127.0.0.1:3200").unwrap(),
        ["https://api.example.com", "http://127.0.0.1:3200"],
        "written as Origin headers and CSP sources write them"
    );
    assert_eq!(Config::try_parse_from(["latch"]).unwrap().service_origins, Vec::<String>::new());
    for refused in ["http://api.example.com", "https://api.example.com/v1", "api.example.com", "https://a.example 'unsafe-inline'"] {
        assert!(parsed(refused).is_err(), "{refused}");
    }
}
