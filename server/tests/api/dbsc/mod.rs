//! Device Bound Session Credentials with a software DBSC client (a P-256 or RSA key signing
//! `dbsc+jwt`, as Chrome does with the TPM's): the offer, registration, renewal on 403, and
//! what a copy of the cookie can still do (nothing, and the owner stays signed in).

mod client;

use reqwest::StatusCode;
use serde_json::Value;

use crate::{
    dbsc_key::DbscKey,
    dpop_key::DeviceKey,
    helpers::{Backend, Session, error_code, on_both_backends, spawn_app_with},
    responses::{cookie_value, refresh_set_cookie},
};
use client::{BINDING, blocked_attempts, bound, challenge_of, max_age, offer, param, register, renew};
use server::auth::tokens::dbsc::{Challenges, Purpose};

on_both_backends!(
    a_sign_in_offers_registration_and_the_key_binds_the_cookie_for_minutes,
    a_renewal_needs_a_fresh_challenge_signed_by_the_registered_key,
    a_lapsed_cookie_is_refused_and_the_owner_renews_without_it,
    a_stale_challenge_signed_by_the_key_earns_a_new_one_never_an_end,
    a_renewal_over_the_refresh_limit_waits_and_leaves_the_cookie_working,
    off_means_no_offer_and_no_registration,
);

async fn a_sign_in_offers_registration_and_the_key_binds_the_cookie_for_minutes(backend: Backend) {
    for dbsc in [DbscKey::es256(), DbscKey::rs256()] {
        let app = spawn_app_with(backend, &BINDING).await;
        let owner = DeviceKey::new();
        let started = app
            .start_bound("/api/auth/signup", "ada@example.com", &owner)
            .await;
        let offered = offer(&started).unwrap();
        let session = Session::from(started).await;
        let challenge = param(&offered, "challenge").to_string();
        let listed: Value = app
            .get_bound("/api/sessions", &session.access_token, &owner)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(listed[0]["binding"], "dpop", "until the key is registered");

        assert_eq!(
            register(&app, &session.refresh_token, None).await.status(),
            StatusCode::BAD_REQUEST
        );
        let other_key_over_garbage = dbsc.registration("not-a-challenge-of-this-session");
        assert_eq!(
            register(&app, &session.refresh_token, Some(&other_key_over_garbage))
                .await
                .status(),
            StatusCode::BAD_REQUEST
        );
        let unauthenticated = app
            .client
            .post(app.url("/api/auth/dbsc/register"))
            .header("Secure-Session-Response", dbsc.registration(&challenge))
            .send()
            .await
            .unwrap();
        assert_eq!(
            unauthenticated.status(),
            StatusCode::UNAUTHORIZED,
            "without the cookie"
        );

        let registered = register(&app, &session.refresh_token, Some(&dbsc.registration(&challenge))).await;
        assert_eq!(registered.status(), StatusCode::OK, "{}", dbsc.alg());
        assert_eq!(
            cookie_value(&refresh_set_cookie(&registered).unwrap()),
            session.refresh_token,
            "the same cookie"
        );
        assert!((590..=600).contains(&max_age(&registered)), "for one stretch");
        let config: Value = registered.json().await.unwrap();
        assert_eq!(config["refresh_url"], "/api/auth/dbsc/refresh");
        assert_eq!(config["scope"]["include_site"], false);
        assert_eq!(config["credentials"][0]["name"], "latch_refresh");
        assert_eq!(
            config["credentials"][0]["attributes"],
            "Path=/api/auth; Secure; HttpOnly; SameSite=Strict"
        );
        assert!(
            config["session_identifier"]
                .as_str()
                .is_some_and(|id| !id.is_empty())
        );

        let again = register(
            &app,
            &session.refresh_token,
            Some(&DbscKey::es256().registration(&challenge)),
        )
        .await;
        assert_eq!(again.status(), StatusCode::BAD_REQUEST, "one key per session");

        let listed: Value = app
            .get_bound("/api/sessions", &session.access_token, &owner)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(listed[0]["binding"], "dbsc+dpop");
        let refreshed = app.refresh_bound(&session.refresh_token, &owner).await;
        assert_eq!(refreshed.status(), StatusCode::OK);
        assert!(
            offer(&refreshed).is_none(),
            "a bound session is offered nothing more"
        );
        assert!(
            max_age(&refreshed) <= 600,
            "a refresh does not lengthen the stretch"
        );
    }
}

async fn a_renewal_needs_a_fresh_challenge_signed_by_the_registered_key(backend: Backend) {
    let app = spawn_app_with(backend, &BINDING).await;
    let (owner, dbsc) = (DeviceKey::new(), DbscKey::es256());
    let (session, id) = bound(&app, &owner, &dbsc).await;

    let challenge = challenge_of(&renew(&app, &id, None, Some(&session.refresh_token)).await, &id);
    let thief = renew(
        &app,
        &id,
        Some(&DbscKey::es256().renewal(&challenge)),
        Some(&session.refresh_token),
    )
    .await;
    challenge_of(&thief, &id);
    assert!(refresh_set_cookie(&thief).is_none());
    assert_eq!(blocked_attempts(&app).await, 1, "recorded");
    assert_eq!(
        app.get_bound("/api/me", &session.access_token, &owner)
            .await
            .status(),
        StatusCode::OK,
        "alive"
    );

    let signed = dbsc.renewal(&challenge);
    let renewed = renew(&app, &id, Some(&signed), Some(&session.refresh_token)).await;
    assert_eq!(renewed.status(), StatusCode::OK);
    let token = cookie_value(&refresh_set_cookie(&renewed).unwrap()).to_string();
    assert_ne!(token, session.refresh_token, "rotated");
    assert!((590..=600).contains(&max_age(&renewed)));

    let replayed = renew(&app, &id, Some(&signed), Some(&token)).await;
    challenge_of(&replayed, &id);
    assert!(
        refresh_set_cookie(&replayed).is_none(),
        "a replayed renewal renews nothing"
    );
    // A refresh racing the renewal with the cookie it replaced gets the renewal's token.
    let raced = app.refresh_bound(&session.refresh_token, &owner).await;
    assert_eq!(raced.status(), StatusCode::OK);
    assert_eq!(cookie_value(&refresh_set_cookie(&raced).unwrap()), token);

    let unknown = renew(&app, "no-such-session", None, None).await;
    assert_eq!(unknown.status(), StatusCode::OK);
    let told: Value = unknown.json().await.unwrap();
    assert_eq!(
        (told["session_identifier"].as_str(), told["continue"].as_bool()),
        (Some("no-such-session"), Some(false))
    );
}

async fn a_lapsed_cookie_is_refused_and_the_owner_renews_without_it(backend: Backend) {
    let app = spawn_app_with(backend, &BINDING).await;
    let (owner, dbsc) = (DeviceKey::new(), DbscKey::es256());
    let (session, id) = bound(&app, &owner, &dbsc).await;
    let lapsed = server::clock::now_millis() - 60_000;
    server::with_pool!(&app.db, |pool| {
        sqlx::query("UPDATE sessions SET dbsc_until = $1")
            .bind(lapsed)
            .execute(pool)
            .await
            .unwrap();
    });

    // A copy of the whole profile, DPoP key included, but not the device's hardware key.
    let copied = app.refresh_bound(&session.refresh_token, &owner).await;
    assert_eq!(copied.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(copied).await, "invalid_refresh_token");
    assert_eq!(blocked_attempts(&app).await, 1);

    // The owner's browser dropped the lapsed cookie and renews without it.
    let challenge = challenge_of(&renew(&app, &id, None, None).await, &id);
    let renewed = renew(&app, &id, Some(&dbsc.renewal(&challenge)), None).await;
    assert_eq!(renewed.status(), StatusCode::OK);
    let token = cookie_value(&refresh_set_cookie(&renewed).unwrap()).to_string();
    let refreshed = app.refresh_bound(&token, &owner).await;
    assert_eq!(refreshed.status(), StatusCode::OK, "the owner goes on");

    let keyless = app
        .post_with_proof("/api/auth/refresh", &session.refresh_token, None)
        .await;
    assert_eq!(
        keyless.status(),
        StatusCode::UNAUTHORIZED,
        "the old cookie, without any key"
    );
    let now_current = cookie_value(&refresh_set_cookie(&refreshed).unwrap()).to_string();
    assert_eq!(
        app.refresh_bound(&now_current, &owner).await.status(),
        StatusCode::OK,
        "still signed in"
    );
}

async fn off_means_no_offer_and_no_registration(backend: Backend) {
    let app = spawn_app_with(backend, &["--device-binding", "require", "--dbsc", "off"]).await;
    let owner = DeviceKey::new();
    let started = app
        .start_bound("/api/auth/signup", "ada@example.com", &owner)
        .await;
    assert!(offer(&started).is_none());
    let session = Session::from(started).await;
    let registered = register(
        &app,
        &session.refresh_token,
        Some(&DbscKey::es256().registration("c")),
    )
    .await;
    assert_eq!(registered.status(), StatusCode::NOT_FOUND);
    assert!(
        (max_age(&app.refresh_bound(&session.refresh_token, &owner).await)) > 600,
        "the cookie lives as long as its session"
    );
}

#[tokio::test]
async fn a_session_without_a_device_key_is_offered_nothing() {
    // DBSC is a layer on DPoP: a bearer session (binding `allow`, no key) gets no offer.
    let app = crate::helpers::spawn_app(Backend::Sqlite).await;
    let started = app.signup("ada@example.com", crate::helpers::PASSWORD).await;
    assert_eq!(started.status(), StatusCode::CREATED);
    assert!(offer(&started).is_none());
}

async fn a_stale_challenge_signed_by_the_key_earns_a_new_one_never_an_end(backend: Backend) {
    let app = spawn_app_with(backend, &BINDING).await;
    let (owner, dbsc) = (DeviceKey::new(), DbscKey::es256());
    let (session, id) = bound(&app, &owner, &dbsc).await;
    // A challenge this server made for this session six minutes ago (past its five): the
    // browser took its time, or another tab's renewal overtook it.
    let secret = server::secret::ServerSecret::load(&app.config).unwrap();
    let six_minutes_ago = u64::try_from(server::clock::now_millis() / 1000).unwrap() - 360;
    let stale = Challenges::new(secret.dbsc_challenge_key).issue(Purpose::Renewal, &id, six_minutes_ago);

    let answered = renew(
        &app,
        &id,
        Some(&dbsc.renewal(&stale)),
        Some(&session.refresh_token),
    )
    .await;
    let fresh = challenge_of(&answered, &id);
    assert_ne!(fresh, stale);
    assert!(refresh_set_cookie(&answered).is_none(), "nothing renewed");
    assert_eq!(
        blocked_attempts(&app).await,
        0,
        "the owner's own key: no attempt to record"
    );
    let renewed = renew(
        &app,
        &id,
        Some(&dbsc.renewal(&fresh)),
        Some(&session.refresh_token),
    )
    .await;
    assert_eq!(
        renewed.status(),
        StatusCode::OK,
        "the new challenge, signed, renews"
    );
}

async fn a_renewal_over_the_refresh_limit_waits_and_leaves_the_cookie_working(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &["--device-binding", "require", "--refreshes-per-session", "1"],
    )
    .await;
    let (owner, dbsc) = (DeviceKey::new(), DbscKey::es256());
    let (session, id) = bound(&app, &owner, &dbsc).await;
    let refreshed = app.refresh_bound(&session.refresh_token, &owner).await;
    assert_eq!(refreshed.status(), StatusCode::OK, "the minute's one refresh");
    let cookie = cookie_value(&refresh_set_cookie(&refreshed).unwrap()).to_string();

    // Over the limit, a renewal carrying the cookie must not swap it behind the browser's
    // back (a refresh holding it would then look like a copy): it waits, as a 503.
    let challenge = challenge_of(&renew(&app, &id, None, Some(&cookie)).await, &id);
    let waiting = renew(&app, &id, Some(&dbsc.renewal(&challenge)), Some(&cookie)).await;
    assert_eq!(waiting.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(refresh_set_cookie(&waiting).is_none());
    let current: i64 = server::with_pool!(&app.db, |pool| {
        sqlx::query_scalar("SELECT COUNT(*) FROM refresh_tokens WHERE retired_at IS NULL")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert_eq!(current, 1, "one current token, the browser's");
    assert_eq!(
        app.get_bound("/api/me", &session.access_token, &owner)
            .await
            .status(),
        StatusCode::OK
    );
}
