//! The transactional outbox: one row per catalogue write, committed with it.

use sea_orm::entity::prelude::*;

/// One change.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change_log")]
pub struct Model {
    /// Sequence number, strictly increasing.
    #[sea_orm(primary_key)]
    pub seq: i64,
    /// `catalog`, `publisher`, `dataset` or `data_table`.
    pub entity_kind: String,
    /// Identifier of the changed entity.
    pub entity_id: Uuid,
    /// `create`, `update` or `withdraw`.
    pub operation: String,
    /// Commit time.
    pub created_at: DateTimeWithTimeZone,
    /// The token that made the change; `None` for the system's own entries.
    pub actor_token_id: Option<Uuid>,
    /// Through what: `api`, `ckan`, `workspace`, `cli` or `harvest`.
    pub channel: Option<String>,
}

/// A change has no relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
