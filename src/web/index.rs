//! What the portal shows besides search results (which come from [`crate::search`]): the catalogue
//! record and the publishers with their numbers of published datasets (counted by the search
//! engine), held in memory for one position of the change feed. A request waits for the feed like a
//! search does (one `MAX(seq)` probe when nothing changed) and reloads this small view only when the
//! feed has moved. Everything is read through the catalogue's and the engine's functions; no SQL
//! here, and no reading of `change_log` of its own.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use uuid::Uuid;

use crate::catalog::Catalog;
pub use crate::catalog::search_source::CatalogInfo;
use crate::feed::Consumer;
use crate::search::{Facet, Request, SearchEngine, SearchError};

/// One publisher.
#[derive(Clone, Debug)]
pub struct PublisherEntry {
    /// Identifier.
    pub id: Uuid,
    /// URL slug.
    pub slug: String,
    /// German name.
    pub name_de: String,
    /// English name.
    pub name_en: Option<String>,
    /// Homepage.
    pub homepage: Option<String>,
    /// Public mailbox.
    pub email: Option<String>,
    /// Published datasets.
    pub datasets: usize,
}

/// The portal's view of the record as of one `change_log` position.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The last `change_log` entry reflected.
    pub seq: i64,
    /// The catalogue record (absent before it is created).
    pub catalog: Option<CatalogInfo>,
    /// Publishers, by German name.
    pub publishers: Vec<PublisherEntry>,
    publisher_at: HashMap<Uuid, usize>,
}

/// Sort orders of the search page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    /// Best matches first (the default with search words); most recently modified without.
    Relevance,
    /// Most recently modified first.
    Modified,
    /// By title in the page's language.
    Title,
}

impl Sort {
    /// `relevance`, `modified` or `title`.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "relevance" => Some(Self::Relevance),
            "modified" => Some(Self::Modified),
            "title" => Some(Self::Title),
            _ => None,
        }
    }

    /// The parameter value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Relevance => "relevance",
            Self::Modified => "modified",
            Self::Title => "title",
        }
    }
}

/// The four facets, in the order the page shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FacetKind {
    /// EU data theme (`theme=GOVE`).
    Theme,
    /// Publisher (`publisher=slug`).
    Publisher,
    /// File type of a distribution (`format=CSV`).
    Format,
    /// Licence (`license=cc-by/4.0`).
    License,
    /// Keyword as written (`keyword=Geodaten`).
    Keyword,
}

impl FacetKind {
    /// All facets.
    pub const ALL: [FacetKind; 5] = [
        Self::Theme,
        Self::Publisher,
        Self::Format,
        Self::License,
        Self::Keyword,
    ];

    /// The URL parameter.
    pub fn parameter(self) -> &'static str {
        match self {
            Self::Theme => "theme",
            Self::Publisher => "publisher",
            Self::Format => "format",
            Self::License => "license",
            Self::Keyword => "keyword",
        }
    }

    fn position(self) -> usize {
        match self {
            Self::Theme => 0,
            Self::Publisher => 1,
            Self::Format => 2,
            Self::License => 3,
            Self::Keyword => 4,
        }
    }
}

/// A search: words that must each occur, facet values (any of the values within a facet, all facets
/// together), order and page.
#[derive(Clone, Debug, Default)]
pub struct Search {
    /// The query as typed (the engine's syntax: phrases, `OR`, `-word`).
    pub text: String,
    /// Lower-case words.
    pub words: Vec<String>,
    /// Selected values per facet, in [`FacetKind::ALL`] order.
    pub selected: [Vec<String>; 5],
    /// Order; `None` picks relevance with words and modification without.
    pub sort: Option<Sort>,
    /// Order titles in English.
    pub english: bool,
    /// 1-based page.
    pub page: usize,
    /// Hits per page.
    pub per_page: usize,
}

impl Search {
    /// The selected values of `facet`.
    pub fn selected(&self, facet: FacetKind) -> &[String] {
        &self.selected[facet.position()]
    }

    /// The effective order.
    pub fn order(&self) -> Sort {
        self.sort.unwrap_or(if self.words.is_empty() {
            Sort::Modified
        } else {
            Sort::Relevance
        })
    }
}

/// One value of a facet with the number of hits it would give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FacetValue {
    /// The parameter value.
    pub value: String,
    /// Hits with this value (given the words and the other facets).
    pub count: usize,
    /// Whether the search selects it.
    pub selected: bool,
}

impl Snapshot {
    /// The publisher with `slug`.
    pub fn publisher(&self, slug: &str) -> Option<&PublisherEntry> {
        self.publishers.iter().find(|p| p.slug == slug)
    }

    /// The publisher with `id`.
    pub fn publisher_by_id(&self, id: Uuid) -> Option<&PublisherEntry> {
        self.publishers.get(*self.publisher_at.get(&id)?)
    }
}

/// A title's sort key: without case, umlauts with their base letter (as German dictionaries sort),
/// then the title itself to break ties.
fn sort_key(title: &str) -> String {
    crate::search::schema::title_key(title)
}

/// Titles compared as [`sort_key`] orders them.
fn compare_titles(a: &str, b: &str) -> Ordering {
    sort_key(a).cmp(&sort_key(b))
}

/// The view, shared by the workers.
#[derive(Clone)]
pub struct PortalIndex {
    catalog: Catalog,
    search: SearchEngine,
    current: Arc<RwLock<Arc<Snapshot>>>,
    refresh: Arc<tokio::sync::Mutex<()>>,
}

impl PortalIndex {
    /// An empty view over `catalog`, counted by `search`; the first [`PortalIndex::snapshot`] fills
    /// it.
    pub fn new(catalog: Catalog, search: SearchEngine) -> Self {
        Self {
            catalog,
            search,
            current: Arc::new(RwLock::new(Arc::new(Snapshot {
                seq: -1,
                ..Snapshot::default()
            }))),
            refresh: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    fn held(&self) -> Arc<Snapshot> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The view as of the change feed's position once it has every write committed before the call
    /// (read-your-writes, like a search).
    pub async fn snapshot(&self) -> Result<Arc<Snapshot>, SearchError> {
        self.search.sync().await?;
        let position = Consumer::position(&self.search);
        let held = self.held();
        if held.seq >= position && held.seq >= 0 {
            return Ok(held);
        }
        let _one_refresh = self.refresh.lock().await;
        let held = self.held();
        if held.seq >= position && held.seq >= 0 {
            return Ok(held);
        }
        let fresh = Arc::new(self.load(position).await?);
        match self.current.write() {
            Ok(mut guard) => *guard = fresh.clone(),
            Err(poisoned) => *poisoned.into_inner() = fresh.clone(),
        }
        Ok(fresh)
    }

    /// Reads the catalogue record and the publishers, and counts each one's published datasets
    /// with the engine's publisher facet (exact, over every published dataset).
    async fn load(&self, seq: i64) -> Result<Snapshot, SearchError> {
        let catalog_info = self
            .catalog
            .catalog_info()
            .await
            .map_err(|e| SearchError::Other(e.into()))?;
        let infos = self
            .catalog
            .publisher_infos()
            .await
            .map_err(|e| SearchError::Other(e.into()))?;
        let mut request = Request::published("", 0);
        request.order = crate::search::SortOrder::Modified { desc: true };
        request.facets = true;
        let counted = self.search.search(request).await?;
        let counts: HashMap<String, u64> = counted
            .facets
            .get(
                Facet::ALL
                    .iter()
                    .position(|f| *f == Facet::Publisher)
                    .unwrap_or(1),
            )
            .map(|values| values.iter().cloned().collect())
            .unwrap_or_default();
        let mut publishers: Vec<PublisherEntry> = infos
            .into_iter()
            .map(|p| PublisherEntry {
                datasets: counts
                    .get(&p.id.to_string())
                    .map_or(0, |n| usize::try_from(*n).unwrap_or(usize::MAX)),
                id: p.id,
                slug: p.slug,
                name_de: p.name_de,
                name_en: p.name_en,
                homepage: p.homepage,
                email: p.email,
            })
            .collect();
        publishers.sort_by(|a, b| compare_titles(&a.name_de, &b.name_de));
        let publisher_at = publishers
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id, i))
            .collect();
        Ok(Snapshot {
            seq,
            catalog: catalog_info,
            publishers,
            publisher_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_snapshot_follows_writes_and_counts_published_datasets() -> anyhow::Result<()> {
        let db = crate::db::connect_memory().await?;
        let catalog = Catalog::new(db, "http://example.org");
        crate::catalog::fixtures::load(&catalog).await?;
        let search = SearchEngine::open(catalog.clone(), None)?;
        let feed = crate::feed::Feed::new(catalog.clone(), vec![Arc::new(search.clone())]);
        search.attach(feed.clone());
        feed.start().await?;
        let index = PortalIndex::new(catalog.clone(), search.clone());
        let first = index.snapshot().await?;
        assert!(first.catalog.is_some());
        let total: usize = first.publishers.iter().map(|p| p.datasets).sum();
        let published = search.search(Request::published("", 0)).await?.total;
        assert_eq!(total as u64, published);
        assert!(published > 0);
        assert!(first.publisher("stadt-wuppertal-102").is_some());
        // Unchanged record: the same snapshot.
        assert!(Arc::ptr_eq(&first, &index.snapshot().await?));
        assert_eq!(compare_titles("Ölmühle", "Ost"), Ordering::Less);
        Ok(())
    }
}
