//! For machines that are not harvesters: `/sitemap.xml` (sitemaps.org 0.9 with `hreflang`
//! alternates; an index of pages beyond 50 000 addresses) and `/feed.atom` (RFC 4287: the newest and
//! most recently updated datasets).

use std::time::Instant;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use atom_syndication::{Category, Entry, Feed, FixedDateTime, Link, Person, Text};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::Portal;
use super::i18n::{self, Lang, theme_label};
use super::index::Snapshot;
use crate::catalog::vocab;
use crate::error::{ApiError, ErrorCode};

/// Addresses per sitemap file (the protocol's limit).
pub const SITEMAP_LIMIT: usize = 50_000;
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

fn urls(snapshot: &Snapshot) -> Vec<Url> {
    let mut out: Vec<Url> = PAGES
        .iter()
        .map(|p| Url {
            path: (*p).to_owned(),
            lastmod: None,
        })
        .collect();
    out.extend(
        snapshot
            .publishers
            .iter()
            .filter(|p| p.datasets > 0)
            .map(|p| Url {
                path: format!("/organization/{}", p.slug),
                lastmod: None,
            }),
    );
    out.extend(snapshot.datasets.iter().map(|d| Url {
        path: format!("/dataset/{}", d.slug),
        lastmod: Some(d.modified.to_rfc3339()),
    }));
    out
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

/// The sitemap (or, with more than [`SITEMAP_LIMIT`] addresses and no `page`, the index of its
/// pages) as XML.
pub fn sitemap_xml(
    snapshot: &Snapshot,
    base: &str,
    page: Option<usize>,
) -> Result<Vec<u8>, ApiError> {
    let all = urls(snapshot);
    let pages = all.len().div_ceil(SITEMAP_LIMIT).max(1);
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(xml_error)?;
    if pages > 1 && page.is_none() {
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
        return Ok(w.into_inner());
    }
    let page = page.unwrap_or(1);
    let root = BytesStart::new("urlset")
        .with_attributes([("xmlns", SITEMAP_NS), ("xmlns:xhtml", XHTML_NS)]);
    w.write_event(Event::Start(root)).map_err(xml_error)?;
    for url in all
        .iter()
        .skip((page - 1).saturating_mul(SITEMAP_LIMIT))
        .take(SITEMAP_LIMIT)
    {
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

/// `GET /sitemap.xml[?page=N]`.
pub async fn sitemap(
    req: HttpRequest,
    portal: web::Data<Portal>,
) -> Result<HttpResponse, ApiError> {
    let mut page = None;
    for (key, value) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        match key.as_ref() {
            "page" => {
                page = Some(
                    value
                        .parse::<usize>()
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
    let snapshot = portal.index.snapshot().await?;
    let pages = urls(&snapshot).len().div_ceil(SITEMAP_LIMIT).max(1);
    if page.is_some_and(|p| p > pages) {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            format!("the sitemap has {pages} page(s)"),
        ));
    }
    let body = sitemap_xml(&snapshot, &portal.base, page)?;
    Ok(HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(body))
}

/// The Atom feed of the [`FEED_ENTRIES`] most recently changed datasets, in `lang`.
pub fn atom_feed(snapshot: &Snapshot, base: &str, lang: Lang) -> Feed {
    let site = snapshot
        .catalog
        .as_ref()
        .map_or(lang.texts().site_name, |c| {
            lang.pick(&c.title_de, c.title_en.as_deref()).0
        });
    let epoch = FixedDateTime::default();
    let updated = snapshot.datasets.first().map_or(epoch, |d| d.modified);
    let link = |href: String, rel: &str, media: Option<&str>| Link {
        href,
        rel: rel.to_owned(),
        mime_type: media.map(str::to_owned),
        hreflang: None,
        title: None,
        length: None,
    };
    let entries = snapshot
        .datasets
        .iter()
        .take(FEED_ENTRIES)
        .map(|d| {
            let (title, _) = lang.pick(&d.title_de, d.title_en.as_deref());
            let (summary, _) = lang.pick(&d.description_de, d.description_en.as_deref());
            let publisher = snapshot.publisher_of(d);
            let (name, _) =
                publisher.map_or(("", lang), |p| lang.pick(&p.name_de, p.name_en.as_deref()));
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
                d.themes
                    .iter()
                    .map(|code| Category {
                        term: code.clone(),
                        scheme: Some(vocab::DATA_THEME.to_owned()),
                        label: Some(theme_label(code, lang).to_owned()),
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
pub async fn atom(req: HttpRequest, portal: web::Data<Portal>) -> Result<HttpResponse, ApiError> {
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
    let snapshot = portal.index.snapshot().await?;
    let feed = atom_feed(&snapshot, &portal.base, lang);
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
