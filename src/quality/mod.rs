//! Metadata quality: data.europa.eu's Metadata Quality Assessment (MQA) computed when a dataset is
//! written, with the fix for every lost point.
//!
//! - [`metrics`]: the metrics, their weights (one table) and the bands.
//! - [`score`]: the score, a pure function of the dataset's document, its URL checks and its DCAT-AP
//!   compliance.
//! - [`compliance`]: the DCAT-AP 3 SHACL check of the dataset's description.
//! - [`links`]: the link checker (HEAD, GET where HEAD is refused and for OGC services, per-host
//!   politeness, re-checks on a schedule).
//! - [`Scorer`]: a change-feed consumer that queues every written dataset (and every dataset whose
//!   link check changed) for a background worker, which assesses it and stores the result; the
//!   projection publishes it as W3C DQV. The feed only queues, so the other consumers (the RDF
//!   projection, the search index) never wait for an assessment.

pub mod compliance;
pub mod formats;
pub mod links;
pub mod metrics;
pub mod report;
pub mod score;
pub mod shacl;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use futures_util::future::BoxFuture;
use uuid::Uuid;

use crate::catalog::Catalog;
use crate::catalog::change::EntityKind;
use crate::catalog::document::DatasetDocument;
use crate::catalog::values::DistributionKind;
use crate::feed::{Consumer, Entry};
use crate::rdf::mapping::Mapping;
pub use score::Assessment;

/// The version of the scoring rules: stored assessments of another version are recomputed at start
/// (it names the consumer's recorded position).
pub const SCORING: &str = "quality-1";

/// Datasets read per batch when every dataset is assessed.
const BATCH: u64 = 200;

/// Assesses datasets and stores the results; a consumer of the change feed.
#[derive(Clone)]
pub struct Scorer {
    inner: Arc<Inner>,
}

struct Inner {
    catalog: Catalog,
    compliance: compliance::DcatAp,
    position: AtomicI64,
    /// Woken when URLs may have become due (the link checker waits on it).
    links: Arc<tokio::sync::Notify>,
    /// Datasets waiting for the worker.
    pending: std::sync::Mutex<BTreeSet<Uuid>>,
    /// Wakes the worker.
    work: tokio::sync::Notify,
    /// Whether the worker has nothing to do (false while a dataset is queued or being assessed).
    idle: tokio::sync::watch::Sender<bool>,
    /// Whether this process runs the worker (see [`Scorer::open`]).
    worker: bool,
}

impl Scorer {
    /// A scorer for `catalog`, resuming from its recorded position (or from nothing, which makes the
    /// change feed assess every dataset); `mapping` makes the graphs the DCAT-AP check reads.
    ///
    /// Without `worker` nothing is assessed in the background (another process does it): the scorer
    /// reads stored assessments, assesses a dataset whose report is asked for when its stored one is
    /// stale, and must not be given to the change feed.
    pub async fn open(catalog: Catalog, mapping: Mapping, worker: bool) -> anyhow::Result<Self> {
        let position = catalog.feed_position(SCORING).await?.unwrap_or(-1);
        let scorer = Self {
            inner: Arc::new(Inner {
                compliance: compliance::DcatAp::new(catalog.clone(), mapping)?,
                catalog,
                position: AtomicI64::new(position),
                links: Arc::default(),
                pending: std::sync::Mutex::default(),
                work: tokio::sync::Notify::new(),
                idle: tokio::sync::watch::Sender::new(true),
                worker,
            }),
        };
        if !worker {
            return Ok(scorer);
        }
        // Datasets written while no scorer ran (or whose assessment a crash lost) are assessed
        // again: every dataset whose stored assessment is of another revision.
        if position >= 0 {
            let mut after = None;
            loop {
                let stale = scorer.inner.catalog.stale_quality(after, 1000).await?;
                let Some(last) = stale.last().copied() else {
                    break;
                };
                after = Some(last);
                scorer.enqueue(stale);
            }
        }
        Ok(scorer)
    }

    /// Starts the background worker (without one, nothing). Called once the change feed has caught
    /// up: queued datasets wait, so a start with a long queue does not share its cores with them.
    pub fn start_worker(&self) {
        if self.inner.worker {
            tokio::spawn(self.clone().work());
        }
    }

    /// Whether this process assesses in the background.
    pub fn has_worker(&self) -> bool {
        self.inner.worker
    }

    /// Queues `ids` for the worker (nothing without one).
    pub fn enqueue(&self, ids: impl IntoIterator<Item = Uuid>) {
        if !self.inner.worker {
            return;
        }
        let mut pending = self
            .inner
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let before = pending.len();
        pending.extend(ids);
        if pending.len() > before {
            self.inner.idle.send_replace(false);
            self.inner.work.notify_one();
        }
    }

    /// The worker: assesses queued datasets one at a time, for ever.
    async fn work(self) {
        loop {
            let next = {
                let mut pending = self
                    .inner
                    .pending
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let next = pending.pop_first();
                if next.is_none() {
                    self.inner.idle.send_replace(true);
                }
                next
            };
            match next {
                Some(id) => self.assess_all([id]).await,
                None => self.inner.work.notified().await,
            }
        }
    }

    /// Datasets waiting for their assessment.
    pub fn queued(&self) -> usize {
        self.inner
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    /// Waits until every queued dataset is assessed, at most `wait`; returns whether it got there.
    pub async fn settle(&self, wait: std::time::Duration) -> bool {
        let mut idle = self.inner.idle.subscribe();
        tokio::time::timeout(wait, idle.wait_for(|i| *i))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Assesses dataset `id` and stores the result (a new `change_log` entry when it changed).
    /// Returns the assessment, or `None` when the dataset does not exist.
    pub async fn assess(&self, id: Uuid) -> anyhow::Result<Option<Assessment>> {
        let catalog = &self.inner.catalog;
        let Some((doc, _status)) = catalog.quality_subject(id).await? else {
            return Ok(None);
        };
        let urls = urls_to_check(&doc);
        if catalog.watch_links(&urls).await? {
            self.inner.links.notify_one();
        }
        let links: score::Links = catalog
            .link_records(&urls)
            .await?
            .into_iter()
            .filter_map(|(url, record)| {
                Some((
                    url,
                    score::LinkState {
                        status_code: record.status_code,
                        reachable: record.reachable?,
                        reason: record.reason,
                    },
                ))
            })
            .collect();
        let compliance = self.inner.compliance.check(&doc).await;
        let assessment = score::assess(&doc, &links, &compliance);
        let losses = assessment
            .metrics
            .iter()
            .map(|m| (m.metric.name().to_owned(), m.lost()))
            .collect();
        let written = catalog
            .save_quality(
                id,
                doc.revision.unwrap_or(0),
                i32::try_from(assessment.score).unwrap_or(i32::MAX),
                serde_json::to_value(&assessment)?,
                losses,
            )
            .await?;
        tracing::debug!(
            dataset.id = %id,
            quality.score = assessment.score,
            quality.changed = written,
            "assessed a dataset"
        );
        Ok(Some(assessment))
    }

    /// Assesses each of `ids`; a dataset that fails is logged and skipped.
    pub async fn assess_all(&self, ids: impl IntoIterator<Item = Uuid>) {
        for id in ids {
            if let Err(error) = self.assess(id).await {
                tracing::warn!(dataset.id = %id, error = format!("{error:#}"), "could not assess a dataset's quality");
            }
        }
    }

    /// Notified when new URLs are due for a check.
    pub fn links_due(&self) -> Arc<tokio::sync::Notify> {
        self.inner.links.clone()
    }

    async fn record(&self, upto: i64) -> anyhow::Result<()> {
        if self.inner.position.load(Ordering::Acquire) != upto {
            self.inner.catalog.set_feed_position(SCORING, upto).await?;
            self.inner.position.store(upto, Ordering::Release);
        }
        Ok(())
    }
}

/// The URLs of `doc`'s active external distributions (a hosted table is odcat's own).
pub fn urls_to_check(doc: &DatasetDocument) -> Vec<String> {
    let urls: BTreeSet<String> = doc
        .distributions
        .iter()
        .filter(|d| {
            d.kind == DistributionKind::ExternalLink
                && d.status == crate::catalog::values::DistributionStatus::Active
        })
        .flat_map(|d| [d.access_url.clone(), d.download_url.clone()])
        .flatten()
        .collect();
    urls.into_iter().collect()
}

impl Consumer for Scorer {
    fn name(&self) -> &'static str {
        "quality"
    }

    fn position(&self) -> i64 {
        self.inner.position.load(Ordering::Acquire)
    }

    fn rebuild(&self, upto: i64) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(async move {
            // Every dataset is assessed anew (first start, or new scoring rules), in the background.
            let mut after = None;
            let mut count = 0_u64;
            loop {
                let ids = self.inner.catalog.dataset_ids_after(after, BATCH).await?;
                let Some(last) = ids.last().copied() else {
                    break;
                };
                after = Some(last);
                count += ids.len() as u64;
                self.enqueue(ids);
            }
            tracing::info!(
                quality.datasets = count,
                "queued every dataset for its quality assessment"
            );
            self.record(upto).await
        })
    }

    fn apply<'a>(&'a self, entries: &'a [Entry], upto: i64) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            self.enqueue(
                entries
                    .iter()
                    .filter(|e| e.kind == EntityKind::Dataset)
                    .map(|e| e.id),
            );
            self.record(upto).await
        })
    }
}

impl Scorer {
    /// The quality report of dataset `key` (id or slug) as `visibility` may see it: the stored
    /// assessment, assessed now when none is stored for its current revision yet.
    pub async fn report(
        &self,
        key: &str,
        visibility: crate::catalog::repo::Visibility,
    ) -> Result<report::QualityReport, crate::catalog::CatalogError> {
        let catalog = &self.inner.catalog;
        let doc = catalog.get_dataset(key, visibility).await?;
        let id = doc
            .id
            .ok_or_else(|| crate::catalog::CatalogError::DatasetNotFound(key.to_owned()))?;
        let revision = doc.revision.unwrap_or(0);
        let mut stored = catalog.quality_of(id).await?;
        if stored.as_ref().is_none_or(|s| s.revision != revision) {
            self.assess(id)
                .await
                .map_err(crate::catalog::CatalogError::Internal)?;
            stored = catalog.quality_of(id).await?;
        }
        let stored =
            stored.ok_or_else(|| crate::catalog::CatalogError::DatasetNotFound(key.to_owned()))?;
        let assessment: Assessment = serde_json::from_value(stored.results).map_err(|e| {
            crate::catalog::CatalogError::Internal(
                anyhow::Error::new(e).context("a stored assessment does not read"),
            )
        })?;
        let missing = crate::catalog::dataset::NewDataset::try_from(&doc)
            .map(|n| n.missing_for_publication())
            .unwrap_or_default();
        let status = doc
            .status
            .unwrap_or(crate::catalog::values::DatasetStatus::Draft);
        Ok(report::QualityReport::new(
            id,
            stored.revision,
            stored.computed_at,
            &assessment,
            report::Publication {
                status,
                ready: missing.is_empty(),
                missing,
            },
        ))
    }

    /// The catalogue's quality overview.
    pub async fn overview(&self) -> Result<report::CatalogQuality, crate::catalog::CatalogError> {
        let figures = self.inner.catalog.quality_figures().await?;
        Ok(report::CatalogQuality::new(&figures))
    }
}
