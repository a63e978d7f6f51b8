//! Every integration test, in one binary so that it links once. Each test starts the real app
//! on 127.0.0.1:0 with a fresh database: a temporary SQLite file, or with
//! HOMEROOM_TEST_DATABASE_URL=postgres://… a fresh schema in that PostgreSQL database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod absences;
mod activation;
mod admin;
mod cli;
mod cluster;
mod console_matrix;
mod conversations;
mod crash;
mod demo;
mod finder;
mod harness;
mod health;
mod http;
mod import;
mod import_hostile;
mod import_quirks;
mod language;
mod links;
mod login;
mod maintenance;
mod new_device;
mod nodes;
mod notifications;
mod outage;
mod passkeys;
mod pooler;
mod portal;
mod push;
mod push_security;
mod recovery;
mod replica;
mod schema;
mod second_factor;
mod security;
mod smtp;
mod snapshots;
mod spanish_access;
mod spanish_console;
mod spanish_portal;
mod sso;
mod staff_reads;
mod wal;
