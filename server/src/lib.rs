//! Latch's server: the Leptos SSR host and the authentication core.

pub mod config;
pub mod db;
pub mod error;
mod health;
pub mod startup;
mod state;
pub mod telemetry;
