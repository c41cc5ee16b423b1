//! The cache behind `/catalog`: each dataset's part of a page, serialised per format, keyed by the
//! dataset's id and revision under one mapping version, so a 100-dataset page reads its rows' ids and
//! revisions from SQL and joins cached bytes instead of reading, mapping and serialising every
//! document again.
//!
//! A dataset's part ([`Fragment`]) is the body Oxigraph's serialiser writes for the dataset's own
//! triples (subjects under the base URL, and blank nodes), cut out of its document's frame (see
//! [`Frame`]), plus the few triples about outside resources (the classes of vocabulary IRIs), which
//! the page writes once however many of its datasets name them. Bytes are about a sixth of the
//! quads they were written from, and joining them costs a copy.
//!
//! Each format has its own [`RevisionCache`], a quarter of `ODCAT_CATALOG_CACHE_MB`: kept in step by
//! the change feed (a dataset's write, its publisher's change or its hosted table's change evicts its
//! parts) and bounded by an estimate of their size.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use anyhow::Context;
use oxigraph::model::{Quad, TripleRef};
use uuid::Uuid;

use super::format::{Format, Frame, TripleWriter, is_local};
use super::mapping::{Mapping, presentation_order};
use super::projector::DatasetBatch;
use crate::catalog::Catalog;
use crate::catalog::record::DatasetRecord;
use crate::catalog::repo;
use crate::catalog::repo::publishing::PageEntry;
use crate::feed::cache::{CacheStats, Fresh, RevisionCache};

/// One dataset's part of a catalogue page in one format.
#[derive(Debug)]
pub struct Fragment {
    /// The dataset's own triples, serialised, without the document's frame.
    pub body: Box<[u8]>,
    /// Its triples about resources outside the catalogue, one group per subject, each serialised
    /// on its own: many datasets of a page name the same ones, and the page writes each once.
    pub shared: Box<[Shared]>,
}

/// A group of triples about one resource outside the catalogue, serialised without the frame.
#[derive(Debug, PartialEq, Eq)]
pub struct Shared {
    /// A hash of `body`, which a page's deduplication compares first.
    key: u64,
    /// The triples, serialised.
    pub body: Box<[u8]>,
}

impl std::hash::Hash for Shared {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.key);
    }
}

impl Shared {
    fn new(body: &[u8]) -> Self {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        body.hash(&mut hasher);
        Self {
            key: hasher.finish(),
            body: body.into(),
        }
    }
}

/// Serialises `triples` in `format` and cuts the body out of the frame (empty for no triples).
fn framed_body<'a>(
    format: Format,
    frame: &Frame,
    base: &str,
    triples: impl IntoIterator<Item = TripleRef<'a>>,
) -> Option<Vec<u8>> {
    let mut out = TripleWriter::new(format, base, Vec::new());
    let mut written = false;
    for triple in triples {
        out.write(triple).ok()?;
        written = true;
    }
    let document = out.finish().ok()?;
    if !written {
        return Some(Vec::new());
    }
    frame.body(&document).map(<[u8]>::to_vec)
}

impl Fragment {
    /// The parts of `graphs` (each one dataset's quads, in presentation order) in `format`, or
    /// `None` where the format has no [`Frame`].
    pub fn of_graphs(format: Format, base: &str, graphs: &[&[Quad]]) -> Option<Vec<Self>> {
        let frame = Frame::of(format)?;
        let local = format!("{base}/");
        graphs
            .iter()
            .map(|quads| {
                let (own, outside): (Vec<&Quad>, Vec<&Quad>) = quads
                    .iter()
                    .partition(|quad| is_local(&local, quad.subject.as_ref()));
                let body = framed_body(format, frame, base, own.iter().map(|q| q.as_ref().into()))?;
                let mut shared = Vec::new();
                for group in outside.chunk_by(|a, b| a.subject == b.subject) {
                    let bytes =
                        framed_body(format, frame, base, group.iter().map(|q| q.as_ref().into()))?;
                    shared.push(Shared::new(&bytes));
                }
                Some(Self {
                    body: body.into(),
                    shared: shared.into(),
                })
            })
            .collect()
    }

    /// The estimated heap and inline size.
    fn bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.body.len()
            + self
                .shared
                .iter()
                .map(|s| std::mem::size_of::<Shared>() + s.body.len())
                .sum::<usize>()
    }
}

/// The page cache's figures for `/readyz`: the sums over the formats, and each format's own (keyed by
/// its file extension) with the datasets it holds.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PageCacheStats {
    /// Format parts held: a dataset cached in two formats counts twice.
    pub parts: usize,
    /// Estimated bytes held in all formats.
    pub bytes: usize,
    /// The byte budget of all formats.
    pub budget_bytes: usize,
    /// Parts served from the cache since start.
    pub hits: u64,
    /// Parts read from SQL since start.
    pub misses: u64,
    /// Each format's figures.
    pub formats: BTreeMap<&'static str, CacheStats>,
}

/// Cached datasets' page parts, per format, bounded by an estimate of their size in memory.
#[derive(Clone)]
pub struct PageCache {
    parts: [RevisionCache<Arc<Fragment>>; Format::ALL.len()],
    catalog: Catalog,
    mapping: Mapping,
    /// The mapping version every cached part was made with.
    version: String,
}

impl PageCache {
    /// An empty cache for graphs made with `mapping`, holding about `budget_bytes` in all formats.
    pub fn new(catalog: Catalog, mapping: Mapping, budget_bytes: usize) -> Self {
        let budget = budget_bytes / Format::ALL.len();
        let names = Format::ALL.map(|f| match f {
            Format::Turtle => "catalog-pages-ttl",
            Format::RdfXml => "catalog-pages-rdf",
            Format::JsonLd => "catalog-pages-jsonld",
            Format::NTriples => "catalog-pages-nt",
        });
        Self {
            parts: names.map(|name| RevisionCache::new(name, catalog.clone(), budget)),
            catalog,
            version: mapping.version(),
            mapping,
        }
    }

    /// The change feed's consumers that keep the cache in step with the record, one per format.
    pub fn consumers(&self) -> Vec<RevisionCache<Arc<Fragment>>> {
        self.parts.to_vec()
    }

    /// The cache's figures, summed over the formats and per format.
    pub fn stats(&self) -> PageCacheStats {
        let mut all = PageCacheStats {
            parts: 0,
            bytes: 0,
            budget_bytes: 0,
            hits: 0,
            misses: 0,
            formats: BTreeMap::new(),
        };
        for format in Format::ALL {
            let s = self.parts[format.slot()].stats();
            all.parts += s.datasets;
            all.bytes += s.bytes;
            all.budget_bytes += s.budget_bytes;
            all.hits += s.hits;
            all.misses += s.misses;
            all.formats.insert(format.extension(), s);
        }
        all
    }

    /// The parts of the datasets of `entries` in `format` (in their order), from the cache where it
    /// holds the entry's revision, else read from SQL, mapped, serialised and stored; `None` when
    /// `mapping` is not the cache's or the format has no [`Frame`] (the page is then serialised
    /// whole from [`PageCache::graphs`]). A dataset deleted since its entry was read is left out.
    pub async fn fragments(
        &self,
        mapping: &Mapping,
        format: Format,
        entries: &[PageEntry],
    ) -> anyhow::Result<Option<Vec<Arc<Fragment>>>> {
        if mapping.version() != self.version
            || mapping.base() != self.mapping.base()
            || Frame::of(format).is_none()
        {
            return Ok(None);
        }
        let cache = &self.parts[format.slot()];
        let lookup = cache.lookup(entries.iter().map(|e| (e.id, e.revision)));
        if lookup.missing.is_empty() {
            return Ok(Some(lookup.found.into_iter().flatten().collect()));
        }
        let db = self.catalog.db();
        let models = repo::publishing::datasets_by_id(db, lookup.missing).await?;
        // Stored under the revision read with the row (a write since the entry was read is newer).
        let keys: HashMap<Uuid, (i32, Uuid)> = models
            .iter()
            .map(|m| (m.id(), (m.revision(), m.publisher_id())))
            .collect();
        let mapped = map_sorted(db, mapping, models).await?;
        let base = mapping.base().to_owned();
        let made = tokio::task::spawn_blocking(move || {
            let graphs: Vec<&[Quad]> = mapped.iter().map(|(_, q)| &q[..]).collect();
            Fragment::of_graphs(format, &base, &graphs).map(|parts| {
                mapped
                    .iter()
                    .map(|(id, _)| *id)
                    .zip(parts.into_iter().map(Arc::new))
                    .collect::<HashMap<Uuid, Arc<Fragment>>>()
            })
        })
        .await
        .map_err(|e| anyhow::anyhow!("the RDF serialising thread failed: {e}"))?;
        let Some(mut by_id) = made else {
            anyhow::bail!(
                "Oxigraph's {} serialiser wrote a dataset outside its frame",
                format.label()
            );
        };
        cache.store(
            lookup.generation,
            by_id.iter().filter_map(|(id, part)| {
                let (revision, publisher) = keys.get(id)?;
                Some(Fresh {
                    id: *id,
                    revision: *revision,
                    publisher: *publisher,
                    value: part.clone(),
                    bytes: part.bytes(),
                })
            }),
        );
        Ok(Some(
            entries
                .iter()
                .zip(lookup.found)
                .filter_map(|(entry, cached)| cached.or_else(|| by_id.remove(&entry.id)))
                .collect(),
        ))
    }

    /// The graphs of the datasets of `entries` (in their order, each in presentation order), read
    /// from SQL and mapped with `mapping`, uncached. A dataset deleted since its entry was read is
    /// left out.
    pub async fn graphs(
        &self,
        mapping: &Mapping,
        entries: &[PageEntry],
    ) -> anyhow::Result<Vec<Arc<[Quad]>>> {
        let db = self.catalog.db();
        let models = ordered(
            repo::publishing::datasets_by_id(db, entries.iter().map(|e| e.id)).await?,
            entries,
        );
        let quads = map_sorted(db, mapping, models).await?;
        Ok(quads.into_iter().map(|(_, q)| q).collect())
    }
}

/// Writes a page in `format`: `head` (the triples besides the datasets', in order) serialised by
/// Oxigraph, then the parts' shared groups, each distinct one once, and the parts' bodies, joined in
/// the format's frame.
pub fn write_page<'a>(
    format: Format,
    base: &str,
    head: impl IntoIterator<Item = TripleRef<'a>>,
    parts: &[Arc<Fragment>],
) -> anyhow::Result<Vec<u8>> {
    let frame = Frame::of(format).context("the format has no frame")?;
    let mut out = TripleWriter::new(format, base, Vec::with_capacity(16 * 1024));
    for triple in head {
        out.write(triple)?;
    }
    let document = out.finish()?;
    // Turtle and N-Triples write nothing, not even the prelude, for no triples.
    let head = if document.is_empty() {
        &[][..]
    } else {
        frame
            .body(&document)
            .context("Oxigraph wrote the page's head outside its frame")?
    };
    let mut seen = std::collections::HashSet::new();
    let shared: Vec<&[u8]> = parts
        .iter()
        .flat_map(|p| p.shared.iter())
        .filter(|s| seen.insert(*s))
        .map(|s| &s.body[..])
        .collect();
    let len = head.len()
        + shared.iter().map(|b| b.len()).sum::<usize>()
        + parts.iter().map(|p| p.body.len()).sum::<usize>();
    let mut body = Vec::with_capacity(frame.joined_len(len, shared.len() + parts.len() + 1));
    frame.join(
        &mut body,
        std::iter::once(head)
            .chain(shared)
            .chain(parts.iter().map(|p| &p.body[..])),
    );
    Ok(body)
}

/// Reads and maps `models`' graphs from SQL, each put in presentation order.
async fn map_sorted(
    db: &crate::catalog::Db,
    mapping: &Mapping,
    models: Vec<DatasetRecord>,
) -> anyhow::Result<Vec<(Uuid, Arc<[Quad]>)>> {
    let batch = DatasetBatch::read(db, mapping.base(), models).await?;
    let mapping = mapping.clone();
    let quads = batch.map(mapping.clone()).await?;
    tokio::task::spawn_blocking(move || {
        let mut quads = quads;
        // Sorts each run of one graph; the mapping writes each dataset's quads together, all in the
        // dataset's graph, so a run is a dataset.
        presentation_order(&mut quads);
        let mut out: Vec<(Uuid, Arc<[Quad]>)> = Vec::new();
        let mut run: Vec<Quad> = Vec::new();
        let mut flush = |run: &mut Vec<Quad>| {
            let Some(first) = run.first() else {
                return;
            };
            if let Some(id) = dataset_of(&mapping, &first.graph_name) {
                out.push((id, std::mem::take(run).into()));
            }
            run.clear();
        };
        for quad in quads {
            if run.last().is_some_and(|q| q.graph_name != quad.graph_name) {
                flush(&mut run);
            }
            run.push(quad);
        }
        flush(&mut run);
        out
    })
    .await
    .map_err(|e| anyhow::anyhow!("the RDF mapping thread failed: {e}"))
}

/// `models` in the order of `entries`.
fn ordered(models: Vec<DatasetRecord>, entries: &[PageEntry]) -> Vec<DatasetRecord> {
    let mut by_id: HashMap<Uuid, DatasetRecord> = models.into_iter().map(|m| (m.id(), m)).collect();
    entries.iter().filter_map(|e| by_id.remove(&e.id)).collect()
}

/// The dataset whose graph is `graph`.
fn dataset_of(mapping: &Mapping, graph: &oxigraph::model::GraphName) -> Option<Uuid> {
    let oxigraph::model::GraphName::NamedNode(node) = graph else {
        return None;
    };
    let prefix = format!("{}/dataset/", mapping.base());
    node.as_str()
        .strip_prefix(&prefix)
        .and_then(|id| Uuid::parse_str(id).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::change::EntityKind;
    use crate::feed::{Consumer, Entry};
    use crate::rdf::format::TripleWriter;
    use oxigraph::io::RdfParser;
    use oxigraph::model::Graph;
    use oxigraph::model::Triple;
    use oxigraph::model::dataset::CanonicalizationAlgorithm;

    async fn fixture() -> anyhow::Result<(Catalog, Mapping)> {
        let db = crate::db::connect_memory().await?;
        let catalog = Catalog::new(db, "http://example.org");
        crate::catalog::fixtures::load(&catalog).await?;
        Ok((catalog, Mapping::new("http://example.org", None)))
    }

    async fn published(catalog: &Catalog) -> anyhow::Result<Vec<DatasetRecord>> {
        Ok(repo::publishing::published_after(catalog.db(), None, 1000).await?)
    }

    fn entries(models: &[DatasetRecord]) -> Vec<PageEntry> {
        models
            .iter()
            .map(|m| PageEntry {
                id: m.id(),
                revision: m.revision(),
                publisher_id: m.publisher_id(),
                published: true,
            })
            .collect()
    }

    /// The graph a document in `format` holds, blank nodes canonicalised.
    fn parse(format: Format, document: &[u8]) -> anyhow::Result<Graph> {
        let rdf = match format {
            Format::Turtle => oxigraph::io::RdfFormat::Turtle,
            Format::RdfXml => oxigraph::io::RdfFormat::RdfXml,
            Format::JsonLd => oxigraph::io::RdfFormat::JsonLd {
                profile: oxigraph::io::JsonLdProfileSet::empty(),
            },
            Format::NTriples => oxigraph::io::RdfFormat::NTriples,
        };
        let mut graph = Graph::new();
        for quad in RdfParser::from_format(rdf).for_slice(document) {
            graph.insert(&Triple::from(quad?));
        }
        graph.canonicalize(CanonicalizationAlgorithm::Unstable);
        Ok(graph)
    }

    #[tokio::test]
    async fn joined_parts_hold_the_graph_of_one_serialisation_in_every_format() -> anyhow::Result<()>
    {
        let (catalog, mapping) = fixture().await?;
        let cache = PageCache::new(catalog.clone(), mapping.clone(), 64 << 20);
        let models = published(&catalog).await?;
        assert!(models.len() >= 3);
        let mut fresh =
            crate::rdf::projector::dataset_graphs(catalog.db(), mapping.clone(), models.clone())
                .await?;
        presentation_order(&mut fresh);
        // A head triple about a dataset's subject's neighbour, as a page's paging is.
        let head = Triple::new(
            oxigraph::model::NamedNode::new_unchecked("http://example.org/catalog?page=1"),
            crate::rdf::vocab::rdf::TYPE,
            crate::rdf::vocab::hydra::PARTIAL_COLLECTION_VIEW.into_owned(),
        );
        for format in Format::ALL {
            assert!(Frame::of(format).is_some(), "{format:?} has a frame");
            let parts = cache
                .fragments(&mapping, format, &entries(&models))
                .await?
                .expect("the cache's mapping and a framed format");
            assert_eq!(parts.len(), models.len());
            let joined = write_page(format, mapping.base(), [head.as_ref()], &parts)?;
            let mut whole = TripleWriter::new(format, mapping.base(), Vec::new());
            whole.write(&head)?;
            for quad in &fresh {
                whole.write(quad.as_ref())?;
            }
            let whole = whole.finish()?;
            assert_eq!(
                parse(format, &joined)?,
                parse(format, &whole)?,
                "{format:?}: the joined page holds the graph of the whole serialisation"
            );
            // Shared triples are written once: the page is no larger than the whole serialisation
            // but for layout (Turtle groups a subject's triples).
            assert!(
                joined.len() <= whole.len() + whole.len() / 20,
                "{format:?}: {} against {} bytes",
                joined.len(),
                whole.len()
            );
            let again = cache
                .fragments(&mapping, format, &entries(&models))
                .await?
                .expect("cached");
            for (a, b) in parts.iter().zip(&again) {
                assert!(
                    Arc::ptr_eq(a, b),
                    "the second read is served from the cache"
                );
            }
        }
        let stats = cache.stats();
        assert_eq!(stats.misses, (models.len() * Format::ALL.len()) as u64);
        assert_eq!(stats.hits, (models.len() * Format::ALL.len()) as u64);

        // Another revision is a miss.
        let mut bumped = entries(&models);
        bumped[0].revision += 1;
        cache
            .fragments(&mapping, Format::Turtle, &bumped)
            .await?
            .expect("cached");
        assert_eq!(cache.stats().misses, stats.misses + 1);
        // Another mapping is not served from the cache.
        let other = Mapping::new("http://other.example", None);
        assert!(
            cache
                .fragments(&other, Format::Turtle, &bumped)
                .await?
                .is_none()
        );
        Ok(())
    }

    #[tokio::test]
    async fn the_feed_evicts_changed_datasets_and_publishers() -> anyhow::Result<()> {
        let (catalog, mapping) = fixture().await?;
        let cache = PageCache::new(catalog.clone(), mapping.clone(), 64 << 20);
        let models = published(&catalog).await?;
        cache
            .fragments(&mapping, Format::Turtle, &entries(&models))
            .await?;
        let all = cache.stats().formats["ttl"].datasets;
        assert_eq!(all, models.len());
        let consumers = cache.consumers();
        assert_eq!(consumers.len(), Format::ALL.len());
        for consumer in &consumers {
            consumer
                .apply(
                    &[Entry {
                        seq: 1,
                        kind: EntityKind::Dataset,
                        id: models[0].id(),
                    }],
                    1,
                )
                .await?;
        }
        assert_eq!(cache.stats().parts, all - 1);
        assert_eq!(consumers[0].position(), 1);
        let publisher = models[1].publisher_id();
        let of_publisher = models
            .iter()
            .skip(1)
            .filter(|m| m.publisher_id() == publisher)
            .count();
        for consumer in &consumers {
            consumer
                .apply(
                    &[Entry {
                        seq: 2,
                        kind: EntityKind::Publisher,
                        id: publisher,
                    }],
                    2,
                )
                .await?;
        }
        assert_eq!(cache.stats().parts, all - 1 - of_publisher);
        for consumer in &consumers {
            consumer.rebuild(5).await?;
        }
        assert_eq!(cache.stats().parts, 0);
        assert_eq!(consumers[3].position(), 5);
        Ok(())
    }

    #[tokio::test]
    async fn the_budget_bounds_the_cache() -> anyhow::Result<()> {
        let (catalog, mapping) = fixture().await?;
        let models = published(&catalog).await?;
        let unbounded = PageCache::new(catalog.clone(), mapping.clone(), usize::MAX);
        unbounded
            .fragments(&mapping, Format::Turtle, &entries(&models))
            .await?;
        // The Turtle cache's share of a budget is a quarter.
        let total = unbounded.stats().bytes;
        let small = PageCache::new(catalog.clone(), mapping.clone(), total * 2);
        let parts = small
            .fragments(&mapping, Format::Turtle, &entries(&models))
            .await?
            .expect("cached");
        assert_eq!(parts.len(), models.len(), "every part is answered");
        let stats = small.stats();
        assert!(stats.bytes <= total / 2, "{stats:?} within {}", total / 2);
        assert!(stats.formats["ttl"].datasets < models.len());
        Ok(())
    }
}
