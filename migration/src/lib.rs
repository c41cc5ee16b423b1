//! Append-only schema migrations of the odcat record.
//!
//! Migrations use their own identifiers and never import the `entities` crate, so an old migration keeps
//! compiling when the entities change.

pub use sea_orm_migration::prelude::*;

mod m20261129_000001_create_catalog;
mod m20261129_000002_dataset_published_at;
mod m20261130_000003_dataset_status_id;
mod m20261130_000004_distribution_table_schema;
mod m20261206_000005_dataset_listing_positions;
mod m20261206_000006_dataset_identifier_dates;
mod m20261206_000007_drop_dataset_search_text;
mod m20261206_000008_harvest;
mod m20261207_000009_quality;
mod m20261207_000010_workspace;
mod m20261207_000011_oidc_subject;
mod m20261207_000012_lookup_indexes;

/// Runs every migration of the odcat record in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_create_catalog::Migration),
            Box::new(m20261129_000002_dataset_published_at::Migration),
            Box::new(m20261130_000003_dataset_status_id::Migration),
            Box::new(m20261130_000004_distribution_table_schema::Migration),
            Box::new(m20261206_000005_dataset_listing_positions::Migration),
            Box::new(m20261206_000006_dataset_identifier_dates::Migration),
            Box::new(m20261206_000007_drop_dataset_search_text::Migration),
            Box::new(m20261206_000008_harvest::Migration),
            Box::new(m20261207_000009_quality::Migration),
            Box::new(m20261207_000010_workspace::Migration),
            Box::new(m20261207_000011_oidc_subject::Migration),
            Box::new(m20261207_000012_lookup_indexes::Migration),
        ]
    }
}
