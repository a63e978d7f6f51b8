//! Homeroom: the parent and student portal that school districts give their families.
//!
//! Data flows one way: the adapters (`web`, `api`, `cli`) call `services`; services use
//! `domain` rules and the `store`; the store speaks in domain types.

/// The JSON API under `/api/v1`.
pub mod api;
/// The configuration, store and clock every adapter holds.
pub mod app;
/// The command line.
pub mod cli;
/// The time, movable in tests.
pub mod clock;
/// One typed configuration from file, environment and flags.
pub mod config;
/// Newtypes and rules with no I/O.
pub mod domain;
/// The portal's languages and their words.
pub mod i18n;
/// What a node counts, for the operator.
pub mod metrics;
/// Random secrets and their hashes.
pub mod secrets;
/// Middleware, error mapping, health and graceful shutdown.
pub mod server;
/// One module per capability.
pub mod services;
/// The only SQL, for SQLite and PostgreSQL.
pub mod store;
/// Server-rendered pages.
pub mod web;
