//! The RDF projection: the DCAT-AP 3 / DCAT-AP.de mapping (pure: record → quads), the Oxigraph store,
//! the projector that keeps the store in step with `change_log`, the catalogue pages and dumps, the
//! rows of hosted tables, and the serialisations.

pub mod format;
pub mod listing;
pub mod mapping;
pub mod page_cache;
pub mod parse;
pub mod projector;
pub mod publish;
pub mod records;
pub mod rows;
pub mod store;
pub mod vocab;

pub use format::Format;
pub use mapping::Mapping;
pub use page_cache::PageCache;
pub use projector::Projector;
pub use store::RdfStore;
