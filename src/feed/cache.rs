//! A cache of one value per dataset (its mapped graph for `/catalog`, its JSON document for
//! `/api/v1/datasets`), keyed by the dataset's id and revision and kept in step by the change feed.
//!
//! A dataset write evicts the dataset (its revision also changes, so a stale value is never served
//! even before the feed has seen the write); a publisher change evicts the publisher's datasets (their
//! values name the publisher: its IRI, made from its slug, or its slug); a hosted table's change
//! evicts its dataset (its graph counts the rows, its document describes the table). Every eviction
//! moves a generation counter, and a value read before an eviction is not stored after it, so a value
//! read concurrently with a write never outlives the feed's eviction.
//!
//! Memory is bounded by a byte budget (each value's size as its owner estimates it): past it the least
//! recently used tenth of the datasets is dropped.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::future::BoxFuture;
use uuid::Uuid;

use super::{Consumer, Entry};
use crate::catalog::Catalog;
use crate::catalog::change::EntityKind;
use crate::catalog::repo;

/// Bytes counted for an entry besides its value's own estimate (key, bookkeeping, map slot).
const ENTRY_OVERHEAD: usize = 96;

/// Values per dataset, by id and revision, bounded by an estimate of their size.
pub struct RevisionCache<V> {
    inner: Arc<Inner<V>>,
}

impl<V> Clone for RevisionCache<V> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

struct Inner<V> {
    name: &'static str,
    catalog: Catalog,
    budget: usize,
    position: AtomicI64,
    /// Moves on every eviction: a value read at an older generation is not stored.
    generation: AtomicU64,
    state: Mutex<State<V>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

struct State<V> {
    entries: HashMap<Uuid, Cached<V>>,
    bytes: usize,
    clock: u64,
}

struct Cached<V> {
    revision: i32,
    publisher: Uuid,
    value: V,
    bytes: usize,
    used: u64,
}

/// A value to store: the dataset, the revision it was read at, its publisher, the value and its
/// estimated size in bytes.
pub struct Fresh<V> {
    /// The dataset.
    pub id: Uuid,
    /// The revision the value was made from.
    pub revision: i32,
    /// The dataset's publisher (a change of it evicts the value).
    pub publisher: Uuid,
    /// The value.
    pub value: V,
    /// Its estimated size in memory.
    pub bytes: usize,
}

/// Figures of a cache, for `/readyz` and the benchmarks.
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
    /// Datasets read from SQL since start.
    pub misses: u64,
}

/// What [`RevisionCache::lookup`] found: a value per asked dataset where the cache held its revision,
/// and the generation to store the missing ones under.
pub struct Lookup<V> {
    /// In the order asked; `None` where the revision is not cached.
    pub found: Vec<Option<V>>,
    /// The datasets not found, in the order asked.
    pub missing: Vec<Uuid>,
    /// Pass to [`RevisionCache::store`] with the values read for `missing`.
    pub generation: u64,
}

impl<V: Clone + Send + Sync + 'static> RevisionCache<V> {
    /// An empty cache named `name` (for logs) holding about `budget_bytes`; 0 keeps nothing.
    pub fn new(name: &'static str, catalog: Catalog, budget_bytes: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                name,
                catalog,
                budget: budget_bytes,
                position: AtomicI64::new(-1),
                generation: AtomicU64::new(0),
                state: Mutex::new(State {
                    entries: HashMap::new(),
                    bytes: 0,
                    clock: 0,
                }),
                hits: AtomicU64::new(0),
                misses: AtomicU64::new(0),
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State<V>> {
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

    /// The cached values of the datasets `wanted` (id and revision), counting hits and misses.
    pub fn lookup(&self, wanted: impl IntoIterator<Item = (Uuid, i32)>) -> Lookup<V> {
        // Read before the entries: an eviction between the two makes the stored values' generation
        // old, so they are not kept.
        let generation = self.inner.generation.load(Ordering::Acquire);
        let mut found = Vec::new();
        let mut missing = Vec::new();
        {
            let mut state = self.state();
            state.clock += 1;
            let now = state.clock;
            for (id, revision) in wanted {
                match state.entries.get_mut(&id) {
                    Some(c) if c.revision == revision => {
                        c.used = now;
                        found.push(Some(c.value.clone()));
                    }
                    _ => {
                        found.push(None);
                        missing.push(id);
                    }
                }
            }
        }
        let hits = (found.len() - missing.len()) as u64;
        self.inner.hits.fetch_add(hits, Ordering::Relaxed);
        self.inner
            .misses
            .fetch_add(missing.len() as u64, Ordering::Relaxed);
        Lookup {
            found,
            missing,
            generation,
        }
    }

    /// Stores values read at `generation` (dropped when an eviction happened since), then trims the
    /// cache to its budget.
    pub fn store(&self, generation: u64, values: impl IntoIterator<Item = Fresh<V>>) {
        if self.inner.budget == 0 {
            return;
        }
        let mut state = self.state();
        if self.inner.generation.load(Ordering::Acquire) != generation {
            return;
        }
        state.clock += 1;
        let now = state.clock;
        for fresh in values {
            let bytes = fresh.bytes + ENTRY_OVERHEAD;
            if let Some(old) = state.entries.insert(
                fresh.id,
                Cached {
                    revision: fresh.revision,
                    publisher: fresh.publisher,
                    value: fresh.value,
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
    pub fn evict(&self, ids: &[Uuid], publishers: &[Uuid]) {
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
fn trim<V>(state: &mut State<V>, budget: usize) {
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

impl<V: Clone + Send + Sync + 'static> Consumer for RevisionCache<V> {
    fn name(&self) -> &'static str {
        self.inner.name
    }

    fn position(&self) -> i64 {
        self.inner.position.load(Ordering::Acquire)
    }

    fn rebuild(&self, upto: i64) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(async move {
            // Values fill the cache as they are read; a miss costs what an uncached read did.
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
                    // No dataset's graph or document depends on the catalogue record or on the
                    // quality assessment (its DQV graph is separate).
                    EntityKind::Catalog | EntityKind::Quality | EntityKind::Token => {}
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

    async fn cache(budget: usize) -> anyhow::Result<RevisionCache<Arc<str>>> {
        let db = crate::db::connect_memory().await?;
        Ok(RevisionCache::new(
            "test",
            Catalog::new(db, "http://example.org"),
            budget,
        ))
    }

    fn fresh(id: Uuid, revision: i32, publisher: Uuid, value: &str) -> Fresh<Arc<str>> {
        Fresh {
            id,
            revision,
            publisher,
            value: value.into(),
            bytes: value.len(),
        }
    }

    #[tokio::test]
    async fn a_value_is_served_for_its_revision_only() -> anyhow::Result<()> {
        let cache = cache(1 << 20).await?;
        let (a, b, p) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let first = cache.lookup([(a, 1), (b, 1)]);
        assert_eq!(first.missing, vec![a, b]);
        cache.store(
            first.generation,
            [fresh(a, 1, p, "a1"), fresh(b, 1, p, "b1")],
        );
        let again = cache.lookup([(b, 1), (a, 1)]);
        assert!(again.missing.is_empty());
        let values: Vec<_> = again
            .found
            .iter()
            .flatten()
            .map(|v| v.to_string())
            .collect();
        assert_eq!(values, ["b1", "a1"]);
        // Another revision is a miss.
        assert_eq!(cache.lookup([(a, 2)]).missing, vec![a]);
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.datasets), (2, 3, 2));
        Ok(())
    }

    #[tokio::test]
    async fn an_eviction_drops_values_read_before_it() -> anyhow::Result<()> {
        let cache = cache(1 << 20).await?;
        let (a, b, p, q) = (
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
        );
        let read = cache.lookup([(a, 1)]);
        // A write is applied by the feed between the read and the store: the stale value is not kept.
        cache.evict(&[a], &[]);
        cache.store(read.generation, [fresh(a, 1, p, "stale")]);
        assert_eq!(cache.lookup([(a, 1)]).missing, vec![a]);

        let read = cache.lookup([(a, 1), (b, 1)]);
        cache.store(read.generation, [fresh(a, 1, p, "a"), fresh(b, 1, q, "b")]);
        // A publisher's change drops its datasets only.
        cache.evict(&[], &[p]);
        let after = cache.lookup([(a, 1), (b, 1)]);
        assert_eq!(after.missing, vec![a]);
        Ok(())
    }

    #[tokio::test]
    async fn the_budget_drops_the_least_recently_used() -> anyhow::Result<()> {
        let cache = cache(10 * (100 + ENTRY_OVERHEAD)).await?;
        let ids: Vec<Uuid> = (0..20).map(|_| Uuid::new_v4()).collect();
        let p = Uuid::new_v4();
        let value = "x".repeat(100);
        for id in &ids {
            let read = cache.lookup([(*id, 1)]);
            cache.store(read.generation, [fresh(*id, 1, p, &value)]);
        }
        let stats = cache.stats();
        assert!(stats.bytes <= stats.budget_bytes, "{stats:?}");
        assert!(stats.datasets < 20 && stats.datasets > 0, "{stats:?}");
        // The newest survived, the oldest went.
        assert!(cache.lookup([(ids[19], 1)]).missing.is_empty());
        assert_eq!(cache.lookup([(ids[0], 1)]).missing, vec![ids[0]]);
        // A budget of 0 keeps nothing.
        let none = RevisionCache::<Arc<str>>::new("none", cache.inner.catalog.clone(), 0);
        let read = none.lookup([(ids[0], 1)]);
        none.store(read.generation, [fresh(ids[0], 1, p, "v")]);
        assert_eq!(none.stats().datasets, 0);
        Ok(())
    }
}
