//! The projector: a consumer of the change feed ([`crate::feed`]) that applies `change_log` entries
//! in sequence order to the Oxigraph store, rebuilding the named graphs each entry names from the
//! current SQL record, and records the last applied sequence number in the same Oxigraph
//! transaction (so the on-disk store resumes from it after a crash; the in-memory store starts
//! empty and is rebuilt). A full rebuild reads the record in batches and streams the quads into
//! Oxigraph's bulk loader on a blocking thread. It also moves the catalogue's
//! [`ListingTotals`] with every batch.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::future::BoxFuture;
use oxigraph::model::{NamedNode, Quad};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::listing::ListingTotals;
use super::mapping::{Mapping, RecordDates};
use super::store::{Change, Position, RdfStore};
use crate::catalog::change::EntityKind;
use crate::catalog::record::DatasetRecord;
use crate::catalog::repo::projection::{self, ProjectedDataset};
use crate::catalog::repo::{self, TableFilter};
use crate::catalog::table::StoredTable;
use crate::catalog::{Catalog, Db};
use crate::feed::{Consumer, Entry};

/// Datasets read per SQL batch.
const BATCH: u64 = 500;
/// Table rows read per SQL batch.
const ROW_BATCH: u64 = 5000;
/// Environment variable naming a crash point, for crash-safety tests only.
pub const FAILPOINT_ENV: &str = "ODCAT_FAILPOINT";
/// With `ODCAT_FAILPOINT=projector-before-apply`, the process aborts after the feed handed it
/// committed `change_log` entries of a dataset write and before the Oxigraph transaction that
/// applies them.
pub const FAILPOINT_BEFORE_APPLY: &str = "projector-before-apply";

/// What a full rebuild did.
#[derive(Clone, Copy, Debug)]
pub struct RebuildReport {
    /// Datasets projected.
    pub datasets: u64,
    /// Quads loaded.
    pub quads: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// The `change_log` position the store now reflects.
    pub seq: i64,
}

/// Keeps one store in step with the record.
#[derive(Clone)]
pub struct Projector {
    db: Db,
    store: RdfStore,
    mapping: Mapping,
    applied: Arc<AtomicI64>,
    totals: ListingTotals,
    /// Quads loaded by the last full rebuild of this process (`None` before one).
    rebuilt_quads: Arc<std::sync::OnceLock<u64>>,
}

impl Projector {
    /// A projector for `store`, positioned before the first `change_log` entry; [`open`](Self::open)
    /// is the usual way to get one.
    pub fn new(db: Db, store: RdfStore, mapping: Mapping) -> Self {
        Self {
            db,
            store,
            mapping,
            applied: Arc::new(AtomicI64::new(-1)),
            totals: ListingTotals::default(),
            rebuilt_quads: Arc::default(),
        }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The store.
    pub fn store(&self) -> &RdfStore {
        &self.store
    }

    /// The mapping.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// The catalogue listing totals the DCAT-AP pages share.
    pub fn totals(&self) -> &ListingTotals {
        &self.totals
    }

    /// Quads loaded by this process's first full rebuild (`None` when it resumed a store).
    pub fn rebuilt_quads(&self) -> Option<u64> {
        self.rebuilt_quads.get().copied()
    }

    /// The last applied `change_log` sequence number (`-1` before the store is built).
    pub fn applied(&self) -> i64 {
        self.applied.load(Ordering::Acquire)
    }

    /// Opens this build's store under `data_dir`: an on-disk store written with the same base URL
    /// and mapping, and not ahead of the record, resumes from its recorded position; any other
    /// store is opened empty, at position `-1`, and the change feed rebuilds it
    /// ([`Feed::start`](crate::feed::Feed::start)), then brings either up to date.
    pub async fn open(db: Db, data_dir: &Path, mapping: Mapping) -> anyhow::Result<Self> {
        let dir = data_dir.to_path_buf();
        let store = blocking(move || RdfStore::open(&dir)).await?;
        let probe = store.clone();
        let position = blocking(move || probe.position()).await?;
        let recorded = repo::max_seq(&db).await?;
        let resumable = position.filter(|p| {
            p.base_url == mapping.base() && p.mapping == mapping.version() && p.seq <= recorded
        });
        match resumable {
            Some(p) => {
                tracing::info!(rdf.seq = p.seq, "resuming the RDF projection");
                let projector = Self::new(db, store, mapping);
                projector.applied.store(p.seq, Ordering::Release);
                projector.totals.advance(p.seq);
                Ok(projector)
            }
            None => {
                drop(store);
                let dir = data_dir.to_path_buf();
                let store = blocking(move || RdfStore::open_empty(&dir)).await?;
                Ok(Self::new(db, store, mapping))
            }
        }
    }

    /// Rebuilds the whole store from SQL as of the record's current position (`odcat rdf
    /// rebuild`; a server's change feed calls [`Consumer::rebuild`]).
    pub async fn rebuild(&self) -> anyhow::Result<RebuildReport> {
        let seq = repo::max_seq(&self.db).await?;
        self.rebuild_at(seq).await
    }

    /// Rebuilds the whole store from SQL, recording position `seq` (the record's position before
    /// the first read: writes committed meanwhile may be included, and applying them again is
    /// harmless).
    async fn rebuild_at(&self, seq: i64) -> anyhow::Result<RebuildReport> {
        let started = Instant::now();
        let store = self.store.clone();
        blocking(move || store.clear()).await?;

        let (tx, mut rx) = mpsc::channel::<Vec<Quad>>(4);
        let store = self.store.clone();
        let position = Position {
            seq,
            base_url: self.mapping.base().to_owned(),
            mapping: self.mapping.version(),
        };
        let loader = tokio::task::spawn_blocking(move || {
            let mut count = 0_u64;
            let quads = std::iter::from_fn(|| rx.blocking_recv())
                .flatten()
                .inspect(|_| count += 1);
            store.bulk_load(quads, &position).map(|()| count)
        });

        let produced = self.produce(&tx).await;
        drop(tx);
        let quads = loader
            .await
            .context("the RDF loader thread failed")?
            .context("failed to load the RDF store")?;
        let datasets = produced?;
        self.applied.store(seq, Ordering::Release);
        self.totals.advance(seq);
        let _ = self.rebuilt_quads.set(quads);
        let report = RebuildReport {
            datasets,
            quads,
            elapsed: started.elapsed(),
            seq,
        };
        tracing::info!(
            rdf.datasets = report.datasets,
            rdf.quads = report.quads,
            rdf.seconds = report.elapsed.as_secs_f64(),
            rdf.seq = seq,
            "rebuilt the RDF projection from SQL"
        );
        Ok(report)
    }

    /// Sends every graph of the record to the loader; returns the number of datasets. The next batch
    /// is read from SQL while the current one is mapped, so the loader is kept busy.
    async fn produce(&self, tx: &mpsc::Sender<Vec<Quad>>) -> anyhow::Result<u64> {
        let send = |quads: Vec<Quad>| async move {
            tx.send(quads)
                .await
                .map_err(|_| anyhow::anyhow!("the RDF loader stopped early"))
        };
        send(self.catalog_quads().await?).await?;
        for p in projection::publishers(&self.db, None).await? {
            send(self.mapping.publisher_quads(&p)).await?;
        }
        let read = |after: Option<Uuid>| {
            let db = self.db.clone();
            let base = self.mapping.base().to_owned();
            tokio::spawn(async move {
                let records = projection::published_after(&db, after, BATCH).await?;
                let last = records.last().map(DatasetRecord::id);
                let batch = DatasetBatch::read(&db, &base, records).await?;
                anyhow::Ok((last, batch))
            })
        };
        let mut next = read(None);
        let mut datasets = 0;
        loop {
            let (last, batch) = next.await.context("an SQL reader task failed")??;
            let Some(last) = last else {
                break;
            };
            next = read(Some(last));
            datasets += batch.len() as u64;
            send(batch.map(self.mapping.clone()).await?).await?;
        }
        let catalog = Catalog::new(self.db.clone(), self.mapping.base());
        let mut after = None;
        loop {
            let assessed = catalog.published_quality_after(after, BATCH).await?;
            let Some(last) = assessed.last() else {
                break;
            };
            after = Some(last.dataset_id);
            send(
                assessed
                    .iter()
                    .flat_map(|q| self.mapping.quality_quads(q))
                    .collect(),
            )
            .await?;
        }
        for (table, public) in repo::hosted_tables(&self.db, TableFilter::All).await? {
            if public && self.mapping.projects_rows(table.row_count) {
                self.table_quads(&table, tx, |quads| quads).await?;
            }
        }
        Ok(datasets)
    }

    /// Sends the quads of a hosted table's rows graph to `tx` (each batch wrapped by `wrap`), reading
    /// the rows from SQL as it goes, so memory stays flat however large the table.
    async fn table_quads<T: Send>(
        &self,
        table: &StoredTable,
        tx: &mpsc::Sender<T>,
        wrap: fn(Vec<Quad>) -> T,
    ) -> anyhow::Result<()> {
        let sink = |quads: Vec<Quad>| async move {
            tx.send(wrap(quads))
                .await
                .map_err(|_| anyhow::anyhow!("the RDF writer stopped early"))
        };
        let terms = self.mapping.table_terms(table);
        sink(self.mapping.column_quads(table, &terms)).await?;
        let mut after = 0;
        loop {
            let rows = table.rows_after(&self.db, after, ROW_BATCH).await?;
            let Some((last, _)) = rows.last() else {
                return Ok(());
            };
            after = *last;
            sink(self.mapping.row_quads(&terms, &rows)).await?;
        }
    }

    async fn catalog_quads(&self) -> anyhow::Result<Vec<Quad>> {
        catalog_graph(&self.db, &self.mapping).await
    }

    /// Applies `entries` (the feed's next batch, in sequence order) in one Oxigraph transaction that
    /// also records position `upto`.
    async fn apply_entries(&self, entries: &[Entry], upto: i64) -> anyhow::Result<()> {
        let mut catalog_changed = false;
        let mut publishers = BTreeSet::new();
        let mut datasets = BTreeSet::new();
        let mut tables = BTreeSet::new();
        // Datasets whose quality graph follows: assessed anew, or published or withdrawn.
        let mut assessed = BTreeSet::new();
        for entry in entries {
            match entry.kind {
                EntityKind::Catalog => catalog_changed = true,
                EntityKind::Publisher => {
                    publishers.insert(entry.id);
                }
                EntityKind::Dataset => {
                    datasets.insert(entry.id);
                    assessed.insert(entry.id);
                }
                EntityKind::Quality => {
                    assessed.insert(entry.id);
                }
                // The entity of a `data_table` entry is its distribution.
                EntityKind::DataTable => {
                    tables.insert(entry.id);
                }
                EntityKind::Token => {}
            }
        }
        let mut graphs: Vec<(NamedNode, Vec<Quad>)> = Vec::new();
        // The catalogue's `dct:modified` follows every change of its datasets and publishers.
        if catalog_changed || !publishers.is_empty() || !datasets.is_empty() {
            graphs.push((self.mapping.catalog_iri(), self.catalog_quads().await?));
        }
        if !publishers.is_empty() {
            for p in
                projection::publishers(&self.db, Some(publishers.into_iter().collect())).await?
            {
                graphs.push((
                    self.mapping.publisher_iri(&p.slug),
                    self.mapping.publisher_quads(&p),
                ));
            }
        }
        if !datasets.is_empty() {
            let published = projection::published_among(&self.db, datasets.iter().copied()).await?;
            let quads = dataset_graphs(&self.db, self.mapping.clone(), published).await?;
            let mut by_graph: HashMap<NamedNode, Vec<Quad>> = datasets
                .iter()
                .map(|id| (self.mapping.dataset_iri(*id), Vec::new()))
                .collect();
            for quad in quads {
                if let oxigraph::model::GraphName::NamedNode(g) = &quad.graph_name
                    && let Some(list) = by_graph.get_mut(g)
                {
                    list.push(quad);
                }
            }
            graphs.extend(by_graph);
        }
        if !assessed.is_empty() {
            let catalog = Catalog::new(self.db.clone(), self.mapping.base());
            let mut by_graph: HashMap<NamedNode, Vec<Quad>> = assessed
                .iter()
                .map(|id| (self.mapping.quality_graph_iri(*id), Vec::new()))
                .collect();
            for quality in catalog
                .published_quality(assessed.into_iter().collect())
                .await?
            {
                by_graph.insert(
                    self.mapping.quality_graph_iri(quality.dataset_id),
                    self.mapping.quality_quads(&quality),
                );
            }
            graphs.extend(by_graph);
        }
        // The rows graphs follow their tables (reloaded), and their datasets and distributions
        // (dropped when no longer public, loaded when public again).
        let hosted = if tables.is_empty() && datasets.is_empty() {
            Vec::new()
        } else {
            repo::hosted_tables(
                &self.db,
                TableFilter::Of {
                    distributions: tables.iter().copied().collect(),
                    datasets: datasets.iter().copied().collect(),
                },
            )
            .await?
        };
        if !datasets.is_empty()
            && std::env::var(FAILPOINT_ENV).as_deref() == Ok(FAILPOINT_BEFORE_APPLY)
        {
            tracing::error!(
                rdf.seq = upto,
                "failpoint {FAILPOINT_BEFORE_APPLY}: aborting"
            );
            std::process::abort();
        }
        let position = Position {
            seq: upto,
            base_url: self.mapping.base().to_owned(),
            mapping: self.mapping.version(),
        };
        let (tx, mut rx) = mpsc::channel::<Change>(4);
        let store = self.store.clone();
        let writer = tokio::task::spawn_blocking(move || {
            store.apply(std::iter::from_fn(|| rx.blocking_recv()))
        });
        let sent = self
            .send_changes(&tx, graphs, hosted, &tables, position)
            .await;
        drop(tx);
        let written = writer.await.context("the RDF writer thread failed")?;
        sent?;
        written.context("the RDF store failed")?;
        self.applied.store(upto, Ordering::Release);
        self.totals.advance(upto);
        tracing::debug!(
            rdf.seq = upto,
            rdf.entries = entries.len(),
            "projected changes"
        );
        Ok(())
    }

    /// Sends the changes of one batch of entries to the writer, ending with the commit.
    async fn send_changes(
        &self,
        tx: &mpsc::Sender<Change>,
        graphs: Vec<(NamedNode, Vec<Quad>)>,
        hosted: Vec<(StoredTable, bool)>,
        reloaded: &BTreeSet<Uuid>,
        position: Position,
    ) -> anyhow::Result<()> {
        let send = |change: Change| async move {
            tx.send(change)
                .await
                .map_err(|_| anyhow::anyhow!("the RDF writer stopped early"))
        };
        for (name, quads) in graphs {
            send(Change::Drop(name)).await?;
            send(Change::Insert(quads)).await?;
        }
        for (table, public) in hosted {
            let graph = self.mapping.data_graph_iri(table.distribution_id);
            let wanted = public && self.mapping.projects_rows(table.row_count);
            let probe = self.store.clone();
            let name = graph.clone();
            let present =
                blocking(move || {
                    probe.inner().contains_named_graph(
                        oxigraph::model::NamedOrBlankNodeRef::NamedNode(name.as_ref()),
                    )
                })
                .await?;
            if wanted && (!present || reloaded.contains(&table.distribution_id)) {
                send(Change::Drop(graph)).await?;
                self.table_quads(&table, tx, Change::Insert).await?;
            } else if !wanted && present {
                send(Change::Drop(graph)).await?;
            }
        }
        send(Change::Commit(position)).await
    }
}

impl Consumer for Projector {
    fn name(&self) -> &'static str {
        "rdf"
    }

    fn position(&self) -> i64 {
        self.applied()
    }

    fn rebuild(&self, upto: i64) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(async move { self.rebuild_at(upto).await.map(drop) })
    }

    fn apply<'a>(&'a self, entries: &'a [Entry], upto: i64) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(self.apply_entries(entries, upto))
    }
}

/// The catalogue graph, mapped from the record (empty before the catalogue exists).
pub async fn catalog_graph(db: &Db, mapping: &Mapping) -> anyhow::Result<Vec<Quad>> {
    let Some((c, publisher_slug)) = projection::catalog_record(db).await? else {
        return Ok(Vec::new());
    };
    // The catalogue's `dct:modified` is the last change of its contents, not of its own record.
    let modified = super::listing::contents_modified(db).await?;
    Ok(mapping.catalog_quads(c.with_contents_modified(modified), &publisher_slug))
}

/// The graphs of `records` (which must be published), mapped from the record: the documents are
/// read with batched queries and mapped on a blocking thread.
pub async fn dataset_graphs<R: Into<DatasetRecord>>(
    db: &Db,
    mapping: Mapping,
    records: Vec<R>,
) -> anyhow::Result<Vec<Quad>> {
    let records = records.into_iter().map(Into::into).collect();
    DatasetBatch::read(db, mapping.base(), records)
        .await?
        .map(mapping)
        .await
}

/// Published datasets read from SQL with everything their graphs need.
pub struct DatasetBatch {
    docs: Vec<ProjectedDataset>,
}

impl DatasetBatch {
    /// Reads the documents of `records` with batched queries.
    pub async fn read(db: &Db, base: &str, records: Vec<DatasetRecord>) -> anyhow::Result<Self> {
        Ok(Self {
            docs: projection::documents(db, records, base).await?,
        })
    }

    /// The number of datasets.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether there is no dataset.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Maps the batch to quads on a blocking thread.
    pub async fn map(self, mapping: Mapping) -> anyhow::Result<Vec<Quad>> {
        tokio::task::spawn_blocking(move || {
            self.docs
                .iter()
                .flat_map(|d| {
                    let dates = RecordDates {
                        listed: d.listed,
                        changed: d.changed,
                    };
                    mapping.dataset_quads(&d.doc, dates)
                })
                .collect()
        })
        .await
        .context("the RDF mapping thread failed")
    }
}

/// Runs a blocking Oxigraph call off the async executor.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, oxigraph::store::StorageError> + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .context("an RDF store thread failed")?
        .context("the RDF store failed")
}
