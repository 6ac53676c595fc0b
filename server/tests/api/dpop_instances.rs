//! DPoP proofs across instances sharing one PostgreSQL: a proof spent at one is spent at all,
//! however many requests arrive at once (the instances write the proofs they see in batches).

use futures::future::join_all;
use reqwest::StatusCode;

use crate::{
    device_key::{DeviceKey, nonce_of},
    helpers::{Backend, ORIGIN, Session, TestDatabase},
    process::Instance,
};

/// Two instances with device binding required, and one bound session on them.
struct Pair {
    a: Instance,
    b: Instance,
    client: reqwest::Client,
    key: DeviceKey,
    nonce: String,
    token: String,
    _database: TestDatabase,
    _secret: tempfile::TempDir,
}

impl Pair {
    async fn start() -> Pair {
        let database = TestDatabase::new(Backend::Postgres).await;
        let secret = tempfile::tempdir().unwrap();
        let secret_file = secret.path().join("latch.secret");
        let secret_file = secret_file.to_str().unwrap();
        let require = [("LATCH_DEVICE_BINDING", "require")];
        let a = Instance::start_with(database.url(), secret_file, &require).await;
        let b = Instance::start_with(database.url(), secret_file, &require).await;
        let client = reqwest::Client::new();
        let key = DeviceKey::new();

        // Proofs name the public origin, which both instances serve; the nonce is the shared one.
        let nonce = nonce_of(&client.get(format!("{}/api/me", a.address)).send().await.unwrap()).unwrap();
        let signup = client
            .post(format!("{}/api/auth/signup", a.address))
            .header(
                "DPoP",
                key.proof("POST", &format!("{ORIGIN}/api/auth/signup"), &nonce, None),
            )
            .json(&serde_json::json!({"email": "ada@example.com", "password": crate::helpers::PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(signup.status(), StatusCode::CREATED);
        let token = Session::from(signup).await.access_token;
        Pair {
            a,
            b,
            client,
            key,
            nonce,
            token,
            _database: database,
            _secret: secret,
        }
    }

    fn proof(&self) -> String {
        self.key
            .proof("GET", &format!("{ORIGIN}/api/me"), &self.nonce, Some(&self.token))
    }

    async fn me(&self, address: &str, proof: String) -> reqwest::Result<reqwest::Response> {
        self.client
            .get(format!("{address}/api/me"))
            .header("authorization", format!("DPoP {}", self.token))
            .header("DPoP", proof)
            .send()
            .await
    }
}

#[tokio::test]
async fn a_dpop_proof_used_at_one_instance_is_refused_at_another() {
    let pair = Pair::start().await;
    let (a, b) = (&pair.a.address, &pair.b.address);
    let proof = pair.proof();
    assert_eq!(pair.me(a, proof.clone()).await.unwrap().status(), StatusCode::OK);
    let replayed = pair.me(b, proof).await.unwrap();
    assert_eq!(
        replayed.status(),
        StatusCode::UNAUTHORIZED,
        "the other instance remembers the proof"
    );
    assert_eq!(
        pair.me(b, pair.proof()).await.unwrap().status(),
        StatusCode::OK,
        "a new proof works there"
    );
}

#[tokio::test]
async fn many_proofs_at_once_are_each_spent_once_across_instances() {
    let pair = Pair::start().await;
    let addresses = [pair.a.address.as_str(), pair.b.address.as_str()];

    // Distinct proofs, all at once, half at each instance: every one is accepted.
    let fresh = (0..64).map(|i| pair.me(addresses[i % 2], pair.proof()));
    for response in join_all(fresh).await {
        assert_eq!(response.unwrap().status(), StatusCode::OK);
    }

    // Each of eight proofs sent six times at once, alternating instances: one use each.
    let proofs: Vec<String> = (0..8).map(|_| pair.proof()).collect();
    let replays = (0..48).map(|i| pair.me(addresses[i % 2], proofs[i % 8].clone()));
    let statuses: Vec<StatusCode> = join_all(replays)
        .await
        .into_iter()
        .map(|response| response.unwrap().status())
        .collect();
    for (i, _) in proofs.iter().enumerate() {
        let accepted = statuses
            .iter()
            .skip(i)
            .step_by(8)
            .filter(|status| **status == StatusCode::OK)
            .count();
        assert_eq!(accepted, 1, "proof {i} was accepted {accepted} times");
    }
    assert!(
        statuses
            .iter()
            .all(|status| [StatusCode::OK, StatusCode::UNAUTHORIZED].contains(status)),
        "{statuses:?}"
    );
}
