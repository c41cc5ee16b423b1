//! The portal's search index: the published datasets and the publishers, held in memory and kept in
//! step with the record through `change_log` (another projection of SQL, like the RDF store). Search,
//! facet counts and the home page's lists are computed from it without a database round trip beyond
//! one `MAX(seq)` probe, so they stay in the low milliseconds at tens of thousands of datasets.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock, RwLock};

use chrono::{DateTime, FixedOffset};
use entities::{catalog, change_log, dataset, distribution, publisher};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::catalog::change::EntityKind;
use crate::catalog::error::CatalogError;
use crate::catalog::values::{DatasetStatus, DistributionStatus};
use crate::catalog::vocab;

/// More changed datasets than this since the last look and the index is rebuilt instead of patched.
const PATCH_LIMIT: usize = 2_000;

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
    search_text: String,
    titles_lower: String,
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

/// The catalogue record, for the site's name and the home page.
#[derive(Clone, Debug, Default)]
pub struct CatalogInfo {
    /// German title.
    pub title_de: String,
    /// English title.
    pub title_en: Option<String>,
    /// German description.
    pub description_de: String,
    /// English description.
    pub description_en: Option<String>,
    /// Homepage.
    pub homepage: Option<String>,
    /// The publishing body's id.
    pub publisher: Uuid,
}

/// The index as of one `change_log` position.
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
    /// Per dataset (parallel to `datasets`), its facet values as numbers into `facet_names`.
    facet_ids: Vec<[Vec<u32>; 4]>,
    /// Per facet, the values by number, and the numbers by value.
    facet_names: [Vec<String>; 4],
    facet_numbers: [HashMap<String, u32>; 4],
    /// Facet counts without words or filters, computed on first use.
    unfiltered: OnceLock<[Vec<FacetValue>; 4]>,
    /// Each dataset's rank by German and by English title, computed on first use.
    title_rank: [OnceLock<Vec<u32>>; 2],
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
}

impl FacetKind {
    /// All facets.
    pub const ALL: [FacetKind; 4] = [Self::Theme, Self::Publisher, Self::Format, Self::License];

    /// The URL parameter.
    pub fn parameter(self) -> &'static str {
        match self {
            Self::Theme => "theme",
            Self::Publisher => "publisher",
            Self::Format => "format",
            Self::License => "license",
        }
    }

    fn position(self) -> usize {
        match self {
            Self::Theme => 0,
            Self::Publisher => 1,
            Self::Format => 2,
            Self::License => 3,
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
    pub selected: [Vec<String>; 4],
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

/// The answer to a [`Search`].
#[derive(Debug)]
pub struct Hits {
    /// Matching datasets in all.
    pub total: usize,
    /// Positions in [`Snapshot::datasets`] of this page's hits.
    pub page: Vec<usize>,
    /// Facet values with counts, in [`FacetKind::ALL`] order, most frequent first.
    pub facets: [Vec<FacetValue>; 4],
}

impl Snapshot {
    /// Runs `search`. Facet counts follow the usual multi-select rule: a facet's counts apply the
    /// words and every other facet's selection, so choosing a second value widens the result.
    /// Without words and filters the counts and orders come from caches; otherwise one pass over
    /// the datasets with numbered facet values, without allocating per dataset.
    pub fn search(&self, search: &Search) -> Hits {
        let filtered = !search.words.is_empty() || search.selected.iter().any(|s| !s.is_empty());
        let mut hits: Vec<(u32, u32)>;
        let counts: [Vec<u32>; 4];
        if filtered {
            let mut chosen: [Vec<bool>; 4] =
                std::array::from_fn(|f| vec![false; self.facet_names[f].len()]);
            for ((flags, numbers), values) in chosen
                .iter_mut()
                .zip(&self.facet_numbers)
                .zip(&search.selected)
            {
                for n in values.iter().filter_map(|v| numbers.get(v)) {
                    flags[*n as usize] = true;
                }
            }
            let active: [bool; 4] = std::array::from_fn(|f| !search.selected[f].is_empty());
            let finders: Vec<memchr::memmem::Finder<'_>> = search
                .words
                .iter()
                .map(|w| memchr::memmem::Finder::new(w.as_bytes()))
                .collect();
            let mut tally: [Vec<u32>; 4] =
                std::array::from_fn(|f| vec![0; self.facet_names[f].len()]);
            hits = Vec::new();
            for (position, (entry, ids)) in self.datasets.iter().zip(&self.facet_ids).enumerate() {
                let Some(score) = text_score(entry, &finders) else {
                    continue;
                };
                let matched: [bool; 4] = std::array::from_fn(|f| {
                    !active[f] || ids[f].iter().any(|n| chosen[f][*n as usize])
                });
                let misses = matched.iter().filter(|m| !**m).count();
                if misses == 0 {
                    hits.push((position as u32, score));
                }
                // A facet counts the datasets that every other facet lets through.
                for f in 0..4 {
                    if misses == 0 || (misses == 1 && !matched[f]) {
                        for n in &ids[f] {
                            tally[f][*n as usize] += 1;
                        }
                    }
                }
            }
            counts = tally;
        } else {
            hits = (0..self.datasets.len() as u32).map(|p| (p, 0)).collect();
            counts = std::array::from_fn(|f| {
                let mut tally = vec![0; self.facet_names[f].len()];
                for v in &self.unfiltered()[f] {
                    if let Some(n) = self.facet_numbers[f].get(&v.value) {
                        tally[*n as usize] = v.count as u32;
                    }
                }
                tally
            });
        }
        match search.order() {
            Sort::Relevance => hits.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0))),
            Sort::Modified => {}
            Sort::Title => {
                let rank = self.title_rank(search.english);
                hits.sort_by_key(|(p, _)| rank[*p as usize]);
            }
        }
        let total = hits.len();
        let per_page = search.per_page.max(1);
        let start = search.page.saturating_sub(1).saturating_mul(per_page);
        let page = hits
            .iter()
            .skip(start)
            .take(per_page)
            .map(|(p, _)| *p as usize)
            .collect();
        let facets = std::array::from_fn(|f| {
            let mut values: Vec<FacetValue> = counts[f]
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(n, c)| FacetValue {
                    value: self.facet_names[f][n].clone(),
                    count: *c as usize,
                    selected: search.selected[f].contains(&self.facet_names[f][n]),
                })
                .collect();
            // Selected values stay visible even when the other filters leave them no hit.
            for v in &search.selected[f] {
                if !values.iter().any(|x| &x.value == v) {
                    values.push(FacetValue {
                        value: v.clone(),
                        count: 0,
                        selected: true,
                    });
                }
            }
            sort_facet(&mut values);
            values
        });
        Hits {
            total,
            page,
            facets,
        }
    }

    /// The facet counts over every published dataset.
    fn unfiltered(&self) -> &[Vec<FacetValue>; 4] {
        self.unfiltered.get_or_init(|| {
            let mut tally: [Vec<u32>; 4] =
                std::array::from_fn(|f| vec![0; self.facet_names[f].len()]);
            for ids in &self.facet_ids {
                for f in 0..4 {
                    for n in &ids[f] {
                        tally[f][*n as usize] += 1;
                    }
                }
            }
            std::array::from_fn(|f| {
                let mut values: Vec<FacetValue> = tally[f]
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| **c > 0)
                    .map(|(n, c)| FacetValue {
                        value: self.facet_names[f][n].clone(),
                        count: *c as usize,
                        selected: false,
                    })
                    .collect();
                sort_facet(&mut values);
                values
            })
        })
    }

    /// Each dataset's place in title order.
    fn title_rank(&self, english: bool) -> &[u32] {
        self.title_rank[usize::from(english)].get_or_init(|| {
            let mut keys: Vec<(String, u32)> = self
                .datasets
                .iter()
                .enumerate()
                .map(|(p, d)| (sort_key(title(d, english)), p as u32))
                .collect();
            keys.sort();
            let mut rank = vec![0; keys.len()];
            for (r, (_, p)) in keys.into_iter().enumerate() {
                rank[p as usize] = r as u32;
            }
            rank
        })
    }

    /// Theme codes with their number of datasets, most frequent first.
    pub fn theme_counts(&self) -> Vec<(String, usize)> {
        self.unfiltered()[FacetKind::Theme.position()]
            .iter()
            .map(|v| (v.value.clone(), v.count))
            .collect()
    }

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

fn title(entry: &Entry, english: bool) -> &str {
    match (&entry.title_en, english) {
        (Some(en), true) if !en.trim().is_empty() => en,
        _ => &entry.title_de,
    }
}

/// Most frequent first, then by value.
fn sort_facet(values: &mut [FacetValue]) {
    values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
}

/// A title's sort key: without case, umlauts with their base letter (as German dictionaries sort),
/// then the title itself to break ties.
fn sort_key(title: &str) -> String {
    let mut key: String = title
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'ä' => 'a',
            'ö' => 'o',
            'ü' => 'u',
            'ß' => 's',
            c => c,
        })
        .collect();
    key.push('\0');
    key.push_str(title);
    key
}

/// Titles compared as [`sort_key`] orders them.
fn compare_titles(a: &str, b: &str) -> Ordering {
    sort_key(a).cmp(&sort_key(b))
}

/// `None` when a word is missing; otherwise a score that favours words in the title.
fn text_score(entry: &Entry, words: &[memchr::memmem::Finder<'_>]) -> Option<u32> {
    let mut score = 0;
    for word in words {
        if word.find(entry.titles_lower.as_bytes()).is_some() {
            score += 3;
        } else if word.find(entry.search_text.as_bytes()).is_some() {
            score += 1;
        } else {
            return None;
        }
    }
    Some(score)
}

/// The index, shared by the workers.
#[derive(Clone)]
pub struct PortalIndex {
    db: DatabaseConnection,
    current: Arc<RwLock<Arc<Snapshot>>>,
    refresh: Arc<tokio::sync::Mutex<()>>,
}

impl PortalIndex {
    /// An empty index over `db`; the first [`PortalIndex::snapshot`] fills it.
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
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
        let latest = max_seq(&self.db).await?;
        let held = self.held();
        if held.seq >= latest {
            return Ok(held);
        }
        let _one_refresh = self.refresh.lock().await;
        let held = self.held();
        if held.seq >= latest {
            return Ok(held);
        }
        let fresh = Arc::new(self.refreshed(&held, latest).await?);
        match self.current.write() {
            Ok(mut guard) => *guard = fresh.clone(),
            Err(poisoned) => *poisoned.into_inner() = fresh.clone(),
        }
        Ok(fresh)
    }

    async fn refreshed(&self, held: &Snapshot, latest: i64) -> Result<Snapshot, DbErr> {
        let mut fresh = self.refreshed_datasets(held, latest).await?;
        fresh.catalog = catalog::Entity::find()
            .one(&self.db)
            .await?
            .map(|c| CatalogInfo {
                title_de: c.title_de,
                title_en: c.title_en,
                description_de: c.description_de,
                description_en: c.description_en,
                homepage: c.homepage,
                publisher: c.publisher_id,
            });
        Ok(fresh)
    }

    async fn refreshed_datasets(&self, held: &Snapshot, latest: i64) -> Result<Snapshot, DbErr> {
        let publishers = load_publishers(&self.db).await?;
        if held.seq < 0 {
            return load_all(&self.db, publishers, latest).await;
        }
        let entries = change_log::Entity::find()
            .filter(change_log::Column::Seq.gt(held.seq))
            .filter(change_log::Column::Seq.lte(latest))
            .filter(change_log::Column::EntityKind.eq(EntityKind::Dataset.as_str()))
            .all(&self.db)
            .await?;
        let changed: HashSet<Uuid> = entries.iter().map(|e| e.entity_id).collect();
        if changed.len() > PATCH_LIMIT {
            return load_all(&self.db, publishers, latest).await;
        }
        let mut datasets: Vec<Arc<Entry>> = held
            .datasets
            .iter()
            .filter(|d| !changed.contains(&d.id))
            .cloned()
            .collect();
        let models = if changed.is_empty() {
            Vec::new()
        } else {
            dataset::Entity::find()
                .filter(dataset::Column::Id.is_in(changed.iter().copied().collect::<Vec<_>>()))
                .filter(dataset::Column::Status.eq(DatasetStatus::Published.as_str()))
                .all(&self.db)
                .await?
        };
        let formats = load_formats(&self.db, Some(models.iter().map(|m| m.id).collect())).await?;
        datasets.extend(entries_of(models, formats).map(Arc::new));
        Ok(finish(latest, datasets, publishers))
    }
}

async fn max_seq(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let query = Query::select()
        .expr_as(Expr::col(change_log::Column::Seq).max(), "m")
        .from(change_log::Entity)
        .to_owned();
    let row = db.query_one(&query).await?;
    Ok(row
        .and_then(|r| r.try_get::<Option<i64>>("", "m").ok().flatten())
        .unwrap_or(0))
}

async fn load_publishers(db: &impl ConnectionTrait) -> Result<Vec<PublisherEntry>, DbErr> {
    let mut publishers: Vec<PublisherEntry> = publisher::Entity::find()
        .all(db)
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
    publishers.sort_by(|a, b| compare_titles(&a.name_de, &b.name_de));
    Ok(publishers)
}

/// File-type codes of the active distributions, per dataset (of `only`, or of all).
async fn load_formats(
    db: &impl ConnectionTrait,
    only: Option<Vec<Uuid>>,
) -> Result<HashMap<Uuid, Vec<String>>, DbErr> {
    let mut query = distribution::Entity::find()
        .select_only()
        .column(distribution::Column::DatasetId)
        .column(distribution::Column::Format)
        .filter(distribution::Column::Status.eq(DistributionStatus::Active.as_str()));
    if let Some(ids) = only {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        query = query.filter(distribution::Column::DatasetId.is_in(ids));
    }
    let rows: Vec<(Uuid, String)> = query.into_tuple().all(db).await?;
    let mut formats: HashMap<Uuid, Vec<String>> = HashMap::new();
    for (dataset, format) in rows {
        let code = format
            .strip_prefix(vocab::FILE_TYPE)
            .unwrap_or(&format)
            .to_owned();
        let list = formats.entry(dataset).or_default();
        if !list.contains(&code) {
            list.push(code);
        }
    }
    Ok(formats)
}

async fn load_all(
    db: &impl ConnectionTrait,
    publishers: Vec<PublisherEntry>,
    latest: i64,
) -> Result<Snapshot, DbErr> {
    let models = dataset::Entity::find()
        .filter(dataset::Column::Status.eq(DatasetStatus::Published.as_str()))
        .all(db)
        .await?;
    let formats = load_formats(db, None).await?;
    let datasets = entries_of(models, formats).map(Arc::new).collect();
    Ok(finish(latest, datasets, publishers))
}

fn entries_of(
    models: Vec<dataset::Model>,
    mut formats: HashMap<Uuid, Vec<String>>,
) -> impl Iterator<Item = Entry> {
    models.into_iter().map(move |d| {
        let publisher = d.publisher_id;
        let codes = |value: &serde_json::Value, namespace: &str| -> Vec<String> {
            serde_json::from_value::<Vec<String>>(value.clone())
                .unwrap_or_default()
                .into_iter()
                .map(|iri| iri.strip_prefix(namespace).unwrap_or(&iri).to_owned())
                .collect()
        };
        let mut titles_lower = d.title_de.to_lowercase();
        if let Some(en) = &d.title_en {
            titles_lower.push('\n');
            titles_lower.push_str(&en.to_lowercase());
        }
        Entry {
            themes: codes(&d.themes, vocab::DATA_THEME),
            formats: formats.remove(&d.id).unwrap_or_default(),
            id: d.id,
            slug: d.slug,
            title_de: d.title_de,
            title_en: d.title_en,
            description_de: d.description_de,
            description_en: d.description_en,
            publisher,
            license: d.license,
            issued: d.issued,
            // When the data last changed as its publisher says; else when the record changed.
            modified: d
                .data_modified
                .as_deref()
                .and_then(crate::catalog::values::DcatDate::parse)
                .map_or(d.modified, |date| date.instant()),
            search_text: d.search_text,
            titles_lower,
        }
    })
}

fn finish(
    seq: i64,
    mut datasets: Vec<Arc<Entry>>,
    mut publishers: Vec<PublisherEntry>,
) -> Snapshot {
    datasets.sort_by(|a, b| b.modified.cmp(&a.modified).then(a.id.cmp(&b.id)));
    let publisher_at: HashMap<Uuid, usize> = publishers
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id, i))
        .collect();
    for p in &mut publishers {
        p.datasets = 0;
    }
    for d in &datasets {
        if let Some(i) = publisher_at.get(&d.publisher) {
            publishers[*i].datasets += 1;
        }
    }
    let mut facet_names: [Vec<String>; 4] = Default::default();
    let mut facet_numbers: [HashMap<String, u32>; 4] = Default::default();
    // Publishers are numbered by position, so their names are the slugs in order.
    for p in &publishers {
        facet_numbers[1].insert(p.slug.clone(), facet_names[1].len() as u32);
        facet_names[1].push(p.slug.clone());
    }
    let mut number = |f: usize, value: &str| -> u32 {
        if let Some(n) = facet_numbers[f].get(value) {
            return *n;
        }
        let n = facet_names[f].len() as u32;
        facet_names[f].push(value.to_owned());
        facet_numbers[f].insert(value.to_owned(), n);
        n
    };
    let facet_ids = datasets
        .iter()
        .map(|d| {
            [
                d.themes.iter().map(|t| number(0, t)).collect(),
                publisher_at
                    .get(&d.publisher)
                    .map(|p| *p as u32)
                    .into_iter()
                    .collect(),
                d.formats.iter().map(|t| number(2, t)).collect(),
                vec![number(3, d.license_code())],
            ]
        })
        .collect();
    Snapshot {
        seq,
        catalog: None,
        datasets,
        publishers,
        publisher_at,
        facet_ids,
        facet_names,
        facet_numbers,
        unfiltered: OnceLock::new(),
        title_rank: [OnceLock::new(), OnceLock::new()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(
        slug: &str,
        publisher: Uuid,
        themes: &[&str],
        formats: &[&str],
        license: &str,
    ) -> Arc<Entry> {
        let title = slug.replace('-', " ");
        Arc::new(Entry {
            id: Uuid::new_v4(),
            slug: slug.into(),
            titles_lower: title.clone(),
            search_text: format!("{title}\nbeschreibung {slug}"),
            title_de: title,
            title_en: None,
            description_de: "Beschreibung".into(),
            description_en: None,
            publisher,
            themes: themes.iter().map(|t| (*t).into()).collect(),
            formats: formats.iter().map(|t| (*t).into()).collect(),
            license: format!("{}{license}", vocab::LICENSE),
            issued: None,
            modified: DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap_or_default(),
        })
    }

    fn snapshot() -> Snapshot {
        let publisher = |slug: &str| PublisherEntry {
            id: Uuid::new_v4(),
            slug: slug.into(),
            name_de: slug.into(),
            name_en: None,
            homepage: None,
            email: None,
            datasets: 0,
        };
        let (geo, amt) = (publisher("geodaten"), publisher("amt-402"));
        finish(
            7,
            vec![
                entry("adressen", geo.id, &["REGI"], &["CSV"], "cc-by/4.0"),
                entry(
                    "gebaeude",
                    geo.id,
                    &["REGI", "ENVI"],
                    &["CSV", "JSON"],
                    "dl-zero-de/2.0",
                ),
                entry("projekte", amt.id, &["GOVE", "TECH"], &["CSV"], "cc-by/4.0"),
                entry("dienste", amt.id, &["GOVE"], &["JSON"], "cc-by/4.0"),
            ],
            vec![geo, amt],
        )
    }

    fn facet(hits: &Hits, kind: FacetKind) -> Vec<(&str, usize)> {
        hits.facets[kind.position()]
            .iter()
            .map(|f| (f.value.as_str(), f.count))
            .collect()
    }

    #[test]
    fn facets_count_with_the_other_facets_applied() {
        let index = snapshot();
        let all = index.search(&Search {
            page: 1,
            per_page: 10,
            ..Search::default()
        });
        assert_eq!(all.total, 4);
        assert_eq!(
            facet(&all, FacetKind::Theme),
            [("GOVE", 2), ("REGI", 2), ("ENVI", 1), ("TECH", 1)]
        );
        let mut search = Search {
            page: 1,
            per_page: 10,
            ..Search::default()
        };
        search.selected[0] = vec!["REGI".into()];
        let regi = index.search(&search);
        assert_eq!(regi.total, 2);
        // The theme facet itself still counts every theme (choosing GOVE too would widen).
        assert_eq!(
            facet(&regi, FacetKind::Theme)[0..2],
            [("GOVE", 2), ("REGI", 2)]
        );
        assert_eq!(facet(&regi, FacetKind::Format), [("CSV", 2), ("JSON", 1)]);
        assert_eq!(
            facet(&regi, FacetKind::License),
            [("cc-by/4.0", 1), ("dl-zero-de/2.0", 1)]
        );
        search.selected[0].push("GOVE".into());
        search.selected[2] = vec!["JSON".into()];
        let two = index.search(&search);
        assert_eq!(two.total, 2);
        let slugs: Vec<&str> = two
            .page
            .iter()
            .map(|p| index.datasets[*p].slug.as_str())
            .collect();
        assert!(slugs.contains(&"gebaeude") && slugs.contains(&"dienste"));
        assert_eq!(index.publishers[0].datasets, 2);
    }

    #[test]
    fn words_must_all_match_and_titles_rank_first() {
        let index = snapshot();
        let mut search = Search {
            words: vec!["beschreibung".into(), "projekte".into()],
            page: 1,
            per_page: 10,
            ..Search::default()
        };
        let hits = index.search(&search);
        assert_eq!(hits.total, 1);
        search.words = vec!["beschreibung".into()];
        assert_eq!(index.search(&search).total, 4);
        search.words = vec!["fehlt".into()];
        let none = index.search(&search);
        assert_eq!(none.total, 0);
        assert!(none.facets.iter().all(Vec::is_empty));
    }

    #[test]
    fn paging_and_title_order() {
        let index = snapshot();
        let search = Search {
            sort: Some(Sort::Title),
            page: 2,
            per_page: 3,
            ..Search::default()
        };
        let hits = index.search(&search);
        assert_eq!(hits.total, 4);
        assert_eq!(hits.page.len(), 1);
        assert_eq!(index.datasets[hits.page[0]].slug, "projekte");
        assert_eq!(compare_titles("Ölmühle", "Ost"), Ordering::Less);
    }
}
