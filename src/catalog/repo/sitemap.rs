//! Queries of `/sitemap.xml` and `/feed.atom`: keyset reads over the published datasets, so neither
//! holds the catalogue in memory nor pays an `OFFSET` (a sitemap page is a range of listing
//! positions, served by their index; the feed reads the newest rows of the `(status, modified)`
//! index).

use chrono::{DateTime, FixedOffset};
use entities::{dataset, publisher};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
};

use crate::catalog::values::{DatasetStatus, DcatDate};

/// One dataset address of the sitemap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SitemapDataset {
    /// URL slug.
    pub slug: String,
    /// When the data last changed as its publisher says, else when the record changed.
    pub modified: DateTime<FixedOffset>,
}

/// What the sitemap index needs: the number of published datasets and the last listing position in
/// use (0: none).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SitemapExtent {
    /// Published datasets.
    pub datasets: u64,
    /// The highest listing position among them.
    pub last_position: i64,
}

fn published() -> sea_orm::Select<dataset::Entity> {
    dataset::Entity::find()
        .filter(dataset::Column::Status.eq(DatasetStatus::Published.as_str()))
        .filter(super::listing_position().is_not_null())
}

/// The number of published datasets and their last listing position.
pub async fn sitemap_extent(db: &impl ConnectionTrait) -> Result<SitemapExtent, DbErr> {
    let row: Option<(i64, Option<i64>)> = published()
        .select_only()
        .expr_as(dataset::Column::Id.count(), "n")
        .expr_as(super::listing_position().max(), "p")
        .into_tuple()
        .one(db)
        .await?;
    let (datasets, last) = row.unwrap_or((0, None));
    Ok(SitemapExtent {
        datasets: u64::try_from(datasets).unwrap_or(0),
        last_position: last.unwrap_or(0),
    })
}

/// Slugs of the publishers with at least one published dataset, by German name.
pub async fn sitemap_publishers(db: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    let with_datasets = dataset::Entity::find()
        .select_only()
        .column(dataset::Column::PublisherId)
        .filter(dataset::Column::Status.eq(DatasetStatus::Published.as_str()))
        .into_query()
        .to_owned();
    publisher::Entity::find()
        .select_only()
        .column(publisher::Column::Slug)
        .filter(publisher::Column::Id.in_subquery(with_datasets))
        .order_by_asc(publisher::Column::NameDe)
        .order_by_asc(publisher::Column::Slug)
        .into_tuple()
        .all(db)
        .await
}

/// The published datasets with listing positions in `from..until`, in listing order.
pub async fn sitemap_datasets(
    db: &impl ConnectionTrait,
    from: i64,
    until: i64,
) -> Result<Vec<SitemapDataset>, DbErr> {
    let rows: Vec<(String, DateTime<FixedOffset>, Option<String>)> = published()
        .filter(super::listing_position().gte(from))
        .filter(super::listing_position().lt(until))
        .select_only()
        .column(dataset::Column::Slug)
        .column(dataset::Column::Modified)
        .column(dataset::Column::DataModified)
        .order_by(super::listing_position(), Order::Asc)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(slug, modified, data_modified)| SitemapDataset {
            slug,
            modified: data_modified
                .as_deref()
                .and_then(DcatDate::parse)
                .map_or(modified, |date| date.instant()),
        })
        .collect())
}

/// The `limit` most recently changed published datasets (by the record's last change, newest
/// first; ties by id).
pub async fn recently_changed(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<dataset::Model>, DbErr> {
    dataset::Entity::find()
        .filter(dataset::Column::Status.eq(DatasetStatus::Published.as_str()))
        .order_by_desc(dataset::Column::Modified)
        .order_by_asc(dataset::Column::Id)
        .limit(limit)
        .all(db)
        .await
}
