//! What the RDF projection reads from the record: the catalogue's own record, publishers and
//! published datasets with their documents, as domain values.

use chrono::{DateTime, FixedOffset};
use entities::{catalog, dataset, publisher};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::catalog::document::DatasetDocument;
use crate::catalog::record::{CatalogRecord, DatasetRecord, PublisherRecord};
use crate::catalog::values::DatasetStatus;

/// A published dataset's document and the dates of its record.
#[derive(Clone, Debug)]
pub struct ProjectedDataset {
    /// The document.
    pub doc: DatasetDocument,
    /// First publication in this catalogue (creation when never published).
    pub listed: DateTime<FixedOffset>,
    /// Last change of the record.
    pub changed: DateTime<FixedOffset>,
}

/// The catalogue's own record and its publisher's slug (`None` before the catalogue exists; a
/// missing publisher is an error).
pub async fn catalog_record(
    db: &impl ConnectionTrait,
) -> Result<Option<(CatalogRecord, String)>, DbErr> {
    let Some(c) = catalog::Entity::find().one(db).await? else {
        return Ok(None);
    };
    let publisher = publisher::Entity::find_by_id(c.publisher_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the catalogue's publisher is missing".into()))?;
    Ok(Some((CatalogRecord::from(&c), publisher.slug)))
}

/// Publishers by slug: all of them, or those with the given ids.
pub async fn publishers(
    db: &impl ConnectionTrait,
    ids: Option<Vec<Uuid>>,
) -> Result<Vec<PublisherRecord>, DbErr> {
    let mut query = publisher::Entity::find().order_by_asc(publisher::Column::Slug);
    if let Some(ids) = ids {
        query = query.filter(publisher::Column::Id.is_in(ids));
    }
    Ok(query
        .all(db)
        .await?
        .iter()
        .map(PublisherRecord::from)
        .collect())
}

/// The published datasets among `ids`.
pub async fn published_among(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<DatasetRecord>, DbErr> {
    Ok(dataset::Entity::find()
        .filter(dataset::Column::Id.is_in(ids))
        .filter(dataset::Column::Status.eq(DatasetStatus::Published.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(DatasetRecord)
        .collect())
}

/// Up to `limit` published datasets with an id after `after`, in id order (see
/// [`super::published_after`]).
pub async fn published_after(
    db: &impl ConnectionTrait,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<DatasetRecord>, DbErr> {
    Ok(super::published_after(db, after, limit)
        .await?
        .into_iter()
        .map(DatasetRecord)
        .collect())
}

/// The documents of `records` (read with batched queries) with their record dates.
pub async fn documents(
    db: &impl ConnectionTrait,
    records: Vec<DatasetRecord>,
    base_url: &str,
) -> Result<Vec<ProjectedDataset>, DbErr> {
    let dates: Vec<(DateTime<FixedOffset>, DateTime<FixedOffset>)> = records
        .iter()
        .map(|r| (r.0.published_at.unwrap_or(r.0.created_at), r.0.updated_at))
        .collect();
    let models = records.into_iter().map(|r| r.0).collect();
    let docs = super::load_documents(db, models, base_url).await?;
    Ok(docs
        .into_iter()
        .zip(dates)
        .map(|(doc, (listed, changed))| ProjectedDataset {
            doc,
            listed,
            changed,
        })
        .collect())
}
