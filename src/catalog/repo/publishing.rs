//! Queries of the DCAT-AP documents (`crate::rdf::publish`) and of their page cache
//! (`crate::rdf::page_cache`): the catalogue record, publishers by id, the datasets of distributions.

use entities::{catalog, dataset, distribution};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::catalog::record::{CatalogRecord, DatasetRecord, PublisherRecord};
use crate::catalog::values::DatasetStatus;

/// The catalogue record (absent before it is created).
pub async fn catalog_record(db: &impl ConnectionTrait) -> Result<Option<CatalogRecord>, DbErr> {
    Ok(catalog::Entity::find()
        .one(db)
        .await?
        .map(|c| CatalogRecord::from(&c)))
}

/// The publishers with the given ids, by slug.
pub async fn publishers_by_id(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<PublisherRecord>, DbErr> {
    super::projection::publishers(db, Some(ids.into_iter().collect())).await
}

/// Every publisher, by slug.
pub async fn all_publishers(db: &impl ConnectionTrait) -> Result<Vec<PublisherRecord>, DbErr> {
    super::projection::publishers(db, None).await
}

/// The datasets the given distributions belong to (without repeats; unknown ids are skipped).
pub async fn datasets_of_distributions(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<Uuid>, DbErr> {
    let mut datasets: Vec<Uuid> = distribution::Entity::find()
        .select_only()
        .column(distribution::Column::DatasetId)
        .filter(distribution::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    datasets.sort_unstable();
    datasets.dedup();
    Ok(datasets)
}

/// What a catalogue page needs to know of one of its datasets before it reads the dataset's graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageEntry {
    /// The dataset.
    pub id: Uuid,
    /// Its revision (the page cache's key).
    pub revision: i32,
    /// Its publisher.
    pub publisher_id: Uuid,
    /// Whether it is published (else withdrawn after its publication).
    pub published: bool,
}

/// The entries of one catalogue page, in slot order: with `since` `false`, the published datasets
/// with listing positions in `lo..hi`; with `true` (a `modified_since` listing), every dataset that is
/// or was public with its last change numbered in `lo..hi`. One range read of the slot's index,
/// without the datasets' text: the query names only the slot, and the status is checked here, since
/// SQLite would otherwise pick the `(status, id)` index and sort every published dataset (300 ms at
/// 100 000 datasets instead of a fraction of a millisecond).
pub async fn page_entries(
    db: &impl ConnectionTrait,
    since: bool,
    lo: i64,
    hi: i64,
) -> Result<Vec<PageEntry>, DbErr> {
    use chrono::{DateTime, FixedOffset};
    use sea_orm::sea_query::ExprTrait;
    let slot = if since {
        super::change_seq()
    } else {
        super::listing_position()
    };
    type Row = (Uuid, i32, Uuid, String, Option<DateTime<FixedOffset>>);
    let rows: Vec<Row> = dataset::Entity::find()
        .filter(slot.clone().gte(lo))
        .filter(slot.clone().lt(hi))
        .select_only()
        .column(dataset::Column::Id)
        .column(dataset::Column::Revision)
        .column(dataset::Column::PublisherId)
        .column(dataset::Column::Status)
        .column(dataset::Column::PublishedAt)
        .order_by(slot, sea_orm::Order::Asc)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, revision, publisher_id, status, published_at)| {
            let published = status == DatasetStatus::Published.as_str();
            let was_public = published
                || (status == DatasetStatus::Withdrawn.as_str() && published_at.is_some());
            (published || (since && was_public)).then_some(PageEntry {
                id,
                revision,
                publisher_id,
                published,
            })
        })
        .collect())
}

/// The datasets with the given ids (in no particular order; unknown ids are skipped).
pub async fn datasets_by_id(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<DatasetRecord>, DbErr> {
    Ok(dataset::Entity::find()
        .filter(dataset::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(DatasetRecord::from)
        .collect())
}

/// One dataset by id or slug, whatever its status.
pub async fn find_dataset(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<DatasetRecord>, DbErr> {
    Ok(super::find_dataset(db, key).await?.map(DatasetRecord::from))
}

/// Up to `limit` published datasets after `after`, by id.
pub async fn published_after(
    db: &impl ConnectionTrait,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<DatasetRecord>, DbErr> {
    super::projection::published_after(db, after, limit).await
}
