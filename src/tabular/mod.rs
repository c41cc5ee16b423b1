//! Tabular data: recognising a CSV file's encoding and delimiter, inferring its column types over the
//! whole file, loading it into a hosted table, and streaming it back out as CSV, JSON or NDJSON.

pub mod describe;
pub mod export;
pub mod infer;
pub mod ingest;
pub mod quotes;
pub mod read;
pub mod schema;
pub mod sniff;
pub mod storage;

pub use storage::{query, sqlite_export};
