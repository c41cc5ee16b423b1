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
use entities::{change_log, dataset, publisher};
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
use crate::catalog::repo;
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

impl PageRequest {
    /// The largest page number served: slot ranges of later pages would overflow the database's
    /// 64-bit integers.
    pub fn max_page(per_page: u64) -> u64 {
        (i64::MAX as u64 / 4) / per_page.max(1)
    }

    /// The half-open range of slots (listing positions, or change numbers counted from the
    /// listing's start) that this page covers.
    fn slots(&self, from: i64) -> Option<(i64, i64)> {
        let per_page = i64::try_from(self.per_page).ok()?;
        let page = i64::try_from(self.page).ok()?;
        let lo = page
            .checked_sub(1)?
            .checked_mul(per_page)?
            .checked_add(from)?;
        Some((lo, lo.checked_add(per_page)?))
    }
}

/// What a listing holds, for the Hydra description of its pages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct ListingFacts {
    /// The number of entries (published datasets, plus withdrawn ones in a `modified_since` listing).
    total: u64,
    /// The last slot in use (0: none).
    last_slot: i64,
}

/// Which slots a listing pages over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Listing {
    /// Every published dataset, by listing position (slots from 1).
    All,
    /// Every dataset that is or was public and changed at or after the `change_log` entry `from`,
    /// by the number of its last change (slots from `from`).
    Since { from: i64 },
}

impl Listing {
    fn first_slot(self) -> i64 {
        match self {
            Self::All => 1,
            Self::Since { from } => from,
        }
    }

    fn last_page(self, facts: ListingFacts, per_page: u64) -> u64 {
        let used = facts.last_slot - self.first_slot() + 1;
        u64::try_from(used)
            .unwrap_or(0)
            .div_ceil(per_page.max(1))
            .max(1)
    }
}

/// Facts of the catalogue's listings (totals and last slots, the last change of its contents),
/// remembered for one position of the record: counting 100k rows costs a few milliseconds, reading
/// the record's position a fraction of one. Any write moves the position (it adds a `change_log`
/// entry in its own transaction), which drops everything remembered.
#[derive(Clone, Debug, Default)]
pub struct ListingTotals {
    inner: Arc<Mutex<TotalsAt>>,
}

#[derive(Debug, Default)]
struct TotalsAt {
    seq: i64,
    listings: HashMap<Option<i64>, ListingFacts>,
    starts: HashMap<DateTime<Utc>, i64>,
    contents_modified: Option<Option<DateTime<FixedOffset>>>,
}

impl ListingTotals {
    /// Listings remembered at most (`modified_since` values vary per harvester).
    const CAPACITY: usize = 1024;

    /// Runs `f` on what is remembered for `seq` (dropping what belongs to an older position).
    fn at<T>(&self, seq: i64, f: impl FnOnce(&mut TotalsAt) -> T) -> Option<T> {
        let mut at = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if seq > at.seq {
            *at = TotalsAt {
                seq,
                ..TotalsAt::default()
            };
        }
        (seq == at.seq).then(|| f(&mut at))
    }

    async fn facts(
        &self,
        db: &DatabaseConnection,
        listing: Listing,
    ) -> anyhow::Result<ListingFacts> {
        // The position is read before counting: a write that lands in between makes the count
        // newer than the position it is remembered for, and the next request sees a new position.
        let seq = max_seq(db).await?;
        let key = match listing {
            Listing::All => None,
            Listing::Since { from } => Some(from),
        };
        if let Some(Some(facts)) = self.at(seq, |at| at.listings.get(&key).copied()) {
            return Ok(facts);
        }
        let facts = listing_facts(db, listing).await?;
        self.at(seq, |at| {
            if at.listings.len() >= Self::CAPACITY {
                at.listings.clear();
            }
            at.listings.insert(key, facts);
        });
        Ok(facts)
    }

    /// The first `change_log` entry of a `modified_since` listing (see [`first_change_since`]).
    async fn start(&self, db: &DatabaseConnection, since: DateTime<Utc>) -> anyhow::Result<i64> {
        let seq = max_seq(db).await?;
        if let Some(Some(from)) = self.at(seq, |at| at.starts.get(&since).copied()) {
            return Ok(from);
        }
        let from = first_change_since(db, since).await?;
        self.at(seq, |at| {
            if at.starts.len() >= Self::CAPACITY {
                at.starts.clear();
            }
            at.starts.insert(since, from);
        });
        Ok(from)
    }

    /// The last change of the catalogue's contents: the catalogue record, its publishers, and every
    /// dataset that is or was public (a withdrawal is a change).
    pub async fn contents_modified(
        &self,
        db: &DatabaseConnection,
    ) -> anyhow::Result<Option<DateTime<FixedOffset>>> {
        let seq = max_seq(db).await?;
        if let Some(Some(known)) = self.at(seq, |at| at.contents_modified) {
            return Ok(known);
        }
        let modified = contents_modified(db).await?;
        self.at(seq, |at| at.contents_modified = Some(modified));
        Ok(modified)
    }
}

/// The last change of the catalogue's contents, read from SQL (see
/// [`ListingTotals::contents_modified`]).
pub async fn contents_modified(
    db: &DatabaseConnection,
) -> Result<Option<DateTime<FixedOffset>>, sea_orm::DbErr> {
    let (catalog, publishers, datasets) = tokio::try_join!(
        entities::catalog::Entity::find()
            .select_only()
            .column_as(entities::catalog::Column::Modified.max(), "m")
            .into_tuple::<Option<DateTime<FixedOffset>>>()
            .one(db),
        publisher::Entity::find()
            .select_only()
            .column_as(publisher::Column::UpdatedAt.max(), "m")
            .into_tuple::<Option<DateTime<FixedOffset>>>()
            .one(db),
        dataset::Entity::find()
            .select_only()
            .column_as(dataset::Column::UpdatedAt.max(), "m")
            .filter(dataset::Column::PublishedAt.is_not_null())
            .into_tuple::<Option<DateTime<FixedOffset>>>()
            .one(db),
    )?;
    Ok([catalog, publishers, datasets]
        .into_iter()
        .flatten()
        .flatten()
        .max())
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
}

fn published() -> sea_orm::Select<dataset::Entity> {
    dataset::Entity::find().filter(dataset::Column::Status.eq(DatasetStatus::Published.as_str()))
}

/// The entries of a listing: published datasets by listing position, or (`modified_since`) the
/// datasets that are or were public by the number of their last change.
fn listed(listing: Listing) -> sea_orm::Select<dataset::Entity> {
    match listing {
        Listing::All => published().filter(sea_orm::sea_query::ExprTrait::is_not_null(
            repo::listing_position(),
        )),
        Listing::Since { from } => dataset::Entity::find()
            .filter(repo::was_public_condition())
            .filter(sea_orm::sea_query::ExprTrait::gte(repo::change_seq(), from)),
    }
}

fn slot_of(listing: Listing) -> sea_orm::sea_query::Expr {
    match listing {
        Listing::All => repo::listing_position(),
        Listing::Since { .. } => repo::change_seq(),
    }
}

async fn listing_facts(db: &DatabaseConnection, listing: Listing) -> anyhow::Result<ListingFacts> {
    let (total, last) = tokio::try_join!(
        listed(listing).count(db),
        listed(listing)
            .select_only()
            .expr_as(sea_orm::sea_query::ExprTrait::max(slot_of(listing)), "last")
            .into_tuple::<Option<i64>>()
            .one(db),
    )?;
    Ok(ListingFacts {
        total,
        last_slot: last.flatten().unwrap_or(0),
    })
}

/// The first `change_log` entry at or after `since` (one past the last when there is none): the
/// start of a `modified_since` listing. The log only grows, so this stays put during a crawl.
async fn first_change_since(db: &DatabaseConnection, since: DateTime<Utc>) -> anyhow::Result<i64> {
    let first = change_log::Entity::find()
        .select_only()
        .column_as(change_log::Column::Seq.min(), "seq")
        .filter(change_log::Column::CreatedAt.gte(since.fixed_offset()))
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten();
    match first {
        Some(first) => Ok(first),
        None => Ok(max_seq(db).await? + 1),
    }
}

/// The datasets of one page, in listing order: those whose slot lies in the page's range. The
/// page's ids are found first (the index on the slot covers the range), then their rows are read by
/// id.
async fn page_items(
    db: &DatabaseConnection,
    listing: Listing,
    req: &PageRequest,
) -> Result<Vec<dataset::Model>, sea_orm::DbErr> {
    let Some((lo, hi)) = req.slots(listing.first_slot()) else {
        return Ok(Vec::new());
    };
    let ids: Vec<Uuid> = listed(listing)
        .filter(sea_orm::sea_query::ExprTrait::gte(slot_of(listing), lo))
        .filter(sea_orm::sea_query::ExprTrait::lt(slot_of(listing), hi))
        .select_only()
        .column(dataset::Column::Id)
        .order_by(slot_of(listing), sea_orm::Order::Asc)
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

/// The strong entity tag of a body in a media type.
fn body_etag(media_type: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(media_type.as_bytes());
    hasher.update([0]);
    hasher.update(body);
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
///
/// Pages are ranges of stable slots, not offsets: page `n` of the full listing holds the published
/// datasets with listing positions `(n-1)·size+1 ..= n·size` (drawn once, at first publication), so a
/// withdrawal leaves a gap and a publication fills a new slot at the end; nothing moves. A
/// `modified_since` listing holds every dataset that is or was public and changed since then, by
/// the number of its last change counted from the first change since then; a dataset changed
/// during a crawl moves to the end (it is seen again there), a withdrawn one is listed as a
/// `dcat:CatalogRecord` with `adms:status` withdrawn.
pub async fn catalogue_page(
    db: &DatabaseConnection,
    mapping: &Mapping,
    totals: &ListingTotals,
    req: &PageRequest,
) -> anyhow::Result<Rendered> {
    let listing = match req.modified_since {
        None => Listing::All,
        Some(since) => Listing::Since {
            from: totals.start(db, since).await?,
        },
    };
    // Independent reads run concurrently, on separate pooled connections.
    let (facts, items, catalog, contents_modified) = tokio::try_join!(
        totals.facts(db, listing),
        async { Ok(page_items(db, listing, req).await?) },
        async { Ok(entities::catalog::Entity::find().one(db).await?) },
        totals.contents_modified(db),
    )?;
    let mut publisher_ids: Vec<Uuid> = items.iter().map(|d| d.publisher_id).collect();
    publisher_ids.extend(catalog.as_ref().map(|c| c.publisher_id));
    publisher_ids.sort_unstable();
    publisher_ids.dedup();
    let withdrawn: Vec<Uuid> = items
        .iter()
        .filter(|d| d.status != DatasetStatus::Published.as_str())
        .map(|d| d.id)
        .collect();
    let (publishers, dataset_quads) = tokio::try_join!(
        async { Ok(publishers(db, publisher_ids).await?) },
        dataset_graphs(db, mapping.clone(), items),
    )?;
    let dataset_quads = super::records::mark_withdrawn(mapping, dataset_quads, &withdrawn);

    // The catalogue's publisher is among the page's publishers, so its graph needs no query of
    // its own.
    let catalog_quads = match &catalog {
        Some(c) => {
            let publisher = publishers
                .iter()
                .find(|p| p.id == c.publisher_id)
                .context("the catalogue's publisher is missing")?;
            mapping.catalog_quads(
                &with_contents_modified(c, contents_modified),
                &publisher.slug,
            )
        }
        None => Vec::new(),
    };
    let mut graphs = vec![catalog_quads];
    graphs.extend(publishers.iter().map(|p| mapping.publisher_quads(p)));
    graphs.push(dataset_quads);
    let last = listing.last_page(facts, req.per_page);
    let paging = paging_triples(mapping.base(), req, facts.total, last);
    let body = serialise(req.format, mapping, paging, graphs).await?;
    Ok(Rendered {
        etag: body_etag(req.format.media_type(), &body),
        body,
        // Every page states the catalogue's `dct:modified` and the listing's size, so it changes
        // with any change of the catalogue's contents.
        last_modified: contents_modified,
    })
}

/// The catalogue record with `dct:modified` set to the last change of its contents.
pub fn with_contents_modified(
    c: &entities::catalog::Model,
    contents_modified: Option<DateTime<FixedOffset>>,
) -> entities::catalog::Model {
    let mut c = c.clone();
    if let Some(m) = contents_modified
        && m > c.modified
    {
        c.modified = m;
    }
    c
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
) -> anyhow::Result<DatasetDocument> {
    let Some(model) = crate::catalog::repo::find_dataset(db, id_or_slug).await? else {
        return Ok(DatasetDocument::NotFound);
    };
    if !repo::was_public(&model) {
        return Ok(DatasetDocument::NotFound);
    }
    if DatasetStatus::from_db(&model.status) != DatasetStatus::Published {
        return Ok(DatasetDocument::Withdrawn(model.slug));
    }
    let publishers = publishers(db, [model.publisher_id]).await?;
    let last_modified = publishers
        .iter()
        .map(|p| p.updated_at)
        .chain([model.updated_at])
        .max();
    let mut graphs = vec![dataset_graphs(db, mapping.clone(), vec![model]).await?];
    graphs.extend(publishers.iter().map(|p| mapping.publisher_quads(p)));
    let body = serialise(format, mapping, Vec::new(), graphs).await?;
    Ok(DatasetDocument::Published(Rendered {
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

/// Since when the settings that shape the published documents (base URL, contributor id, page
/// size, row cap, mapping and software version) hold. The documents' `Last-Modified` is never
/// earlier, so a client that cached a document under other settings does not get a stale 304 for
/// `If-Modified-Since` (the strong ETag, a digest of the body, already differs).
#[derive(Clone, Copy, Debug)]
pub struct PublicationEpoch(pub DateTime<FixedOffset>);

impl PublicationEpoch {
    /// Reads the epoch of `fingerprint` from the record, starting a new one (now) when the stored
    /// fingerprint differs. (HTTP dates have whole seconds: within the second of a change only the
    /// ETag tells the bodies apart, as for any change.)
    pub async fn load(db: &DatabaseConnection, fingerprint: &str) -> anyhow::Result<Self> {
        use sea_orm::ConnectionTrait;
        use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
        let table = Alias::new("publication_settings");
        let this_row = || ExprTrait::eq(Expr::col(Alias::new("id")), 1);
        let row = db
            .query_one(
                Query::select()
                    .columns([Alias::new("fingerprint"), Alias::new("changed_at")])
                    .from(table.clone())
                    .and_where(this_row()),
            )
            .await?;
        if let Some(row) = &row {
            let stored: String = row.try_get("", "fingerprint")?;
            if stored == fingerprint {
                return Ok(Self(row.try_get("", "changed_at")?));
            }
        }
        let changed_at = Utc::now().fixed_offset();
        if row.is_some() {
            db.execute(
                Query::update()
                    .table(table)
                    .values([
                        (Alias::new("fingerprint"), fingerprint.into()),
                        (Alias::new("changed_at"), changed_at.into()),
                    ])
                    .and_where(this_row()),
            )
            .await?;
        } else {
            db.execute(
                Query::insert()
                    .into_table(table)
                    .columns([
                        Alias::new("id"),
                        Alias::new("fingerprint"),
                        Alias::new("changed_at"),
                    ])
                    .values([1.into(), fingerprint.into(), changed_at.into()])?,
            )
            .await?;
        }
        Ok(Self(changed_at))
    }
}
