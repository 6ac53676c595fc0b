//! What the latency benchmark is made of: its requests (`http`), the sign-in flood (`flood`),
//! and the device key bound sessions sign with (shared with the tests).

// The tests use every part of the key; the benchmark only signs with it.
#[allow(dead_code)]
#[path = "../../tests/support/dpop_key.rs"]
pub mod dpop_key;
pub mod flood;
pub mod http;
