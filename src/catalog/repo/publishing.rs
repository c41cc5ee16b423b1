//! Queries of the DCAT-AP documents (`crate::rdf::publish`) and of their page cache
//! (`crate::rdf::page_cache`): the catalogue record, publishers by id, the datasets of distributions.

use entities::{catalog, distribution, publisher};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// The catalogue record (absent before it is created).
pub async fn catalog_record(db: &impl ConnectionTrait) -> Result<Option<catalog::Model>, DbErr> {
    catalog::Entity::find().one(db).await
}

/// The publishers with the given ids, by slug.
pub async fn publishers_by_id(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<publisher::Model>, DbErr> {
    publisher::Entity::find()
        .filter(publisher::Column::Id.is_in(ids))
        .order_by_asc(publisher::Column::Slug)
        .all(db)
        .await
}

/// Every publisher, by slug.
pub async fn all_publishers(db: &impl ConnectionTrait) -> Result<Vec<publisher::Model>, DbErr> {
    publisher::Entity::find()
        .order_by_asc(publisher::Column::Slug)
        .all(db)
        .await
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
