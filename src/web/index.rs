//! What the portal shows besides search results (which come from [`crate::search`]): the catalogue
//! record, the publishers, and the published datasets for the sitemap and the feed, held in memory
//! and kept in step with the record through `change_log` (one `MAX(seq)` probe per request when
//! nothing changed). Everything is read through the catalogue's functions; no SQL here.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, FixedOffset};
use uuid::Uuid;

use crate::catalog::change::EntityKind;
use crate::catalog::error::CatalogError;
pub use crate::catalog::search_source::CatalogInfo;
use crate::catalog::search_source::SearchRow;
use crate::catalog::{Catalog, vocab};

/// More changed datasets than this since the last look and the index is rebuilt instead of patched.
const PATCH_LIMIT: usize = 2_000;
/// Rows read per query when loading every dataset.
const BATCH: u64 = 1_000;

/// One published dataset as the portal lists it.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Identifier.
    pub id: Uuid,
    /// URL slug.
    pub slug: String,
    /// German title.
    pub title_de: String,
    /// English title.
    pub title_en: Option<String>,
    /// German description.
    pub description_de: String,
    /// English description.
    pub description_en: Option<String>,
    /// The publisher's id.
    pub publisher: Uuid,
    /// EU data-theme codes (`GOVE`).
    pub themes: Vec<String>,
    /// EU file-type codes (`CSV`) of the active distributions, without repeats.
    pub formats: Vec<String>,
    /// DCAT-AP.de licence IRI.
    pub license: String,
    /// First publication.
    pub issued: Option<DateTime<FixedOffset>>,
    /// Last change.
    pub modified: DateTime<FixedOffset>,
}

impl Entry {
    /// The licence's code in the DCAT-AP.de list (`cc-by/4.0`).
    pub fn license_code(&self) -> &str {
        self.license
            .strip_prefix(vocab::LICENSE)
            .unwrap_or(&self.license)
    }
}

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
    /// Published datasets, most recently modified first (shared with the next snapshot, so a
    /// change copies pointers, not datasets).
    pub datasets: Vec<Arc<Entry>>,
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

    /// The publisher of `entry`.
    pub fn publisher_of(&self, entry: &Entry) -> Option<&PublisherEntry> {
        self.publisher_by_id(entry.publisher)
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

/// The index, shared by the workers.
#[derive(Clone)]
pub struct PortalIndex {
    catalog: Catalog,
    current: Arc<RwLock<Arc<Snapshot>>>,
    refresh: Arc<tokio::sync::Mutex<()>>,
}

impl PortalIndex {
    /// An empty index over `catalog`; the first [`PortalIndex::snapshot`] fills it.
    pub fn new(catalog: Catalog) -> Self {
        Self {
            catalog,
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

    /// The index as of the record's latest change (read-your-writes: a change committed before the
    /// call is in the answer).
    pub async fn snapshot(&self) -> Result<Arc<Snapshot>, CatalogError> {
        let latest = self.catalog.max_seq().await?;
        let held = self.held();
        if held.seq >= latest {
            return Ok(held);
        }
        let _one_refresh = self.refresh.lock().await;
        let held = self.held();
        if held.seq >= latest {
            return Ok(held);
        }
        let mut fresh = self.refreshed_datasets(&held, latest).await?;
        fresh.catalog = self.catalog.catalog_info().await?;
        let fresh = Arc::new(fresh);
        match self.current.write() {
            Ok(mut guard) => *guard = fresh.clone(),
            Err(poisoned) => *poisoned.into_inner() = fresh.clone(),
        }
        Ok(fresh)
    }

    async fn load_all(
        &self,
        publishers: Vec<PublisherEntry>,
        latest: i64,
    ) -> Result<Snapshot, CatalogError> {
        let mut datasets = Vec::new();
        let mut after = None;
        loop {
            let rows = self.catalog.search_rows_after(after, BATCH).await?;
            let Some(last) = rows.last() else { break };
            after = Some(last.id);
            datasets.extend(published(rows));
        }
        Ok(finish(latest, datasets, publishers))
    }

    async fn refreshed_datasets(
        &self,
        held: &Snapshot,
        latest: i64,
    ) -> Result<Snapshot, CatalogError> {
        let publishers = self
            .catalog
            .publisher_infos()
            .await?
            .into_iter()
            .map(|p| PublisherEntry {
                id: p.id,
                slug: p.slug,
                name_de: p.name_de,
                name_en: p.name_en,
                homepage: p.homepage,
                email: p.email,
                datasets: 0,
            })
            .collect();
        if held.seq < 0 {
            return self.load_all(publishers, latest).await;
        }
        let mut changed: HashSet<Uuid> = HashSet::new();
        let mut from = held.seq;
        while from < latest {
            let (entries, last) = self.catalog.changes_after(from, BATCH).await?;
            let Some(last) = last else { break };
            from = last;
            changed.extend(
                entries
                    .iter()
                    .filter(|e| e.seq <= latest && e.kind == EntityKind::Dataset)
                    .map(|e| e.id),
            );
            if changed.len() > PATCH_LIMIT {
                return self.load_all(publishers, latest).await;
            }
        }
        let mut datasets: Vec<Arc<Entry>> = held
            .datasets
            .iter()
            .filter(|d| !changed.contains(&d.id))
            .cloned()
            .collect();
        let ids: Vec<Uuid> = changed.into_iter().collect();
        datasets.extend(published(self.catalog.search_rows(&ids).await?));
        Ok(finish(latest, datasets, publishers))
    }
}

/// The published ones of `rows`, as entries.
fn published(rows: Vec<SearchRow>) -> impl Iterator<Item = Arc<Entry>> {
    rows.into_iter()
        .filter(|r| r.status == crate::catalog::values::DatasetStatus::Published.as_str())
        .map(|r| {
            Arc::new(Entry {
                id: r.id,
                slug: r.slug,
                title_de: r.title_de,
                title_en: r.title_en,
                description_de: r.description_de,
                description_en: r.description_en,
                publisher: r.publisher_id,
                themes: r.themes,
                formats: r.formats,
                license: r.license,
                issued: r.issued,
                // When the data last changed as its publisher says; else when the record changed.
                modified: r.data_modified,
            })
        })
}

fn finish(
    seq: i64,
    mut datasets: Vec<Arc<Entry>>,
    mut publishers: Vec<PublisherEntry>,
) -> Snapshot {
    datasets.sort_by(|a, b| b.modified.cmp(&a.modified).then(a.id.cmp(&b.id)));
    publishers.sort_by(|a, b| compare_titles(&a.name_de, &b.name_de));
    let publisher_at: HashMap<Uuid, usize> = publishers
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id, i))
        .collect();
    for d in &datasets {
        if let Some(i) = publisher_at.get(&d.publisher) {
            publishers[*i].datasets += 1;
        }
    }
    Snapshot {
        seq,
        catalog: None,
        datasets,
        publishers,
        publisher_at,
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
        let index = PortalIndex::new(catalog.clone());
        let first = index.snapshot().await?;
        assert!(first.catalog.is_some());
        let total: usize = first.publishers.iter().map(|p| p.datasets).sum();
        assert_eq!(total, first.datasets.len());
        assert!(first.publisher("stadt-wuppertal-102").is_some());
        // Unchanged record: the same snapshot.
        assert!(Arc::ptr_eq(&first, &index.snapshot().await?));
        assert_eq!(compare_titles("Ölmühle", "Ost"), Ordering::Less);
        Ok(())
    }
}
