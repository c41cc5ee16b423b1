//! The Oxigraph store behind the RDF endpoints and SPARQL: in memory by default, on disk under
//! `$ODCAT_DATA_DIR/rdf` with the cargo feature `rocksdb`. Every call here blocks; async callers go
//! through `tokio::task::spawn_blocking`.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use oxigraph::model::{
    GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Quad,
};
use oxigraph::store::{StorageError, Store};
use url::form_urlencoded;

/// The memory, in MB by Oxigraph's estimate (1 KB a quad), its bulk loader gathers before it inserts
/// into the in-memory store.
const MEMORY_LOAD_BATCH_MB: usize = 64;

/// Quads the in-memory store loads per transaction in [`RdfStore::bulk_load`].
const MEMORY_COMMIT_QUADS: usize = 250_000;

/// Prefix of the one empty named graph whose name records the projector's position
/// (`urn:odcat:projection?seq=…&base=…&mapping=…`). An empty graph holds no triple, so the SPARQL
/// default graph (the union of all graphs) and every `GRAPH ?g { … }` pattern never see the
/// bookkeeping, while the name still changes in the same Oxigraph transaction as the graphs.
pub const POSITION_PREFIX: &str = "urn:odcat:projection?";

/// Version of the mapping; a store written by another version is rebuilt at start-up.
pub const MAPPING: &str = "7";

/// Where the projection stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    /// Last applied `change_log.seq`.
    pub seq: i64,
    /// Base URL the IRIs were minted with.
    pub base_url: String,
    /// Mapping version.
    pub mapping: String,
}

/// One step of the changes [`RdfStore::apply`] makes in one transaction.
#[derive(Debug)]
pub enum Change {
    /// Remove a named graph with everything in it.
    Drop(NamedNode),
    /// Insert quads (into the graphs they name).
    Insert(Vec<Quad>),
    /// Record the position and commit.
    Commit(Position),
}

/// The projection store.
#[derive(Clone)]
pub struct RdfStore {
    store: Store,
    on_disk: bool,
    /// The position graph now in the store (the projector is the only writer).
    position_graph: Arc<Mutex<Option<NamedNode>>>,
}

impl RdfStore {
    /// An in-memory store.
    pub fn in_memory() -> Result<Self, StorageError> {
        Ok(Self::wrap(Store::new()?, false))
    }

    fn wrap(store: Store, on_disk: bool) -> Self {
        Self {
            store,
            on_disk,
            position_graph: Arc::new(Mutex::new(None)),
        }
    }

    /// The store this build uses: on disk under `data_dir/rdf` with feature `rocksdb`, else in memory.
    pub fn open(data_dir: &Path) -> Result<Self, StorageError> {
        #[cfg(feature = "rocksdb")]
        {
            let path = data_dir.join("rdf");
            std::fs::create_dir_all(&path)?;
            Ok(Self::wrap(Store::open(path)?, true))
        }
        #[cfg(not(feature = "rocksdb"))]
        {
            let _ = data_dir;
            Self::in_memory()
        }
    }

    /// An empty store of this build: the on-disk directory is deleted and created afresh (bulk loading
    /// into an empty RocksDB avoids compacting the old data away), the in-memory store is new.
    pub fn open_empty(data_dir: &Path) -> Result<Self, StorageError> {
        #[cfg(feature = "rocksdb")]
        {
            let path = data_dir.join("rdf");
            if path.exists() {
                std::fs::remove_dir_all(&path)?;
            }
        }
        Self::open(data_dir)
    }

    /// Writes what the on-disk store holds in memory to its files, so that the next open has no
    /// write-ahead log to replay (the in-memory store has nothing to write).
    pub fn flush(&self) -> Result<(), StorageError> {
        #[cfg(feature = "rocksdb")]
        if self.on_disk {
            self.store.flush()?;
        }
        Ok(())
    }

    /// Whether the store survives restarts.
    pub fn on_disk(&self) -> bool {
        self.on_disk
    }

    /// The Oxigraph store (read access for the endpoints and SPARQL).
    pub fn inner(&self) -> &Store {
        &self.store
    }

    /// Where the projection stands; `None` for an empty or half-rebuilt store.
    pub fn position(&self) -> Result<Option<Position>, StorageError> {
        let mut found = None;
        for graph in self.store.named_graphs() {
            if let NamedOrBlankNode::NamedNode(name) = graph?
                && let Some(position) = Position::from_graph_name(name.as_str())
            {
                found = Some((name, position));
                break;
            }
        }
        let (name, position) = found.unzip();
        *self
            .position_graph
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = name;
        Ok(position)
    }

    /// Applies a stream of changes in one Oxigraph transaction, which commits when the stream
    /// reaches [`Change::Commit`] and records the position with it: either all of it is visible
    /// afterwards or none of it (a stream that ends before its commit applies nothing).
    pub fn apply(&self, changes: impl IntoIterator<Item = Change>) -> Result<(), StorageError> {
        let mut txn = self.store.start_transaction()?;
        for change in changes {
            match change {
                Change::Drop(name) => {
                    txn.clear_graph(GraphNameRef::NamedNode(name.as_ref()))?;
                    txn.remove_named_graph(NamedOrBlankNodeRef::NamedNode(name.as_ref()))?;
                }
                Change::Insert(quads) => txn.extend(quads.iter()),
                Change::Commit(position) => {
                    self.record_position(&mut txn, &position)?;
                    txn.commit()?;
                    self.remember(&position);
                    return Ok(());
                }
            }
        }
        Err(StorageError::Io(std::io::Error::other(
            "the changes ended before their commit; nothing was applied",
        )))
    }

    fn record_position(
        &self,
        txn: &mut oxigraph::store::Transaction<'_>,
        position: &Position,
    ) -> Result<(), StorageError> {
        let old = self
            .position_graph
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(old) = old {
            txn.remove_named_graph(NamedOrBlankNodeRef::NamedNode(old.as_ref()))?;
        }
        txn.insert_named_graph(NamedOrBlankNodeRef::NamedNode(
            position.graph_name().as_ref(),
        ));
        Ok(())
    }

    fn remember(&self, position: &Position) {
        *self
            .position_graph
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(position.graph_name());
    }

    /// Empties the store (the position goes with it, so a crash before the next
    /// [`finish_rebuild`](Self::finish_rebuild) leads to another rebuild).
    pub fn clear(&self) -> Result<(), StorageError> {
        // Clearing an empty RocksDB store still writes range tombstones, which every later bulk
        // load then has to compact against.
        *self
            .position_graph
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
        if self.store.is_empty()? && self.store.named_graphs().next().is_none() {
            return Ok(());
        }
        self.store.clear()
    }

    /// Loads quads into an emptied store with Oxigraph's bulk loader, then records `position`.
    ///
    /// The in-memory store commits every [`MEMORY_COMMIT_QUADS`] quads: its transaction keeps a log
    /// entry for each quad it inserts until it commits, so one transaction for the whole catalogue
    /// would hold tens of bytes per quad on top of the store at the end of the load (the peak of a
    /// start). The store is rebuilt after [`clear`](Self::clear) and the position is recorded
    /// last, so a reader sees a store being filled either way, and an interrupted load leaves no
    /// position (and leads to another rebuild).
    pub fn bulk_load(
        &self,
        quads: impl IntoIterator<Item = Quad>,
        position: &Position,
    ) -> Result<(), StorageError> {
        if self.on_disk {
            let mut loader = self.store.bulk_loader();
            loader.load_quads(quads)?;
            loader.commit()?;
        } else {
            self.load_in_commits(quads, MEMORY_COMMIT_QUADS)?;
        }
        let mut txn = self.store.start_transaction()?;
        self.record_position(&mut txn, position)?;
        txn.commit()?;
        self.remember(position);
        #[cfg(feature = "rocksdb")]
        self.store.flush()?;
        Ok(())
    }

    /// Loads quads into the in-memory store, committing every `per_commit` quads.
    fn load_in_commits(
        &self,
        quads: impl IntoIterator<Item = Quad>,
        per_commit: usize,
    ) -> Result<(), StorageError> {
        let mut quads = quads.into_iter().peekable();
        while quads.peek().is_some() {
            // Oxigraph's loader gathers up to a million quads per thread before it inserts them
            // (~300 MB each, on top of the store). The in-memory store gains nothing from large
            // batches (the on-disk one writes a sorted file per batch).
            let mut loader = self
                .store
                .bulk_loader()
                .with_max_memory_size_in_megabytes(MEMORY_LOAD_BATCH_MB);
            loader.load_quads(quads.by_ref().take(per_commit))?;
            loader.commit()?;
        }
        Ok(())
    }

    /// Oxigraph's own N-Quads dump of the whole store; returns the number of quads.
    pub fn dump_nquads(&self, out: impl std::io::Write) -> anyhow::Result<u64> {
        let mut out = self
            .store
            .dump_to_writer(oxigraph::io::RdfFormat::NQuads, out)?;
        out.flush()?;
        Ok(self.store.len()? as u64)
    }

    /// Quads of one named graph, in store order.
    pub fn graph(&self, name: NamedNodeRef<'_>) -> Result<Vec<Quad>, StorageError> {
        self.store
            .quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(name)))
            .collect()
    }

    /// Every quad, in store order.
    pub fn catalogue_quads(&self) -> impl Iterator<Item = Result<Quad, StorageError>> + '_ {
        self.store.iter()
    }
}

impl Position {
    /// The name of the empty graph recording this position.
    pub fn graph_name(&self) -> NamedNode {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("seq", &self.seq.to_string())
            .append_pair("base", &self.base_url)
            .append_pair("mapping", &self.mapping)
            .finish();
        NamedNode::new_unchecked(format!("{POSITION_PREFIX}{query}"))
    }

    /// Reads a position graph's name.
    fn from_graph_name(name: &str) -> Option<Self> {
        let query = name.strip_prefix(POSITION_PREFIX)?;
        let (mut seq, mut base_url, mut mapping) = (None, None, None);
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            match key.as_ref() {
                "seq" => seq = value.parse().ok(),
                "base" => base_url = Some(value.into_owned()),
                "mapping" => mapping = Some(value.into_owned()),
                _ => {}
            }
        }
        Some(Self {
            seq: seq?,
            base_url: base_url?,
            mapping: mapping?,
        })
    }
}

#[cfg(test)]
mod tests {
    use oxigraph::model::Literal;

    use super::*;

    #[test]
    fn apply_replaces_graphs_and_records_the_position_together() -> Result<(), StorageError> {
        let store = RdfStore::in_memory()?;
        assert_eq!(store.position()?, None);
        let g = NamedNode::new_unchecked("http://example.org/g");
        let q = |o: &str| {
            Quad::new(
                g.clone(),
                g.clone(),
                Literal::new_simple_literal(o),
                g.clone(),
            )
        };
        let position = |seq| Position {
            seq,
            base_url: "http://example.org".into(),
            mapping: MAPPING.into(),
        };
        let replace = |quads: Vec<Quad>, seq| {
            vec![
                Change::Drop(g.clone()),
                Change::Insert(quads),
                Change::Commit(position(seq)),
            ]
        };
        store.apply(replace(vec![q("a"), q("b")], 1))?;
        assert_eq!(store.graph(g.as_ref())?.len(), 2);
        store.apply(replace(vec![q("c")], 2))?;
        assert_eq!(store.graph(g.as_ref())?, vec![q("c")]);
        assert_eq!(store.position()?.map(|p| p.seq), Some(2));
        // Changes that never reach their commit change nothing.
        let mut unfinished = replace(vec![q("d")], 9);
        unfinished.pop();
        assert!(store.apply(unfinished).is_err());
        assert_eq!(store.graph(g.as_ref())?, vec![q("c")]);
        store.apply(replace(Vec::new(), 3))?;
        assert!(store.graph(g.as_ref())?.is_empty());
        assert_eq!(store.catalogue_quads().count(), 0);
        assert_eq!(store.position()?, Some(position(3)));
        // One position graph, empty, so queries over the union of graphs never see it.
        assert_eq!(store.inner().named_graphs().count(), 1);
        assert!(store.inner().is_empty()?);
        Ok(())
    }

    #[test]
    fn a_load_in_several_commits_holds_every_quad_once() -> Result<(), StorageError> {
        let store = RdfStore::in_memory()?;
        let quads: Vec<Quad> = (0..10)
            .map(|i| {
                let g = NamedNode::new_unchecked(format!("http://example.org/g{}", i % 3));
                Quad::new(
                    g.clone(),
                    g.clone(),
                    Literal::new_simple_literal(i.to_string()),
                    g,
                )
            })
            .collect();
        // 10 quads in commits of 3 (the last one short), and one quad twice across commits.
        let mut input = quads.clone();
        input.push(quads[0].clone());
        store.load_in_commits(input, 3)?;
        let mut loaded = store.catalogue_quads().collect::<Result<Vec<_>, _>>()?;
        loaded.sort_by_key(ToString::to_string);
        let mut expected = quads;
        expected.sort_by_key(ToString::to_string);
        assert_eq!(loaded, expected);
        assert_eq!(store.inner().named_graphs().count(), 3);
        // Nothing to load commits nothing and fails nothing.
        store.load_in_commits(Vec::new(), 3)?;
        assert_eq!(store.catalogue_quads().count(), 10);
        Ok(())
    }

    #[test]
    fn a_position_survives_its_graph_name() {
        let position = Position {
            seq: 42,
            base_url: "https://daten.wuppertal.de/odcat?x=1&y=ä".into(),
            mapping: MAPPING.into(),
        };
        let name = position.graph_name();
        assert!(oxigraph::model::NamedNode::new(name.as_str()).is_ok());
        assert_eq!(Position::from_graph_name(name.as_str()), Some(position));
    }
}
