//! The catalogue domain: value types that validate on construction, the dataset document, queries, and
//! the use cases that write SQL together with the `change_log` outbox. No HTTP types live here.

pub mod auth;
pub mod change;
pub mod dataset;
pub mod document;
pub mod error;
pub mod fixtures;
pub mod repo;
pub mod search_source;
pub mod service;
pub mod table;
pub mod values;
pub mod vocab;

pub use error::CatalogError;
pub use service::Catalog;
