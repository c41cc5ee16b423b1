//! The last check of one URL a distribution names.

use sea_orm::entity::prelude::*;

/// One row per distinct URL.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "link_check")]
pub struct Model {
    /// SHA-256 of the URL (hex).
    #[sea_orm(primary_key, auto_increment = false)]
    pub url_hash: String,
    /// The URL.
    pub url: String,
    /// Its host (for politeness limits and reports).
    pub host: String,
    /// The last HTTP status code, when there was an answer.
    pub status_code: Option<i32>,
    /// Whether it answered 2xx or 3xx; `None` before the first check.
    pub reachable: Option<bool>,
    /// Why it is unreachable (timeout, DNS, refused, a private address, ...).
    pub reason: Option<String>,
    /// When it was last checked.
    pub checked_at: Option<DateTimeWithTimeZone>,
    /// When it is due again.
    pub next_check_at: DateTimeWithTimeZone,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
