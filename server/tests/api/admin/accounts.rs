//! `latch users …`, `latch sessions …` and `latch events`: what an operator sees of the
//! accounts, and what disabling, enabling, ending sessions and deleting do everywhere.

use reqwest::StatusCode;
use serde_json::Value;

use super::Deployment;
use crate::helpers::{Backend, error_code, on_both_backends};

on_both_backends!(
    users_are_listed_and_shown_for_people_and_for_scripts,
    a_disabled_account_is_refused_on_every_instance_within_a_second,
    an_operator_ends_one_session_or_all_of_them,
    an_account_deleted_by_an_operator_is_gone_everywhere,
    events_are_json_lines_from_a_time_on,
    bad_input_is_a_clear_error_and_a_non_zero_exit,
);

const ADA: &str = "ada@example.com";

async fn users_are_listed_and_shown_for_people_and_for_scripts(backend: Backend) {
    let deployment = Deployment::start(backend).await;
    deployment.sign_up(ADA).await;
    deployment.sign_up("bo@example.com").await;

    let text = deployment.admin_ok(&["users", "list"]).stdout;
    assert!(text.starts_with("EMAIL"), "{text}");
    assert!(text.contains(ADA) && text.contains("bo@example.com"), "{text}");
    let listed = deployment.admin_ok(&["users", "list", "--json"]).json();
    let emails: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, [ADA, "bo@example.com"], "oldest first");

    let shown = deployment
        .admin_ok(&["users", "show", "Ada@Example.com", "--json"])
        .json();
    assert_eq!(shown["email"], ADA, "found however it is typed");
    assert_eq!(shown["sessions"], 1);
    assert_eq!(shown["disabled"], false);
    assert_eq!(shown["has_password"], true);
    assert!(shown.get("password_hash").is_none());
}

async fn a_disabled_account_is_refused_on_every_instance_within_a_second(backend: Backend) {
    let deployment = Deployment::start(backend).await;
    let session = deployment.sign_up(ADA).await;
    let other = deployment.sign_up("bo@example.com").await;

    let disabled = deployment.admin_ok(&["users", "disable", ADA, "--json"]).json();
    assert_eq!(disabled["changed"], true);
    assert!(
        deployment
            .refused_everywhere_within_a_second(&session.access_token)
            .await,
        "its access token stops on every instance"
    );
    let refused = deployment.sign_in(ADA).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(refused).await, "account_disabled");
    let refresh = deployment.refresh(&session.refresh_token).await;
    assert_eq!(refresh.status(), StatusCode::UNAUTHORIZED, "its sessions ended");
    assert!(
        deployment.accepted(&other.access_token).await,
        "nobody else is touched"
    );
    let again = deployment.admin_ok(&["users", "disable", ADA]).stdout;
    assert!(again.contains("already disabled"), "{again}");
    assert_eq!(
        deployment.admin_ok(&["users", "show", ADA, "--json"]).json()["disabled"],
        true
    );

    deployment.admin_ok(&["users", "enable", ADA]);
    let back = deployment.sign_in(ADA).await;
    assert_eq!(back.status(), StatusCode::OK);
    let back = crate::helpers::Session::from(back).await;
    let events = events_of(&deployment, &back).await;
    assert!(events.contains(&"account_disabled".to_string()), "{events:?}");
    assert!(events.contains(&"account_enabled".to_string()), "{events:?}");
    let subjects = deployment.subjects_to(ADA);
    assert!(
        subjects.iter().any(|s| s == "Your Latch account was disabled"),
        "{subjects:?}"
    );
    assert!(
        subjects
            .iter()
            .any(|s| s == "Your Latch account was enabled again"),
        "{subjects:?}"
    );
}

async fn events_of(deployment: &Deployment, session: &crate::helpers::Session) -> Vec<String> {
    let list: Vec<Value> = deployment
        .client
        .get(format!("{}/api/security-events", deployment.instances[0].address))
        .bearer_auth(&session.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list.iter()
        .map(|event| event["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn an_operator_ends_one_session_or_all_of_them(backend: Backend) {
    let deployment = Deployment::start(backend).await;
    let first = deployment.sign_up(ADA).await;
    let second = crate::helpers::Session::from(deployment.sign_in(ADA).await).await;
    let third = crate::helpers::Session::from(deployment.sign_in(ADA).await).await;
    let listed = deployment
        .admin_ok(&["sessions", "list", "--user", ADA, "--json"])
        .json();
    assert_eq!(listed.as_array().unwrap().len(), 3);

    let one = session_id(&first.access_token);
    let ended = deployment
        .admin_ok(&["sessions", "revoke", "--session", &one, "--json"])
        .json();
    assert_eq!(ended["ended"], 1);
    assert!(
        deployment
            .refused_everywhere_within_a_second(&first.access_token)
            .await
    );
    assert!(
        deployment.accepted(&second.access_token).await,
        "only the one named"
    );
    let twice = deployment.admin(&["sessions", "revoke", "--session", &one]);
    assert!(
        !twice.ok && twice.stderr.contains("already ended"),
        "{}",
        twice.stderr
    );

    let all = deployment
        .admin_ok(&["sessions", "revoke", "--user", ADA, "--json"])
        .json();
    assert_eq!(all["ended"], 2);
    for session in [&second, &third] {
        assert!(
            deployment
                .refused_everywhere_within_a_second(&session.access_token)
                .await
        );
    }
    let back = crate::helpers::Session::from(deployment.sign_in(ADA).await).await;
    let events = events_of(&deployment, &back).await;
    let by_admin = events
        .iter()
        .filter(|kind| *kind == "sessions_revoked_by_admin")
        .count();
    assert_eq!(by_admin, 2, "{events:?}");
}

/// The session an access token speaks for (its `sid` claim).
fn session_id(access_token: &str) -> String {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let payload = access_token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["sid"].as_str().expect("a session id claim").to_owned()
}

async fn an_account_deleted_by_an_operator_is_gone_everywhere(backend: Backend) {
    let deployment = Deployment::start(backend).await;
    let session = deployment.sign_up(ADA).await;
    deployment.admin_ok(&["users", "delete", ADA]);
    assert!(
        deployment
            .refused_everywhere_within_a_second(&session.access_token)
            .await
    );
    assert_eq!(deployment.sign_in(ADA).await.status(), StatusCode::UNAUTHORIZED);
    let shown = deployment.admin(&["users", "show", ADA]);
    assert!(
        !shown.ok && shown.stderr.contains("no account has the address"),
        "{}",
        shown.stderr
    );
    deployment.sign_up(ADA).await;
    let subjects = deployment.subjects_to(ADA);
    assert!(
        subjects.iter().any(|s| s == "Your Latch account was deleted"),
        "{subjects:?}"
    );
}

async fn events_are_json_lines_from_a_time_on(backend: Backend) {
    let deployment = Deployment::start(backend).await;
    deployment.sign_up(ADA).await;
    deployment.admin_ok(&["users", "disable", ADA]);
    let lines: Vec<Value> = deployment
        .admin_ok(&["events", "--user", ADA])
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect();
    let kinds: Vec<&str> = lines.iter().map(|line| line["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["signed_up", "account_disabled"], "oldest first");
    assert!(lines.iter().all(|line| line["user"] == ADA));
    let recent = deployment
        .admin_ok(&["events", "--user", ADA, "--since", "1h"])
        .stdout;
    assert_eq!(recent.lines().count(), 2);
    let later = deployment.admin_ok(&["events", "--user", ADA, "--since", "2999-01-01T00:00:00Z"]);
    assert_eq!(later.stdout, "", "nothing that late");
}

async fn bad_input_is_a_clear_error_and_a_non_zero_exit(backend: Backend) {
    let deployment = Deployment::start(backend).await;
    for (args, says) in [
        (
            &["users", "show", "nobody@example.com"][..],
            "no account has the address nobody@example.com",
        ),
        (&["users", "disable", "not an address"][..], "not an address"),
        (
            &["sessions", "revoke", "--session", "not-a-session"][..],
            "is not a session id",
        ),
        (
            &[
                "sessions",
                "revoke",
                "--session",
                "6f1c5e34-3a59-4c5f-9d0e-2a1f0b6c7d8e",
            ][..],
            "no session has the id",
        ),
        (
            &["events", "--user", ADA, "--since", "yesterday"][..],
            "give a time",
        ),
        (&["keys", "retire", "no-such-key"][..], "no key has the id"),
        // Key ids are base64url: one starting with `-` is an id, not an option (1 in 64).
        (
            &["keys", "retire", "-5abcdefghijklmn"][..],
            "no key has the id -5abcdefghijklmn",
        ),
    ] {
        let ran = deployment.admin(args);
        assert!(!ran.ok, "latch {args:?} must fail");
        assert!(ran.stderr.contains(says), "latch {args:?} says {:?}", ran.stderr);
        assert_eq!(ran.stdout, "", "nothing on stdout for a script to misread");
    }
    let usage = deployment.admin(&["sessions", "revoke"]);
    assert_eq!(usage.code, Some(2), "a usage error: {}", usage.stderr);
    assert!(usage.stderr.contains("--user"), "{}", usage.stderr);
}
