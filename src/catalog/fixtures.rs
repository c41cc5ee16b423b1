//! The Wuppertal seed catalogue under `fixtures/`, compiled into the binary so that `odcat` finds it
//! wherever it runs. Loading is idempotent: what exists (by slug) is left alone, what is missing is added.

use chrono::Utc;
use entities::{catalog, data_table};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde::Deserialize;

use super::change::{self, EntityKind, Operation};
use super::document::{DatasetDocument, LangText, PublisherDocument};
use super::error::CatalogError;
use super::repo;
use super::service::{self, Actor, Catalog};
use super::table::ColumnSpec;
use crate::tabular::ingest;

const CATALOG_JSON: &str = include_str!("../../fixtures/catalog.json");
const DATA_FILES: [(&str, &str); 2] = [
    (
        "data/digital2026-projekte.csv",
        include_str!("../../fixtures/data/digital2026-projekte.csv"),
    ),
    (
        "data/online-dienstleistungen.csv",
        include_str!("../../fixtures/data/online-dienstleistungen.csv"),
    ),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureFile {
    catalog: CatalogFixture,
    publishers: Vec<PublisherDocument>,
    datasets: Vec<DatasetDocument>,
    tables: Vec<TableFixture>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFixture {
    title: LangText,
    description: LangText,
    homepage: Option<String>,
    publisher: String,
    spatial: Option<String>,
    license: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFixture {
    dataset: String,
    distribution: usize,
    file: String,
    columns: Vec<ColumnSpec>,
}

/// What a fixture load added.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FixtureReport {
    /// Publishers created.
    pub publishers: usize,
    /// Datasets created.
    pub datasets: usize,
    /// Hosted tables loaded.
    pub tables: usize,
    /// Rows loaded into them.
    pub rows: i64,
}

fn fixture_error(message: impl Into<String>) -> CatalogError {
    CatalogError::invalid("fixtures", message)
}

/// Whether the record is empty (no publisher yet): the condition for loading fixtures at start-up.
pub async fn is_empty(catalog: &Catalog) -> Result<bool, CatalogError> {
    Ok(entities::publisher::Entity::find()
        .count(catalog.db())
        .await?
        == 0)
}

/// Loads the fixtures; safe to run any number of times.
#[tracing::instrument(skip_all)]
pub async fn load(catalog: &Catalog) -> Result<FixtureReport, CatalogError> {
    let file: FixtureFile = serde_json::from_str(CATALOG_JSON)
        .map_err(|e| fixture_error(format!("fixtures/catalog.json: {e}")))?;
    let mut report = FixtureReport::default();

    let (guard, txn) = catalog.begin_write().await?;
    for p in &file.publishers {
        if repo::find_publisher(&txn, &p.slug).await?.is_none() {
            service::create_publisher(&txn, p).await?;
            report.publishers += 1;
        }
    }
    if catalog::Entity::find_by_id(1).one(&txn).await?.is_none() {
        let c = &file.catalog;
        let publisher = repo::find_publisher(&txn, &c.publisher)
            .await?
            .ok_or_else(|| {
                fixture_error(format!("catalog publisher `{}` is unknown", c.publisher))
            })?;
        let now = Utc::now().fixed_offset();
        catalog::Entity::insert(catalog::ActiveModel {
            id: Set(1),
            title_de: Set(c.title.de.clone()),
            title_en: Set(c.title.en.clone()),
            description_de: Set(c.description.de.clone()),
            description_en: Set(c.description.en.clone()),
            homepage: Set(c.homepage.clone()),
            publisher_id: Set(publisher.id),
            languages: Set(serde_json::json!([
                "http://publications.europa.eu/resource/authority/language/DEU",
                "http://publications.europa.eu/resource/authority/language/ENG"
            ])),
            spatial: Set(c.spatial.clone()),
            license: Set(c.license.clone()),
            issued: Set(now),
            modified: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        change::record(
            &txn,
            EntityKind::Catalog,
            publisher.id,
            Operation::Create,
            None,
        )
        .await?;
    }
    txn.commit().await?;
    drop(guard);

    // The fixtures are written as the city's administrator would write them.
    let admin = Actor::operator();
    for doc in &file.datasets {
        if repo::find_dataset(catalog.db(), &doc.slug).await?.is_none() {
            catalog
                .create_dataset(&admin, doc)
                .await
                .map_err(|e| fixture_error(format!("dataset `{}`: {e}", doc.slug)))?;
            report.datasets += 1;
        }
    }

    for t in &file.tables {
        let dataset = repo::find_dataset(catalog.db(), &t.dataset)
            .await?
            .ok_or_else(|| fixture_error(format!("table for unknown dataset `{}`", t.dataset)))?;
        let doc = catalog
            .get_dataset(&dataset.id.to_string(), repo::Visibility::All)
            .await?;
        let dist_id = doc
            .distributions
            .get(t.distribution)
            .and_then(|d| d.id)
            .ok_or_else(|| {
                fixture_error(format!(
                    "`{}` has no distribution {}",
                    t.dataset, t.distribution
                ))
            })?;
        let loaded = data_table::Entity::find()
            .filter(data_table::Column::DistributionId.eq(dist_id))
            .count(catalog.db())
            .await?
            > 0;
        if loaded {
            continue;
        }
        let csv = DATA_FILES
            .iter()
            .find(|(name, _)| *name == t.file)
            .map(|(_, content)| *content)
            .ok_or_else(|| fixture_error(format!("no embedded file `{}`", t.file)))?;
        let spooled = ingest::spool_bytes(&std::env::temp_dir(), csv.as_bytes())?;
        let schema = t
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.column_type))
            .collect();
        let (guard, txn) = catalog.begin_write().await?;
        let loaded = ingest::load(&txn, dist_id, &spooled, Some(schema))
            .await
            .map_err(|e| fixture_error(format!("{}: {e}", t.file)))?;
        txn.commit().await?;
        drop(guard);
        report.tables += 1;
        report.rows += i64::try_from(loaded.analysis.rows).unwrap_or(i64::MAX);
    }
    Ok(report)
}
