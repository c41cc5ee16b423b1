//! The home, search, publisher, API and text pages.

use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::i18n::{self, Lang, theme_label};
use super::index::{FacetKind, FacetValue, Search, Snapshot, Sort};
use super::{Chrome, Portal, date_text, html, rdf_alternates};
use crate::catalog::vocab;
use crate::error::ApiError;
use crate::rdf::Format;
use crate::search::{Hit, Request, SortOrder};

/// Datasets per search page.
pub const PER_PAGE: usize = 20;
/// Datasets listed as newest on the home page.
const NEWEST: usize = 8;
/// Keywords offered as a facet.
const KEYWORDS_SHOWN: usize = 15;
/// Characters of a description shown in a result.
const EXCERPT: usize = 240;

/// Every media type that selects an RDF format.
pub fn rdf_types() -> Vec<&'static str> {
    Format::ALL
        .iter()
        .flat_map(|f| f.accepted_media_types().iter().copied())
        .collect()
}

/// A dataset in a list.
pub struct Card {
    /// Slug.
    pub slug: String,
    /// Title in the page's language where there is one.
    pub title: String,
    /// The title's language.
    pub title_lang: Lang,
    /// The start of the description.
    pub excerpt: String,
    /// Its language.
    pub excerpt_lang: Lang,
    /// Publisher name.
    pub publisher: String,
    /// Its language.
    pub publisher_lang: Lang,
    /// Last change, as the page writes dates.
    pub modified: String,
    /// Last change, ISO 8601.
    pub modified_iso: String,
    /// File types in words.
    pub formats: Vec<String>,
}

/// The first `limit` characters of the Markdown `text` as plain text, cut at a word, with an
/// ellipsis when cut.
pub fn excerpt(text: &str, limit: usize) -> String {
    let text = super::markdown::to_plain(text, limit + 1);
    if text.chars().count() <= limit {
        return text;
    }
    let cut: String = text.chars().take(limit).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.', ' ']))
}

/// The list view of a search hit.
pub fn hit_card(hit: &Hit, snapshot: &Snapshot, lang: Lang) -> Card {
    let (title, title_lang) = lang.pick(&hit.title_de, hit.title_en.as_deref());
    let (description, excerpt_lang) = lang.pick(&hit.description_de, hit.description_en.as_deref());
    let (name, publisher_lang) = hit
        .publisher
        .and_then(|id| snapshot.publisher_by_id(id))
        .map_or(("", lang), |p| lang.pick(&p.name_de, p.name_en.as_deref()));
    Card {
        slug: hit.slug.clone(),
        title: title.to_owned(),
        title_lang,
        excerpt: excerpt(description, EXCERPT),
        excerpt_lang,
        publisher: name.to_owned(),
        publisher_lang,
        modified: date_text(&hit.modified, lang),
        modified_iso: hit.modified.to_rfc3339(),
        formats: hit
            .formats
            .iter()
            .map(|f| i18n::format_label(f, lang).to_owned())
            .collect(),
    }
}

/// What the portal shows of a search.
pub struct PortalHits {
    /// Matching datasets in all.
    pub total: usize,
    /// This page.
    pub cards: Vec<Card>,
    /// Facet values in [`FacetKind::ALL`] order (publishers by slug).
    pub facets: [Vec<FacetValue>; 5],
    /// "Meinten Sie …?".
    pub did_you_mean: Option<String>,
}

/// Runs a portal search on the engine: published datasets only; publisher facet values are slugs.
pub async fn run_search(
    portal: &Portal,
    snapshot: &Snapshot,
    search: &Search,
    lang: Lang,
) -> Result<PortalHits, ApiError> {
    let mut request = Request::published(&search.text, search.per_page.max(1));
    request.offset = search
        .page
        .saturating_sub(1)
        .saturating_mul(search.per_page.max(1));
    request.facets = true;
    request.order = match search.order() {
        Sort::Relevance => SortOrder::Relevance,
        Sort::Modified => SortOrder::DataModified { desc: true },
        Sort::Title => SortOrder::Title {
            english: search.english,
            desc: false,
        },
    };
    for (i, facet) in FacetKind::ALL.into_iter().enumerate() {
        let values = search.selected(facet);
        request.filters[i] = if facet == FacetKind::Publisher {
            values
                .iter()
                .map(|slug| {
                    // An unknown publisher selects nothing.
                    snapshot
                        .publisher(slug)
                        .map_or_else(|| format!("unknown:{slug}"), |p| p.id.to_string())
                })
                .collect()
        } else {
            values.to_vec()
        };
    }
    let window = request.offset.saturating_add(request.limit);
    let results = if window > crate::search::MAX_WINDOW {
        // Past the window pages reach: empty when there are not that many hits, else refused.
        let offset = request.offset;
        request.offset = 0;
        request.limit = 0;
        let counted = portal.search.search(request).await?;
        if (offset as u64) < counted.total {
            return Err(crate::search::SearchError::TooDeep.into());
        }
        counted
    } else {
        portal.search.search(request).await?
    };
    let facets = std::array::from_fn(|i| {
        let facet = FacetKind::ALL[i];
        let mut values: Vec<FacetValue> = results
            .facets
            .get(i)
            .map(|counts| {
                counts
                    .iter()
                    .filter_map(|(value, n)| {
                        let value = if facet == FacetKind::Publisher {
                            let id = uuid::Uuid::parse_str(value).ok()?;
                            snapshot.publisher_by_id(id)?.slug.clone()
                        } else {
                            value.clone()
                        };
                        Some(FacetValue {
                            selected: search.selected(facet).contains(&value),
                            value,
                            count: *n as usize,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        // Selected values stay visible even when the other filters leave them no hit.
        for v in search.selected(facet) {
            if !values.iter().any(|x| &x.value == v) {
                values.push(FacetValue {
                    value: v.clone(),
                    count: 0,
                    selected: true,
                });
            }
        }
        values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        if facet == FacetKind::Keyword && values.len() > KEYWORDS_SHOWN {
            // The most frequent keywords and the chosen ones; the counts stay exact.
            let mut shown = 0;
            values.retain(|v| {
                shown += 1;
                shown <= KEYWORDS_SHOWN || v.selected
            });
        }
        values
    });
    Ok(PortalHits {
        total: results.total as usize,
        cards: results
            .hits
            .iter()
            .map(|h| hit_card(h, snapshot, lang))
            .collect(),
        facets,
        did_you_mean: results.did_you_mean,
    })
}

/// A theme with its count.
pub struct ThemeCount {
    /// Code.
    pub code: String,
    /// Label.
    pub label: String,
    /// Datasets.
    pub count: usize,
}

/// A publisher with its count.
pub struct PublisherLink {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// The name's language.
    pub name_lang: Lang,
    /// Datasets.
    pub count: usize,
}

/// `/`.
#[derive(Template)]
#[template(path = "home.html", config = "src/web/askama.toml")]
pub struct HomePage {
    c: Chrome,
    intro: String,
    intro_lang: Lang,
    query: String,
    total: usize,
    themes: Vec<ThemeCount>,
    newest: Vec<Card>,
    publishers: Vec<PublisherLink>,
}

/// `GET /` for browsers: the home page.
pub async fn home(req: HttpRequest, portal: web::Data<Portal>) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let negotiated = i18n::negotiate(&req);
    let lang = negotiated.lang;
    let snapshot = portal.index.snapshot().await?;
    let mut c = Chrome::new(
        &req,
        lang,
        &portal,
        &snapshot,
        "home",
        lang.texts().nav_home,
    );
    c.alternates = rdf_alternates(&format!("{}/catalog", portal.base));
    let (intro, intro_lang) = snapshot
        .catalog
        .as_ref()
        .map_or((String::new(), lang), |k| {
            let (text, l) = lang.pick(&k.description_de, k.description_en.as_deref());
            (super::markdown::to_plain(text, usize::MAX), l)
        });
    c.title = c.site.clone();
    c.description = Some(excerpt(&intro, 160));
    let home = run_search(
        &portal,
        &snapshot,
        &Search {
            page: 1,
            per_page: NEWEST,
            sort: Some(Sort::Modified),
            english: lang == Lang::En,
            ..Search::default()
        },
        lang,
    )
    .await?;
    let page = HomePage {
        themes: home.facets[0]
            .iter()
            .map(|v| ThemeCount {
                label: theme_label(&v.value, lang).to_owned(),
                code: v.value.clone(),
                count: v.count,
            })
            .collect(),
        newest: home.cards,
        publishers: snapshot
            .publishers
            .iter()
            .filter_map(|p| {
                let count = home.facets[1]
                    .iter()
                    .find(|v| v.value == p.slug)
                    .map(|v| v.count)?;
                let (name, name_lang) = lang.pick(&p.name_de, p.name_en.as_deref());
                Some(PublisherLink {
                    slug: p.slug.clone(),
                    name: name.to_owned(),
                    name_lang,
                    count,
                })
            })
            .collect(),
        total: home.total,
        intro,
        intro_lang,
        query: String::new(),
        c,
    };
    html(StatusCode::OK, negotiated, started, &page)
}

/// A facet as the page shows it.
pub struct FacetView {
    /// Its URL parameter.
    pub parameter: &'static str,
    /// Heading.
    pub title: &'static str,
    /// Values.
    pub values: Vec<FacetValueView>,
}

/// One facet value as a link that adds or removes it.
pub struct FacetValueView {
    /// Label.
    pub label: String,
    /// The label's language.
    pub label_lang: Lang,
    /// Hits.
    pub count: usize,
    /// Selected.
    pub selected: bool,
    /// The search with this value toggled.
    pub href: String,
}

/// A selected filter with the link that removes it.
pub struct ActiveFilter {
    /// Label.
    pub label: String,
    /// The search without it.
    pub href: String,
}

/// A link of the pagination.
pub struct PageLink {
    /// Page number.
    pub number: usize,
    /// Address.
    pub href: String,
    /// The page shown.
    pub current: bool,
    /// An ellipsis instead of a link.
    pub gap: bool,
}

/// `/datasets`.
#[derive(Template)]
#[template(path = "datasets.html", config = "src/web/askama.toml")]
pub struct SearchPage {
    c: Chrome,
    heading: String,
    query: String,
    count_text: String,
    active: Vec<ActiveFilter>,
    clear_href: String,
    facets: Vec<FacetView>,
    keep: Vec<(String, String)>,
    sorts: Vec<(&'static str, &'static str, bool)>,
    hits: Vec<Card>,
    did_you_mean: Option<(String, String)>,
    pages: Vec<PageLink>,
    previous: Option<String>,
    next: Option<String>,
}

/// Reads the search parameters: `q`, the facets (repeatable), `sort`, `page`; `lang` is the
/// language's. Other parameters are ignored, as links from elsewhere may carry them.
pub fn parse_search(query_string: &str, lang: Lang) -> Result<Search, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query_string)
        .map_err(|e| ApiError::bad_parameter("query", e.to_string()))?;
    let mut search = Search {
        english: lang == Lang::En,
        page: 1,
        per_page: PER_PAGE,
        ..Search::default()
    };
    let mut text = String::new();
    for (key, value) in pairs {
        match key.as_str() {
            "q" => {
                text.push(' ');
                text.push_str(&value);
                crate::search::check_query_text(text.trim())
                    .map_err(|m| ApiError::bad_parameter("q", m))?;
            }
            "sort" if value.is_empty() => {}
            "sort" => {
                search.sort = Some(Sort::parse(&value).ok_or_else(|| {
                    ApiError::bad_parameter(
                        "sort",
                        format!("`{value}` is not an order; use relevance, modified or title"),
                    )
                })?);
            }
            "page" => {
                search.page = value
                    .parse::<usize>()
                    .ok()
                    .filter(|p| (1..=100_000).contains(p))
                    .ok_or_else(|| {
                        ApiError::bad_parameter(
                            "page",
                            format!("`{value}` is not a page number from 1"),
                        )
                    })?;
            }
            other => {
                if let Some(i) = FacetKind::ALL.iter().position(|f| f.parameter() == other)
                    && !value.trim().is_empty()
                    && !search.selected[i].contains(&value)
                {
                    search.selected[i].push(value.trim().to_owned());
                }
            }
        }
    }
    search.text = text.trim().to_owned();
    search.words = text
        .to_lowercase()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    Ok(search)
}

/// The address of `search` on `/datasets`, with `page` (1 is left out).
fn search_href(query: &str, search: &Search, page: usize) -> String {
    let mut pairs = url::form_urlencoded::Serializer::new(String::new());
    if !query.trim().is_empty() {
        pairs.append_pair("q", query.trim());
    }
    for facet in FacetKind::ALL {
        for value in search.selected(facet) {
            pairs.append_pair(facet.parameter(), value);
        }
    }
    if let Some(sort) = search.sort {
        pairs.append_pair("sort", sort.as_str());
    }
    if page > 1 {
        pairs.append_pair("page", &page.to_string());
    }
    let query = pairs.finish();
    if query.is_empty() {
        "/datasets".to_owned()
    } else {
        format!("/datasets?{query}")
    }
}

/// The label of a facet value in `lang`, and the label's language.
fn facet_label(facet: FacetKind, value: &str, snapshot: &Snapshot, lang: Lang) -> (String, Lang) {
    match facet {
        FacetKind::Theme => (theme_label(value, lang).to_owned(), lang),
        FacetKind::Publisher => snapshot.publisher(value).map_or_else(
            || (value.to_owned(), lang),
            |p| {
                let (name, l) = lang.pick(&p.name_de, p.name_en.as_deref());
                (name.to_owned(), l)
            },
        ),
        FacetKind::Format => (i18n::format_label(value, lang).to_owned(), lang),
        FacetKind::Keyword => (value.to_owned(), Lang::De),
        FacetKind::License => {
            let iri = format!("{}{value}", vocab::LICENSE);
            vocab::license_label(&iri).map_or_else(
                || (value.to_owned(), lang),
                |label| (label.to_owned(), Lang::De),
            )
        }
    }
}

fn facet_title(facet: FacetKind, lang: Lang) -> &'static str {
    let t = lang.texts();
    match facet {
        FacetKind::Theme => t.facet_theme,
        FacetKind::Publisher => t.facet_publisher,
        FacetKind::Format => t.facet_format,
        FacetKind::License => t.facet_license,
        FacetKind::Keyword => t.facet_keyword,
    }
}

/// The page numbers to link: first, last, and two either side of the current one.
fn page_links(query: &str, search: &Search, pages: usize) -> Vec<PageLink> {
    let current = search.page;
    let mut out: Vec<PageLink> = Vec::new();
    for number in 1..=pages {
        let near = number.abs_diff(current) <= 2;
        if number == 1 || number == pages || near {
            out.push(PageLink {
                number,
                href: search_href(query, search, number),
                current: number == current,
                gap: false,
            });
        } else if out.last().is_some_and(|l| !l.gap) {
            out.push(PageLink {
                number,
                href: String::new(),
                current: false,
                gap: true,
            });
        }
    }
    out
}

/// `GET /datasets` for browsers: search with facets.
pub async fn search(req: HttpRequest, portal: web::Data<Portal>) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let negotiated = i18n::negotiate(&req);
    let lang = negotiated.lang;
    let t = lang.texts();
    let search = parse_search(req.query_string(), lang)?;
    let query: String = url::form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(k, _)| k == "q")
        .map(|(_, v)| v.into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    let snapshot = portal.index.snapshot().await?;
    let hits = run_search(&portal, &snapshot, &search, lang).await?;
    let mut c = Chrome::new(
        &req,
        lang,
        &portal,
        &snapshot,
        "datasets",
        t.datasets_heading,
    );
    c.alternates = rdf_alternates(&format!("{}/catalog", portal.base));
    let noun = if hits.total == 1 {
        t.results_one
    } else {
        t.results_many
    };
    let count_text = if query.trim().is_empty() {
        format!("{} {noun}", hits.total)
    } else {
        format!("{} {noun} {} „{}“", hits.total, t.results_for, query.trim())
    };
    if !query.trim().is_empty() {
        c.title = format!("{} – {}", query.trim(), t.datasets_heading);
    }
    let mut facets = Vec::new();
    let mut active = Vec::new();
    for (i, facet) in FacetKind::ALL.into_iter().enumerate() {
        let toggled = |value: &str| {
            let mut next = search.clone();
            let list = &mut next.selected[i];
            if let Some(at) = list.iter().position(|v| v == value) {
                list.remove(at);
            } else {
                list.push(value.to_owned());
            }
            search_href(&query, &next, 1)
        };
        for value in search.selected(facet) {
            active.push(ActiveFilter {
                label: format!(
                    "{}: {}",
                    facet_title(facet, lang),
                    facet_label(facet, value, &snapshot, lang).0
                ),
                href: toggled(value),
            });
        }
        let values: Vec<FacetValueView> = hits.facets[i]
            .iter()
            .map(|v| {
                let (label, label_lang) = facet_label(facet, &v.value, &snapshot, lang);
                FacetValueView {
                    label,
                    label_lang,
                    count: v.count,
                    selected: v.selected,
                    href: toggled(&v.value),
                }
            })
            .collect();
        if !values.is_empty() {
            facets.push(FacetView {
                parameter: facet.parameter(),
                title: facet_title(facet, lang),
                values,
            });
        }
    }
    let pages = hits.total.div_ceil(PER_PAGE).max(1);
    let mut keep: Vec<(String, String)> = Vec::new();
    if !query.trim().is_empty() {
        keep.push(("q".into(), query.trim().to_owned()));
    }
    for facet in FacetKind::ALL {
        for value in search.selected(facet) {
            keep.push((facet.parameter().into(), value.clone()));
        }
    }
    let order = search.order();
    let mut sorts = vec![
        ("modified", t.sort_modified, order == Sort::Modified),
        ("title", t.sort_title, order == Sort::Title),
    ];
    if !search.words.is_empty() {
        sorts.insert(0, ("relevance", t.sort_relevance, order == Sort::Relevance));
    }
    let page = SearchPage {
        heading: t.datasets_heading.to_owned(),
        count_text,
        clear_href: if query.trim().is_empty() {
            "/datasets".to_owned()
        } else {
            search_href(&query, &Search::default(), 1)
        },
        active,
        facets,
        keep,
        sorts,
        did_you_mean: hits.did_you_mean.as_ref().map(|text| {
            let mut next = search.clone();
            next.text = text.clone();
            (text.clone(), search_href(text, &next, 1))
        }),
        hits: hits.cards,
        previous: (search.page > 1 && search.page <= pages)
            .then(|| search_href(&query, &search, search.page - 1)),
        next: (search.page < pages).then(|| search_href(&query, &search, search.page + 1)),
        pages: page_links(&query, &search, pages),
        query,
        c,
    };
    html(StatusCode::OK, negotiated, started, &page)
}

/// `/organization/{slug}`.
#[derive(Template)]
#[template(path = "publisher.html", config = "src/web/askama.toml")]
pub struct PublisherPage {
    c: Chrome,
    slug: String,
    name: String,
    name_lang: Lang,
    homepage: Option<String>,
    email: Option<String>,
    total: usize,
    hits: Vec<Card>,
}

/// Datasets listed on a publisher page.
const PUBLISHER_LIST: usize = 50;

/// `GET /organization/{slug}` for browsers: the publisher page.
pub async fn publisher(
    req: HttpRequest,
    path: web::Path<String>,
    portal: web::Data<Portal>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let negotiated = i18n::negotiate(&req);
    let lang = negotiated.lang;
    let snapshot = portal.index.snapshot().await?;
    let Some(p) = snapshot.publisher(&path) else {
        return super::error_page(
            &req,
            &portal,
            &snapshot,
            negotiated,
            started,
            StatusCode::NOT_FOUND,
        );
    };
    let (name, name_lang) = lang.pick(&p.name_de, p.name_en.as_deref());
    let mut c = Chrome::new(&req, lang, &portal, &snapshot, "datasets", name);
    c.alternates = Vec::new();
    let mut search = Search {
        page: 1,
        per_page: PUBLISHER_LIST,
        english: lang == Lang::En,
        ..Search::default()
    };
    search.sort = Some(Sort::Modified);
    search.selected[1] = vec![p.slug.clone()];
    let hits = run_search(&portal, &snapshot, &search, lang).await?;
    let page = PublisherPage {
        slug: p.slug.clone(),
        name: name.to_owned(),
        name_lang,
        homepage: p.homepage.clone(),
        email: p.email.clone(),
        total: hits.total,
        hits: hits.cards,
        c,
    };
    html(StatusCode::OK, negotiated, started, &page)
}

/// `/api`.
#[derive(Template)]
#[template(path = "api.html", config = "src/web/askama.toml")]
pub struct ApiPage {
    c: Chrome,
    english: bool,
    examples: Vec<(&'static str, String)>,
}

/// `GET /api`: the programming interfaces with curl examples against this installation.
pub async fn api(req: HttpRequest, portal: web::Data<Portal>) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let negotiated = i18n::negotiate(&req);
    let lang = negotiated.lang;
    let snapshot = portal.index.snapshot().await?;
    let c = Chrome::new(
        &req,
        lang,
        &portal,
        &snapshot,
        "api",
        lang.texts().api_heading,
    );
    let base = &portal.base;
    let newest = portal
        .search
        .search(crate::search::Request::published("", 1))
        .await?;
    let slug = newest.hits.first().map_or("SLUG", |d| d.slug.as_str());
    let english = lang == Lang::En;
    let pick = |de: &'static str, en: &'static str| if english { en } else { de };
    let examples = vec![
        (
            pick("Datensätze suchen (JSON)", "Search datasets (JSON)"),
            format!("curl '{base}/api/v1/datasets?q=adressen&per_page=5'"),
        ),
        (
            pick("Einen Datensatz lesen", "Read one dataset"),
            format!("curl '{base}/api/v1/datasets/{slug}'"),
        ),
        (
            pick(
                "DCAT-AP.de-Metadaten eines Datensatzes (Turtle)",
                "A dataset's DCAT-AP.de metadata (Turtle)",
            ),
            format!("curl '{base}/dataset/{slug}.ttl'"),
        ),
        (
            pick(
                "Den Katalog inkrementell ernten",
                "Harvest the catalogue incrementally",
            ),
            format!(
                "curl -H 'Accept: text/turtle' '{base}/catalog?modified_since=2026-01-01&page=1'"
            ),
        ),
        (
            pick(
                "Tabellenzeilen gefiltert und sortiert als CSV",
                "Table rows filtered and sorted as CSV",
            ),
            format!(
                "curl '{base}/dataset/{slug}/distribution/DISTRIBUTION_ID/data.csv?fields=a,b&sort=-b&limit=10'"
            ),
        ),
        (
            pick("SPARQL-Abfrage", "SPARQL query"),
            format!(
                "curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT ?title WHERE {{ ?d a <http://www.w3.org/ns/dcat#Dataset> ; <http://purl.org/dc/terms/title> ?title }} LIMIT 5' '{base}/sparql'"
            ),
        ),
        (
            pick(
                "Einen Datensatz anlegen (mit Zugangstoken)",
                "Create a dataset (with a token)",
            ),
            format!(
                "curl -X POST -H \"Authorization: Bearer $ODCAT_TOKEN\" -H 'Content-Type: application/json' \\\n  --data @dataset.json '{base}/api/v1/datasets'"
            ),
        ),
        (
            pick(
                "Eine CSV-Datei als Tabelle hochladen",
                "Upload a CSV file as a table",
            ),
            format!(
                "curl -X PUT -H \"Authorization: Bearer $ODCAT_TOKEN\" -H 'Content-Type: text/csv' \\\n  --data-binary @daten.csv '{base}/api/v1/datasets/{slug}/distributions/DISTRIBUTION_ID/data'"
            ),
        ),
    ];
    let page = ApiPage {
        c,
        english,
        examples,
    };
    html(StatusCode::OK, negotiated, started, &page)
}

/// A page of configurable text (imprint, accessibility statement).
#[derive(Template)]
#[template(path = "text.html", config = "src/web/askama.toml")]
pub struct TextPage {
    c: Chrome,
    body: String,
    text_lang: Lang,
}

async fn text_page(
    req: HttpRequest,
    portal: web::Data<Portal>,
    which: super::text::Which,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let negotiated = i18n::negotiate(&req);
    let lang = negotiated.lang;
    let snapshot = portal.index.snapshot().await?;
    let rendered = portal.texts.render(which, lang, &snapshot);
    let c = Chrome::new(&req, lang, &portal, &snapshot, "", rendered.title);
    let page = TextPage {
        c,
        body: rendered.html,
        text_lang: rendered.lang,
    };
    html(StatusCode::OK, negotiated, started, &page)
}

/// `GET /impressum`.
pub async fn imprint(
    req: HttpRequest,
    portal: web::Data<Portal>,
) -> Result<HttpResponse, ApiError> {
    text_page(req, portal, super::text::Which::Imprint).await
}

/// `GET /barrierefreiheit`.
pub async fn accessibility(
    req: HttpRequest,
    portal: web::Data<Portal>,
) -> Result<HttpResponse, ApiError> {
    text_page(req, portal, super::text::Which::Accessibility).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_at_words() {
        assert_eq!(excerpt("kurz", 10), "kurz");
        assert_eq!(excerpt("eins zwei drei vier", 12), "eins zwei…");
        assert_eq!(excerpt("a  b\n\nc", 10), "a b c");
        assert_eq!(
            excerpt("**Fett** und [Link](https://x.de)\n\n- eins", 40),
            "Fett und Link eins"
        );
    }

    #[test]
    fn search_parameters() {
        let s = parse_search(
            "q=ALKIS+Gebäude&theme=REGI&theme=ENVI&theme=REGI&page=2&utm=x",
            Lang::De,
        )
        .unwrap_or_default();
        assert_eq!(s.words, ["alkis", "gebäude"]);
        assert_eq!(s.selected(FacetKind::Theme), ["REGI", "ENVI"]);
        assert_eq!(s.page, 2);
        assert!(parse_search("page=0", Lang::De).is_err());
        assert!(parse_search("sort=size", Lang::De).is_err());
        let long = "a".repeat(crate::search::MAX_QUERY_CHARS + 1);
        assert!(parse_search(&format!("q={long}"), Lang::De).is_err());
        assert!(parse_search("q=a%00b", Lang::De).is_err());
        // Two `q` add up: together they may not pass the limit either.
        let half = "ä".repeat(crate::search::MAX_QUERY_CHARS / 2 + 1);
        assert!(parse_search(&format!("q={half}&q={half}"), Lang::De).is_err());
        assert!(parse_search(&format!("q={}", &long[1..]), Lang::De).is_ok());
        let href = search_href("a b", &s, 3);
        assert_eq!(href, "/datasets?q=a+b&theme=REGI&theme=ENVI&page=3");
    }

    #[test]
    fn pagination_elides_far_pages() {
        let s = Search {
            page: 6,
            ..Search::default()
        };
        let numbers: Vec<String> = page_links("", &s, 12)
            .iter()
            .map(|l| {
                if l.gap {
                    "…".to_owned()
                } else {
                    l.number.to_string()
                }
            })
            .collect();
        assert_eq!(numbers, ["1", "…", "4", "5", "6", "7", "8", "…", "12"]);
    }
}
