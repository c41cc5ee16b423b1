//! For machines that are not harvesters: `/sitemap.xml` (sitemaps.org 0.9 with `hreflang`
//! alternates; an index of pages beyond 50 000 addresses) and `/feed.atom` (RFC 4287: the most
//! recently changed datasets).
//!
//! Both read the record through catalogue functions (`crate::catalog::repo::sitemap`), never the whole
//! catalogue: up to 50 000 addresses, one sitemap lists the site's pages, the publishers with
//! published datasets and every published dataset; beyond, `/sitemap.xml` is an index whose first
//! sitemap lists the pages and publishers and whose sitemap `n + 1` lists the datasets with listing
//! positions `(n-1)·50 000 + 1 ..= n·50 000` (one range read of an index; a withdrawn dataset leaves
//! a gap, so no sitemap ever exceeds the limit and none moves when the catalogue changes).

use std::collections::HashMap;
use std::time::Instant;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use atom_syndication::{Category, Entry, Feed, FixedDateTime, Link, Person, Text};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use uuid::Uuid;

use super::Portal;
use super::i18n::{self, Lang, theme_label};
use crate::catalog::repo::sitemap::{self as queries, SitemapExtent};
use crate::catalog::{Catalog, vocab};
use crate::error::{ApiError, ErrorCode};

/// Addresses per sitemap file (the protocol's limit).
pub const SITEMAP_LIMIT: u64 = 50_000;
/// Entries in the feed.
pub const FEED_ENTRIES: usize = 50;

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";
const PAGES: [&str; 6] = [
    "/",
    "/datasets",
    "/sparql",
    "/api",
    "/impressum",
    "/barrierefreiheit",
];

/// One address of the sitemap.
struct Url {
    path: String,
    lastmod: Option<String>,
}

/// What `/sitemap.xml?page=N` holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    /// Everything in one sitemap (at most `limit` addresses in all).
    Whole,
    /// The index of `pages` sitemaps.
    Index { pages: u64 },
    /// The site's pages and the publishers.
    Pages,
    /// The datasets with listing positions in `from..until`.
    Datasets { from: i64, until: i64 },
}

/// The part of the sitemap that `page` asks for, given the catalogue's extent and the number of
/// publisher addresses; `Err(pages)` when there is no such page.
fn plan(
    extent: SitemapExtent,
    publishers: u64,
    page: Option<u64>,
    limit: u64,
) -> Result<Part, u64> {
    // The last position bounds the published datasets (withdrawn ones leave gaps).
    let last = u64::try_from(extent.last_position).unwrap_or(0);
    let addresses = PAGES.len() as u64 + publishers + last;
    if addresses <= limit {
        return match page {
            None | Some(1) => Ok(Part::Whole),
            Some(_) => Err(1),
        };
    }
    let pages = 1 + last.div_ceil(limit);
    match page {
        None => Ok(Part::Index { pages }),
        Some(1) => Ok(Part::Pages),
        Some(n) if n <= pages => {
            let from = (n - 2).saturating_mul(limit).saturating_add(1);
            let step = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
            Ok(Part::Datasets {
                from: step(from),
                until: step(from.saturating_add(limit)),
            })
        }
        Some(_) => Err(pages),
    }
}

fn xml_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::Unexpected(anyhow::anyhow!("cannot write XML: {e}"))
}

fn element(w: &mut Writer<Vec<u8>>, name: &str, text: &str) -> Result<(), ApiError> {
    w.write_event(Event::Start(BytesStart::new(name)))
        .map_err(xml_error)?;
    w.write_event(Event::Text(BytesText::new(text)))
        .map_err(xml_error)?;
    w.write_event(Event::End(BytesEnd::new(name)))
        .map_err(xml_error)
}

fn writer() -> Result<Writer<Vec<u8>>, ApiError> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(xml_error)?;
    Ok(w)
}

/// A sitemap index of `pages` sitemaps.
fn index_xml(base: &str, pages: u64) -> Result<Vec<u8>, ApiError> {
    let mut w = writer()?;
    let root = BytesStart::new("sitemapindex").with_attributes([("xmlns", SITEMAP_NS)]);
    w.write_event(Event::Start(root)).map_err(xml_error)?;
    for n in 1..=pages {
        w.write_event(Event::Start(BytesStart::new("sitemap")))
            .map_err(xml_error)?;
        element(&mut w, "loc", &format!("{base}/sitemap.xml?page={n}"))?;
        w.write_event(Event::End(BytesEnd::new("sitemap")))
            .map_err(xml_error)?;
    }
    w.write_event(Event::End(BytesEnd::new("sitemapindex")))
        .map_err(xml_error)?;
    Ok(w.into_inner())
}

/// A sitemap of `urls`, each with its German and English alternates.
fn urlset_xml(base: &str, urls: &[Url]) -> Result<Vec<u8>, ApiError> {
    let mut w = writer()?;
    let root = BytesStart::new("urlset")
        .with_attributes([("xmlns", SITEMAP_NS), ("xmlns:xhtml", XHTML_NS)]);
    w.write_event(Event::Start(root)).map_err(xml_error)?;
    for url in urls {
        w.write_event(Event::Start(BytesStart::new("url")))
            .map_err(xml_error)?;
        element(&mut w, "loc", &format!("{base}{}", url.path))?;
        if let Some(lastmod) = &url.lastmod {
            element(&mut w, "lastmod", lastmod)?;
        }
        for lang in [Lang::De, Lang::En] {
            let href = format!("{base}{}?lang={}", url.path, lang.code());
            let link = BytesStart::new("xhtml:link").with_attributes([
                ("rel", "alternate"),
                ("hreflang", lang.code()),
                ("href", href.as_str()),
            ]);
            w.write_event(Event::Empty(link)).map_err(xml_error)?;
        }
        w.write_event(Event::End(BytesEnd::new("url")))
            .map_err(xml_error)?;
    }
    w.write_event(Event::End(BytesEnd::new("urlset")))
        .map_err(xml_error)?;
    Ok(w.into_inner())
}

fn page_urls(publishers: Vec<String>, limit: u64) -> Vec<Url> {
    PAGES
        .iter()
        .map(|p| (*p).to_owned())
        .chain(
            publishers
                .into_iter()
                .map(|slug| format!("/organization/{slug}")),
        )
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|path| Url {
            path,
            lastmod: None,
        })
        .collect()
}

async fn dataset_urls(catalog: &Catalog, from: i64, until: i64) -> Result<Vec<Url>, ApiError> {
    Ok(queries::sitemap_datasets(catalog.db(), from, until)
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?
        .into_iter()
        .map(|d| Url {
            path: format!("/dataset/{}", d.slug),
            lastmod: Some(d.modified.to_rfc3339()),
        })
        .collect())
}

/// `GET /sitemap.xml[?page=N]`.
pub async fn sitemap(
    req: HttpRequest,
    portal: web::Data<Portal>,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, ApiError> {
    let mut page = None;
    for (key, value) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        match key.as_ref() {
            "page" => {
                page = Some(
                    value
                        .parse::<u64>()
                        .ok()
                        .filter(|p| *p >= 1)
                        .ok_or_else(|| {
                            ApiError::bad_parameter(
                                "page",
                                format!("`{value}` is not a page number from 1"),
                            )
                        })?,
                );
            }
            other => {
                return Err(ApiError::bad_parameter(
                    other,
                    "unknown parameter; /sitemap.xml takes `page`",
                ));
            }
        }
    }
    let db = catalog.db();
    let (extent, publishers) =
        tokio::try_join!(queries::sitemap_extent(db), queries::sitemap_publishers(db))
            .map_err(|e| ApiError::Unexpected(e.into()))?;
    let part = plan(extent, publishers.len() as u64, page, SITEMAP_LIMIT).map_err(|pages| {
        ApiError::new(
            ErrorCode::NotFound,
            format!("the sitemap has {pages} page(s)"),
        )
    })?;
    let base = &portal.base;
    let body = match part {
        Part::Index { pages } => index_xml(base, pages)?,
        Part::Pages => urlset_xml(base, &page_urls(publishers, SITEMAP_LIMIT))?,
        Part::Datasets { from, until } => {
            urlset_xml(base, &dataset_urls(&catalog, from, until).await?)?
        }
        Part::Whole => {
            let mut urls = page_urls(publishers, SITEMAP_LIMIT);
            urls.extend(dataset_urls(&catalog, 1, extent.last_position.saturating_add(1)).await?);
            urlset_xml(base, &urls)?
        }
    };
    Ok(HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(body))
}

/// The catalogue's title and the newest datasets with their publishers, for the feed.
struct FeedData {
    title: Option<(String, Option<String>)>,
    datasets: Vec<queries::FeedEntry>,
    publishers: HashMap<Uuid, crate::catalog::record::PublisherRecord>,
}

async fn feed_data(catalog: &Catalog) -> Result<FeedData, crate::catalog::CatalogError> {
    let db = catalog.db();
    let (record, datasets) = tokio::try_join!(
        crate::catalog::repo::publishing::catalog_record(db),
        queries::recently_changed(db, FEED_ENTRIES as u64),
    )?;
    let publishers = crate::catalog::repo::publishing::publishers_by_id(
        db,
        datasets.iter().map(|d| d.publisher_id),
    )
    .await?
    .into_iter()
    .map(|p| (p.id, p))
    .collect();
    Ok(FeedData {
        title: record.map(|c| (c.title_de, c.title_en)),
        datasets,
        publishers,
    })
}

/// The Atom feed of the [`FEED_ENTRIES`] most recently changed datasets, in `lang`.
fn atom_feed(data: &FeedData, base: &str, lang: Lang) -> Feed {
    let site = data
        .title
        .as_ref()
        .map_or(lang.texts().site_name, |(de, en)| {
            lang.pick(de, en.as_deref()).0
        });
    let epoch = FixedDateTime::default();
    let updated = data.datasets.first().map_or(epoch, |d| d.modified);
    let link = |href: String, rel: &str, media: Option<&str>| Link {
        href,
        rel: rel.to_owned(),
        mime_type: media.map(str::to_owned),
        hreflang: None,
        title: None,
        length: None,
    };
    let entries = data
        .datasets
        .iter()
        .map(|d| {
            let (title, _) = lang.pick(&d.title_de, d.title_en.as_deref());
            let (summary, _) = lang.pick(&d.description_de, d.description_en.as_deref());
            let publisher = data.publishers.get(&d.publisher_id);
            let (name, _) =
                publisher.map_or(("", lang), |p| lang.pick(&p.name_de, p.name_en.as_deref()));
            let themes: Vec<String> = d.themes.clone();
            let mut entry = Entry::default();
            entry.set_id(format!("{base}/dataset/{}", d.id));
            entry.set_title(Text::plain(title));
            entry.set_updated(d.modified);
            entry.set_published(d.issued);
            entry.set_summary(Some(Text::plain(super::pages::excerpt(summary, 600))));
            entry.set_authors(vec![Person {
                name: name.to_owned(),
                email: None,
                uri: publisher.map(|p| format!("{base}/organization/{}", p.slug)),
                extensions: Default::default(),
            }]);
            entry.set_links(vec![
                link(
                    format!("{base}/dataset/{}", d.slug),
                    "alternate",
                    Some("text/html"),
                ),
                link(
                    format!("{base}/dataset/{}.ttl", d.slug),
                    "alternate",
                    Some("text/turtle"),
                ),
            ]);
            entry.set_categories(
                themes
                    .iter()
                    .map(|iri| {
                        let code = iri.strip_prefix(vocab::DATA_THEME).unwrap_or(iri);
                        Category {
                            term: code.to_owned(),
                            scheme: Some(vocab::DATA_THEME.to_owned()),
                            label: Some(theme_label(code, lang).to_owned()),
                        }
                    })
                    .collect::<Vec<_>>(),
            );
            entry
        })
        .collect::<Vec<_>>();
    let mut feed = Feed::default();
    feed.set_id(format!("{base}/feed.atom"));
    feed.set_title(Text::plain(site));
    feed.set_subtitle(Some(Text::plain(lang.texts().footer_feed)));
    feed.set_updated(updated);
    feed.set_lang(Some(lang.code().to_owned()));
    feed.set_links(vec![
        link(
            format!(
                "{base}/feed.atom{}",
                if lang == Lang::En { "?lang=en" } else { "" }
            ),
            "self",
            Some("application/atom+xml"),
        ),
        link(format!("{base}/"), "alternate", Some("text/html")),
    ]);
    feed.set_generator(Some(atom_syndication::Generator {
        value: "odcat".to_owned(),
        uri: None,
        version: Some(env!("CARGO_PKG_VERSION").to_owned()),
    }));
    feed.set_entries(entries);
    feed
}

/// `GET /feed.atom[?lang=en]`.
pub async fn atom(
    req: HttpRequest,
    portal: web::Data<Portal>,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    for (key, _) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        if key != "lang" {
            return Err(ApiError::bad_parameter(
                &key,
                "unknown parameter; /feed.atom takes `lang`",
            ));
        }
    }
    // The feed's language comes from `?lang=` only, so that its address names its language.
    let lang = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| i18n::Lang::parse(&v))
        .unwrap_or(Lang::De);
    let data = feed_data(&catalog)
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    let feed = atom_feed(&data, &portal.base, lang);
    let body = feed.to_string();
    Ok(HttpResponse::Ok()
        .content_type("application/atom+xml; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((
            "Server-Timing",
            format!("render;dur={:.3}", started.elapsed().as_secs_f64() * 1000.0),
        ))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extent(last_position: i64) -> SitemapExtent {
        SitemapExtent { last_position }
    }

    #[test]
    fn a_small_catalogue_is_one_sitemap() {
        // 6 pages + 2 publishers + positions up to 2 = 10 addresses.
        assert_eq!(plan(extent(2), 2, None, 10), Ok(Part::Whole));
        assert_eq!(plan(extent(2), 2, Some(1), 10), Ok(Part::Whole));
        assert_eq!(plan(extent(2), 2, Some(2), 10), Err(1));
    }

    #[test]
    fn a_large_catalogue_is_an_index_of_position_ranges() {
        // Positions up to 25 with a limit of 10: the pages and publishers, then datasets by position,
        // gaps (withdrawn datasets) included, so no sitemap holds more than the limit.
        let e = extent(25);
        assert_eq!(plan(e, 2, None, 10), Ok(Part::Index { pages: 4 }));
        assert_eq!(plan(e, 2, Some(1), 10), Ok(Part::Pages));
        assert_eq!(
            plan(e, 2, Some(2), 10),
            Ok(Part::Datasets { from: 1, until: 11 })
        );
        assert_eq!(
            plan(e, 2, Some(4), 10),
            Ok(Part::Datasets {
                from: 21,
                until: 31
            })
        );
        assert_eq!(plan(e, 2, Some(5), 10), Err(4));
        // A million datasets at the protocol's limit: 21 sitemaps of at most 50 000 addresses.
        let million = extent(1_000_000);
        assert_eq!(
            plan(million, 500, None, SITEMAP_LIMIT),
            Ok(Part::Index { pages: 21 })
        );
        assert_eq!(
            plan(million, 500, Some(21), SITEMAP_LIMIT),
            Ok(Part::Datasets {
                from: 950_001,
                until: 1_000_001
            })
        );
    }
}
