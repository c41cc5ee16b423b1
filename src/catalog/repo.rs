//! SeaORM queries of the record. Each function takes the connection, so it runs on the pool or inside a
//! transaction alike.

use std::collections::{HashMap, HashSet};

use entities::{contact_point, data_table, dataset, distribution, publisher};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

pub mod publishing;
pub mod search;
pub mod sitemap;

use super::document::{
    ChecksumDocument, ColumnDocument, ContactPointDocument, DataTableDocument, DatasetDocument,
    DistributionDocument, Keywords, LangText, PublisherDocument, Temporal,
};
use super::error::CatalogError;
use super::table::StoredTable;
use super::values::{DatasetStatus, DcatDate, DistributionKind, DistributionStatus};

pub mod listing;
pub mod pages;
pub mod projection;
pub mod tables;

/// Up to `limit` published datasets with an id after `after`, in id order: one step of a walk over
/// the whole published catalogue (served by the `(status, id)` index).
pub async fn published_after(
    db: &impl ConnectionTrait,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<dataset::Model>, DbErr> {
    let mut query = dataset::Entity::find()
        .filter(dataset::Column::Status.eq(DatasetStatus::Published.as_str()))
        .order_by_asc(dataset::Column::Id)
        .limit(limit);
    if let Some(after) = after {
        query = query.filter(dataset::Column::Id.gt(after));
    }
    query.all(db).await
}

/// Ids of the datasets without a stored `dct:identifier`.
pub async fn datasets_without_identifier(db: &impl ConnectionTrait) -> Result<Vec<Uuid>, DbErr> {
    dataset::Entity::find()
        .select_only()
        .column(dataset::Column::Id)
        .filter(dataset::Column::Identifier.is_null())
        .into_tuple::<Uuid>()
        .all(db)
        .await
}

/// Stores the `dct:identifier` of a dataset that has none (never replaces one), with a new
/// revision; returns whether it stored one (the caller records the change).
pub async fn set_identifier(
    db: &impl ConnectionTrait,
    id: Uuid,
    identifier: &str,
) -> Result<bool, DbErr> {
    let result = dataset::Entity::update_many()
        .col_expr(dataset::Column::Identifier, Expr::value(identifier))
        .col_expr(
            dataset::Column::Revision,
            Expr::col(dataset::Column::Revision).add(1),
        )
        .filter(dataset::Column::Id.eq(id))
        .filter(dataset::Column::Identifier.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Finds a dataset by id (when `key` is a UUID) or slug.
pub async fn find_dataset(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<dataset::Model>, DbErr> {
    // No slug holds NUL, and PostgreSQL refuses it in a query: such a key names nothing.
    if key.contains('\0') {
        return Ok(None);
    }
    let query = dataset::Entity::find();
    match Uuid::parse_str(key) {
        Ok(id) => query.filter(dataset::Column::Id.eq(id)).one(db).await,
        Err(_) => query.filter(dataset::Column::Slug.eq(key)).one(db).await,
    }
}

/// Finds a publisher by slug or id.
pub async fn find_publisher(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<publisher::Model>, DbErr> {
    // No slug holds NUL, and PostgreSQL refuses it in a query: such a key names nothing.
    if key.contains('\0') {
        return Ok(None);
    }
    let query = publisher::Entity::find();
    match Uuid::parse_str(key) {
        Ok(id) => query.filter(publisher::Column::Id.eq(id)).one(db).await,
        Err(_) => query.filter(publisher::Column::Slug.eq(key)).one(db).await,
    }
}

/// Number of published datasets per publisher, for every publisher or just `only`.
async fn published_counts(
    db: &impl ConnectionTrait,
    only: Option<Uuid>,
) -> Result<HashMap<Uuid, u64>, DbErr> {
    let mut query = dataset::Entity::find()
        .select_only()
        .column(dataset::Column::PublisherId)
        .column_as(dataset::Column::Id.count(), "n")
        .filter(dataset::Column::Status.eq(DatasetStatus::Published.as_str()));
    if let Some(id) = only {
        query = query.filter(dataset::Column::PublisherId.eq(id));
    }
    let counts: Vec<(Uuid, i64)> = query
        .group_by(dataset::Column::PublisherId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(counts
        .into_iter()
        .map(|(id, n)| (id, u64::try_from(n).unwrap_or(0)))
        .collect())
}

/// Every publisher by slug with its number of published datasets.
pub async fn list_publishers(
    db: &impl ConnectionTrait,
) -> Result<Vec<(publisher::Model, u64)>, DbErr> {
    let publishers = publisher::Entity::find()
        .order_by_asc(publisher::Column::Slug)
        .all(db)
        .await?;
    let counts = published_counts(db, None).await?;
    Ok(publishers
        .into_iter()
        .map(|p| {
            let n = counts.get(&p.id).copied().unwrap_or(0);
            (p, n)
        })
        .collect())
}

/// One publisher by slug or id with its number of published datasets.
pub async fn publisher_with_count(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<(publisher::Model, u64)>, DbErr> {
    let Some(publisher) = find_publisher(db, key).await? else {
        return Ok(None);
    };
    let counts = published_counts(db, Some(publisher.id)).await?;
    let n = counts.get(&publisher.id).copied().unwrap_or(0);
    Ok(Some((publisher, n)))
}

/// The JSON document of a publisher.
pub fn publisher_document(p: &publisher::Model, dataset_count: Option<u64>) -> PublisherDocument {
    PublisherDocument {
        id: Some(p.id),
        slug: p.slug.clone(),
        name: LangText {
            de: p.name_de.clone(),
            en: p.name_en.clone(),
        },
        homepage: p.homepage.clone(),
        email: p.email.clone(),
        type_iri: p.type_iri.clone(),
        dataset_count,
    }
}

/// Who is asking: decides whether drafts are visible.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    /// Anonymous: published datasets and those withdrawn after their publication.
    Public,
    /// An editor: also the drafts of this publisher.
    Publisher(Uuid),
    /// An admin: everything.
    All,
}

/// Builds the full documents of `datasets` with four batched queries.
pub async fn load_documents(
    db: &impl ConnectionTrait,
    datasets: Vec<dataset::Model>,
    base_url: &str,
) -> Result<Vec<DatasetDocument>, DbErr> {
    let ids: Vec<Uuid> = datasets.iter().map(|d| d.id).collect();
    let publisher_ids: Vec<Uuid> = datasets.iter().map(|d| d.publisher_id).collect();
    // Five independent reads, run concurrently (on a pool they overlap on separate connections).
    let (publishers, contacts, distributions, tables, mut provenance) = tokio::try_join!(
        publisher::Entity::find()
            .filter(publisher::Column::Id.is_in(publisher_ids))
            .all(db),
        contact_point::Entity::find()
            .filter(contact_point::Column::DatasetId.is_in(ids.clone()))
            .all(db),
        distribution::Entity::find()
            .filter(distribution::Column::DatasetId.is_in(ids.clone()))
            .order_by_asc(distribution::Column::Position)
            .all(db),
        data_table::Entity::find()
            .filter(
                data_table::Column::DistributionId.in_subquery(
                    Query::select()
                        .column(distribution::Column::Id)
                        .from(distribution::Entity)
                        .and_where(distribution::Column::DatasetId.is_in(ids.clone()))
                        .to_owned(),
                ),
            )
            .all(db),
        super::harvest::provenance_of(db, &ids),
    )?;
    let publishers: HashMap<Uuid, String> =
        publishers.into_iter().map(|p| (p.id, p.slug)).collect();
    let mut contacts: HashMap<Uuid, contact_point::Model> =
        contacts.into_iter().map(|c| (c.dataset_id, c)).collect();
    let mut tables: HashMap<Uuid, data_table::Model> =
        tables.into_iter().map(|t| (t.distribution_id, t)).collect();
    let mut by_dataset: HashMap<Uuid, Vec<distribution::Model>> = HashMap::new();
    for d in distributions {
        by_dataset.entry(d.dataset_id).or_default().push(d);
    }
    Ok(datasets
        .into_iter()
        .map(|d| {
            let dists = by_dataset
                .remove(&d.id)
                .unwrap_or_default()
                .into_iter()
                .map(|dist| {
                    let table = tables.remove(&dist.id);
                    distribution_document(dist, table, &d.slug, base_url)
                })
                .collect();
            let contact = contacts.remove(&d.id);
            let publisher = publishers.get(&d.publisher_id).cloned();
            let harvest = provenance.remove(&d.id);
            DatasetDocument {
                harvest,
                ..dataset_document(d, publisher, contact, dists, base_url)
            }
        })
        .collect())
}

/// A stored DCAT date: its lexical form when one was kept, else the instant of the timestamp column
/// (rows written before the lexical form was stored).
pub fn stored_date(
    text: Option<&str>,
    instant: Option<chrono::DateTime<chrono::FixedOffset>>,
) -> Option<DcatDate> {
    text.and_then(DcatDate::parse)
        .or_else(|| instant.map(DcatDate::from))
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    serde_json::from_value(value.clone()).unwrap_or_default()
}

fn dataset_document(
    d: dataset::Model,
    publisher: Option<String>,
    contact: Option<contact_point::Model>,
    distributions: Vec<DistributionDocument>,
    base_url: &str,
) -> DatasetDocument {
    let temporal = (d.temporal_start.is_some() || d.temporal_end.is_some()).then_some(Temporal {
        start: d.temporal_start,
        end: d.temporal_end,
    });
    DatasetDocument {
        id: Some(d.id),
        keywords: serde_json::from_value::<Keywords>(d.keywords.clone()).unwrap_or_default(),
        themes: strings(&d.themes),
        languages: strings(&d.languages),
        conforms_to: strings(&d.conforms_to),
        slug: d.slug,
        publisher,
        status: Some(DatasetStatus::from_db(&d.status)),
        title: LangText {
            de: d.title_de,
            en: d.title_en,
        },
        description: LangText {
            de: d.description_de,
            en: d.description_en,
        },
        license: d.license,
        license_attribution: d.license_attribution,
        access_rights: Some(d.access_rights),
        accrual_periodicity: d.accrual_periodicity,
        spatial: d.spatial,
        geocoding_level: d.geocoding_level,
        temporal,
        identifier: Some(
            d.identifier
                .unwrap_or_else(|| super::service::dataset_identifier(base_url, d.id)),
        ),
        issued: stored_date(d.issued_text.as_deref(), d.issued),
        modified: d
            .data_modified
            .as_deref()
            .and_then(DcatDate::parse)
            .or(Some(DcatDate::stamp(d.modified))),
        record_modified: Some(d.modified),
        record_created: Some(d.created_at),
        availability: d.availability,
        landing_page: d.landing_page,
        version: d.version,
        contributor_id: d.contributor_id,
        contact_point: contact.map(|c| ContactPointDocument {
            name: c.name,
            email: c.email,
            url: c.url,
            telephone: c.telephone,
        }),
        distributions,
        revision: Some(d.revision),
        harvest: None,
    }
}

/// Where odcat serves a hosted table's CSV download.
pub fn hosted_download_url(base_url: &str, dataset_slug: &str, distribution: Uuid) -> String {
    format!("{base_url}/dataset/{dataset_slug}/distribution/{distribution}/data.csv")
}

fn distribution_document(
    d: distribution::Model,
    table: Option<data_table::Model>,
    dataset_slug: &str,
    base_url: &str,
) -> DistributionDocument {
    let kind = DistributionKind::from_db(&d.kind);
    let (access_url, download_url) = match kind {
        DistributionKind::HostedTable => {
            let url = hosted_download_url(base_url, dataset_slug, d.id);
            (Some(url.clone()), Some(url))
        }
        DistributionKind::ExternalLink => (Some(d.access_url), d.download_url),
    };
    DistributionDocument {
        id: Some(d.id),
        title: LangText {
            de: d.title_de,
            en: d.title_en,
        },
        description: d.description_de.map(|de| LangText {
            de,
            en: d.description_en,
        }),
        format: d.format,
        media_type: d.media_type,
        access_url,
        download_url,
        byte_size: d.byte_size.and_then(|b| u64::try_from(b).ok()),
        checksum: d
            .checksum_algorithm
            .zip(d.checksum_value)
            .map(|(algorithm, value)| ChecksumDocument { algorithm, value }),
        license: d.license,
        issued: stored_date(d.issued_text.as_deref(), d.issued),
        modified: Some(d.modified),
        availability: d.availability,
        rights: d.rights_de.map(|de| LangText {
            de,
            en: d.rights_en,
        }),
        kind,
        status: DistributionStatus::from_db(&d.status),
        data_table: table.map(|t| DataTableDocument {
            columns: serde_json::from_value::<Vec<ColumnDocument>>(t.columns).unwrap_or_default(),
            row_count: t.row_count,
            updated_at: t.updated_at,
        }),
    }
}

/// Which hosted tables to list in [`hosted_tables`].
#[derive(Clone, Debug)]
pub enum TableFilter {
    /// Every hosted table.
    All,
    /// The tables of these distributions and of every distribution of these datasets.
    Of {
        /// Distributions.
        distributions: Vec<Uuid>,
        /// Datasets.
        datasets: Vec<Uuid>,
    },
}

/// Hosted tables, each with whether it is public: its dataset published and its distribution active.
pub async fn hosted_tables(
    db: &impl ConnectionTrait,
    filter: TableFilter,
) -> Result<Vec<(StoredTable, bool)>, CatalogError> {
    let models = match filter {
        TableFilter::All => data_table::Entity::find().all(db).await?,
        TableFilter::Of {
            mut distributions,
            datasets,
        } => {
            if !datasets.is_empty() {
                distributions.extend(
                    distribution::Entity::find()
                        .select_only()
                        .column(distribution::Column::Id)
                        .filter(distribution::Column::DatasetId.is_in(datasets))
                        .into_tuple::<Uuid>()
                        .all(db)
                        .await?,
                );
            }
            if distributions.is_empty() {
                return Ok(Vec::new());
            }
            data_table::Entity::find()
                .filter(data_table::Column::DistributionId.is_in(distributions))
                .all(db)
                .await?
        }
    };
    if models.is_empty() {
        return Ok(Vec::new());
    }
    let dists: HashMap<Uuid, (Uuid, String)> = distribution::Entity::find()
        .select_only()
        .columns([
            distribution::Column::Id,
            distribution::Column::DatasetId,
            distribution::Column::Status,
        ])
        .filter(distribution::Column::Id.is_in(models.iter().map(|m| m.distribution_id)))
        .into_tuple::<(Uuid, Uuid, String)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, dataset, status)| (id, (dataset, status)))
        .collect();
    let published: HashSet<Uuid> = dataset::Entity::find()
        .select_only()
        .column(dataset::Column::Id)
        .filter(dataset::Column::Id.is_in(dists.values().map(|(d, _)| *d)))
        .filter(dataset::Column::Status.eq(DatasetStatus::Published.as_str()))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    models
        .iter()
        .map(|m| {
            let public = dists.get(&m.distribution_id).is_some_and(|(d, status)| {
                published.contains(d)
                    && DistributionStatus::from_db(status) == DistributionStatus::Active
            });
            Ok((StoredTable::from_model(m)?, public))
        })
        .collect()
}

/// Whether a dataset is, or was, public: published, or withdrawn after it had been published. A draft
/// withdrawn before its first publication never was public and stays private.
pub fn was_public(m: &dataset::Model) -> bool {
    m.status == DatasetStatus::Published.as_str()
        || (m.status == DatasetStatus::Withdrawn.as_str() && m.published_at.is_some())
}

/// The SQL form of [`was_public`].
pub fn was_public_condition() -> Condition {
    Condition::any()
        .add(dataset::Column::Status.eq(DatasetStatus::Published.as_str()))
        .add(
            Condition::all()
                .add(dataset::Column::Status.eq(DatasetStatus::Withdrawn.as_str()))
                .add(dataset::Column::PublishedAt.is_not_null()),
        )
}

/// `dataset.listing_position`: drawn once, at a dataset's first publication, and kept for ever. The
/// DCAT-AP pages are ranges of it (a withdrawn dataset leaves a gap), so a crawl page by page never
/// skips or repeats a dataset that stays published. Only the listings read it, so the entity leaves
/// it out.
pub fn listing_position() -> sea_orm::sea_query::Expr {
    Expr::col((
        dataset::Entity,
        sea_orm::sea_query::Alias::new("listing_position"),
    ))
}

/// `dataset.change_seq`: the `change_log` sequence number of the dataset's last write (the order of
/// the `modified_since` pages).
pub fn change_seq() -> sea_orm::sea_query::Expr {
    Expr::col((
        dataset::Entity,
        sea_orm::sea_query::Alias::new("change_seq"),
    ))
}

/// Dataset `id`'s `change_log` entries (the index `idx_change_log_entity` serves this lookup).
pub fn dataset_changes(id: Uuid) -> sea_orm::Select<entities::change_log::Entity> {
    use entities::change_log;
    change_log::Entity::find()
        .filter(change_log::Column::EntityKind.eq(super::change::EntityKind::Dataset.as_str()))
        .filter(change_log::Column::EntityId.eq(id))
}

/// Stamps dataset `id` after its write in `txn`: `change_seq` becomes the number of the change just
/// recorded, and a dataset published for the first time draws the next listing position. Call it
/// right after [`super::change::record`]: both numbers are drawn while the writers are ordered
/// (serialised on SQLite; on PostgreSQL under `change_log`'s advisory lock, held until the commit),
/// so no number becomes visible after a higher one and a crawler that has passed a position never
/// misses a dataset that appears there later.
pub async fn stamp_listing(
    txn: &impl ConnectionTrait,
    id: Uuid,
    published: bool,
    fresh: bool,
) -> Result<(), DbErr> {
    use entities::change_log;
    let seq: Option<i64> = dataset_changes(id)
        .select_only()
        .column_as(change_log::Column::Seq.max(), "seq")
        .into_tuple::<Option<i64>>()
        .one(txn)
        .await?
        .flatten();
    let mut update = dataset::Entity::update_many()
        .col_expr(
            sea_orm::sea_query::Alias::new("change_seq"),
            Expr::value(seq.unwrap_or(0)),
        )
        .filter(dataset::Column::Id.eq(id));
    if published {
        // A dataset created in this transaction has no position yet.
        let position: Option<Option<i64>> = if fresh {
            Some(None)
        } else {
            dataset::Entity::find()
                .select_only()
                .expr_as(listing_position(), "p")
                .filter(dataset::Column::Id.eq(id))
                .into_tuple::<Option<i64>>()
                .one(txn)
                .await?
        };
        if matches!(position, Some(None)) {
            let last: Option<i64> = dataset::Entity::find()
                .select_only()
                .expr_as(listing_position().max(), "p")
                .into_tuple::<Option<i64>>()
                .one(txn)
                .await?
                .flatten();
            update = update.col_expr(
                sea_orm::sea_query::Alias::new("listing_position"),
                Expr::value(last.unwrap_or(0) + 1),
            );
        }
    }
    update.exec(txn).await?;
    Ok(())
}

/// The record's position: the last `change_log` sequence number (0 before the first).
pub async fn max_seq(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    use entities::change_log;
    let last = change_log::Entity::find()
        .select_only()
        .column_as(change_log::Column::Seq.max(), "seq")
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?;
    Ok(last.flatten().unwrap_or(0))
}

/// Up to `limit` `change_log` entries after position `after`, in sequence order, and the number of
/// the last one read. Entries of a kind this build does not know are skipped (but counted as read).
pub async fn changes_after(
    db: &impl ConnectionTrait,
    after: i64,
    limit: u64,
) -> Result<(Vec<crate::feed::Entry>, Option<i64>), DbErr> {
    use super::change::EntityKind;
    use entities::change_log;
    let rows = change_log::Entity::find()
        .filter(change_log::Column::Seq.gt(after))
        .order_by_asc(change_log::Column::Seq)
        .limit(limit)
        .all(db)
        .await?;
    let last = rows.last().map(|row| row.seq);
    let entries = rows
        .into_iter()
        .filter_map(|row| {
            let kind = EntityKind::parse(&row.entity_kind)?;
            Some(crate::feed::Entry {
                seq: row.seq,
                kind,
                id: row.entity_id,
            })
        })
        .collect();
    Ok((entries, last))
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, DbBackend, QueryTrait, Statement};

    use super::*;

    /// SQLite's plan for `query`, one line per step.
    async fn plan(db: &impl ConnectionTrait, query: Statement) -> anyhow::Result<String> {
        let explain = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            format!("EXPLAIN QUERY PLAN {}", query.sql),
            query.values.map(|v| v.0).unwrap_or_default(),
        );
        let mut lines = Vec::new();
        for row in db.query_all_raw(explain).await? {
            lines.push(row.try_get::<String>("", "detail")?);
        }
        Ok(lines.join("\n"))
    }

    #[tokio::test]
    async fn the_lookups_by_dataset_and_by_url_use_their_indexes() -> anyhow::Result<()> {
        let db = crate::db::connect_memory().await?;
        let id = Uuid::new_v4();
        // Every dataset write reads its last change (the listing stamp); without the index it
        // scanned the whole change log.
        let last = dataset_changes(id)
            .select_only()
            .column_as(entities::change_log::Column::Seq.max(), "seq")
            .build(DbBackend::Sqlite);
        let steps = plan(&db, last).await?;
        assert!(steps.contains("INDEX idx_change_log_entity"), "{steps}");
        let newest = dataset_changes(id)
            .order_by_desc(entities::change_log::Column::Seq)
            .limit(1)
            .build(DbBackend::Sqlite);
        let steps = plan(&db, newest).await?;
        assert!(steps.contains("INDEX idx_change_log_entity"), "{steps}");
        assert!(!steps.contains("TEMP B-TREE"), "no sort: {steps}");
        // The link checker asks for every URL it checks.
        let naming = super::super::quality::naming("https://example.org/a.csv")
            .select_only()
            .column(distribution::Column::DatasetId)
            .build(DbBackend::Sqlite);
        let steps = plan(&db, naming).await?;
        assert!(
            steps.contains("INDEX idx_distribution_access_url")
                && steps.contains("INDEX idx_distribution_download_url"),
            "{steps}"
        );
        assert!(!steps.contains("SCAN distribution"), "{steps}");
        Ok(())
    }
}
