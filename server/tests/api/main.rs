//! Integration tests: the real server on port 0 against a fresh SQLite file and a fresh
//! PostgreSQL database per test. `scripts/test` provides PostgreSQL through
//! `LATCH_TEST_POSTGRES_URL`.

mod database;
mod device_key;
#[path = "../support/dbsc_key.rs"]
mod dbsc_key;
#[path = "../support/dpop_key.rs"]
mod dpop_key;
#[path = "../support/passkey.rs"]
mod passkey;
mod database_state;
mod helpers;
mod process;
mod responses;
mod site;
mod smtp_sink;

mod admin;
mod assets;
mod auth;
mod binding;
mod bound_tokens;
mod compression;
mod corpus;
mod dbsc;
mod dpop_instances;
mod event_history;
mod faults;
mod hardening;
mod health;
mod input;
mod instances;
mod mail;
mod metrics;
mod notes;
mod passkeys;
mod passkeys_account;
mod pages;
mod profiles;
mod proof_origin;
mod properties;
mod races;
mod recovery;
mod replay_memory;
mod second_service;
mod sessions;
mod step_up;
mod theft;
mod throttle_flood;
mod throttling;
mod timeouts;
mod tokens;
mod upkeep;
mod your_data;
