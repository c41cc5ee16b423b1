//! Tabular data: recognising a CSV file's encoding and delimiter, and inferring its column types over
//! the whole file.

pub mod infer;
pub mod read;
pub mod sniff;
