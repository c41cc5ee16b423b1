//! The change feed: one tailer of `change_log` per process. It reads the outbox in sequence order and
//! hands each batch to its consumers (the RDF projector, the search index, the catalogue page cache,
//! ...). Each consumer knows its own position: a consumer with durable state (the on-disk RDF store, the
//! search index) records it with that state and resumes from it at start; an in-memory one starts from
//! nothing and is rebuilt. Nothing else polls `change_log`.
//!
//! Readers that must see every committed write (a search right after a write, a catalogue page) call
//! [`Feed::sync`]: one `MAX(seq)` probe, and when the feed is behind it, a wait until the feed has
//! handed the missing entries to every consumer.

pub mod cache;

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::sync::{Mutex, Notify, watch};
use uuid::Uuid;

use crate::catalog::Catalog;
use crate::catalog::change::EntityKind;

/// `change_log` entries read per batch.
const BATCH: u64 = 1000;
/// How often an idle feed looks for new entries (other processes' writes; [`Feed::sync`] wakes it at
/// once).
const POLL: Duration = Duration::from_millis(100);
/// How long [`Feed::sync`] waits for the consumers before it answers from what they have.
const SYNC_WAIT: Duration = Duration::from_secs(10);

/// One `change_log` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Sequence number.
    pub seq: i64,
    /// What changed.
    pub kind: EntityKind,
    /// Its id (a `data_table` entry names its distribution).
    pub id: Uuid,
}

/// Something kept in step with the record by the feed.
pub trait Consumer: Send + Sync + 'static {
    /// A short name for logs (`rdf`, `search`, `catalog-pages`).
    fn name(&self) -> &'static str;

    /// The last `change_log` position this consumer reflects; `-1` when it holds nothing yet (the
    /// feed then calls [`rebuild`](Self::rebuild)). A durable consumer reads it from its own store.
    fn position(&self) -> i64;

    /// Builds the consumer's whole state from the record as of at least `upto` (the record's
    /// position when the call starts; writes committed meanwhile may be included, since later
    /// [`apply`](Self::apply) calls are idempotent) and records `upto` as its position.
    fn rebuild(&self, upto: i64) -> BoxFuture<'_, anyhow::Result<()>>;

    /// Applies `entries` (in sequence order, every one after [`position`](Self::position)) and then
    /// records `upto` (at least the last entry's number) as its position. Applying an entry reads the
    /// entity's current state from the record, so applying it twice is harmless.
    fn apply<'a>(&'a self, entries: &'a [Entry], upto: i64) -> BoxFuture<'a, anyhow::Result<()>>;
}

/// The tailer and its consumers.
#[derive(Clone)]
pub struct Feed {
    inner: Arc<Inner>,
}

struct Inner {
    catalog: Catalog,
    consumers: Vec<Arc<dyn Consumer>>,
    /// The position every consumer has reached (`-1` before [`Feed::start`]).
    position: watch::Sender<i64>,
    wake: Notify,
    /// Held while entries are read and applied, so two callers never apply the same batch.
    step: Mutex<()>,
}

impl Feed {
    /// A feed over `catalog`'s `change_log` for `consumers`, not yet started.
    pub fn new(catalog: Catalog, consumers: Vec<Arc<dyn Consumer>>) -> Self {
        Self {
            inner: Arc::new(Inner {
                catalog,
                consumers,
                position: watch::Sender::new(-1),
                wake: Notify::new(),
                step: Mutex::new(()),
            }),
        }
    }

    /// The position every consumer has reached.
    pub fn position(&self) -> i64 {
        *self.inner.position.borrow()
    }

    /// The consumers' names and positions, for `/readyz`.
    pub fn positions(&self) -> Vec<(&'static str, i64)> {
        self.inner
            .consumers
            .iter()
            .map(|c| (c.name(), c.position()))
            .collect()
    }

    /// Brings every consumer up to the record: rebuilds the ones that hold nothing (or are ahead of
    /// the record, which means it was replaced), then applies what the others have not seen.
    /// Writes committed after the call starts are left to [`run`](Self::run).
    pub async fn start(&self) -> anyhow::Result<()> {
        let recorded = self.inner.catalog.max_seq().await?;
        for consumer in &self.inner.consumers {
            let position = consumer.position();
            if position < 0 || position > recorded {
                tracing::info!(
                    feed.consumer = consumer.name(),
                    feed.position = position,
                    feed.recorded = recorded,
                    "rebuilding from the record"
                );
                consumer.rebuild(recorded).await?;
            }
        }
        // Up to the record as it stood at the call, not beyond: a consumer that writes to the record
        // itself (the quality worker stores each assessment with its `change_log` row) would otherwise
        // keep the start from ever ending while it has work (an hour at a million datasets).
        while self.step().await? && self.reached() < recorded {}
        Ok(())
    }

    /// The lowest position of the consumers (none: every position is reached).
    fn reached(&self) -> i64 {
        self.lowest().unwrap_or(i64::MAX)
    }

    /// The lowest position of the consumers, if there are any.
    fn lowest(&self) -> Option<i64> {
        self.inner.consumers.iter().map(|c| c.position()).min()
    }

    /// Runs forever: hands new entries to the consumers as they are committed, looking every 100 ms
    /// when idle and at once when [`sync`](Self::sync) asks.
    pub async fn run(self) {
        loop {
            match self.step().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(error) => {
                    tracing::warn!(
                        error = format!("{error:#}"),
                        "the change feed failed; retrying"
                    );
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            }
            let _ = tokio::time::timeout(POLL, self.inner.wake.notified()).await;
        }
    }

    /// Waits until every consumer reflects every write committed before the call (one `MAX(seq)`
    /// probe when nothing is pending). Returns the position reached; after a 10 s wait it answers
    /// with what the consumers have and logs a warning.
    pub async fn sync(&self) -> anyhow::Result<i64> {
        let target = self.inner.catalog.max_seq().await?;
        let mut position = self.inner.position.subscribe();
        if *position.borrow() >= target {
            return Ok(*position.borrow());
        }
        self.inner.wake.notify_one();
        let reached = tokio::time::timeout(SYNC_WAIT, position.wait_for(|p| *p >= target)).await;
        match reached {
            Ok(Ok(p)) => Ok(*p),
            _ => {
                tracing::warn!(
                    feed.position = self.position(),
                    feed.target = target,
                    "the change feed is behind the record; answering from what it has"
                );
                Ok(self.position())
            }
        }
    }

    /// Reads and applies one batch; returns whether it found entries.
    async fn step(&self) -> anyhow::Result<bool> {
        let _held = self.inner.step.lock().await;
        let from = self.lowest().unwrap_or_else(|| self.position().max(0));
        let (entries, last) = self.inner.catalog.changes_after(from, BATCH).await?;
        let Some(last) = last else {
            // Nothing new: everyone is at the record's position.
            let top = self.lowest().unwrap_or(from);
            self.inner.position.send_if_modified(|p| {
                let changed = *p != top;
                *p = top;
                changed
            });
            return Ok(false);
        };
        for consumer in &self.inner.consumers {
            let seen = consumer.position();
            let start = entries.partition_point(|e| e.seq <= seen);
            if seen < last {
                consumer
                    .apply(&entries[start..], last)
                    .await
                    .map_err(|e| e.context(format!("the {} consumer failed", consumer.name())))?;
            }
        }
        self.inner.position.send_replace(last);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex as StdMutex;
    use std::sync::atomic::{AtomicI64, Ordering};

    use super::*;

    /// Records what it was handed.
    #[derive(Default)]
    struct Recorder {
        position: AtomicI64,
        seen: StdMutex<Vec<i64>>,
        rebuilt: StdMutex<Vec<i64>>,
    }

    impl Consumer for Recorder {
        fn name(&self) -> &'static str {
            "recorder"
        }
        fn position(&self) -> i64 {
            self.position.load(Ordering::Acquire)
        }
        fn rebuild(&self, upto: i64) -> BoxFuture<'_, anyhow::Result<()>> {
            Box::pin(async move {
                self.rebuilt
                    .lock()
                    .map_err(|_| anyhow::anyhow!("poisoned"))?
                    .push(upto);
                self.position.store(upto, Ordering::Release);
                Ok(())
            })
        }
        fn apply<'a>(
            &'a self,
            entries: &'a [Entry],
            upto: i64,
        ) -> BoxFuture<'a, anyhow::Result<()>> {
            Box::pin(async move {
                let mut seen = self.seen.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
                seen.extend(entries.iter().map(|e| e.seq));
                self.position.store(upto, Ordering::Release);
                Ok(())
            })
        }
    }

    /// Writes to the record whenever it is handed entries, as the quality worker does (each stored
    /// assessment has its `change_log` row).
    struct Writer {
        catalog: Catalog,
        dataset: Uuid,
        position: AtomicI64,
        writes: AtomicI64,
    }

    impl Consumer for Writer {
        fn name(&self) -> &'static str {
            "writer"
        }
        fn position(&self) -> i64 {
            self.position.load(Ordering::Acquire)
        }
        fn rebuild(&self, upto: i64) -> BoxFuture<'_, anyhow::Result<()>> {
            Box::pin(async move {
                self.position.store(upto, Ordering::Release);
                Ok(())
            })
        }
        fn apply<'a>(
            &'a self,
            _entries: &'a [Entry],
            upto: i64,
        ) -> BoxFuture<'a, anyhow::Result<()>> {
            Box::pin(async move {
                let n = self.writes.fetch_add(1, Ordering::AcqRel);
                self.catalog
                    .save_quality(
                        self.dataset,
                        1,
                        0,
                        serde_json::json!({ "n": n }),
                        Vec::new(),
                    )
                    .await?;
                self.position.store(upto, Ordering::Release);
                Ok(())
            })
        }
    }

    #[tokio::test]
    async fn start_ends_at_the_record_as_it_stood_though_a_consumer_keeps_writing()
    -> anyhow::Result<()> {
        let db = crate::db::connect_memory().await?;
        let catalog = Catalog::new(db, "http://example.org");
        crate::catalog::fixtures::load(&catalog).await?;
        let recorded = catalog.max_seq().await?;
        let dataset = catalog
            .dataset_ids_after(None, 1)
            .await?
            .first()
            .copied()
            .ok_or_else(|| anyhow::anyhow!("the fixtures hold no dataset"))?;
        let writer = Arc::new(Writer {
            catalog: catalog.clone(),
            dataset,
            position: AtomicI64::new(recorded - 3),
            writes: AtomicI64::new(0),
        });
        let recorder = Arc::new(Recorder {
            position: AtomicI64::new(recorded - 3),
            ..Default::default()
        });
        let feed = Feed::new(catalog.clone(), vec![writer.clone(), recorder.clone()]);
        tokio::time::timeout(Duration::from_secs(20), feed.start())
            .await
            .map_err(|_| anyhow::anyhow!("start chased the consumer's own writes"))??;
        assert!(feed.position() >= recorded);
        assert!(recorder.position() >= recorded);
        // The writer wrote while it caught up; the feed follows those writes after the start.
        let written = catalog.max_seq().await?;
        assert!(written > recorded, "the writer wrote nothing");
        assert!(writer.writes.load(Ordering::Acquire) >= 1);
        Ok(())
    }

    #[tokio::test]
    async fn consumers_rebuild_then_follow_from_their_own_positions() -> anyhow::Result<()> {
        let db = crate::db::connect_memory().await?;
        let catalog = Catalog::new(db, "http://example.org");
        crate::catalog::fixtures::load(&catalog).await?;
        let recorded = catalog.max_seq().await?;
        assert!(recorded > 0);

        let fresh = Arc::new(Recorder {
            position: AtomicI64::new(-1),
            ..Default::default()
        });
        let behind = Arc::new(Recorder {
            position: AtomicI64::new(recorded - 2),
            ..Default::default()
        });
        let feed = Feed::new(catalog.clone(), vec![fresh.clone(), behind.clone()]);
        feed.start().await?;
        assert_eq!(
            *fresh
                .rebuilt
                .lock()
                .map_err(|_| anyhow::anyhow!("poisoned"))?,
            [recorded]
        );
        assert!(
            fresh
                .seen
                .lock()
                .map_err(|_| anyhow::anyhow!("poisoned"))?
                .is_empty()
        );
        assert_eq!(
            *behind
                .seen
                .lock()
                .map_err(|_| anyhow::anyhow!("poisoned"))?,
            [recorded - 1, recorded]
        );
        assert_eq!(feed.position(), recorded);
        assert_eq!(feed.sync().await?, recorded);
        Ok(())
    }
}
