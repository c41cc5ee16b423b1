//! The citizen portal: server-rendered, bilingual HTML pages (askama templates, compiled and checked
//! with the binary), the sitemap and the Atom feed. No script framework and nothing from a CDN: the
//! stylesheet and icon are compiled in and served from `/static/`. The pages read the in-memory
//! [`index::PortalIndex`] for lists and facets and the record for a dataset's details and previews.

pub mod chart;
pub mod dataset;
pub mod errors;
pub mod feeds;
pub mod i18n;
pub mod index;
pub mod jsonld;
pub mod manage;
pub mod markdown;
pub mod pages;
pub mod quality;
pub mod sparql_page;
pub mod text;

use std::sync::{Arc, LazyLock};
use std::time::Instant;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use askama::Template;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use i18n::{Lang, Negotiated, Texts};
use index::{PortalIndex, Snapshot};

/// What the portal's handlers share.
#[derive(Clone)]
pub struct Portal {
    /// The catalogue record and publishers.
    pub index: PortalIndex,
    /// The search engine (search page, facets, home and publisher pages).
    pub search: crate::search::SearchEngine,
    /// The public base URL.
    pub base: String,
    /// The imprint and accessibility texts.
    pub texts: Arc<text::PageTexts>,
}

const CSS: &str = include_str!("static/odcat.css");
const FAVICON: &str = include_str!("static/favicon.svg");
const SEARCH_JS: &str = include_str!("static/search.js");
const UPLOAD_JS: &str = include_str!("static/upload.js");

/// `/static/odcat.css?v=<hash>`: the stylesheet's address changes with its content, so it can be
/// cached for a year.
static CSS_HREF: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(CSS.as_bytes());
    format!("/static/odcat.css?v={}", &hex::encode(digest)[..12])
});

/// `/static/odcat.css`.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(CSS)
}

/// `/static/search.js`: the search box's suggestions (progressive enhancement).
pub async fn search_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(SEARCH_JS)
}

/// `/static/upload.js`: follows a table load in the workspace (progressive enhancement).
pub async fn upload_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(UPLOAD_JS)
}

/// `/static/favicon.svg` and `/favicon.ico`.
pub async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(FAVICON)
}

/// A `<link rel="alternate">` of a page.
#[derive(Clone, Debug)]
pub struct Alternate {
    /// Media type.
    pub media_type: &'static str,
    /// Absolute URL.
    pub href: String,
    /// Title.
    pub title: &'static str,
}

/// The RDF forms of a resource at `stem` (`{base}/catalog`, `{base}/dataset/{id}`).
pub fn rdf_alternates(stem: &str) -> Vec<Alternate> {
    crate::rdf::Format::ALL
        .iter()
        .map(|f| Alternate {
            media_type: f.media_type(),
            href: format!("{stem}.{}", f.extension()),
            title: f.label(),
        })
        .collect()
}

/// What every page's frame (`base.html`) prints.
pub struct Chrome {
    /// The page's language.
    pub lang: Lang,
    /// Its words.
    pub t: &'static Texts,
    /// The site's name (the catalogue's title).
    pub site: String,
    /// The page title.
    pub title: String,
    /// `<meta name="description">`.
    pub description: Option<String>,
    /// The stylesheet's address.
    pub css: &'static str,
    /// The page's address without `lang`.
    pub canonical: String,
    /// The page in German.
    pub hreflang_de: String,
    /// The page in English.
    pub hreflang_en: String,
    /// RDF forms of the page's resource.
    pub alternates: Vec<Alternate>,
    /// The public base URL.
    pub base: String,
    /// The navigation entry to mark current.
    pub section: &'static str,
    /// The language switch's link.
    pub switch_href: String,
}

impl Chrome {
    /// The frame for `req` in `lang`.
    pub fn new(
        req: &HttpRequest,
        lang: Lang,
        portal: &Portal,
        snapshot: &Snapshot,
        section: &'static str,
        title: impl Into<String>,
    ) -> Self {
        Self::at(req, lang, &portal.base, snapshot, section, title)
    }

    /// The frame for `req` in `lang` under the public base URL `base`.
    pub fn at(
        req: &HttpRequest,
        lang: Lang,
        base: &str,
        snapshot: &Snapshot,
        section: &'static str,
        title: impl Into<String>,
    ) -> Self {
        let site = snapshot
            .catalog
            .as_ref()
            .map(|c| lang.pick(&c.title_de, c.title_en.as_deref()).0.to_owned())
            .unwrap_or_else(|| lang.texts().site_name.to_owned());
        let kept: Vec<(String, String)> =
            url::form_urlencoded::parse(req.query_string().as_bytes())
                .filter(|(k, _)| k != "lang")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        let path = req.path();
        let with = |extra: Option<Lang>| {
            let mut pairs = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &kept {
                pairs.append_pair(k, v);
            }
            if let Some(l) = extra {
                pairs.append_pair("lang", l.code());
            }
            let query = pairs.finish();
            if query.is_empty() {
                path.to_owned()
            } else {
                format!("{path}?{query}")
            }
        };
        Self {
            lang,
            t: lang.texts(),
            site,
            title: title.into(),
            description: None,
            css: CSS_HREF.as_str(),
            canonical: format!("{base}{}", with(None)),
            hreflang_de: format!("{base}{}", with(Some(Lang::De))),
            hreflang_en: format!("{base}{}", with(Some(Lang::En))),
            alternates: Vec::new(),
            base: base.to_owned(),
            section,
            switch_href: with(Some(lang.other())),
        }
    }
}

/// Renders `page` into an HTML answer with the portal's headers: the language, `Vary`, the cookie
/// when `?lang=` chose the language, and `Server-Timing` with the time since `started`.
pub fn html(
    status: StatusCode,
    negotiated: Negotiated,
    started: Instant,
    page: &impl Template,
) -> Result<HttpResponse, ApiError> {
    let body = page
        .render()
        .map_err(|e| ApiError::Unexpected(anyhow::Error::new(e)))?;
    let mut answer = HttpResponseBuilder::new(status);
    answer
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_LANGUAGE, negotiated.lang.code()))
        .insert_header((
            header::VARY,
            HeaderValue::from_static("Accept, Accept-Language, Cookie"),
        ))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((
            "Server-Timing",
            format!("render;dur={:.3}", started.elapsed().as_secs_f64() * 1000.0),
        ));
    if negotiated.from_parameter {
        let cookie = Cookie::build(i18n::COOKIE, negotiated.lang.code())
            .path("/")
            .max_age(actix_web::cookie::time::Duration::days(365))
            .same_site(SameSite::Lax)
            .http_only(true)
            .finish();
        answer.cookie(cookie);
    }
    Ok(answer.body(body))
}

pub use crate::negotiate::wants_html;

/// Formats a date-time as the page's language writes dates (`30.11.2026` / `30 Nov 2026`).
pub fn date_text(value: &chrono::DateTime<chrono::FixedOffset>, lang: Lang) -> String {
    day_text(value.date_naive(), lang)
}

/// Formats a date in the page's language.
pub fn day_text(day: chrono::NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::De => day.format("%d.%m.%Y").to_string(),
        Lang::En => day.format("%-d %b %Y").to_string(),
    }
}

/// The error page for HTML clients in the page's language (see [`errors::page`]).
pub fn error_page(
    req: &HttpRequest,
    portal: &Portal,
    snapshot: &Snapshot,
    negotiated: Negotiated,
    started: Instant,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    errors::page(
        req,
        &portal.base,
        snapshot,
        negotiated,
        started,
        status,
        errors::Detail::default(),
    )
}
