//! What the DCAT-AP endpoints and `odcat rdf dump` answer: catalogue pages (Hydra paging in both
//! vocabularies, stable order, `modified_since`), single dataset documents, and the whole catalogue.
//! SQL decides which datasets a page holds; their graphs come from the projection.

use std::collections::BTreeMap;
use std::io::Write;

use chrono::{DateTime, FixedOffset, Utc};
use entities::{dataset, publisher};
use oxigraph::model::{Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, Triple};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::format::{Format, TripleWriter};
use super::projector::{Projector, blocking};
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

/// One dataset row of a page.
type Item = (Uuid, Uuid, i32, DateTime<FixedOffset>);

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

async fn publisher_slugs(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<BTreeMap<Uuid, String>, DbErr> {
    Ok(publisher::Entity::find()
        .filter(publisher::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.slug))
        .collect())
}

fn digest(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    format!("\"{}\"", hex::encode(&hasher.finalize()[..16]))
}

/// Renders one catalogue page.
pub async fn catalogue_page(projector: &Projector, req: &PageRequest) -> anyhow::Result<Rendered> {
    let db = projector.db();
    let query = in_catalogue_order(req.modified_since);
    let total = query.clone().count(db).await?;
    let items: Vec<Item> = query
        .select_only()
        .columns([
            dataset::Column::Id,
            dataset::Column::PublisherId,
            dataset::Column::Revision,
            dataset::Column::UpdatedAt,
        ])
        .offset((req.page - 1).saturating_mul(req.per_page))
        .limit(req.per_page)
        .into_tuple()
        .all(db)
        .await?;
    let mut publishers: Vec<Uuid> = items.iter().map(|i| i.1).collect();
    let catalog = entities::catalog::Entity::find().one(db).await?;
    if let Some(c) = &catalog {
        publishers.push(c.publisher_id);
    }
    let slugs = publisher_slugs(db, publishers).await?;
    let last_modified = items
        .iter()
        .map(|i| i.3)
        .chain(catalog.as_ref().map(|c| c.modified))
        .max();
    let applied = projector.applied();
    let mut key = format!(
        "page|{}|{}|{}|{:?}|{}|{}|{total}|{applied}",
        req.format.extension(),
        req.page,
        req.per_page,
        req.modified_since,
        req.by_extension,
        projector.mapping().base()
    );
    for (id, _, revision, _) in &items {
        key.push_str(&format!("|{id}:{revision}"));
    }
    let etag = digest(&[&key]);

    let mapping = projector.mapping().clone();
    let store = projector.store().clone();
    let paging = paging_triples(projector.mapping().base(), req, total);
    let format = req.format;
    let body = blocking(move || -> Result<Vec<u8>, oxigraph::store::StorageError> {
        let mut out = TripleWriter::new(format, mapping.base(), Vec::with_capacity(64 * 1024));
        for triple in &paging {
            out.write(triple)?;
        }
        let mut graphs = vec![mapping.catalog_iri()];
        graphs.extend(slugs.values().map(|slug| mapping.publisher_iri(slug)));
        graphs.extend(items.iter().map(|i| mapping.dataset_iri(i.0)));
        for graph in &graphs {
            for quad in store.graph(graph.as_ref())? {
                out.write(&Triple::from(quad))?;
            }
        }
        Ok(out.finish()?)
    })
    .await?;
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
    projector: &Projector,
    id_or_slug: &str,
    format: Format,
) -> anyhow::Result<DatasetDocument> {
    let db = projector.db();
    let Some(model) = crate::catalog::repo::find_dataset(db, id_or_slug).await? else {
        return Ok(DatasetDocument::NotFound);
    };
    match DatasetStatus::from_db(&model.status) {
        DatasetStatus::Published => {}
        DatasetStatus::Withdrawn => return Ok(DatasetDocument::Withdrawn(model.slug)),
        DatasetStatus::Draft => return Ok(DatasetDocument::NotFound),
    }
    let slugs = publisher_slugs(db, [model.publisher_id]).await?;
    let applied = projector.applied();
    let etag = digest(&[
        "dataset",
        format.extension(),
        &model.id.to_string(),
        &model.revision.to_string(),
        &applied.to_string(),
        projector.mapping().base(),
    ]);
    let mapping = projector.mapping().clone();
    let store = projector.store().clone();
    let id = model.id;
    let body = blocking(move || -> Result<Vec<u8>, oxigraph::store::StorageError> {
        let mut out = TripleWriter::new(format, mapping.base(), Vec::with_capacity(16 * 1024));
        let mut graphs = vec![mapping.dataset_iri(id)];
        graphs.extend(slugs.values().map(|slug| mapping.publisher_iri(slug)));
        for graph in &graphs {
            for quad in store.graph(graph.as_ref())? {
                out.write(&Triple::from(quad))?;
            }
        }
        Ok(out.finish()?)
    })
    .await?;
    Ok(DatasetDocument::Published(Rendered {
        body,
        etag,
        last_modified: Some(model.updated_at),
    }))
}

/// Streams the whole catalogue as one document in `format` to `out`: the catalogue, the publishers,
/// then every published dataset in catalogue order. Memory stays flat: datasets are read from SQL in
/// batches and their graphs written as they come.
pub async fn dump_catalogue<W: Write + Send + 'static>(
    projector: &Projector,
    format: Format,
    out: W,
) -> anyhow::Result<u64> {
    let db = projector.db();
    let mapping = projector.mapping().clone();
    let store = projector.store().clone();
    let mut graphs = vec![mapping.catalog_iri()];
    for p in publisher::Entity::find()
        .order_by_asc(publisher::Column::Slug)
        .all(db)
        .await?
    {
        graphs.push(mapping.publisher_iri(&p.slug));
    }
    let writer = TripleWriter::new(format, mapping.base(), out);
    let (mut writer, mut triples) = write_graphs(&store, writer, graphs, 0).await?;
    let mut offset = 0;
    const BATCH: u64 = 1000;
    loop {
        let ids: Vec<Uuid> = in_catalogue_order(None)
            .select_only()
            .column(dataset::Column::Id)
            .offset(offset)
            .limit(BATCH)
            .into_tuple()
            .all(db)
            .await?;
        if ids.is_empty() {
            break;
        }
        offset += ids.len() as u64;
        let graphs = ids.iter().map(|id| mapping.dataset_iri(*id)).collect();
        (writer, triples) = write_graphs(&store, writer, graphs, triples).await?;
    }
    blocking(move || writer.finish().map(drop).map_err(Into::into)).await?;
    Ok(triples)
}

async fn write_graphs<W: Write + Send + 'static>(
    store: &super::RdfStore,
    mut writer: TripleWriter<W>,
    graphs: Vec<NamedNode>,
    mut count: u64,
) -> anyhow::Result<(TripleWriter<W>, u64)> {
    let store = store.clone();
    blocking(move || {
        for graph in &graphs {
            for quad in store.graph(graph.as_ref())? {
                writer.write(&Triple::from(quad))?;
                count += 1;
            }
        }
        Ok((writer, count))
    })
    .await
}

/// Quads of the whole store, for tests and `odcat rdf dump --format nq`.
pub fn all_quads(projector: &Projector) -> Result<Vec<Quad>, oxigraph::store::StorageError> {
    projector.store().catalogue_quads().collect()
}
