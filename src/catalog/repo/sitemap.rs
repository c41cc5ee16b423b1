//! Queries of `/sitemap.xml` and `/feed.atom`: keyset reads over the published datasets, so neither
//! holds the catalogue in memory nor pays an `OFFSET` (a sitemap page is a range of listing
//! positions, served by their index; the feed reads the newest rows of the `(status, modified)`
//! index).

use chrono::{DateTime, FixedOffset};
use entities::{dataset, publisher};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
};

use crate::catalog::values::{DatasetStatus, DcatDate};
use uuid::Uuid;

/// One dataset address of the sitemap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SitemapDataset {
    /// URL slug.
    pub slug: String,
    /// When the data last changed as its publisher says, else when the record changed.
    pub modified: DateTime<FixedOffset>,
}

/// What the sitemap index needs: the last listing position drawn (0: none), an upper bound of the
/// published datasets (positions are drawn once, and a withdrawn dataset keeps its gap).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SitemapExtent {
    /// The highest listing position drawn.
    pub last_position: i64,
}

/// The last listing position drawn (one step down the position's index).
pub async fn sitemap_extent(db: &impl ConnectionTrait) -> Result<SitemapExtent, DbErr> {
    let last: Option<Option<i64>> = dataset::Entity::find()
        .select_only()
        .expr_as(super::listing_position().max(), "p")
        .into_tuple()
        .one(db)
        .await?;
    Ok(SitemapExtent {
        last_position: last.flatten().unwrap_or(0),
    })
}

/// Slugs of the publishers with at least one published dataset, by German name (one probe of the
/// `dataset (publisher_id)` index per publisher).
pub async fn sitemap_publishers(db: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    use sea_orm::sea_query::{Expr, Query};
    let published = Query::select()
        .expr(Expr::val(1))
        .from(dataset::Entity)
        .and_where(
            Expr::col((dataset::Entity, dataset::Column::PublisherId))
                .equals((publisher::Entity, publisher::Column::Id)),
        )
        .and_where(
            Expr::col((dataset::Entity, dataset::Column::Status))
                .eq(DatasetStatus::Published.as_str()),
        )
        .to_owned();
    publisher::Entity::find()
        .select_only()
        .column(publisher::Column::Slug)
        .filter(Expr::exists(published))
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
    // Only the position in the query, so that SQLite reads the range of its index (with the status
    // too it would pick the `(status, id)` index and sort every published dataset).
    type Row = (String, DateTime<FixedOffset>, Option<String>, String);
    let rows: Vec<Row> = dataset::Entity::find()
        .filter(super::listing_position().gte(from))
        .filter(super::listing_position().lt(until))
        .select_only()
        .column(dataset::Column::Slug)
        .column(dataset::Column::Modified)
        .column(dataset::Column::DataModified)
        .column(dataset::Column::Status)
        .order_by(super::listing_position(), Order::Asc)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|(.., status)| status == DatasetStatus::Published.as_str())
        .map(|(slug, modified, data_modified, _)| SitemapDataset {
            slug,
            modified: data_modified
                .as_deref()
                .and_then(DcatDate::parse)
                .map_or(modified, |date| date.instant()),
        })
        .collect())
}

/// A dataset as the Atom feed shows it.
#[derive(Clone, Debug)]
pub struct FeedEntry {
    /// Id.
    pub id: Uuid,
    /// URL slug.
    pub slug: String,
    /// German title.
    pub title_de: String,
    /// English title.
    pub title_en: Option<String>,
    /// German description.
    pub description_de: String,
    /// English description.
    pub description_en: Option<String>,
    /// Its publisher.
    pub publisher_id: Uuid,
    /// EU data-theme IRIs.
    pub themes: Vec<String>,
    /// First publication.
    pub issued: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// Last change.
    pub modified: chrono::DateTime<chrono::FixedOffset>,
}

/// The `limit` most recently changed published datasets (by the record's last change, newest
/// first; ties by id).
pub async fn recently_changed(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<FeedEntry>, DbErr> {
    Ok(dataset::Entity::find()
        .filter(dataset::Column::Status.eq(DatasetStatus::Published.as_str()))
        .order_by_desc(dataset::Column::Modified)
        .order_by_asc(dataset::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|d| FeedEntry {
            id: d.id,
            themes: serde_json::from_value(d.themes).unwrap_or_default(),
            slug: d.slug,
            title_de: d.title_de,
            title_en: d.title_en,
            description_de: d.description_de,
            description_en: d.description_en,
            publisher_id: d.publisher_id,
            issued: d.issued,
            modified: d.modified,
        })
        .collect())
}
