//! The `change_log` outbox: the row a write adds in its own transaction, read by the change feed
//! ([`crate::feed`]).

use chrono::Utc;
use entities::change_log;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait};
use uuid::Uuid;

use super::service::Actor;

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
    /// A dataset's quality assessment (its id is the dataset's).
    Quality,
    /// An API token (created, relabelled, revoked); no projection follows it.
    Token,
}

impl EntityKind {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Catalog => "catalog",
            Self::Publisher => "publisher",
            Self::Dataset => "dataset",
            Self::DataTable => "data_table",
            Self::Quality => "quality",
            Self::Token => "token",
        }
    }

    /// The kind stored as `value`.
    pub fn parse(value: &str) -> Option<Self> {
        [
            Self::Catalog,
            Self::Publisher,
            Self::Dataset,
            Self::DataTable,
            Self::Quality,
            Self::Token,
        ]
        .into_iter()
        .find(|k| k.as_str() == value)
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

/// Through what a change was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// The JSON API.
    Api,
    /// The CKAN-compatible API.
    Ckan,
    /// The publisher workspace in the browser.
    Workspace,
    /// The command line (and the fixtures loaded at first start).
    Cli,
    /// A harvest job.
    Harvest,
}

impl Channel {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Ckan => "ckan",
            Self::Workspace => "workspace",
            Self::Cli => "cli",
            Self::Harvest => "harvest",
        }
    }
}

/// Key of the PostgreSQL advisory lock that orders `change_log` writers.
const CHANGE_LOG_LOCK: i64 = 0x6f64_6361_745f_6c67;

/// Appends one change. Call it inside the transaction that makes the change.
///
/// The projector reads `change_log` in sequence order and remembers the last number it applied, so a
/// number must never become visible after a higher one. SQLite writers are serialised already; on
/// PostgreSQL two transactions could draw 10 and 11 and commit 11 first, so each writer takes a
/// transaction-scoped advisory lock before drawing its number and holds it until it commits. Writers
/// call this last, so the lock is held only for the commit.
///
/// `by` is who made the change (its token and channel are recorded); `None` for the system's own
/// entries (quality assessments, identifiers assigned at start).
pub async fn record(
    db: &impl ConnectionTrait,
    kind: EntityKind,
    id: Uuid,
    operation: Operation,
    by: Option<&Actor>,
) -> Result<(), DbErr> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        db.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({CHANGE_LOG_LOCK})"))
            .await?;
    }
    change_log::Entity::insert(change_log::ActiveModel {
        entity_kind: Set(kind.as_str().to_owned()),
        entity_id: Set(id),
        operation: Set(operation.as_str().to_owned()),
        created_at: Set(Utc::now().fixed_offset()),
        actor_token_id: Set(by.map(|a| a.token_id).filter(|t| !t.is_nil())),
        channel: Set(by.map(|a| a.channel.as_str().to_owned())),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}
