//! The cache behind `/catalog`: each dataset's mapped graph (its quads, already in presentation
//! order), keyed by the dataset's id and revision under one mapping version, so a 100-dataset page
//! reads its rows' ids and revisions from SQL and serialises cached quads instead of reading and
//! mapping every document again.
//!
//! Kept in step by the change feed ([`crate::feed::Consumer`]): a dataset write evicts the dataset
//! (its revision also changes, so a stale graph is never served even before the feed has seen the
//! write), a publisher change evicts the publisher's datasets (their graphs name the publisher's
//! IRI, made from its slug), a hosted table's change evicts its dataset (the VoID description counts
//! its rows). Every eviction moves a generation counter, and a graph read before an eviction is not
//! stored after it, so a graph read concurrently with a write never outlives the feed's eviction.
//!
//! Memory is bounded by a byte budget (`ODCAT_CATALOG_CACHE_MB`, estimated from the quads' strings
//! and sizes): past it the least recently used tenth of the datasets is dropped. Documents are
//! serialised per request by Oxigraph's serialisers; only quads are cached.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::future::BoxFuture;
use oxigraph::model::{Literal, NamedOrBlankNode, Quad, Term};
use uuid::Uuid;

use super::mapping::{Mapping, presentation_order};
use super::projector::DatasetBatch;
use crate::catalog::Catalog;
use crate::catalog::change::EntityKind;
use crate::catalog::record::DatasetRecord;
use crate::catalog::repo;
use crate::catalog::repo::publishing::PageEntry;
use crate::feed::{Consumer, Entry};

/// Cached datasets' graphs, bounded by an estimate of their size in memory.
#[derive(Clone)]
pub struct PageCache {
    inner: Arc<Inner>,
}

struct Inner {
    catalog: Catalog,
    mapping: Mapping,
    /// The mapping version every cached graph was made with.
    version: String,
    budget: usize,
    position: AtomicI64,
    /// Moves on every eviction: a graph read at an older generation is not stored.
    generation: AtomicU64,
    state: Mutex<State>,
    hits: AtomicU64,
    misses: AtomicU64,
}

#[derive(Default)]
struct State {
    entries: HashMap<Uuid, Cached>,
    bytes: usize,
    clock: u64,
}

struct Cached {
    revision: i32,
    publisher: Uuid,
    quads: Arc<[Quad]>,
    bytes: usize,
    used: u64,
}

/// Figures of the cache, for `/readyz` and the benchmark.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct CacheStats {
    /// Cached datasets.
    pub datasets: usize,
    /// Estimated bytes held.
    pub bytes: usize,
    /// The byte budget.
    pub budget_bytes: usize,
    /// Datasets served from the cache since start.
    pub hits: u64,
    /// Datasets mapped from SQL since start.
    pub misses: u64,
}

/// The estimated heap and inline size of a quad.
fn quad_bytes(q: &Quad) -> usize {
    fn subject(s: &NamedOrBlankNode) -> usize {
        match s {
            NamedOrBlankNode::NamedNode(n) => n.as_str().len(),
            NamedOrBlankNode::BlankNode(b) => b.as_str().len(),
        }
    }
    fn literal(l: &Literal) -> usize {
        l.value().len() + l.language().map_or(0, str::len) + l.datatype().as_str().len()
    }
    let object = match &q.object {
        Term::NamedNode(n) => n.as_str().len(),
        Term::BlankNode(b) => b.as_str().len(),
        Term::Literal(l) => literal(l),
        #[allow(unreachable_patterns)]
        _ => 64,
    };
    let graph = match &q.graph_name {
        oxigraph::model::GraphName::NamedNode(n) => n.as_str().len(),
        oxigraph::model::GraphName::BlankNode(b) => b.as_str().len(),
        oxigraph::model::GraphName::DefaultGraph => 0,
    };
    std::mem::size_of::<Quad>() + subject(&q.subject) + q.predicate.as_str().len() + object + graph
}

impl PageCache {
    /// An empty cache for graphs made with `mapping`, holding about `budget_bytes`.
    pub fn new(catalog: Catalog, mapping: Mapping, budget_bytes: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                catalog,
                version: mapping.version(),
                mapping,
                budget: budget_bytes,
                position: AtomicI64::new(-1),
                generation: AtomicU64::new(0),
                state: Mutex::new(State::default()),
                hits: AtomicU64::new(0),
                misses: AtomicU64::new(0),
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The cache's figures.
    pub fn stats(&self) -> CacheStats {
        let state = self.state();
        CacheStats {
            datasets: state.entries.len(),
            bytes: state.bytes,
            budget_bytes: self.inner.budget,
            hits: self.inner.hits.load(Ordering::Relaxed),
            misses: self.inner.misses.load(Ordering::Relaxed),
        }
    }

    /// The graphs of the datasets of `entries` (in their order, each in presentation order), from
    /// the cache where it holds the entry's revision, else read from SQL, mapped and stored. `mapping`
    /// must be the cache's (another mapping's graphs are mapped and not stored). A dataset deleted
    /// since its entry was read is left out.
    pub async fn graphs(
        &self,
        mapping: &Mapping,
        entries: &[PageEntry],
    ) -> anyhow::Result<Vec<Arc<[Quad]>>> {
        let db = self.inner.catalog.db();
        if mapping.version() != self.inner.version || mapping.base() != self.inner.mapping.base() {
            let models = ordered(
                repo::publishing::datasets_by_id(db, entries.iter().map(|e| e.id)).await?,
                entries,
            );
            let quads = map_sorted(db, mapping, models).await?;
            return Ok(quads.into_iter().map(|(_, q)| q).collect());
        }
        let mut out: Vec<Option<Arc<[Quad]>>> = Vec::with_capacity(entries.len());
        let mut missing = Vec::new();
        {
            let mut state = self.state();
            state.clock += 1;
            let now = state.clock;
            for entry in entries {
                match state.entries.get_mut(&entry.id) {
                    Some(c) if c.revision == entry.revision => {
                        c.used = now;
                        out.push(Some(c.quads.clone()));
                    }
                    _ => {
                        out.push(None);
                        missing.push(entry.id);
                    }
                }
            }
        }
        let hits = (entries.len() - missing.len()) as u64;
        self.inner.hits.fetch_add(hits, Ordering::Relaxed);
        if missing.is_empty() {
            return Ok(out.into_iter().flatten().collect());
        }
        self.inner
            .misses
            .fetch_add(missing.len() as u64, Ordering::Relaxed);
        let generation = self.inner.generation.load(Ordering::Acquire);
        let models = repo::publishing::datasets_by_id(db, missing).await?;
        // Stored under the revision read with the row (a write since the entry was read is newer).
        let keys: HashMap<Uuid, (i32, Uuid)> = models
            .iter()
            .map(|m| (m.id(), (m.revision(), m.publisher_id())))
            .collect();
        let mapped = map_sorted(db, mapping, models).await?;
        let mut by_id: HashMap<Uuid, Arc<[Quad]>> = mapped.into_iter().collect();
        self.store(
            generation,
            by_id.iter().filter_map(|(id, quads)| {
                let (revision, publisher) = keys.get(id)?;
                Some((*id, *revision, *publisher, quads.clone()))
            }),
        );
        Ok(entries
            .iter()
            .zip(out)
            .filter_map(|(entry, cached)| cached.or_else(|| by_id.remove(&entry.id)))
            .collect())
    }

    /// Stores graphs read at `generation` (dropped when an eviction happened since), then trims the
    /// cache to its budget.
    fn store(&self, generation: u64, graphs: impl Iterator<Item = (Uuid, i32, Uuid, Arc<[Quad]>)>) {
        let mut state = self.state();
        if self.inner.generation.load(Ordering::Acquire) != generation {
            return;
        }
        state.clock += 1;
        let now = state.clock;
        for (id, revision, publisher, quads) in graphs {
            let bytes = quads.iter().map(quad_bytes).sum::<usize>() + 96;
            if let Some(old) = state.entries.insert(
                id,
                Cached {
                    revision,
                    publisher,
                    quads,
                    bytes,
                    used: now,
                },
            ) {
                state.bytes -= old.bytes;
            }
            state.bytes += bytes;
        }
        if state.bytes > self.inner.budget {
            trim(&mut state, self.inner.budget);
        }
    }

    /// Drops the datasets `ids` and the datasets of the publishers `publishers`.
    fn evict(&self, ids: &[Uuid], publishers: &[Uuid]) {
        let mut state = self.state();
        self.inner.generation.fetch_add(1, Ordering::AcqRel);
        for id in ids {
            if let Some(old) = state.entries.remove(id) {
                state.bytes -= old.bytes;
            }
        }
        if !publishers.is_empty() {
            let mut freed = 0;
            state.entries.retain(|_, c| {
                let keep = !publishers.contains(&c.publisher);
                if !keep {
                    freed += c.bytes;
                }
                keep
            });
            state.bytes -= freed;
        }
    }

    /// Drops everything.
    pub fn clear(&self) {
        let mut state = self.state();
        self.inner.generation.fetch_add(1, Ordering::AcqRel);
        state.entries.clear();
        state.bytes = 0;
    }
}

/// Drops the least recently used tenth of the entries (at least enough to fit the budget).
fn trim(state: &mut State, budget: usize) {
    let mut ages: Vec<(u64, Uuid, usize)> = state
        .entries
        .iter()
        .map(|(id, c)| (c.used, *id, c.bytes))
        .collect();
    ages.sort_unstable_by_key(|(used, _, _)| *used);
    let target = budget - budget / 10;
    let least = state.entries.len() / 10;
    for (dropped, (_, id, bytes)) in ages.into_iter().enumerate() {
        if state.bytes <= target && dropped >= least {
            break;
        }
        state.entries.remove(&id);
        state.bytes -= bytes;
    }
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

impl Consumer for PageCache {
    fn name(&self) -> &'static str {
        "catalog-pages"
    }

    fn position(&self) -> i64 {
        self.inner.position.load(Ordering::Acquire)
    }

    fn rebuild(&self, upto: i64) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(async move {
            // Pages fill the cache as they are read; a cold page costs what an uncached one did.
            self.clear();
            self.inner.position.store(upto, Ordering::Release);
            Ok(())
        })
    }

    fn apply<'a>(&'a self, entries: &'a [Entry], upto: i64) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let mut datasets = Vec::new();
            let mut publishers = Vec::new();
            let mut tables = Vec::new();
            for entry in entries {
                match entry.kind {
                    EntityKind::Dataset => datasets.push(entry.id),
                    EntityKind::Publisher => publishers.push(entry.id),
                    EntityKind::DataTable => tables.push(entry.id),
                    // The datasets' graphs do not depend on the catalogue record.
                    EntityKind::Catalog => {}
                }
            }
            if !tables.is_empty() {
                datasets.extend(
                    repo::publishing::datasets_of_distributions(self.inner.catalog.db(), tables)
                        .await?,
                );
            }
            if !datasets.is_empty() || !publishers.is_empty() {
                self.evict(&datasets, &publishers);
            }
            self.inner.position.store(upto, Ordering::Release);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[tokio::test]
    async fn cached_graphs_equal_fresh_mappings_and_follow_revisions() -> anyhow::Result<()> {
        let (catalog, mapping) = fixture().await?;
        let cache = PageCache::new(catalog.clone(), mapping.clone(), 64 << 20);
        let models = published(&catalog).await?;
        assert!(models.len() >= 3);
        let first = cache.graphs(&mapping, &entries(&models)).await?;
        assert_eq!(cache.stats().misses, models.len() as u64);
        let again = cache.graphs(&mapping, &entries(&models)).await?;
        assert_eq!(cache.stats().hits, models.len() as u64);
        assert_eq!(first.len(), models.len());
        for (a, b) in first.iter().zip(&again) {
            assert!(
                Arc::ptr_eq(a, b),
                "the second read is served from the cache"
            );
        }
        // Equal to a fresh mapping of the same rows, in the same order.
        let mut fresh =
            crate::rdf::projector::dataset_graphs(catalog.db(), mapping.clone(), models.clone())
                .await?;
        presentation_order(&mut fresh);
        let cached: Vec<Quad> = first.iter().flat_map(|g| g.iter().cloned()).collect();
        assert_eq!(cached, fresh);

        // Another revision is a miss.
        let mut bumped = entries(&models);
        bumped[0].revision += 1;
        let before = cache.stats().misses;
        cache.graphs(&mapping, &bumped).await?;
        assert_eq!(cache.stats().misses, before + 1);
        Ok(())
    }

    #[tokio::test]
    async fn the_feed_evicts_changed_datasets_and_publishers() -> anyhow::Result<()> {
        let (catalog, mapping) = fixture().await?;
        let cache = PageCache::new(catalog.clone(), mapping.clone(), 64 << 20);
        let models = published(&catalog).await?;
        cache.graphs(&mapping, &entries(&models)).await?;
        let all = cache.stats().datasets;
        assert_eq!(all, models.len());
        cache
            .apply(
                &[Entry {
                    seq: 1,
                    kind: EntityKind::Dataset,
                    id: models[0].id(),
                }],
                1,
            )
            .await?;
        assert_eq!(cache.stats().datasets, all - 1);
        assert_eq!(cache.position(), 1);
        let publisher = models[1].publisher_id();
        let of_publisher = models
            .iter()
            .skip(1)
            .filter(|m| m.publisher_id() == publisher)
            .count();
        cache
            .apply(
                &[Entry {
                    seq: 2,
                    kind: EntityKind::Publisher,
                    id: publisher,
                }],
                2,
            )
            .await?;
        assert_eq!(cache.stats().datasets, all - 1 - of_publisher);
        // A graph read before an eviction is not stored after it.
        let generation = cache.inner.generation.load(Ordering::Acquire);
        cache.evict(&[], &[]);
        cache.store(
            generation,
            std::iter::once((Uuid::nil(), 1, Uuid::nil(), Arc::from(Vec::new()))),
        );
        assert!(!cache.state().entries.contains_key(&Uuid::nil()));
        cache.rebuild(5).await?;
        assert_eq!(cache.stats().datasets, 0);
        assert_eq!(cache.position(), 5);
        Ok(())
    }

    #[tokio::test]
    async fn the_budget_bounds_the_cache() -> anyhow::Result<()> {
        let (catalog, mapping) = fixture().await?;
        let models = published(&catalog).await?;
        let unbounded = PageCache::new(catalog.clone(), mapping.clone(), usize::MAX);
        unbounded.graphs(&mapping, &entries(&models)).await?;
        let total = unbounded.stats().bytes;
        let small = PageCache::new(catalog.clone(), mapping.clone(), total / 2);
        let graphs = small.graphs(&mapping, &entries(&models)).await?;
        assert_eq!(graphs.len(), models.len(), "every graph is answered");
        let stats = small.stats();
        assert!(stats.bytes <= total / 2, "{stats:?} within {}", total / 2);
        assert!(stats.datasets < models.len());
        Ok(())
    }
}
