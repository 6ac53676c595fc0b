//! On SQLite, what one process tells the others (an operator's command, a server's own
//! revocations) is a row of `instance_notices` in the shared file. A server that starts later
//! still applies the notices a live token may concern; older ones are deleted, so the table
//! does not grow with the deployment's age.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::{Connection, SqliteConnection};

use super::Deployment;
use crate::{helpers::Backend, process::Instance};

const ADA: &str = "ada@example.com";

async fn notices(file: &mut SqliteConnection) -> Vec<(String, String)> {
    sqlx::query_as("SELECT channel, payload FROM instance_notices ORDER BY id")
        .fetch_all(file)
        .await
        .unwrap()
}

#[tokio::test]
async fn notices_outlive_a_restart_while_a_token_could_live_and_older_ones_are_deleted() {
    let mut deployment = Deployment::start(Backend::Sqlite).await;
    let ada = deployment.sign_up(ADA).await;
    let bo = deployment.sign_up("bo@example.com").await;
    deployment.admin_ok(&["sessions", "revoke", "--user", ADA]);
    assert!(
        deployment
            .refused_everywhere_within_a_second(&ada.access_token)
            .await
    );

    let mut file = SqliteConnection::connect(deployment.database.url())
        .await
        .unwrap();
    let recent = notices(&mut file).await;
    assert!(
        recent.iter().any(|(channel, _)| channel == "latch_session_revoked"),
        "{recent:?}"
    );
    let two_days_ago = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .saturating_sub(Duration::from_secs(2 * 24 * 3600));
    sqlx::query(
        "INSERT INTO instance_notices (channel, payload, at) VALUES ('latch_session_revoked', 'long-gone', $1)",
    )
    .bind(two_days_ago.as_millis() as i64)
    .execute(&mut file)
    .await
    .unwrap();

    // A server started now: the revocation still holds there, read from the kept notice.
    deployment.instances.pop().unwrap().kill();
    let secret = deployment.dir.path().join("latch.secret");
    deployment
        .instances
        .push(Instance::start(deployment.database.url(), secret.to_str().unwrap()).await);
    assert!(
        !deployment.accepted(&ada.access_token).await,
        "the restarted server refuses the revoked token"
    );
    assert!(deployment.accepted(&bo.access_token).await, "and only that one");

    let mut left = notices(&mut file).await;
    for _ in 0..40 {
        if left.len() == recent.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = notices(&mut file).await;
    }
    assert_eq!(left, recent, "the stale notice is deleted, the recent ones kept");
}
