//! What the DCAT-AP endpoints and `odcat rdf dump --format ttl|nt|rdf|jsonld` answer: catalogue pages
//! (Hydra paging in both vocabularies, stable order, `modified_since`), single dataset documents, and
//! the whole catalogue.
//!
//! Documents are rendered from the record by the same mapping that feeds the Oxigraph projection (the
//! tests check that the projection equals a fresh mapping of SQL). Reading 100 datasets back out of
//! RocksDB costs one string lookup per term, about ten times more than reading their rows from SQL,
//! so a page reads only its own rows, in a handful of batched queries, and never the whole catalogue.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context;
use chrono::{DateTime, FixedOffset, Utc};
use entities::{dataset, publisher};
use oxigraph::model::{Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, Triple};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::format::{Format, TripleWriter};
use super::mapping::{Mapping, presentation_order};
use super::projector::{catalog_graph, dataset_graphs, max_seq};
use super::vocab::{hydra, rdf, xsd};
use crate::catalog::values::DatasetStatus;

/// A catalogue page request, validated.
#[derive(Clone, Debug)]
pub struct PageRequest {
    /// 1-based page number.
    pub page: u64,
    /// Datasets per page.
    pub per_page: u64,
    /// Only datasets whose record changed at or after this instant.
    pub modified_since: Option<DateTime<Utc>>,
    /// The format, for the page IRIs.
    pub format: Format,
    /// Whether the request named the format by extension (`/catalog.ttl`) or negotiated it.
    pub by_extension: bool,
}

/// The number of published datasets of each listing (all of them, or those changed since an
/// instant), remembered for one position of the record: counting 100k rows costs a few
/// milliseconds, reading the record's position a fraction of one. Any write moves the position
/// (it adds a `change_log` entry in its own transaction), which drops every remembered total.
#[derive(Clone, Debug, Default)]
pub struct ListingTotals {
    inner: Arc<Mutex<TotalsAt>>,
}

#[derive(Debug, Default)]
struct TotalsAt {
    seq: i64,
    totals: HashMap<Option<DateTime<Utc>>, u64>,
}

impl ListingTotals {
    /// Listings remembered at most (`modified_since` values vary per harvester).
    const CAPACITY: usize = 1024;

    /// The number of published datasets changed since `since` (all with `None`).
    pub async fn get(
        &self,
        db: &DatabaseConnection,
        since: Option<DateTime<Utc>>,
    ) -> anyhow::Result<u64> {
        // The position is read before counting: a write that lands in between makes the count
        // newer than the position it is remembered for, and the next request sees a new position.
        let seq = max_seq(db).await?;
        if let Some(total) = self.remembered(seq, since) {
            return Ok(total);
        }
        let total = in_catalogue_order(since).count(db).await?;
        let mut at = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if at.seq == seq {
            if at.totals.len() >= Self::CAPACITY {
                at.totals.clear();
            }
            at.totals.insert(since, total);
        }
        Ok(total)
    }

    fn remembered(&self, seq: i64, since: Option<DateTime<Utc>>) -> Option<u64> {
        let mut at = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if seq > at.seq {
            *at = TotalsAt {
                seq,
                totals: HashMap::new(),
            };
        }
        if seq != at.seq {
            return None;
        }
        at.totals.get(&since).copied()
    }
}

/// A rendered document and its validators.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// The serialised bytes.
    pub body: Vec<u8>,
    /// A strong entity tag.
    pub etag: String,
    /// The latest change among the resources in it.
    pub last_modified: Option<DateTime<FixedOffset>>,
}

fn published() -> sea_orm::Select<dataset::Entity> {
    dataset::Entity::find().filter(dataset::Column::Status.eq(DatasetStatus::Published.as_str()))
}

/// The published datasets in catalogue order (first publication, then id), optionally only those
/// changed since an instant.
fn in_catalogue_order(since: Option<DateTime<Utc>>) -> sea_orm::Select<dataset::Entity> {
    let mut query = published();
    if let Some(since) = since {
        query = query.filter(dataset::Column::UpdatedAt.gte(since.fixed_offset()));
    }
    query
        .order_by_asc(dataset::Column::PublishedAt)
        .order_by_asc(dataset::Column::Id)
}

/// The datasets of one page, in catalogue order. The page's ids are found first (the skipped rows
/// are then only index entries: the catalogue-order index covers the query without
/// `modified_since`), then their rows are read by id.
async fn page_items(
    db: &DatabaseConnection,
    req: &PageRequest,
) -> Result<Vec<dataset::Model>, sea_orm::DbErr> {
    let ids: Vec<Uuid> = in_catalogue_order(req.modified_since)
        .select_only()
        .column(dataset::Column::Id)
        .offset((req.page - 1).saturating_mul(req.per_page))
        .limit(req.per_page)
        .into_tuple()
        .all(db)
        .await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows: HashMap<Uuid, dataset::Model> = dataset::Entity::find()
        .filter(dataset::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    // A dataset deleted between the two reads is left out.
    Ok(ids.iter().filter_map(|id| rows.remove(id)).collect())
}

async fn publishers(
    db: &DatabaseConnection,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<publisher::Model>, sea_orm::DbErr> {
    publisher::Entity::find()
        .filter(publisher::Column::Id.is_in(ids))
        .order_by_asc(publisher::Column::Slug)
        .all(db)
        .await
}

fn digest(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    format!("\"{}\"", hex::encode(&hasher.finalize()[..16]))
}

/// Serialises graphs (each put in presentation order) on a blocking thread.
async fn serialise(
    format: Format,
    mapping: &Mapping,
    prelude: Vec<Triple>,
    graphs: Vec<Vec<Quad>>,
) -> anyhow::Result<Vec<u8>> {
    let base = mapping.base().to_owned();
    tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
        let mut out = TripleWriter::new(format, &base, Vec::with_capacity(64 * 1024));
        for triple in &prelude {
            out.write(triple)?;
        }
        for mut graph in graphs {
            presentation_order(&mut graph);
            for quad in &graph {
                out.write(quad.as_ref())?;
            }
        }
        out.finish()
    })
    .await?
    .map_err(Into::into)
}

/// Renders one catalogue page.
pub async fn catalogue_page(
    db: &DatabaseConnection,
    mapping: &Mapping,
    totals: &ListingTotals,
    req: &PageRequest,
) -> anyhow::Result<Rendered> {
    // Independent reads run concurrently, on separate pooled connections.
    let (total, items, catalog) = tokio::try_join!(
        totals.get(db, req.modified_since),
        async { Ok(page_items(db, req).await?) },
        async { Ok(entities::catalog::Entity::find().one(db).await?) },
    )?;
    let mut publisher_ids: Vec<Uuid> = items.iter().map(|d| d.publisher_id).collect();
    publisher_ids.extend(catalog.as_ref().map(|c| c.publisher_id));
    publisher_ids.sort_unstable();
    publisher_ids.dedup();
    let mut key = format!(
        "page|{}|{}|{}|{:?}|{}|{}|{total}|{:?}",
        req.format.extension(),
        req.page,
        req.per_page,
        req.modified_since,
        req.by_extension,
        mapping.base(),
        catalog.as_ref().map(|c| c.modified),
    );
    for d in &items {
        key.push_str(&format!("|{}:{}", d.id, d.revision));
    }
    let items_modified = items.iter().map(|d| d.updated_at).max();
    let (publishers, dataset_quads) = tokio::try_join!(
        async { Ok(publishers(db, publisher_ids).await?) },
        dataset_graphs(db, mapping.clone(), items),
    )?;
    let last_modified = items_modified
        .into_iter()
        .chain(catalog.as_ref().map(|c| c.modified))
        .chain(publishers.iter().map(|p| p.updated_at))
        .max();
    for p in &publishers {
        key.push_str(&format!("|{}:{}", p.id, p.updated_at));
    }
    let etag = digest(&[&key]);

    // The catalogue's publisher is among the page's publishers, so its graph needs no query of
    // its own.
    let catalog_quads = match &catalog {
        Some(c) => {
            let publisher = publishers
                .iter()
                .find(|p| p.id == c.publisher_id)
                .context("the catalogue's publisher is missing")?;
            mapping.catalog_quads(c, &publisher.slug)
        }
        None => Vec::new(),
    };
    let mut graphs = vec![catalog_quads];
    graphs.extend(publishers.iter().map(|p| mapping.publisher_quads(p)));
    graphs.push(dataset_quads);
    let paging = paging_triples(mapping.base(), req, total);
    let body = serialise(req.format, mapping, paging, graphs).await?;
    Ok(Rendered {
        body,
        etag,
        last_modified,
    })
}

/// The URL of page `page` of the request's listing, built from the public base URL.
fn page_url(base: &str, req: &PageRequest, page: u64) -> String {
    let path = if req.by_extension {
        format!("{base}/catalog.{}", req.format.extension())
    } else {
        format!("{base}/catalog")
    };
    let mut query = vec![("page", page.to_string())];
    if let Some(since) = req.modified_since {
        query.push((
            "modified_since",
            since.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        ));
    }
    let query = serde_urlencoded::to_string(&query).unwrap_or_default();
    format!("{path}?{query}")
}

/// The Hydra paging description of a page, in both the `hydra:PagedCollection` vocabulary that
/// ckanext-dcat harvesters read and the current `hydra:PartialCollectionView` one.
fn paging_triples(base: &str, req: &PageRequest, total: u64) -> Vec<Triple> {
    let last = total.div_ceil(req.per_page).max(1);
    let me = NamedNode::new_unchecked(page_url(base, req, req.page));
    let link = |p: u64| NamedNode::new_unchecked(page_url(base, req, p));
    let mut triples = Vec::with_capacity(12);
    let mut add = |p: NamedNodeRef<'_>, o: oxigraph::model::Term| {
        triples.push(Triple::new(
            NamedOrBlankNode::from(me.clone()),
            p.into_owned(),
            o,
        ));
    };
    add(rdf::TYPE, hydra::PAGED_COLLECTION.into_owned().into());
    add(
        rdf::TYPE,
        hydra::PARTIAL_COLLECTION_VIEW.into_owned().into(),
    );
    add(
        hydra::TOTAL_ITEMS,
        Literal::new_typed_literal(total.to_string(), xsd::INTEGER).into(),
    );
    add(
        hydra::ITEMS_PER_PAGE,
        Literal::new_typed_literal(req.per_page.to_string(), xsd::INTEGER).into(),
    );
    for (old, new, page) in [
        (hydra::FIRST_PAGE, hydra::FIRST, Some(1)),
        (hydra::LAST_PAGE, hydra::LAST, Some(last)),
        (
            hydra::NEXT_PAGE,
            hydra::NEXT,
            (req.page < last).then_some(req.page + 1),
        ),
        (
            hydra::PREVIOUS_PAGE,
            hydra::PREVIOUS,
            (req.page > 1).then(|| (req.page - 1).min(last)),
        ),
    ] {
        if let Some(page) = page {
            add(old, link(page).into());
            add(new, link(page).into());
        }
    }
    triples
}

/// The outcome of looking up one dataset document.
pub enum DatasetDocument {
    /// Published: the rendered document.
    Published(Rendered),
    /// Withdrawn: no longer exported.
    Withdrawn(String),
    /// No such dataset, or a draft (not public).
    NotFound,
}

/// Renders one published dataset with its distributions and publisher.
pub async fn dataset_document(
    db: &DatabaseConnection,
    mapping: &Mapping,
    id_or_slug: &str,
    format: Format,
) -> anyhow::Result<DatasetDocument> {
    let Some(model) = crate::catalog::repo::find_dataset(db, id_or_slug).await? else {
        return Ok(DatasetDocument::NotFound);
    };
    match DatasetStatus::from_db(&model.status) {
        DatasetStatus::Published => {}
        DatasetStatus::Withdrawn => return Ok(DatasetDocument::Withdrawn(model.slug)),
        DatasetStatus::Draft => return Ok(DatasetDocument::NotFound),
    }
    let publishers = publishers(db, [model.publisher_id]).await?;
    let mut parts = vec![
        "dataset".to_owned(),
        format.extension().to_owned(),
        model.id.to_string(),
        model.revision.to_string(),
        mapping.base().to_owned(),
    ];
    parts.extend(publishers.iter().map(|p| p.updated_at.to_string()));
    let etag = digest(&parts.iter().map(String::as_str).collect::<Vec<_>>());
    let last_modified = publishers
        .iter()
        .map(|p| p.updated_at)
        .chain([model.updated_at])
        .max();
    let mut graphs = vec![dataset_graphs(db, mapping.clone(), vec![model]).await?];
    graphs.extend(publishers.iter().map(|p| mapping.publisher_quads(p)));
    let body = serialise(format, mapping, Vec::new(), graphs).await?;
    Ok(DatasetDocument::Published(Rendered {
        body,
        etag,
        last_modified,
    }))
}

/// Streams the whole catalogue as one document in `format` to `out`: the catalogue, the publishers,
/// then every published dataset (by id). Memory stays flat: datasets are read in batches and written
/// as they come. Returns the number of triples written.
pub async fn dump_catalogue<W: Write + Send + 'static>(
    db: &DatabaseConnection,
    mapping: &Mapping,
    format: Format,
    out: W,
) -> anyhow::Result<u64> {
    const BATCH: u64 = 200;
    let mut head = catalog_graph(db, mapping).await?;
    for p in publisher::Entity::find()
        .order_by_asc(publisher::Column::Slug)
        .all(db)
        .await?
    {
        head.extend(mapping.publisher_quads(&p));
    }
    let writer = TripleWriter::new(format, mapping.base(), out);
    let (mut writer, mut count) = write_quads(writer, head, 0).await?;
    let mut last: Option<Uuid> = None;
    loop {
        let models = crate::catalog::repo::published_after(db, last, BATCH).await?;
        let Some(tail) = models.last() else {
            break;
        };
        last = Some(tail.id);
        let quads = dataset_graphs(db, mapping.clone(), models).await?;
        (writer, count) = write_quads(writer, quads, count).await?;
    }
    tokio::task::spawn_blocking(move || writer.finish().map(drop)).await??;
    Ok(count)
}

async fn write_quads<W: Write + Send + 'static>(
    mut writer: TripleWriter<W>,
    mut quads: Vec<Quad>,
    mut count: u64,
) -> anyhow::Result<(TripleWriter<W>, u64)> {
    tokio::task::spawn_blocking(move || -> std::io::Result<_> {
        presentation_order(&mut quads);
        for quad in &quads {
            writer.write(quad.as_ref())?;
            count += 1;
        }
        Ok((writer, count))
    })
    .await?
    .map_err(Into::into)
}
