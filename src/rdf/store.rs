//! The Oxigraph store behind the RDF endpoints and SPARQL: in memory by default, on disk under
//! `$ODCAT_DATA_DIR/rdf` with the cargo feature `rocksdb`. Every call here blocks; async callers go
//! through `tokio::task::spawn_blocking`.

use std::path::Path;

use oxigraph::model::{
    GraphNameRef, Literal, NamedNode, NamedNodeRef, NamedOrBlankNodeRef, Quad, QuadRef, Term,
};
use oxigraph::store::{StorageError, Store};

use super::vocab::xsd;

/// Graph holding the projector's bookkeeping; not part of the catalogue.
pub const META_GRAPH: NamedNodeRef<'static> = NamedNodeRef::new_unchecked("urn:odcat:projection");
const APPLIED_SEQ: NamedNodeRef<'static> = NamedNodeRef::new_unchecked("urn:odcat:appliedSeq");
const BASE_URL: NamedNodeRef<'static> = NamedNodeRef::new_unchecked("urn:odcat:baseUrl");
const MAPPING_VERSION: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("urn:odcat:mappingVersion");

/// Version of the mapping; a store written by another version is rebuilt at start-up.
pub const MAPPING: &str = "3";

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

/// The projection store.
#[derive(Clone)]
pub struct RdfStore {
    store: Store,
    on_disk: bool,
}

impl RdfStore {
    /// An in-memory store.
    pub fn in_memory() -> Result<Self, StorageError> {
        Ok(Self {
            store: Store::new()?,
            on_disk: false,
        })
    }

    /// The store this build uses: on disk under `data_dir/rdf` with feature `rocksdb`, else in memory.
    pub fn open(data_dir: &Path) -> Result<Self, StorageError> {
        #[cfg(feature = "rocksdb")]
        {
            let path = data_dir.join("rdf");
            std::fs::create_dir_all(&path)?;
            Ok(Self {
                store: Store::open(path)?,
                on_disk: true,
            })
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
        let value = |p: NamedNodeRef<'_>| -> Result<Option<String>, StorageError> {
            let mut quads = self.store.quads_for_pattern(
                Some(META_GRAPH.into()),
                Some(p),
                None,
                Some(META_GRAPH.into()),
            );
            Ok(match quads.next().transpose()? {
                Some(Quad {
                    object: Term::Literal(l),
                    ..
                }) => Some(l.value().to_owned()),
                _ => None,
            })
        };
        let (Some(seq), Some(base_url), Some(mapping)) = (
            value(APPLIED_SEQ)?,
            value(BASE_URL)?,
            value(MAPPING_VERSION)?,
        ) else {
            return Ok(None);
        };
        Ok(seq.parse().ok().map(|seq| Position {
            seq,
            base_url,
            mapping,
        }))
    }

    /// Replaces whole graphs and records `seq` in one Oxigraph transaction: either all of it is
    /// visible afterwards or none of it.
    pub fn apply(
        &self,
        graphs: &[(NamedNode, Vec<Quad>)],
        position: &Position,
    ) -> Result<(), StorageError> {
        let mut txn = self.store.start_transaction()?;
        for (name, quads) in graphs {
            txn.clear_graph(GraphNameRef::NamedNode(name.as_ref()))?;
            if quads.is_empty() {
                txn.remove_named_graph(NamedOrBlankNodeRef::NamedNode(name.as_ref()))?;
            } else {
                txn.extend(quads.iter());
            }
        }
        txn.clear_graph(GraphNameRef::NamedNode(META_GRAPH))?;
        for quad in position_quads(position) {
            txn.insert(&quad);
        }
        txn.commit()
    }

    /// Empties the store (the position goes with it, so a crash before the next
    /// [`finish_rebuild`](Self::finish_rebuild) leads to another rebuild).
    pub fn clear(&self) -> Result<(), StorageError> {
        // Clearing an empty RocksDB store still writes range tombstones, which every later bulk
        // load then has to compact against.
        if self.store.is_empty()? {
            return Ok(());
        }
        self.store.clear()
    }

    /// Loads quads into an emptied store with Oxigraph's bulk loader, then records `position`.
    pub fn bulk_load(
        &self,
        quads: impl IntoIterator<Item = Quad>,
        position: &Position,
    ) -> Result<(), StorageError> {
        let mut loader = self.store.bulk_loader();
        loader.load_quads(quads)?;
        loader.commit()?;
        let mut txn = self.store.start_transaction()?;
        for quad in position_quads(position) {
            txn.insert(&quad);
        }
        txn.commit()?;
        #[cfg(feature = "rocksdb")]
        self.store.flush()?;
        Ok(())
    }

    /// Oxigraph's own N-Quads dump of the whole store (the bookkeeping graph included); returns the
    /// number of quads.
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

    /// Every catalogue quad (the bookkeeping graph left out), in store order.
    pub fn catalogue_quads(&self) -> impl Iterator<Item = Result<Quad, StorageError>> + '_ {
        self.store.iter().filter(|q| {
            q.as_ref().map_or(true, |q| {
                QuadRef::from(q).graph_name != GraphNameRef::NamedNode(META_GRAPH)
            })
        })
    }
}

fn position_quads(position: &Position) -> [Quad; 3] {
    let quad = |p: NamedNodeRef<'_>, o: Literal| {
        Quad::new(
            NamedNode::from(META_GRAPH),
            NamedNode::from(p),
            o,
            NamedNode::from(META_GRAPH),
        )
    };
    [
        quad(
            APPLIED_SEQ,
            Literal::new_typed_literal(position.seq.to_string(), xsd::INTEGER),
        ),
        quad(BASE_URL, Literal::new_simple_literal(&position.base_url)),
        quad(
            MAPPING_VERSION,
            Literal::new_simple_literal(&position.mapping),
        ),
    ]
}

#[cfg(test)]
mod tests {
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
        store.apply(&[(g.clone(), vec![q("a"), q("b")])], &position(1))?;
        assert_eq!(store.graph(g.as_ref())?.len(), 2);
        store.apply(&[(g.clone(), vec![q("c")])], &position(2))?;
        assert_eq!(store.graph(g.as_ref())?, vec![q("c")]);
        assert_eq!(store.position()?.map(|p| p.seq), Some(2));
        store.apply(&[(g.clone(), Vec::new())], &position(3))?;
        assert!(store.graph(g.as_ref())?.is_empty());
        assert_eq!(store.catalogue_quads().count(), 0);
        assert_eq!(store.position()?.map(|p| p.seq), Some(3));
        Ok(())
    }
}
