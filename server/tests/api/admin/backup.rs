//! `latch backup <file>` on SQLite, taken while sessions refresh: the copy holds whole
//! transactions only, so restored in the database's place, every session refreshes on it
//! (from the refresh token that was current when the copy was taken).

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, Ordering},
};

use reqwest::StatusCode;

use super::Deployment;
use crate::{
    helpers::{Backend, ORIGIN, Session},
    process::Instance,
};

const SESSIONS: usize = 6;

#[tokio::test]
async fn a_backup_taken_while_sessions_refresh_restores_to_one_where_each_still_refreshes() {
    let deployment = Deployment::start(Backend::Sqlite).await;
    let address = deployment.instances[0].address.clone();
    // Every refresh token each session was given, oldest first.
    let mut chains = Vec::new();
    for i in 0..SESSIONS {
        let session = deployment.sign_up(&format!("user{i}@example.com")).await;
        chains.push(Arc::new(Mutex::new(vec![session.refresh_token])));
    }
    let running = Arc::new(AtomicBool::new(true));
    let refreshers: Vec<_> = chains
        .iter()
        .map(|chain| {
            let (chain, running, client, address) = (
                chain.clone(),
                running.clone(),
                deployment.client.clone(),
                address.clone(),
            );
            tokio::spawn(async move {
                while running.load(Ordering::Relaxed) {
                    let current = chain.lock().unwrap().last().unwrap().clone();
                    let refreshed = refresh(&client, &address, &current).await;
                    assert_eq!(refreshed.status(), StatusCode::OK, "refreshes as it goes");
                    let next = Session::from(refreshed).await.refresh_token;
                    chain.lock().unwrap().push(next);
                    // Under the per-session refresh limit.
                    tokio::time::sleep(std::time::Duration::from_millis(120)).await;
                }
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let copy = deployment.outbox().with_file_name("copy.db");
    let ran = deployment
        .admin_ok(&["backup", copy.to_str().unwrap(), "--json"])
        .json();
    assert!(ran["bytes"].as_u64().unwrap() > 0);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    running.store(false, Ordering::Relaxed);
    for refresher in refreshers {
        refresher.await.unwrap();
    }
    let refreshed: usize = chains.iter().map(|chain| chain.lock().unwrap().len()).sum();
    assert!(
        refreshed > 2 * SESSIONS,
        "refreshes ran around the backup ({refreshed} tokens)"
    );

    // Restored: a server on the copy, with the deployment's secret.
    let secret = deployment.outbox().with_file_name("latch.secret");
    let restored = Instance::start(&format!("sqlite:{}", copy.display()), secret.to_str().unwrap()).await;
    let client = reqwest::Client::new();
    for chain in &chains {
        let tokens = chain.lock().unwrap().clone();
        // Newest first: a token issued after the copy is unknown to it (and changes nothing);
        // the first one it knows must be the session's current token there.
        let mut answered = None;
        for token in tokens.iter().rev() {
            let response = refresh(&client, &restored.address, token).await;
            if response.status() == StatusCode::UNAUTHORIZED
                && crate::helpers::error_code(response).await == "invalid_refresh_token"
            {
                continue;
            }
            answered = Some(token.clone());
            break;
        }
        assert!(
            answered.is_some(),
            "every session refreshes on the restored database"
        );
    }
}

async fn refresh(client: &reqwest::Client, address: &str, token: &str) -> reqwest::Response {
    client
        .post(format!("{address}/api/auth/refresh"))
        .header("cookie", format!("latch_refresh={token}"))
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap()
}
