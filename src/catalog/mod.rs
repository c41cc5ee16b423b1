//! The catalogue domain: value types that validate on construction, the dataset document, queries, and
//! the use cases that write SQL together with the `change_log` outbox. No HTTP types live here.

pub mod auth;
pub mod change;
pub mod dataset;
pub mod db;
pub mod document;
pub mod error;
pub mod fixtures;
pub mod harvest;
pub mod quality;
pub mod record;
pub mod repo;
pub mod search_source;
pub mod service;
pub mod table;
pub mod values;
pub mod vocab;
pub mod workspace;

pub use error::CatalogError;
pub use service::Catalog;

/// The record's connection pool: an opaque handle that callers outside the catalogue only pass
/// back to its functions.
pub use sea_orm::DatabaseConnection as Db;
/// A transaction on the record ([`Catalog::begin_write`]), passed back to the catalogue's
/// functions and committed (or rolled back) by the caller.
pub use sea_orm::DatabaseTransaction as Txn;
