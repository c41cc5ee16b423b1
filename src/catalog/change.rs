//! The `change_log` outbox: the row a write adds in its own transaction, read by the RDF projector.

use chrono::Utc;
use entities::change_log;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use uuid::Uuid;

/// What kind of entity changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntityKind {
    /// The catalogue record.
    Catalog,
    /// A publisher.
    Publisher,
    /// A dataset with its distributions and contact point.
    Dataset,
    /// The rows of a hosted table.
    DataTable,
}

impl EntityKind {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Catalog => "catalog",
            Self::Publisher => "publisher",
            Self::Dataset => "dataset",
            Self::DataTable => "data_table",
        }
    }
}

/// What happened to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// Created.
    Create,
    /// Changed.
    Update,
    /// Withdrawn.
    Withdraw,
}

impl Operation {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Withdraw => "withdraw",
        }
    }
}

/// Appends one change. Call it inside the transaction that makes the change.
pub async fn record(
    db: &impl ConnectionTrait,
    kind: EntityKind,
    id: Uuid,
    operation: Operation,
) -> Result<(), DbErr> {
    change_log::Entity::insert(change_log::ActiveModel {
        entity_kind: Set(kind.as_str().to_owned()),
        entity_id: Set(id),
        operation: Set(operation.as_str().to_owned()),
        created_at: Set(Utc::now().fixed_offset()),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}
