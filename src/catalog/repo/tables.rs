//! The catalogue records around hosted tables: the public table behind a download or description,
//! and a distribution's declared Table Schema (whose changes are recorded like every write).

use chrono::{DateTime, FixedOffset, Utc};
use entities::{data_table, dataset, distribution, publisher};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait};
use sea_orm::{DbErr, QueryFilter};
use uuid::Uuid;

use crate::catalog::CatalogError;
use crate::catalog::change::{self, EntityKind, Operation};
use crate::catalog::service::{Actor, Precondition, writable_dataset};
use crate::catalog::table::StoredTable;
use crate::catalog::values::{DatasetStatus, DistributionKind, DistributionStatus};

/// The hosted table of an active distribution of a published dataset, with what its downloads and
/// descriptions state about it.
#[derive(Clone, Debug)]
pub struct PublicTable {
    /// The dataset's id.
    pub dataset_id: Uuid,
    /// The dataset's slug.
    pub dataset_slug: String,
    /// The dataset's German title.
    pub dataset_title_de: String,
    /// The dataset's German description.
    pub dataset_description_de: String,
    /// The dataset's licence IRI.
    pub dataset_license: String,
    /// The dataset's revision.
    pub dataset_revision: i32,
    /// The distribution's id.
    pub distribution_id: Uuid,
    /// The distribution's German title.
    pub distribution_title_de: String,
    /// The distribution's own licence IRI, if it has one.
    pub distribution_license: Option<String>,
    /// The publisher's German name, when found.
    pub publisher_name_de: Option<String>,
    /// The publisher's homepage.
    pub publisher_homepage: Option<String>,
    /// The stored table.
    pub table: StoredTable,
    /// When the rows were last replaced.
    pub updated_at: DateTime<FixedOffset>,
}

/// The hosted table of active distribution `distribution_id` of published dataset `key`.
pub async fn public_table(
    db: &impl ConnectionTrait,
    key: &str,
    distribution_id: Uuid,
) -> Result<PublicTable, CatalogError> {
    let dataset = super::find_dataset(db, key)
        .await?
        .filter(|d| d.status == DatasetStatus::Published.as_str())
        .ok_or_else(|| CatalogError::DatasetNotFound(key.to_owned()))?;
    let missing = || CatalogError::DistributionNotFound {
        dataset: key.to_owned(),
        id: distribution_id.to_string(),
    };
    let (dist, table, publisher) = tokio::try_join!(
        distribution::Entity::find_by_id(distribution_id)
            .filter(distribution::Column::DatasetId.eq(dataset.id))
            .one(db),
        data_table::Entity::find()
            .filter(data_table::Column::DistributionId.eq(distribution_id))
            .one(db),
        publisher::Entity::find_by_id(dataset.publisher_id).one(db),
    )?;
    let dist = dist
        .filter(|d| {
            DistributionStatus::from_db(&d.status) == DistributionStatus::Active
                && DistributionKind::from_db(&d.kind) == DistributionKind::HostedTable
        })
        .ok_or_else(missing)?;
    let table = table.ok_or_else(missing)?;
    Ok(PublicTable {
        dataset_id: dataset.id,
        dataset_slug: dataset.slug,
        dataset_title_de: dataset.title_de,
        dataset_description_de: dataset.description_de,
        dataset_license: dataset.license,
        dataset_revision: dataset.revision,
        distribution_id: dist.id,
        distribution_title_de: dist.title_de,
        distribution_license: dist.license,
        publisher_name_de: publisher.as_ref().map(|p| p.name_de.clone()),
        publisher_homepage: publisher.and_then(|p| p.homepage),
        updated_at: table.updated_at,
        table: StoredTable::from_model(&table)?,
    })
}

/// A hosted-table distribution that an actor may write, as read in the write transaction.
#[derive(Clone, Debug)]
pub struct WritableTable {
    /// The dataset.
    pub dataset_id: Uuid,
    /// The distribution.
    pub distribution_id: Uuid,
    /// Its declared Table Schema (JSON), if any.
    pub declared: Option<serde_json::Value>,
}

/// Within `txn`: hosted-table distribution `id` of dataset `key`, which `actor` may write under
/// `precondition`, or why not.
pub async fn writable_table(
    txn: &DatabaseTransaction,
    actor: &Actor,
    key: &str,
    precondition: &Precondition,
    id: Uuid,
) -> Result<WritableTable, CatalogError> {
    let dataset = writable_dataset(txn, actor, key, precondition).await?;
    let dist = distribution::Entity::find_by_id(id)
        .filter(distribution::Column::DatasetId.eq(dataset.id))
        .one(txn)
        .await?
        .ok_or_else(|| CatalogError::DistributionNotFound {
            dataset: key.to_owned(),
            id: id.to_string(),
        })?;
    if DistributionKind::from_db(&dist.kind) != DistributionKind::HostedTable {
        return Err(CatalogError::invalid(
            "kind",
            format!("distribution `{id}` is not a hosted_table"),
        ));
    }
    Ok(WritableTable {
        dataset_id: dataset.id,
        distribution_id: dist.id,
        declared: dist.table_schema,
    })
}

/// The Table Schema (JSON) declared for distribution `id`, if any.
pub async fn declared_schema(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<serde_json::Value>, DbErr> {
    Ok(distribution::Entity::find_by_id(id)
        .one(db)
        .await?
        .and_then(|d| d.table_schema))
}

/// Within `txn`: stores the Table Schema (JSON) declared for distribution `id` (`None` removes it).
/// The caller records the change: [`record_schema_change`], or a load of the table's rows.
pub async fn write_schema(
    txn: &DatabaseTransaction,
    id: Uuid,
    schema: Option<serde_json::Value>,
) -> Result<(), DbErr> {
    distribution::Entity::update(distribution::ActiveModel {
        id: Set(id),
        table_schema: Set(schema),
        ..Default::default()
    })
    .exec(txn)
    .await?;
    Ok(())
}

/// Within `txn`, after [`write_schema`] alone: the distribution and its dataset changed like with
/// any write, so the dataset gets a new revision (hence ETag) and modification date, and the
/// change its `change_log` rows (dataset, and the table whose reading rules changed).
pub async fn record_schema_change(
    txn: &DatabaseTransaction,
    actor: &Actor,
    table: &WritableTable,
) -> Result<(), DbErr> {
    let now = Utc::now().fixed_offset();
    distribution::Entity::update(distribution::ActiveModel {
        id: Set(table.distribution_id),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(txn)
    .await?;
    dataset::Entity::update_many()
        .col_expr(
            dataset::Column::Revision,
            Expr::col(dataset::Column::Revision).add(1),
        )
        .col_expr(dataset::Column::Modified, Expr::value(now))
        .col_expr(dataset::Column::UpdatedAt, Expr::value(now))
        .filter(dataset::Column::Id.eq(table.dataset_id))
        .exec(txn)
        .await?;
    change::record(
        txn,
        EntityKind::Dataset,
        table.dataset_id,
        Operation::Update,
        Some(actor),
    )
    .await?;
    super::stamp_listing(txn, table.dataset_id, false, false).await?;
    change::record(
        txn,
        EntityKind::DataTable,
        table.distribution_id,
        Operation::Update,
        Some(actor),
    )
    .await?;
    Ok(())
}

/// The stored table of hosted-table distribution `id`, if its rows were loaded.
pub async fn stored_table(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<StoredTable>, CatalogError> {
    data_table::Entity::find()
        .filter(data_table::Column::DistributionId.eq(id))
        .one(db)
        .await?
        .as_ref()
        .map(StoredTable::from_model)
        .transpose()
}
