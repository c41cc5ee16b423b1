//! SeaORM entities of the odcat record: one module per table, no queries.

pub mod api_token;
pub mod catalog;
pub mod change_log;
pub mod contact_point;
pub mod data_table;
pub mod dataset;
pub mod dataset_theme;
pub mod distribution;
pub mod harvest_job;
pub mod harvest_source;
pub mod harvested_dataset;
pub mod prelude;
pub mod publisher;
