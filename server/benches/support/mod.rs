//! What the latency benchmark is made of: its requests (`http`), its throw-away PostgreSQL
//! database (`pg_database`, shared with the load benchmark), and the device key bound
//! sessions sign with (shared with the tests).

// The tests use every part of the key; the benchmark only signs with it.
#[allow(dead_code)]
#[path = "../../tests/support/dpop_key.rs"]
pub mod dpop_key;
pub mod http;
pub mod pg_database;
