//! Latch's server: the Leptos SSR host and the authentication core.

pub mod admin;
mod allocator;
pub mod api;
pub mod assets;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
mod health;
pub mod mail;
pub mod metrics;
// The product built on Latch (`product` is where Latch's code meets it); `notes` is the
// worked example.
pub mod notes;
pub mod product;
pub mod secret;
pub mod serve;
pub mod startup;
pub mod state;
pub mod telemetry;
