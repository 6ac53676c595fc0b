//! `latch keys list|rotate|retire`: a rotation signs new tokens and keeps old ones working; a
//! key that may still verify a live token is not deleted unless forced, and says until when.

use serde_json::Value;

use super::Deployment;
use crate::helpers::{Backend, on_both_backends};

on_both_backends!(keys_rotate_and_retire_only_when_safe_unless_forced);

async fn keys_rotate_and_retire_only_when_safe_unless_forced(backend: Backend) {
    let deployment = Deployment::start(backend).await;
    let session = deployment.sign_up("ada@example.com").await;
    let keys = || deployment.admin_ok(&["keys", "list", "--json"]).json();
    let first = keys();
    assert_eq!(first.as_array().unwrap().len(), 1);
    assert_eq!(first[0]["state"], "signing");
    let old = first[0]["kid"].as_str().unwrap().to_owned();

    let refused = deployment.admin(&["keys", "retire", &old]);
    assert!(
        !refused.ok && refused.stderr.contains("rotate first"),
        "{}",
        refused.stderr
    );

    let rotated = deployment.admin_ok(&["keys", "rotate", "--json"]).json();
    let listed = keys();
    assert_eq!(listed[0]["kid"], rotated["kid"]);
    assert_eq!(listed[0]["state"], "signing");
    assert_eq!(listed[1]["state"], "verifying");
    assert!(listed[1]["until"].as_i64().is_some());
    assert!(
        deployment.accepted(&session.access_token).await,
        "its tokens still verify"
    );

    let not_yet = deployment.admin(&["keys", "retire", &old]);
    assert!(!not_yet.ok, "it may still verify a live token");
    assert!(
        not_yet.stderr.contains("may still verify live tokens until"),
        "{}",
        not_yet.stderr
    );
    assert_eq!(keys().as_array().unwrap().len(), 2, "nothing deleted");

    deployment.admin_ok(&["keys", "retire", &old, "--force"]);
    let left: Vec<Value> = keys().as_array().unwrap().clone();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["kid"], rotated["kid"]);
}
