//! Tabular data: recognising a CSV file's encoding and delimiter, inferring its column types over the
//! whole file, and loading it into a hosted table.

pub mod infer;
pub mod ingest;
pub mod read;
pub mod sniff;
