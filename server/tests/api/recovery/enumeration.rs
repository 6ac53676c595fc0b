//! Nobody learns which addresses have accounts: sign-up and reset answer an address with an
//! account exactly as one without, in status, body, headers that matter, and time.

use std::time::{Duration, Instant};

use reqwest::{Response, StatusCode};
use serde_json::json;

use super::{confirmed, spawn_with_mail};
use crate::helpers::{Backend, PASSWORD, TestApp, on_both_backends, refresh_set_cookie};

on_both_backends!(sign_up_and_reset_answer_alike_for_every_address);

/// Status, body and whether a cookie was set: everything but the time.
async fn answer(response: Response) -> (StatusCode, bool, String) {
    let cookie = refresh_set_cookie(&response).is_some();
    (response.status(), cookie, response.text().await.unwrap())
}

/// The median times of `rounds` requests of each kind, made alternately so that drift on a
/// busy machine hits both alike.
async fn paired<A, B, FA, FB>(rounds: usize, mut a: A, mut b: B) -> (Duration, Duration)
where
    A: FnMut(usize) -> FA,
    B: FnMut(usize) -> FB,
    FA: Future<Output = Response>,
    FB: Future<Output = Response>,
{
    let (mut times_a, mut times_b) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let started = Instant::now();
        assert!(a(round).await.status().is_success());
        times_a.push(started.elapsed());
        let started = Instant::now();
        assert!(b(round).await.status().is_success());
        times_b.push(started.elapsed());
    }
    times_a.sort();
    times_b.sort();
    (times_a[rounds / 2], times_b[rounds / 2])
}

async fn reset(app: &TestApp, email: &str) -> Response {
    app.post_json("/api/auth/password-reset", &json!({ "email": email }))
        .await
}

async fn sign_up_and_reset_answer_alike_for_every_address(backend: Backend) {
    let settings = ["--mails-per-account", "1000", "--signups-per-address", "1000"];
    let (app, sink) = spawn_with_mail(backend, &settings).await;
    confirmed(&app, &sink, "taken@example.com").await;

    let new = answer(app.signup("free@example.com", PASSWORD).await).await;
    let taken = answer(app.signup("taken@example.com", PASSWORD).await).await;
    assert_eq!(new, taken, "sign-up: the same status, body and cookies");
    let existing = sink.nth_to("taken@example.com", 2).await;
    assert_eq!(existing.subject(), "You already have a Latch account");
    assert!(existing.text().contains("/forgot-password"));
    let unknown = answer(reset(&app, "nobody@example.com").await).await;
    let known = answer(reset(&app, "taken@example.com").await).await;
    assert_eq!(unknown, known, "reset: the same status, body and cookies");

    // Timing. The bound is wide (noise here is several ms); skipping the hash for a taken
    // address, or mailing before answering, would cost far more than it, in every attempt.
    // Other tests hash passwords on the same two cores meanwhile, so one burst of theirs can
    // skew a measurement: it is made up to three times, and one close result passes.
    let mut attempts = Vec::new();
    for _ in 0..3 {
        let medians = timing(&app).await;
        if medians.close() {
            return;
        }
        attempts.push(medians);
    }
    panic!("an address with an account answers at another speed, in each attempt: {attempts:#?}");
}

/// Median times: sign-up of a new and a taken address, reset of a known and an unknown one.
#[derive(Debug)]
struct Medians {
    sign_up: (Duration, Duration),
    reset: (Duration, Duration),
}

impl Medians {
    fn close(&self) -> bool {
        let close = |(a, b): (Duration, Duration)| a.abs_diff(b) <= Duration::from_millis(8) + a.max(b) / 4;
        close(self.sign_up) && close(self.reset)
    }
}

async fn timing(app: &TestApp) -> Medians {
    let rounds = 9;
    let sign_up = paired(
        rounds,
        |_| {
            let email = format!("new-{}@example.com", uuid::Uuid::new_v4().simple());
            async move { app.signup(&email, PASSWORD).await }
        },
        |_| app.signup("taken@example.com", PASSWORD),
    )
    .await;
    let reset = paired(
        rounds,
        |_| reset(app, "taken@example.com"),
        |_| reset(app, "nobody@example.com"),
    )
    .await;
    Medians { sign_up, reset }
}
