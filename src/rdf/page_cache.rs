//! The cache behind `/catalog`: each dataset's mapped graph (its quads, already in presentation
//! order), keyed by the dataset's id and revision under one mapping version, so a 100-dataset page
//! reads its rows' ids and revisions from SQL and serialises cached quads instead of reading and
//! mapping every document again.
//!
//! The entries are a [`RevisionCache`]: kept in step by the change feed (a dataset's write, its
//! publisher's change or its hosted table's change evicts its graph) and bounded by
//! `ODCAT_CATALOG_CACHE_MB`, estimated from the quads' strings and sizes. Documents are serialised per
//! request by Oxigraph's serialisers; only quads are cached.

use std::collections::HashMap;
use std::sync::Arc;

use oxigraph::model::{Literal, NamedOrBlankNode, Quad, Term};
use uuid::Uuid;

use super::mapping::{Mapping, presentation_order};
use super::projector::DatasetBatch;
use crate::catalog::Catalog;
use crate::catalog::record::DatasetRecord;
use crate::catalog::repo;
use crate::catalog::repo::publishing::PageEntry;
use crate::feed::cache::{CacheStats, Fresh, RevisionCache};

/// Cached datasets' graphs, bounded by an estimate of their size in memory.
#[derive(Clone)]
pub struct PageCache {
    graphs: RevisionCache<Arc<[Quad]>>,
    catalog: Catalog,
    mapping: Mapping,
    /// The mapping version every cached graph was made with.
    version: String,
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
            graphs: RevisionCache::new("catalog-pages", catalog.clone(), budget_bytes),
            catalog,
            version: mapping.version(),
            mapping,
        }
    }

    /// The change feed's consumer that keeps the cache in step with the record.
    pub fn consumer(&self) -> RevisionCache<Arc<[Quad]>> {
        self.graphs.clone()
    }

    /// The cache's figures.
    pub fn stats(&self) -> CacheStats {
        self.graphs.stats()
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
        let db = self.catalog.db();
        if mapping.version() != self.version || mapping.base() != self.mapping.base() {
            let models = ordered(
                repo::publishing::datasets_by_id(db, entries.iter().map(|e| e.id)).await?,
                entries,
            );
            let quads = map_sorted(db, mapping, models).await?;
            return Ok(quads.into_iter().map(|(_, q)| q).collect());
        }
        let lookup = self
            .graphs
            .lookup(entries.iter().map(|e| (e.id, e.revision)));
        if lookup.missing.is_empty() {
            return Ok(lookup.found.into_iter().flatten().collect());
        }
        let models = repo::publishing::datasets_by_id(db, lookup.missing).await?;
        // Stored under the revision read with the row (a write since the entry was read is newer).
        let keys: HashMap<Uuid, (i32, Uuid)> = models
            .iter()
            .map(|m| (m.id(), (m.revision(), m.publisher_id())))
            .collect();
        let mapped = map_sorted(db, mapping, models).await?;
        let mut by_id: HashMap<Uuid, Arc<[Quad]>> = mapped.into_iter().collect();
        self.graphs.store(
            lookup.generation,
            by_id.iter().filter_map(|(id, quads)| {
                let (revision, publisher) = keys.get(id)?;
                Some(Fresh {
                    id: *id,
                    revision: *revision,
                    publisher: *publisher,
                    value: quads.clone(),
                    bytes: quads.iter().map(quad_bytes).sum(),
                })
            }),
        );
        Ok(entries
            .iter()
            .zip(lookup.found)
            .filter_map(|(entry, cached)| cached.or_else(|| by_id.remove(&entry.id)))
            .collect())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::change::EntityKind;
    use crate::feed::{Consumer, Entry};

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
        let consumer = cache.consumer();
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
        assert_eq!(cache.stats().datasets, all - 1);
        assert_eq!(consumer.position(), 1);
        let publisher = models[1].publisher_id();
        let of_publisher = models
            .iter()
            .skip(1)
            .filter(|m| m.publisher_id() == publisher)
            .count();
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
        assert_eq!(cache.stats().datasets, all - 1 - of_publisher);
        consumer.rebuild(5).await?;
        assert_eq!(cache.stats().datasets, 0);
        assert_eq!(consumer.position(), 5);
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
