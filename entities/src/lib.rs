//! SeaORM entities of the odcat record: one module per table, no queries.

pub mod api_token;
pub mod catalog;
pub mod change_log;
pub mod contact_point;
pub mod data_table;
pub mod dataset;
pub mod dataset_quality;
pub mod dataset_theme;
pub mod distribution;
pub mod feed_position;
pub mod harvest_job;
pub mod harvest_source;
pub mod harvested_dataset;
pub mod link_check;
pub mod login_link;
pub mod prelude;
pub mod publisher;
pub mod quality_loss;
pub mod workspace_session;
