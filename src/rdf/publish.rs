//! What the DCAT-AP endpoints and `odcat rdf dump --format ttl|nt|rdf|jsonld` answer: catalogue pages
//! (Hydra paging in both vocabularies, stable order, `modified_since`), single dataset documents, and
//! the whole catalogue.
//!
//! Documents are rendered from the record by the same mapping that feeds the Oxigraph projection (the
//! tests check that the projection equals a fresh mapping of SQL). Reading 100 datasets back out of
//! RocksDB costs one string lookup per term, about ten times more than reading their rows from SQL,
//! so a page reads only its own rows, in a handful of batched queries, and never the whole catalogue.

use std::io::Write;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::catalog::Db as DatabaseConnection;
use anyhow::Context;
use chrono::{DateTime, FixedOffset, Utc};
use oxigraph::model::{Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, Triple};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::format::{Format, TripleWriter};
use super::listing::{Listing, ListingTotals};
use super::mapping::{Mapping, presentation_order};
use super::page_cache::{Fragment, PageCache};
use super::projector::{catalog_graph, dataset_graphs};
use super::vocab::{hydra, rdf, xsd};
use crate::catalog::repo;
use crate::catalog::values::DatasetStatus;

/// Why a catalogue page or dataset document could not be rendered. Its request was validated
/// before (see [`PageRequest`]), so every variant is the server's failure; the HTTP layer maps it in
/// one place (`impl From<PublishError> for ApiError`).
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The record could not be read.
    #[error("reading the record failed")]
    Database(#[from] crate::catalog::CatalogError),
    /// The listing's bookkeeping, the mapping or the serialisation failed.
    #[error("rendering the document failed")]
    Render(#[from] anyhow::Error),
}

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

impl PageRequest {
    /// The largest page number served: slot ranges of later pages would overflow the database's
    /// 64-bit integers.
    pub fn max_page(per_page: u64) -> u64 {
        (i64::MAX as u64 / 4) / per_page.max(1)
    }

    /// The half-open range of slots (listing positions, or change numbers counted from the
    /// listing's start) that this page covers.
    pub(crate) fn slots(&self, from: i64) -> Option<(i64, i64)> {
        let per_page = i64::try_from(self.per_page).ok()?;
        let page = i64::try_from(self.page).ok()?;
        let lo = page
            .checked_sub(1)?
            .checked_mul(per_page)?
            .checked_add(from)?;
        Some((lo, lo.checked_add(per_page)?))
    }
}

/// A rendered document and its validators.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// The serialised bytes.
    pub body: Vec<u8>,
    /// A strong entity tag: a digest of the body, so it changes with whatever changes the body
    /// (the record, the settings, the software).
    pub etag: String,
    /// The latest change among the resources in it.
    pub last_modified: Option<DateTime<FixedOffset>>,
    /// Where the time went, as a `Server-Timing` header value (empty when not measured).
    pub timing: String,
}

/// Milliseconds since `since`, for `Server-Timing`.
fn ms(since: std::time::Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// The strong entity tag of a body in a media type.
fn body_etag(media_type: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(media_type.as_bytes());
    hasher.update([0]);
    hasher.update(body);
    format!("\"{}\"", hex::encode(&hasher.finalize()[..16]))
}

/// Serialises graphs (each put in presentation order), then `sorted` (graphs already in it), on a
/// blocking thread.
async fn serialise(
    format: Format,
    mapping: &Mapping,
    prelude: Vec<Triple>,
    graphs: Vec<Vec<Quad>>,
    sorted: Vec<Arc<[Quad]>>,
) -> anyhow::Result<Vec<u8>> {
    let base = mapping.base().to_owned();
    // The last page's size in this format, so the buffer is allocated once: growing it by doubling
    // copied the body several times and faulted in fresh memory at every step.
    static LAST_SIZE: [AtomicUsize; Format::ALL.len()] =
        [const { AtomicUsize::new(64 * 1024) }; Format::ALL.len()];
    let slot = format.slot();
    let capacity = LAST_SIZE[slot].load(Ordering::Relaxed);
    tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
        let mut out = TripleWriter::new(format, &base, Vec::with_capacity(capacity + capacity / 8));
        for triple in &prelude {
            out.write(triple)?;
        }
        for mut graph in graphs {
            presentation_order(&mut graph);
            for quad in &graph {
                out.write(quad.as_ref())?;
            }
        }
        for graph in &sorted {
            for quad in graph.iter() {
                out.write(quad.as_ref())?;
            }
        }
        let body = out.finish()?;
        LAST_SIZE[slot].store(body.len(), Ordering::Relaxed);
        Ok(body)
    })
    .await?
    .map_err(Into::into)
}

/// Writes a page of cached dataset parts after the rest of the page (`prelude`, then `graphs`, each
/// put in presentation order), on a blocking thread.
async fn join(
    format: Format,
    mapping: &Mapping,
    prelude: Vec<Triple>,
    graphs: Vec<Vec<Quad>>,
    parts: Vec<Arc<Fragment>>,
) -> anyhow::Result<Vec<u8>> {
    let base = mapping.base().to_owned();
    tokio::task::spawn_blocking(move || {
        let mut graphs = graphs;
        for graph in &mut graphs {
            presentation_order(graph);
        }
        let head = prelude
            .iter()
            .map(|t| t.as_ref())
            .chain(graphs.iter().flatten().map(|q| q.as_ref().into()));
        super::page_cache::write_page(format, &base, head, &parts)
    })
    .await?
}

/// Renders one catalogue page.
///
/// Pages are ranges of stable slots, not offsets: page `n` of the full listing holds the published
/// datasets with listing positions `(n-1)·size+1 ..= n·size` (drawn once, at first publication), so a
/// withdrawal leaves a gap and a publication fills a new slot at the end; nothing moves. A
/// `modified_since` listing holds every dataset that is or was public and changed since then, by
/// the number of its last change counted from the first change since then; a dataset changed
/// during a crawl moves to the end (it is seen again there), a withdrawn one is listed as a
/// `dcat:CatalogRecord` with `adms:status` withdrawn.
///
/// The datasets' parts of the page, serialised, come from `cache` where it holds their current
/// revision (see [`PageCache`]); the rest of the page (catalogue, publishers, paging) is small and built per
/// request, from what `totals` remembers for the record's position `seq` (the change feed's position
/// once it has caught up with the record, or [`ListingTotals::record_position`]).
pub async fn catalogue_page(
    db: &DatabaseConnection,
    mapping: &Mapping,
    totals: &ListingTotals,
    cache: &PageCache,
    req: &PageRequest,
    seq: i64,
) -> Result<Rendered, PublishError> {
    let started = std::time::Instant::now();
    let listing = match req.modified_since {
        None => Listing::All,
        Some(since) => Listing::Since {
            from: totals.start(db, seq, since).await?,
        },
    };
    // Independent reads run concurrently, on separate pooled connections.
    let (facts, items, catalog, contents_modified) = tokio::try_join!(
        totals.facts(db, seq, listing),
        async {
            let Some((lo, hi)) = req.slots(listing.first_slot()) else {
                return Ok(Vec::new());
            };
            let since = matches!(listing, Listing::Since { .. });
            Ok(repo::publishing::page_entries(db, since, lo, hi)
                .await
                .map_err(crate::catalog::CatalogError::from)?)
        },
        totals.catalog_record(db, seq),
        totals.contents_modified(db, seq),
    )?;
    let mut publisher_ids: Vec<Uuid> = items.iter().map(|d| d.publisher_id).collect();
    publisher_ids.extend(catalog.as_ref().map(|c| c.publisher_id));
    publisher_ids.sort_unstable();
    publisher_ids.dedup();
    let withdrawn: Vec<Uuid> = items
        .iter()
        .filter(|d| !d.published)
        .map(|d| d.id)
        .collect();
    let read = ms(started);
    let step = std::time::Instant::now();
    // Withdrawn records (only in `modified_since` listings) change their graphs (marked copies), so
    // such a page is mapped and serialised whole; any other from the datasets' cached parts.
    let (publishers, parts) = tokio::try_join!(totals.publishers(db, seq, publisher_ids), async {
        if withdrawn.is_empty() {
            cache.fragments(mapping, req.format, &items).await
        } else {
            Ok(None)
        }
    },)?;
    let dataset_graphs = match parts {
        Some(_) => Vec::new(),
        None => cache.graphs(mapping, &items).await?,
    };

    // The catalogue's publisher is among the page's publishers, so its graph needs no query of
    // its own.
    let catalog_quads = match &catalog {
        Some(c) => {
            let publisher = publishers
                .iter()
                .find(|p| p.id == c.publisher_id)
                .context("the catalogue's publisher is missing")?;
            mapping.catalog_quads(
                c.clone().with_contents_modified(contents_modified),
                &publisher.slug,
            )
        }
        None => Vec::new(),
    };
    let mut graphs = vec![catalog_quads];
    graphs.extend(publishers.iter().map(|p| mapping.publisher_quads(p)));
    let sorted = if withdrawn.is_empty() {
        dataset_graphs
    } else {
        let quads: Vec<Quad> = dataset_graphs
            .iter()
            .flat_map(|g| g.iter().cloned())
            .collect();
        graphs.push(super::records::mark_withdrawn(mapping, quads, &withdrawn));
        Vec::new()
    };
    let last = listing.last_page(facts, req.per_page);
    let paging = paging_triples(mapping.base(), req, facts.total, last);
    let graphs_ms = ms(step);
    let step = std::time::Instant::now();
    let body = match parts {
        Some(parts) => join(req.format, mapping, paging, graphs, parts).await?,
        None => serialise(req.format, mapping, paging, graphs, sorted).await?,
    };
    let serialise_ms = ms(step);
    let step = std::time::Instant::now();
    let etag = body_etag(req.format.media_type(), &body);
    Ok(Rendered {
        timing: format!(
            "rows;dur={read:.3}, graphs;dur={graphs_ms:.3}, serialise;dur={serialise_ms:.3}, etag;dur={:.3}",
            ms(step)
        ),
        etag,
        body,
        // Every page states the catalogue's `dct:modified` and the listing's size, so it changes
        // with any change of the catalogue's contents.
        last_modified: contents_modified,
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
fn paging_triples(base: &str, req: &PageRequest, total: u64, last: u64) -> Vec<Triple> {
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
    /// Withdrawn after its publication: no longer exported.
    Withdrawn(String),
    /// No such dataset, or one that never was public (a draft, also one withdrawn as a draft).
    NotFound,
}

/// Renders one published dataset with its distributions and publisher.
pub async fn dataset_document(
    db: &DatabaseConnection,
    mapping: &Mapping,
    id_or_slug: &str,
    format: Format,
) -> Result<DatasetDocument, PublishError> {
    let found = repo::publishing::find_dataset(db, id_or_slug)
        .await
        .map_err(crate::catalog::CatalogError::from)?;
    let Some(model) = found else {
        return Ok(DatasetDocument::NotFound);
    };
    if !model.was_public() {
        return Ok(DatasetDocument::NotFound);
    }
    if model.status() != DatasetStatus::Published {
        return Ok(DatasetDocument::Withdrawn(model.slug().to_owned()));
    }
    let publishers = repo::publishing::publishers_by_id(db, [model.publisher_id()])
        .await
        .map_err(crate::catalog::CatalogError::from)?;
    let last_modified = publishers
        .iter()
        .map(|p| p.updated_at)
        .chain([model.updated_at()])
        .max();
    let mut graphs = vec![dataset_graphs(db, mapping.clone(), vec![model]).await?];
    graphs.extend(publishers.iter().map(|p| mapping.publisher_quads(p)));
    let body = serialise(format, mapping, Vec::new(), graphs, Vec::new()).await?;
    Ok(DatasetDocument::Published(Rendered {
        timing: String::new(),
        etag: body_etag(format.media_type(), &body),
        body,
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
    for p in repo::publishing::all_publishers(db).await? {
        head.extend(mapping.publisher_quads(&p));
    }
    let writer = TripleWriter::new(format, mapping.base(), out);
    let (mut writer, mut count) = write_quads(writer, head, 0).await?;
    let mut last: Option<Uuid> = None;
    loop {
        let models = repo::publishing::published_after(db, last, BATCH).await?;
        let Some(tail) = models.last() else {
            break;
        };
        last = Some(tail.id());
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
