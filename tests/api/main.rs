//! The integration tests: one binary, each test with its own server on a random port and its own
//! database (SQLite file, or a fresh PostgreSQL database when `TEST_DATABASE_URL` is set).
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "test code")]

mod architecture;
mod ckan;
mod crash;
mod crawl;
mod datasets;
mod distributions;
mod downloads;
mod errors;
mod fixtures;
mod hardening;
mod harvest;
mod harvesting;
mod health;
mod helpers;
mod hostile;
mod openapi;
mod portal;
mod quality;
mod rdf;
mod refusals;
mod search;
mod sparql;
mod sparql_hostile;
mod tables;
mod uploads;
mod workspace;
mod writes;
