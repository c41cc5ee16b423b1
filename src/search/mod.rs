//! The search engine: one tantivy index of every dataset (any status) under
//! `$ODCAT_DATA_DIR/search`, kept in step with the record by the change feed. It serves the portal's
//! search page and facets, `/api/v1/datasets` (with and without `q`), suggestions, and later the CKAN
//! API's `package_search`, so they always agree.
//!
//! The index records the `change_log` position it reflects, and the schema version, in each commit's
//! payload; a missing, unreadable or older index is rebuilt from SQL at start. Readers call
//! [`SearchEngine::search`], which first waits for the feed ([`crate::feed::Feed::sync`]: one
//! `MAX(seq)` probe when up to date), so a write is found on the next request.

pub mod analysis;
pub mod collect;
pub mod query;
pub mod schema;
pub mod sorted;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use base64::Engine as _;
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, TermQuery, TermSetQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use uuid::Uuid;

use self::collect::{Collect, FacetSpec, Key, Order};
use self::schema::Fields;
use crate::catalog::Catalog;
use crate::catalog::change::EntityKind;
use crate::catalog::repo::Visibility;
use crate::feed::{Consumer, Entry, Feed};

/// Datasets read from SQL per batch when (re)indexing.
const BATCH: u64 = 500;
/// The writer's memory budget: segments are flushed when it is full, so a rebuild of any size runs
/// in flat memory.
const WRITER_HEAP: usize = 64 * 1024 * 1024;
/// Hits a page may ask for with `page` (cursor paging has no limit).
pub const MAX_WINDOW: usize = 100_000;
/// The longest search text (in characters) the portal, `/api/v1/datasets` and `/api/v1/suggest`
/// accept: a longer one is a client's error, refused before it reaches the engine.
pub const MAX_QUERY_CHARS: usize = 200;

/// Checks a search text as typed: at most [`MAX_QUERY_CHARS`] characters and no NUL. The message
/// names what is wrong, for the caller's 400 answer on its `q` parameter.
pub fn check_query_text(text: &str) -> Result<(), String> {
    if text.contains('\0') {
        return Err("must not contain NUL characters".to_owned());
    }
    let chars = text.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(format!(
            "is {chars} characters long; at most {MAX_QUERY_CHARS} are accepted"
        ));
    }
    Ok(())
}

/// Windows ranked by [`SearchEngine::newest_window`] (tests check that the path runs).
#[cfg(test)]
static WINDOWS_RANKED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Pages read from the segments' sorted orders by [`SearchEngine::sorted_page`] (tests check that
/// the path runs).
#[cfg(test)]
static SORTED_PAGES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// What went wrong in a search.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The `cursor` parameter is not one this engine handed out for this order.
    #[error("`cursor` is not a cursor of this listing and order")]
    BadCursor,
    /// `page` × `per_page` is past the window paging with `page` allows.
    #[error("`page` goes past the first {MAX_WINDOW} hits; use `cursor` to page deeper")]
    TooDeep,
    /// The index failed.
    #[error("the search index failed")]
    Engine(#[from] tantivy::TantivyError),
    /// Anything else (the record, a task).
    #[error("the search failed")]
    Other(#[from] anyhow::Error),
}

/// The five facets, in the order [`Request::filters`] and [`Results::facets`] use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Facet {
    /// EU data-theme code.
    Theme,
    /// Publisher id.
    Publisher,
    /// EU file-type code.
    Format,
    /// DCAT-AP.de licence code.
    License,
    /// Keyword as written.
    Keyword,
}

impl Facet {
    /// All facets.
    pub const ALL: [Facet; 5] = [
        Self::Theme,
        Self::Publisher,
        Self::Format,
        Self::License,
        Self::Keyword,
    ];

    fn field(self) -> &'static str {
        match self {
            Self::Theme => "theme",
            Self::Publisher => "publisher",
            Self::Format => "format",
            Self::License => "license",
            Self::Keyword => "keyword",
        }
    }

    /// Its index in [`Facet::ALL`].
    pub fn position(self) -> usize {
        Self::ALL.iter().position(|f| *f == self).unwrap_or(0)
    }
}

/// Orders of a result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortOrder {
    /// Best match first; ties by the data's last change (newest first), then id.
    Relevance,
    /// By the record's last change.
    Modified {
        /// Newest first.
        desc: bool,
    },
    /// By the data's last change (as the portal shows it).
    DataModified {
        /// Newest first.
        desc: bool,
    },
    /// By title.
    Title {
        /// The English title (the German where there is none).
        english: bool,
        /// Reversed.
        desc: bool,
    },
    /// By first publication (unknown first when ascending).
    Issued {
        /// Newest first.
        desc: bool,
    },
    /// By slug.
    Slug {
        /// Reversed.
        desc: bool,
    },
    /// By id (the UUID's text order, which is its numeric order).
    Id {
        /// Reversed.
        desc: bool,
    },
}

impl SortOrder {
    fn order(self) -> Order {
        match self {
            Self::Relevance => Order::Relevance,
            Self::Modified { desc } => Order::Number {
                field: "modified",
                desc,
            },
            Self::DataModified { desc } => Order::Number {
                field: "data_modified",
                desc,
            },
            Self::Issued { desc } => Order::Number {
                field: "issued",
                desc,
            },
            Self::Title { english, desc } => Order::Text {
                field: if english {
                    "title_sort_en"
                } else {
                    "title_sort_de"
                },
                desc,
            },
            Self::Slug { desc } => Order::Text {
                field: "slug",
                desc,
            },
            // The id's high half, then (the collector's tie-break) both halves: the UUID's order.
            Self::Id { desc } => Order::Number {
                field: "id_hi",
                desc,
            },
        }
    }

    fn name(self) -> String {
        format!("{self:?}")
    }
}

/// A search.
#[derive(Clone, Debug)]
pub struct Request {
    /// The query text (words, `"phrases"`, `OR`, `-word`); empty lists everything.
    pub text: String,
    /// Selected values per facet, in [`Facet::ALL`] order (any value within a facet, all facets).
    pub filters: [Vec<String>; 5],
    /// Statuses (any of); empty for all.
    pub statuses: Vec<String>,
    /// Who is asking.
    pub visibility: Visibility,
    /// Order.
    pub order: SortOrder,
    /// Hits to skip (page paging).
    pub offset: usize,
    /// Hits to return.
    pub limit: usize,
    /// A cursor from a previous [`Results::next_cursor`] (search-after).
    pub cursor: Option<String>,
    /// Count facet values.
    pub facets: bool,
    /// Further conditions, all of which a hit meets (the CKAN API's `fq` and `field:value` terms).
    pub clauses: Vec<Clause>,
    /// Hits with only their id, revision and publisher, read from the index's columns instead of
    /// its stored documents (one compressed block read per hit): for callers that load each
    /// dataset's document by its revision. The slug is left empty: a text column's value is found
    /// by decoding its dictionary block up to it, and with the publisher's that decoding took a
    /// third of the CPU in a profile of list pages.
    pub lean: bool,
}

/// A field a [`Clause`] tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClauseField {
    /// One of the facets (its value as [`Request::filters`] holds it).
    Facet(Facet),
    /// The slug.
    Slug,
    /// The id.
    Id,
    /// The status (`published`, `draft`, `withdrawn`).
    Status,
}

/// A condition on a dataset.
#[derive(Clone, Debug, PartialEq)]
pub enum Clause {
    /// The field holds the value.
    Is(ClauseField, String),
    /// The record's last change lies in the range (both ends included; `None` is open).
    ModifiedIn {
        /// Earliest.
        from: Option<chrono::DateTime<chrono::FixedOffset>>,
        /// Latest.
        to: Option<chrono::DateTime<chrono::FixedOffset>>,
    },
    /// Any of the clauses (none: nothing).
    Any(Vec<Clause>),
    /// Every one of the clauses (none: everything).
    All(Vec<Clause>),
    /// Not the clause.
    Not(Box<Clause>),
}

impl Request {
    /// Published datasets matching `text`, by relevance, first page of `limit`.
    pub fn published(text: &str, limit: usize) -> Self {
        Self {
            text: text.to_owned(),
            filters: Default::default(),
            statuses: vec!["published".to_owned()],
            visibility: Visibility::Public,
            order: SortOrder::Relevance,
            offset: 0,
            limit,
            cursor: None,
            facets: false,
            clauses: Vec::new(),
            lean: false,
        }
    }
}

/// Whether `request` asks for every published dataset a visitor sees: no words, filters or
/// conditions.
fn every_published(request: &Request) -> bool {
    request.text.trim().is_empty()
        && request.filters.iter().all(Vec::is_empty)
        && request.clauses.is_empty()
        && request.statuses == ["published"]
        && request.visibility == Visibility::Public
}

/// Whether every document of the searcher's segments, deleted ones included, holds `term` (its
/// document frequency, which counts deleted documents too, is the segment's size in each segment).
fn covers_every_document(searcher: &tantivy::Searcher, term: &Term) -> bool {
    searcher.segment_readers().iter().all(|segment| {
        segment
            .inverted_index(term.field())
            .ok()
            .and_then(|index| index.doc_freq(term).ok())
            .is_some_and(|n| n == segment.max_doc())
    })
}

/// Documents holding any of `terms`: one term is a term query, which reads its posting list as it
/// goes (and counts from the list's length); a set query first collects a bitset of every match.
fn any_term(terms: impl IntoIterator<Item = Term>) -> Box<dyn Query> {
    let mut terms: Vec<Term> = terms.into_iter().collect();
    if terms.len() == 1
        && let Some(term) = terms.pop()
    {
        return Box::new(TermQuery::new(term, IndexRecordOption::Basic));
    }
    Box::new(TermSetQuery::new(terms))
}

/// The columns a lean hit is read from, opened once per segment (see [`Request::lean`]).
struct LeanColumns {
    id_hi: tantivy::columnar::Column<u64>,
    id_lo: tantivy::columnar::Column<u64>,
    revision: tantivy::columnar::Column<u64>,
    publisher: Option<tantivy::columnar::StrColumn>,
    /// Publishers already read, by their ordinal in the segment's column (a page names few).
    publishers: std::collections::HashMap<u64, Option<Uuid>>,
}

impl LeanColumns {
    fn open(segment: &tantivy::SegmentReader) -> Result<Self, SearchError> {
        let fast = segment.fast_fields();
        Ok(Self {
            id_hi: fast.u64("id_hi")?,
            id_lo: fast.u64("id_lo")?,
            revision: fast.u64("revision")?,
            publisher: fast.str("publisher")?,
            publishers: std::collections::HashMap::new(),
        })
    }

    /// The publisher of document `doc` of the segment.
    fn publisher(&mut self, doc: tantivy::DocId) -> Result<Option<Uuid>, SearchError> {
        let Some(column) = &self.publisher else {
            return Ok(None);
        };
        let Some(ord) = column.term_ords(doc).next() else {
            return Ok(None);
        };
        if let Some(known) = self.publishers.get(&ord) {
            return Ok(*known);
        }
        let mut value = String::new();
        column
            .ord_to_str(ord, &mut value)
            .map_err(tantivy::TantivyError::from)?;
        let publisher = Uuid::parse_str(&value).ok();
        self.publishers.insert(ord, publisher);
        Ok(publisher)
    }

    /// The hit of document `doc` of the segment, with its id, revision and publisher; the slug and
    /// the text fields are empty.
    fn hit(&mut self, doc: tantivy::DocId) -> Result<Hit, SearchError> {
        let publisher = self.publisher(doc)?;
        Ok(Hit {
            id: Uuid::from_u64_pair(
                self.id_hi.first(doc).unwrap_or_default(),
                self.id_lo.first(doc).unwrap_or_default(),
            ),
            revision: self
                .revision
                .first(doc)
                .and_then(|r| i32::try_from(r).ok())
                .unwrap_or(-1),
            slug: String::new(),
            title_de: String::new(),
            title_en: None,
            description_de: String::new(),
            description_en: None,
            publisher,
            formats: Vec::new(),
            modified: chrono::DateTime::default(),
        })
    }
}

/// One hit, with what a result list shows.
#[derive(Clone, Debug)]
pub struct Hit {
    /// Dataset id.
    pub id: Uuid,
    /// The record's revision when it was indexed (the index follows every write before a search).
    pub revision: i32,
    /// Slug.
    pub slug: String,
    /// German title.
    pub title_de: String,
    /// English title.
    pub title_en: Option<String>,
    /// German description.
    pub description_de: String,
    /// English description.
    pub description_en: Option<String>,
    /// Publisher id.
    pub publisher: Option<Uuid>,
    /// File-type codes.
    pub formats: Vec<String>,
    /// The data's last change.
    pub modified: chrono::DateTime<chrono::FixedOffset>,
}

/// The answer to a [`Request`].
#[derive(Debug)]
pub struct Results {
    /// Matching datasets in all (exact).
    pub total: u64,
    /// This page.
    pub hits: Vec<Hit>,
    /// Facet values with counts (most frequent first), in [`Facet::ALL`] order; empty unless asked.
    pub facets: Vec<Vec<(String, u64)>>,
    /// The cursor of the page after this one, when there may be one.
    pub next_cursor: Option<String>,
    /// A corrected query when nothing matched ("Meinten Sie …?").
    pub did_you_mean: Option<String>,
    /// Time spent in the index.
    pub took: Duration,
}

/// A completion for the search box.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    /// The text to search for (a keyword) or the title of a dataset.
    pub text: String,
    /// `keyword` or `title`.
    pub kind: &'static str,
    /// The dataset's slug (titles only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
}

/// Facet values with counts, per facet.
type FacetCounts = Vec<Vec<(String, u64)>>;

#[derive(Serialize, Deserialize)]
struct Payload {
    version: u32,
    position: i64,
}

/// The engine, shared by the workers (clones share it).
#[derive(Clone)]
pub struct SearchEngine {
    inner: Arc<Inner>,
}

struct Inner {
    catalog: Catalog,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    position: AtomicI64,
    /// Held while writing (the feed writes; rebuilds and batches never overlap).
    writing: tokio::sync::Mutex<()>,
    feed: OnceLock<Feed>,
    /// The facet counts over every published dataset (home page, unfiltered search page), for one
    /// searcher generation: computed once per commit instead of once per request.
    all_facets: std::sync::Mutex<Option<(u64, FacetCounts)>>,
    /// The number of published datasets (the unfiltered JSON list's total), for one searcher
    /// generation: counting it walks every published document's posting.
    all_total: std::sync::Mutex<Option<(u64, u64)>>,
    /// Each live segment's documents in the numeric orders asked for (the default list's order
    /// built by the reader's warmer).
    sorted: Arc<sorted::SortedOrders>,
    /// Which documents of each segment are published datasets a visitor sees, for one searcher
    /// generation (only kept when some documents are not).
    all_members: std::sync::Mutex<Option<(u64, Arc<Vec<tantivy::BitSet>>)>>,
    /// Off: every numeric list is ranked in a window (tests of that path).
    #[cfg(test)]
    sorted_lists: std::sync::atomic::AtomicBool,
}

impl SearchEngine {
    /// Opens the index in `dir` (created when missing; rebuilt when unreadable or of another
    /// version, at the feed's start), or an in-memory one without `dir`.
    pub fn open(catalog: Catalog, dir: Option<&Path>) -> anyhow::Result<Self> {
        Self::open_threaded(catalog, dir, 1)
    }

    /// [`open`](Self::open), with each search spread over the index's segments on `threads` threads
    /// (1: on the caller's thread only).
    pub fn open_threaded(
        catalog: Catalog,
        dir: Option<&Path>,
        threads: usize,
    ) -> anyhow::Result<Self> {
        let (schema, fields) = schema::build();
        let (mut index, position) = match dir {
            None => (Index::create_in_ram(schema), -1),
            Some(dir) => open_dir(dir, schema)?,
        };
        if threads > 1 {
            index
                .set_multithread_executor(threads)
                .context("failed to start the search threads")?;
        }
        analysis::register(index.tokenizers());
        let sorted = Arc::new(sorted::SortedOrders::default());
        let warmer: std::sync::Weak<dyn tantivy::Warmer> = Arc::downgrade(&sorted) as _;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .warmers(vec![warmer])
            .try_into()
            .context("failed to open a reader of the search index")?;
        Ok(Self {
            inner: Arc::new(Inner {
                catalog,
                index,
                reader,
                fields,
                position: AtomicI64::new(position),
                writing: tokio::sync::Mutex::new(()),
                feed: OnceLock::new(),
                all_facets: std::sync::Mutex::new(None),
                all_total: std::sync::Mutex::new(None),
                sorted,
                all_members: std::sync::Mutex::new(None),
                #[cfg(test)]
                sorted_lists: std::sync::atomic::AtomicBool::new(true),
            }),
        })
    }

    /// The feed that keeps this engine current: searches wait for it to reach the record.
    pub fn attach(&self, feed: Feed) {
        let _ = self.inner.feed.set(feed);
    }

    /// Waits until the index reflects every write committed before the call.
    pub async fn sync(&self) -> Result<(), SearchError> {
        if let Some(feed) = self.inner.feed.get() {
            feed.sync().await?;
        }
        Ok(())
    }

    /// Runs `request` after [`sync`](Self::sync), on a blocking thread.
    pub async fn search(&self, request: Request) -> Result<Results, SearchError> {
        self.sync().await?;
        let engine = self.clone();
        tokio::task::spawn_blocking(move || engine.search_now(&request))
            .await
            .map_err(|e| SearchError::Other(e.into()))?
    }

    /// Completions for the search box: keywords starting with the typed text, then titles of
    /// published datasets matching it (the last word as a prefix); at most 10.
    pub async fn suggest(&self, text: &str, english: bool) -> Result<Vec<Suggestion>, SearchError> {
        self.sync().await?;
        let engine = self.clone();
        let text = text.to_owned();
        tokio::task::spawn_blocking(move || engine.suggest_now(&text, english))
            .await
            .map_err(|e| SearchError::Other(e.into()))?
    }

    fn base_query(&self, request: &Request, searcher: &tantivy::Searcher) -> Box<dyn Query> {
        let f = &self.inner.fields;
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let builder = query::Builder {
            fields: f,
            tokenizers: self.inner.index.tokenizers(),
            searcher,
        };
        if let Some(q) = builder.clauses(&query::parse(&request.text), true) {
            must.push((Occur::Must, q));
        }
        // Without facet counts the filters are terms of the query, so the engine intersects posting
        // lists instead of the collector reading every candidate's facet columns (with counts, each
        // facet is counted with the other facets' selections applied, which the collector does).
        if !request.facets {
            let schema = self.inner.index.schema();
            for facet in Facet::ALL {
                let selected = &request.filters[facet.position()];
                if selected.is_empty() {
                    continue;
                }
                if let Ok(field) = schema.get_field(facet.field()) {
                    must.push((
                        Occur::Must,
                        any_term(selected.iter().map(|v| Term::from_field_text(field, v))),
                    ));
                }
            }
        }
        for clause in &request.clauses {
            must.push((Occur::Must, self.clause_query(clause)));
        }
        // A status every document holds (a catalogue of only published datasets) filters nothing:
        // left out, the engine does not intersect every candidate with a posting list of them all.
        let every_document_has = |status: &str| {
            covers_every_document(searcher, &Term::from_field_text(f.status, status))
        };
        let filters_nothing =
            matches!(request.statuses.as_slice(), [only] if every_document_has(only));
        if !request.statuses.is_empty() && !filters_nothing {
            must.push((
                Occur::Must,
                any_term(
                    request
                        .statuses
                        .iter()
                        .map(|s| Term::from_field_text(f.status, s)),
                ),
            ));
        }
        let public = || -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(f.public, "1"),
                IndexRecordOption::Basic,
            ))
        };
        // A published dataset is public by definition (`public` is 1 when published, or withdrawn
        // after publication): the common list of published datasets is one term, not an intersection.
        let only_published = request.statuses == ["published"];
        match request.visibility {
            Visibility::All => {}
            Visibility::Public | Visibility::Publisher(_) if only_published => {}
            Visibility::Public => must.push((Occur::Must, public())),
            Visibility::Publisher(id) => must.push((
                Occur::Must,
                Box::new(BooleanQuery::new(vec![
                    (Occur::Should, public()),
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(
                            Term::from_field_text(f.publisher, &id.to_string()),
                            IndexRecordOption::Basic,
                        )),
                    ),
                ])),
            )),
        }
        if must.is_empty() {
            return Box::new(AllQuery);
        }
        if must.len() == 1
            && let Some((_, only)) = must.pop()
        {
            return only;
        }
        Box::new(BooleanQuery::new(must))
    }

    /// The query of a [`Clause`].
    fn clause_query(&self, clause: &Clause) -> Box<dyn Query> {
        let f = &self.inner.fields;
        match clause {
            Clause::Is(field, value) => {
                let field = match field {
                    ClauseField::Facet(facet) => {
                        match self.inner.index.schema().get_field(facet.field()) {
                            Ok(field) => field,
                            Err(_) => return Box::new(tantivy::query::EmptyQuery),
                        }
                    }
                    ClauseField::Slug => f.slug,
                    ClauseField::Id => f.id,
                    ClauseField::Status => f.status,
                };
                Box::new(TermQuery::new(
                    Term::from_field_text(field, value),
                    IndexRecordOption::Basic,
                ))
            }
            Clause::ModifiedIn { from, to } => {
                let bound = |instant: &Option<chrono::DateTime<chrono::FixedOffset>>| match instant
                {
                    Some(t) => std::ops::Bound::Included(Term::from_field_u64(
                        f.modified,
                        schema::instant_key(t),
                    )),
                    None => std::ops::Bound::Unbounded,
                };
                Box::new(tantivy::query::RangeQuery::new(bound(from), bound(to)))
            }
            Clause::Any(clauses) if clauses.is_empty() => Box::new(tantivy::query::EmptyQuery),
            Clause::Any(clauses) => Box::new(BooleanQuery::new(
                clauses
                    .iter()
                    .map(|c| (Occur::Should, self.clause_query(c)))
                    .collect(),
            )),
            Clause::All(clauses) if clauses.is_empty() => Box::new(AllQuery),
            Clause::All(clauses) => Box::new(BooleanQuery::new(
                clauses
                    .iter()
                    .map(|c| (Occur::Must, self.clause_query(c)))
                    .collect(),
            )),
            // A query of only exclusions matches nothing in tantivy: exclude from everything.
            Clause::Not(inner) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery)),
                (Occur::MustNot, self.clause_query(inner)),
            ])),
        }
    }

    /// Runs `request` on the current reader, on this thread.
    pub fn search_now(&self, request: &Request) -> Result<Results, SearchError> {
        let started = Instant::now();
        let order = request.order.order();
        let after = match &request.cursor {
            Some(c) => Some(decode_cursor(c, request.order)?),
            None => None,
        };
        let window = if after.is_some() {
            request.limit
        } else {
            request.offset.saturating_add(request.limit)
        };
        if window > MAX_WINDOW {
            return Err(SearchError::TooDeep);
        }
        let searcher = self.inner.reader.searcher();
        let query = self.base_query(request, &searcher);
        let everything_published = request.facets && every_published(request);
        let generation = searcher.generation().generation_id();
        let cached_facets = if everything_published {
            self.inner.all_facets.lock().ok().and_then(|c| {
                c.as_ref()
                    .filter(|(g, _)| *g == generation)
                    .map(|(_, f)| f.clone())
            })
        } else {
            None
        };
        let collector = Collect {
            order,
            k: window,
            after,
            facets: Facet::ALL
                .iter()
                .map(|facet| FacetSpec {
                    field: facet.field(),
                    // Without counts the query itself holds the filters (see `base_query`).
                    selected: if request.facets {
                        request.filters[facet.position()].clone()
                    } else {
                        Vec::new()
                    },
                    count: request.facets && cached_facets.is_none(),
                })
                .collect(),
            tie_field: "data_modified",
        };
        let fruit = match self.newest_window(request, &searcher, &*query, &collector)? {
            Some(fruit) => fruit,
            None => searcher.search(&*query, &collector)?,
        };
        let skip = if request.cursor.is_some() {
            0
        } else {
            request.offset
        };
        let page: Vec<_> = fruit.top.into_iter().skip(skip).collect();
        let next_cursor = (page.len() == request.limit && request.limit > 0)
            .then(|| {
                page.last()
                    .map(|(key, _)| encode_cursor(key, request.order))
            })
            .flatten();
        let mut hits = Vec::with_capacity(page.len());
        let mut columns: std::collections::HashMap<u32, LeanColumns> =
            std::collections::HashMap::new();
        for (_, address) in &page {
            hits.push(if request.lean {
                let segment = address.segment_ord;
                let lean = match columns.entry(segment) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(LeanColumns::open(searcher.segment_reader(segment))?)
                    }
                };
                lean.hit(address.doc_id)?
            } else {
                self.hit(&searcher.doc(*address)?)
            });
        }
        let facets = if let Some(cached) = cached_facets {
            cached
        } else if request.facets {
            fruit
                .counts
                .into_iter()
                .map(|counts| {
                    let mut values: Vec<(String, u64)> = counts.into_iter().collect();
                    values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                    values
                })
                .collect()
        } else {
            Vec::new()
        };
        if everything_published
            && let Ok(mut cache) = self.inner.all_facets.lock()
            && cache.as_ref().is_none_or(|(g, _)| *g != generation)
        {
            *cache = Some((generation, facets.clone()));
        }
        let did_you_mean = if fruit.total == 0 && !request.text.trim().is_empty() {
            self.did_you_mean(&request.text, &searcher)
        } else {
            None
        };
        Ok(Results {
            total: fruit.total,
            hits,
            facets,
            next_cursor,
            did_you_mean,
            took: started.elapsed(),
        })
    }

    /// A list without words or facet counts (filters are in the query then) in a numeric order (the JSON list by date, at
    /// any depth): instead of ranking every document, rank only those whose sort value lies in a window
    /// next to the cursor (or the list's start), widened fourfold until it holds the page or reaches the
    /// column's end. Every document outside the window sorts after every one inside it, so the page is
    /// the same as a full pass gives; the exact total is the base query's count (posting lengths when a
    /// segment has no deletions). `None` when the request does not qualify.
    fn newest_window(
        &self,
        request: &Request,
        searcher: &tantivy::Searcher,
        query: &dyn Query,
        collector: &Collect,
    ) -> Result<Option<collect::Fruit>, SearchError> {
        let Order::Number { field, desc } = collector.order else {
            return Ok(None);
        };
        // Filters are in `query` when no facets are counted.
        if request.facets || !request.text.trim().is_empty() || collector.k == 0 {
            return Ok(None);
        }
        let generation = searcher.generation().generation_id();
        let cached = every_published(request)
            .then(|| self.inner.all_total.lock().ok().and_then(|c| *c))
            .flatten()
            .filter(|(g, _)| *g == generation);
        let total = match cached {
            Some((_, total)) => total,
            None => {
                let total = searcher.search(query, &tantivy::collector::Count)? as u64;
                if every_published(request)
                    && let Ok(mut cache) = self.inner.all_total.lock()
                {
                    *cache = Some((generation, total));
                }
                total
            }
        };
        if total == 0 {
            return Ok(Some(collect::Fruit::default()));
        }
        if let Some(fruit) = self.sorted_page(request, searcher, query, collector, total)? {
            return Ok(Some(fruit));
        }
        let schema = self.inner.index.schema();
        let Ok(sort_field) = schema.get_field(field) else {
            return Ok(None);
        };
        let (mut min, mut max) = (u64::MAX, u64::MIN);
        for segment in searcher.segment_readers() {
            let column = segment.fast_fields().u64(field)?;
            // Every document holds the sort value (the index writes all three dates), so the window
            // misses none; should a segment lack some, rank them all.
            if column.get_cardinality() != tantivy::columnar::Cardinality::Full {
                return Ok(None);
            }
            if segment.num_docs() > 0 {
                min = min.min(column.min_value());
                max = max.max(column.max_value());
            }
        }
        if min > max {
            return Ok(None);
        }
        // Where the list continues: the cursor's value (its ties are decided by the collector), or
        // the column's end.
        let start = match &collector.after {
            Some(after) if desc => !after.number,
            Some(after) => after.number,
            None if desc => max,
            None => min,
        };
        let room = if desc {
            start - min.min(start)
        } else {
            max.max(start) - start
        };
        // A first guess for evenly spread values: twice the page's share of the column's range.
        let share = (2 * collector.k) as f64 / total as f64;
        let mut span = ((max - min) as f64 * share).ceil().max(1.0) as u64;
        loop {
            let whole = span >= room;
            let (low, high) = if desc {
                (start.saturating_sub(span).max(min), start)
            } else {
                (start, start.saturating_add(span).min(max))
            };
            let windowed = BooleanQuery::new(vec![
                (Occur::Must, query.box_clone()),
                (
                    Occur::Must,
                    Box::new(tantivy::query::RangeQuery::new(
                        std::ops::Bound::Included(Term::from_field_u64(sort_field, low)),
                        std::ops::Bound::Included(Term::from_field_u64(sort_field, high)),
                    )),
                ),
            ]);
            #[cfg(test)]
            WINDOWS_RANKED.fetch_add(1, Ordering::Relaxed);
            let mut fruit = searcher.search(&windowed, collector)?;
            if fruit.top.len() >= collector.k || whole {
                fruit.total = total;
                return Ok(Some(fruit));
            }
            span = span.saturating_mul(4);
        }
    }

    /// The page of a list without words in a numeric order read from the segments' sorted orders
    /// ([`sorted::SortedOrders`]), when the matching documents are at least an eighth of the index:
    /// each segment's order is walked from the cursor (found by binary search), skipping deleted
    /// and (when the query does not match every live document) unmatched documents. The page is
    /// the one a full pass ranks. `None` for a sparse match, which [`Self::newest_window`] ranks.
    fn sorted_page(
        &self,
        request: &Request,
        searcher: &tantivy::Searcher,
        query: &dyn Query,
        collector: &Collect,
        total: u64,
    ) -> Result<Option<collect::Fruit>, SearchError> {
        #[cfg(test)]
        if !self.inner.sorted_lists.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let live = searcher.num_docs();
        let members = if total == live {
            None
        } else if total.saturating_mul(8) < live {
            return Ok(None);
        } else if every_published(request) {
            let generation = searcher.generation().generation_id();
            let cached = self.inner.all_members.lock().ok().and_then(|c| {
                c.as_ref()
                    .filter(|(g, _)| *g == generation)
                    .map(|(_, m)| m.clone())
            });
            Some(match cached {
                Some(m) => m,
                None => {
                    let m = Arc::new(sorted::members(searcher, query)?);
                    if let Ok(mut cache) = self.inner.all_members.lock() {
                        *cache = Some((generation, m.clone()));
                    }
                    m
                }
            })
        } else {
            Some(Arc::new(sorted::members(searcher, query)?))
        };
        #[cfg(test)]
        SORTED_PAGES.fetch_add(1, Ordering::Relaxed);
        Ok(self.inner.sorted.page(
            searcher,
            collector.order,
            collector.after.as_ref(),
            collector.k,
            members.as_deref().map(Vec::as_slice),
            total,
        )?)
    }

    fn hit(&self, doc: &TantivyDocument) -> Hit {
        let f = &self.inner.fields;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        Hit {
            id: text(f.id)
                .and_then(|s| Uuid::parse_str(&s).ok())
                .unwrap_or_default(),
            revision: doc
                .get_first(f.revision)
                .and_then(|v| v.as_u64())
                .and_then(|r| i32::try_from(r).ok())
                .unwrap_or(-1),
            slug: text(f.slug).unwrap_or_default(),
            title_de: text(f.title_de).unwrap_or_default(),
            title_en: text(f.title_en),
            description_de: text(f.description_de).unwrap_or_default(),
            description_en: text(f.description_en),
            publisher: text(f.publisher).and_then(|s| Uuid::parse_str(&s).ok()),
            formats: doc
                .get_all(f.format)
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            modified: doc
                .get_first(f.data_modified)
                .and_then(|v| v.as_u64())
                .and_then(schema::instant_of)
                .unwrap_or_default(),
        }
    }

    /// The query with each unknown word replaced by the most frequent indexed word within two edits.
    fn did_you_mean(&self, text: &str, searcher: &tantivy::Searcher) -> Option<String> {
        let builder = query::Builder {
            fields: &self.inner.fields,
            tokenizers: self.inner.index.tokenizers(),
            searcher,
        };
        let mut changed = false;
        let mut out = Vec::new();
        for word in text.split_whitespace() {
            let bare = word.trim_matches(|c: char| !c.is_alphanumeric());
            if bare.is_empty() || word.starts_with('-') || word == "OR" || builder.word_known(bare)
            {
                out.push(word.to_owned());
                continue;
            }
            let folded = analysis::fold(bare);
            let d = usize::from(query::distance(folded.chars().count())).max(1) + 1;
            match builder.near_words(&folded, d, 1).into_iter().next() {
                Some(better) => {
                    changed = true;
                    out.push(better);
                }
                None => out.push(word.to_owned()),
            }
        }
        changed.then(|| out.join(" "))
    }

    fn suggest_now(&self, text: &str, english: bool) -> Result<Vec<Suggestion>, SearchError> {
        let folded = analysis::words(text).join(" ");
        if folded.is_empty() {
            return Ok(Vec::new());
        }
        let mut request = Request::published(text, 6);
        request.facets = true;
        let results = self.search_now(&request)?;
        let mut out = Vec::new();
        let last = folded.rsplit(' ').next().unwrap_or(&folded).to_owned();
        if let Some(keywords) = results.facets.get(Facet::Keyword.position()) {
            for (keyword, _) in keywords {
                let k = analysis::words(keyword).join(" ");
                if k.starts_with(&folded) || k.split(' ').any(|w| w.starts_with(&last)) {
                    out.push(Suggestion {
                        text: keyword.clone(),
                        kind: "keyword",
                        slug: None,
                    });
                }
                if out.len() >= 4 {
                    break;
                }
            }
        }
        for hit in results.hits {
            if out.len() >= 10 {
                break;
            }
            let title = match (&hit.title_en, english) {
                (Some(en), true) if !en.trim().is_empty() => en.clone(),
                _ => hit.title_de.clone(),
            };
            out.push(Suggestion {
                text: title,
                kind: "title",
                slug: Some(hit.slug),
            });
        }
        Ok(out)
    }

    fn commit(&self, writer: &mut IndexWriter, position: i64) -> anyhow::Result<()> {
        let payload = serde_json::to_string(&Payload {
            version: schema::VERSION,
            position,
        })?;
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        self.inner.reader.reload()?;
        self.inner.position.store(position, Ordering::Release);
        Ok(())
    }

    fn writer(&self) -> anyhow::Result<IndexWriter> {
        self.inner
            .index
            .writer_with_num_threads(1, WRITER_HEAP)
            .context("failed to open the search index for writing")
    }

    /// Rebuilds the whole index from the record up to the record's current position (the command
    /// `odcat search rebuild`); returns the number of datasets indexed, the position and the time.
    pub async fn rebuild_all(&self) -> anyhow::Result<(usize, i64, Duration)> {
        let started = Instant::now();
        let upto = self.inner.catalog.max_seq().await?;
        let count = self.rebuild_now(upto).await?;
        Ok((count, upto, started.elapsed()))
    }

    async fn rebuild_now(&self, upto: i64) -> anyhow::Result<usize> {
        let _writing = self.inner.writing.lock().await;
        let started = Instant::now();
        let mut writer = self.writer()?;
        writer.delete_all_documents()?;
        let mut after = None;
        let mut count = 0usize;
        loop {
            let rows = self.inner.catalog.search_rows_after(after, BATCH).await?;
            let Some(last) = rows.last() else { break };
            after = Some(last.id);
            count += rows.len();
            let fields = self.inner.fields;
            writer = tokio::task::spawn_blocking(move || -> anyhow::Result<IndexWriter> {
                for row in &rows {
                    writer.add_document(schema::document(&fields, row))?;
                }
                Ok(writer)
            })
            .await??;
        }
        let engine = self.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            engine.commit(&mut writer, upto)?;
            writer.wait_merging_threads()?;
            Ok(())
        })
        .await??;
        tracing::info!(
            search.datasets = count,
            search.position = upto,
            search.duration_ms = started.elapsed().as_millis() as u64,
            "rebuilt the search index"
        );
        Ok(count)
    }

    async fn apply_now(&self, entries: &[Entry], upto: i64) -> anyhow::Result<()> {
        let _writing = self.inner.writing.lock().await;
        let mut ids: Vec<Uuid> = Vec::new();
        for entry in entries {
            match entry.kind {
                EntityKind::Dataset => ids.push(entry.id),
                EntityKind::Publisher => ids.extend(
                    self.inner
                        .catalog
                        .dataset_ids_of_publisher(entry.id)
                        .await?,
                ),
                EntityKind::Catalog
                | EntityKind::DataTable
                | EntityKind::Quality
                | EntityKind::Token => {}
            }
        }
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            // Nothing indexed changed: the durable position stays behind (replaying is harmless).
            self.inner.position.store(upto, Ordering::Release);
            return Ok(());
        }
        let mut rows = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(BATCH as usize) {
            rows.extend(self.inner.catalog.search_rows(chunk).await?);
        }
        let engine = self.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let mut writer = engine.writer()?;
            let fields = engine.inner.fields;
            for id in &ids {
                writer.delete_term(Term::from_field_text(fields.id, &id.to_string()));
            }
            for row in &rows {
                writer.add_document(schema::document(&fields, row))?;
            }
            engine.commit(&mut writer, upto)
        })
        .await??;
        Ok(())
    }
}

impl Consumer for SearchEngine {
    fn name(&self) -> &'static str {
        "search"
    }

    fn position(&self) -> i64 {
        self.inner.position.load(Ordering::Acquire)
    }

    fn rebuild(&self, upto: i64) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(async move { self.rebuild_now(upto).await.map(drop) })
    }

    fn apply<'a>(&'a self, entries: &'a [Entry], upto: i64) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(self.apply_now(entries, upto))
    }
}

/// Opens the index in `dir` and reads its position; an index that cannot be used is replaced by an
/// empty one (position -1, so the feed rebuilds it).
fn open_dir(dir: &Path, schema: tantivy::schema::Schema) -> anyhow::Result<(Index, i64)> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("failed to create the search index folder {}", dir.display()))?;
    if let Ok(index) = Index::open_in_dir(dir) {
        let payload = index
            .load_metas()
            .ok()
            .and_then(|m| m.payload)
            .and_then(|p| serde_json::from_str::<Payload>(&p).ok());
        match payload {
            Some(p) if p.version == schema::VERSION && index.schema() == schema => {
                return Ok((index, p.position));
            }
            _ => tracing::info!(
                search.dir = %dir.display(),
                "the search index is of another version or incomplete; rebuilding it"
            ),
        }
    } else if dir_has_files(dir) {
        tracing::warn!(search.dir = %dir.display(), "the search index is unreadable; rebuilding it");
    }
    clear_dir(dir)?;
    let index = Index::create_in_dir(dir, schema)
        .with_context(|| format!("failed to create the search index in {}", dir.display()))?;
    Ok((index, -1))
}

fn dir_has_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some())
}

fn clear_dir(dir: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path: PathBuf = entry?.path();
        if path.is_dir() {
            std::fs::remove_dir_all(&path)?;
        } else {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

/// The cursor of `key` under `order`: base64url of the order's name and the key.
fn encode_cursor(key: &Key, order: SortOrder) -> String {
    let raw = format!(
        "1\n{}\n{}\n{}\n{}\n{}\n{}",
        order.name(),
        key.number,
        key.second,
        key.hi,
        key.lo,
        key.text.as_deref().unwrap_or("")
    );
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn decode_cursor(cursor: &str, order: SortOrder) -> Result<Key, SearchError> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| SearchError::BadCursor)?;
    let raw = String::from_utf8(raw).map_err(|_| SearchError::BadCursor)?;
    let mut parts = raw.splitn(7, '\n');
    let mut next = || parts.next().ok_or(SearchError::BadCursor);
    if next()? != "1" || next()? != order.name() {
        return Err(SearchError::BadCursor);
    }
    let number = |s: &str| s.parse::<u64>().map_err(|_| SearchError::BadCursor);
    let (n, second, hi, lo) = (
        number(next()?)?,
        number(next()?)?,
        number(next()?)?,
        number(next()?)?,
    );
    let text = next()?.to_owned();
    let collect::Order::Text { desc, .. } = order.order() else {
        return Ok(Key {
            number: n,
            text: None,
            text_desc: false,
            second,
            hi,
            lo,
        });
    };
    Ok(Key {
        number: 0,
        text: Some(text),
        text_desc: desc,
        second,
        hi,
        lo,
    })
}

#[cfg(test)]
mod tests;
