//! The queries behind the search index: dataset rows in id order for a rebuild, the rows of changed
//! datasets for the feed, and the datasets of a result page by id.

use std::collections::HashMap;

use entities::{catalog, dataset, distribution, publisher};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::catalog::search_source::{CatalogInfo, PublisherInfo, SearchRow};
use crate::catalog::values::{DcatDate, DistributionStatus};
use crate::catalog::vocab;

/// Up to `limit` datasets (any status) with an id after `after`, in id order, as index rows (the
/// primary key serves the walk, so a rebuild of a million datasets reads them with flat memory).
pub async fn rows_after(
    db: &impl ConnectionTrait,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<SearchRow>, DbErr> {
    let mut query = dataset::Entity::find().order_by_asc(dataset::Column::Id);
    if let Some(after) = after {
        query = query.filter(dataset::Column::Id.gt(after));
    }
    let models = query.limit(limit).all(db).await?;
    rows_of(db, models).await
}

/// The index rows of the datasets `ids` that exist (a missing one is not returned).
pub async fn rows_of_ids(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<SearchRow>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let models = dataset::Entity::find()
        .filter(dataset::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    rows_of(db, models).await
}

/// The ids of publisher `id`'s datasets (their rows name the publisher).
pub async fn dataset_ids_of_publisher(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Vec<Uuid>, DbErr> {
    dataset::Entity::find()
        .select_only()
        .column(dataset::Column::Id)
        .filter(dataset::Column::PublisherId.eq(id))
        .into_tuple()
        .all(db)
        .await
}

/// The datasets `ids` in the order given (missing ones left out).
pub async fn models_in_order(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<dataset::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: HashMap<Uuid, dataset::Model> = dataset::Entity::find()
        .filter(dataset::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// The ids of the publishers with these slugs or ids, in the order given; `None` for an unknown one.
pub async fn publisher_ids(
    db: &impl ConnectionTrait,
    keys: &[String],
) -> Result<Vec<Option<Uuid>>, DbErr> {
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        out.push(super::find_publisher(db, key).await?.map(|p| p.id));
    }
    Ok(out)
}

/// Every publisher (unsorted).
pub async fn publishers(db: &impl ConnectionTrait) -> Result<Vec<PublisherInfo>, DbErr> {
    Ok(publisher::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| PublisherInfo {
            id: p.id,
            slug: p.slug,
            name_de: p.name_de,
            name_en: p.name_en,
            homepage: p.homepage,
            email: p.email,
        })
        .collect())
}

/// The catalogue record, when it exists.
pub async fn catalog_info(db: &impl ConnectionTrait) -> Result<Option<CatalogInfo>, DbErr> {
    Ok(catalog::Entity::find().one(db).await?.map(|c| CatalogInfo {
        title_de: c.title_de,
        title_en: c.title_en,
        description_de: c.description_de,
        description_en: c.description_en,
        homepage: c.homepage,
        publisher: c.publisher_id,
    }))
}

fn codes(value: &serde_json::Value, namespace: &str) -> Vec<String> {
    serde_json::from_value::<Vec<String>>(value.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|iri| iri.strip_prefix(namespace).unwrap_or(&iri).to_owned())
        .collect()
}

async fn rows_of(
    db: &impl ConnectionTrait,
    models: Vec<dataset::Model>,
) -> Result<Vec<SearchRow>, DbErr> {
    if models.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = models.iter().map(|m| m.id).collect();
    let mut publisher_ids: Vec<Uuid> = models.iter().map(|m| m.publisher_id).collect();
    publisher_ids.sort_unstable();
    publisher_ids.dedup();
    let (formats, publishers) = tokio::try_join!(
        distribution::Entity::find()
            .select_only()
            .column(distribution::Column::DatasetId)
            .column(distribution::Column::Format)
            .filter(distribution::Column::DatasetId.is_in(ids))
            .filter(distribution::Column::Status.eq(DistributionStatus::Active.as_str()))
            .order_by_asc(distribution::Column::Position)
            .into_tuple::<(Uuid, String)>()
            .all(db),
        publisher::Entity::find()
            .filter(publisher::Column::Id.is_in(publisher_ids))
            .all(db),
    )?;
    let mut by_dataset: HashMap<Uuid, Vec<String>> = HashMap::new();
    for (dataset, format) in formats {
        let code = format
            .strip_prefix(vocab::FILE_TYPE)
            .unwrap_or(&format)
            .to_owned();
        let list = by_dataset.entry(dataset).or_default();
        if !list.contains(&code) {
            list.push(code);
        }
    }
    let publishers: HashMap<Uuid, publisher::Model> =
        publishers.into_iter().map(|p| (p.id, p)).collect();
    Ok(models
        .into_iter()
        .map(|d| {
            let keywords: crate::catalog::document::Keywords =
                serde_json::from_value(d.keywords.clone()).unwrap_or_default();
            let publisher = publishers.get(&d.publisher_id);
            let was_public = super::was_public(&d);
            SearchRow {
                themes: codes(&d.themes, vocab::DATA_THEME),
                formats: by_dataset.remove(&d.id).unwrap_or_default(),
                id: d.id,
                revision: d.revision,
                publisher_slug: publisher.map(|p| p.slug.clone()).unwrap_or_default(),
                publisher_name_de: publisher.map(|p| p.name_de.clone()).unwrap_or_default(),
                publisher_name_en: publisher.and_then(|p| p.name_en.clone()),
                publisher_id: d.publisher_id,
                slug: d.slug,
                title_de: d.title_de,
                title_en: d.title_en,
                description_de: d.description_de,
                description_en: d.description_en,
                keywords_de: keywords.de,
                keywords_en: keywords.en,
                license: d.license,
                status: d.status,
                was_public,
                issued: d.issued,
                modified: d.modified,
                // When the data last changed as its publisher says; else when the record changed.
                data_modified: d
                    .data_modified
                    .as_deref()
                    .and_then(DcatDate::parse)
                    .map_or(d.modified, |date| date.instant()),
            }
        })
        .collect())
}
