//! `intake`: the only live server. It validates one application at a time
//! with the campaign's rules, stores it durably by group commit, and answers
//! honestly: every 2xx means committed, and under a flood it answers 503 with
//! Retry-After at once rather than letting anyone wait without end.
//!
//! `main.rs` is a thin wrapper; integration tests build the same [`app::Intake`].

pub mod admission;
pub mod answer;
pub mod app;
pub mod calendar;
pub mod clock;
pub mod config;
pub mod connections;
pub mod error;
pub mod finish;
pub mod language;
pub mod metrics;
pub mod paths;
pub mod refusals;
pub mod routes;
pub mod state;
pub mod submission;
pub mod throttled_log;
pub mod writer;

pub use cli::load_catalogue;
