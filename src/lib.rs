//! odcat: an open-data catalogue service publishing DCAT-AP 3 / DCAT-AP.de metadata, data downloads, a
//! JSON API and a SPARQL 1.1 endpoint. SQL is the record; see `DESIGN.md`.

pub mod catalog;
pub mod cli;
pub mod config;
pub mod error;
pub mod feed;
pub mod harvest;
pub mod http;
pub mod negotiate;
pub mod quality;
pub mod rdf;
pub mod search;
pub mod sparql;
pub mod startup;
pub mod tabular;
pub mod telemetry;
pub mod web;

/// Opening and migrating the record database (part of the catalogue's SQL boundary).
pub use catalog::db;
