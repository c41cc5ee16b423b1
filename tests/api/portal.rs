//! The citizen portal: every page in German and English, search with facets checked against the JSON
//! API, the dataset page's downloads, preview, chart, schema.org markup and alternates, the SPARQL
//! page, the sitemap and the feed, configurable texts, escaping, and the refusals.

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{NamedNode, Term};
use reqwest::header::{ACCEPT, ACCEPT_LANGUAGE};
use scraper::{Html, Selector};
use serde_json::Value;

use crate::helpers::{TestApp, new_dataset, spawn_app, spawn_app_with};

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
const PROJECTS: &str = "digitalisierungsprojekte-digital-2026";

fn select(selector: &str) -> Selector {
    Selector::parse(selector).unwrap()
}

impl TestApp {
    /// A page as a browser asks for it: status, `Content-Language` and the parsed document.
    async fn page(&self, path: &str) -> (u16, String, Html) {
        let response = self
            .client
            .get(self.url(path))
            .header(ACCEPT, BROWSER)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type.starts_with("text/html"),
            "{path}: {content_type}"
        );
        let language = response
            .headers()
            .get("content-language")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (
            status,
            language,
            Html::parse_document(&response.text().await.unwrap()),
        )
    }
}

fn texts(doc: &Html, selector: &str) -> Vec<String> {
    doc.select(&select(selector))
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

fn attrs(doc: &Html, selector: &str, attr: &str) -> Vec<String> {
    doc.select(&select(selector))
        .filter_map(|e| e.value().attr(attr).map(str::to_owned))
        .collect()
}

fn first_number(text: &str) -> usize {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|s| !s.is_empty())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no number in {text:?}"))
}

#[tokio::test]
async fn every_page_renders_in_german_and_english_with_landmarks() {
    let app = spawn_app().await;
    let pages = [
        "/",
        "/datasets",
        "/datasets?q=alkis",
        &format!("/dataset/{PROJECTS}"),
        "/organization/stadt-wuppertal-402",
        "/sparql",
        "/api",
        "/impressum",
        "/barrierefreiheit",
        "/qualitaet",
    ];
    for path in pages {
        for lang in ["de", "en"] {
            let sep = if path.contains('?') { '&' } else { '?' };
            let (status, language, doc) = app.page(&format!("{path}{sep}lang={lang}")).await;
            assert_eq!(status, 200, "{path} in {lang}");
            assert_eq!(language, lang, "{path}");
            assert_eq!(attrs(&doc, "html", "lang"), [lang], "{path}");
            assert_eq!(attrs(&doc, "a.skip-link", "href"), ["#main"], "{path}");
            for landmark in ["header", "nav", "main#main", "footer"] {
                assert!(
                    doc.select(&select(landmark)).next().is_some(),
                    "{path} has {landmark}"
                );
            }
            assert_eq!(texts(&doc, "h1").len(), 1, "{path} has one h1");
            let other = if lang == "de" { "en" } else { "de" };
            assert_eq!(attrs(&doc, "a#lang-switch", "hreflang"), [other]);
            assert_eq!(
                attrs(&doc, "link[rel=alternate][hreflang=en]", "href")
                    .iter()
                    .filter(|h| h.contains("lang=en"))
                    .count(),
                1,
                "{path}"
            );
            // Every form field has a label.
            for id in attrs(&doc, "input:not([type=hidden]), select, textarea", "id") {
                assert_eq!(
                    attrs(&doc, &format!("label[for=\"{id}\"]"), "for").len(),
                    1,
                    "{path}: label for #{id}"
                );
            }
        }
    }
    // German words on the German home page, English ones on the English.
    let (_, _, de) = app.page("/").await;
    assert!(texts(&de, "h1")[0].contains("Offene Daten finden"));
    assert_eq!(texts(&de, "header .brand"), ["Offene Daten Wuppertal"]);
    let (_, _, en) = app.page("/?lang=en").await;
    assert_eq!(texts(&en, "header .brand"), ["Open Data Wuppertal"]);
}

#[tokio::test]
async fn the_language_comes_from_the_switch_the_cookie_or_accept_language() {
    let app = spawn_app().await;
    let english = app
        .client
        .get(app.url("/datasets"))
        .header(ACCEPT, BROWSER)
        .header(ACCEPT_LANGUAGE, "en-GB,en;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(english.headers()["content-language"], "en");
    let vary = english.headers()["vary"].to_str().unwrap().to_owned();
    assert!(
        vary.contains("Accept-Language") && vary.contains("Cookie"),
        "{vary}"
    );
    // The switch sets a cookie that later pages follow.
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let switched = browser
        .get(app.url("/?lang=en"))
        .header(ACCEPT, BROWSER)
        .send()
        .await
        .unwrap();
    let cookie = switched.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.starts_with("odcat_lang=en") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let later = browser
        .get(app.url("/datasets"))
        .header(ACCEPT, BROWSER)
        .header(ACCEPT_LANGUAGE, "de")
        .send()
        .await
        .unwrap();
    assert_eq!(later.headers()["content-language"], "en");
    let back = browser
        .get(app.url("/datasets?lang=de"))
        .header(ACCEPT, BROWSER)
        .send()
        .await
        .unwrap();
    assert_eq!(back.headers()["content-language"], "de");
}

#[tokio::test]
async fn search_counts_and_facets_agree_with_the_json_api() {
    let app = spawn_app().await;
    let (status, _, doc) = app.page("/datasets?q=alkis").await;
    assert_eq!(status, 200);
    let api = app.get_json("/api/v1/datasets?q=alkis&per_page=100").await;
    let total = api["total"].as_u64().unwrap() as usize;
    assert!(total >= 3, "the fixtures have three ALKIS datasets");
    assert_eq!(first_number(&texts(&doc, "#result-count")[0]), total);
    let mut shown: Vec<String> = attrs(&doc, "ol.results h3 a", "href");
    let mut expected: Vec<String> = api["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| format!("/dataset/{}", d["slug"].as_str().unwrap()))
        .collect();
    shown.sort();
    expected.sort();
    assert_eq!(shown, expected);
    // Each theme's count is what the API finds with that theme added.
    let count_selector = select(".count");
    let theme_links: Vec<(String, usize)> = doc
        .select(&select("section.facet a[href*='theme=']"))
        .map(|link| {
            let count = link
                .select(&count_selector)
                .next()
                .unwrap()
                .text()
                .collect::<String>();
            (
                link.value().attr("href").unwrap().to_owned(),
                first_number(&count),
            )
        })
        .collect();
    let mut checked = 0;
    for (href, count) in &theme_links {
        let (href, count) = (href.as_str(), *count);
        let code = href
            .split("theme=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap();
        let api = app
            .get_json(&format!(
                "/api/v1/datasets?q=alkis&theme=http://publications.europa.eu/resource/authority/data-theme/{code}"
            ))
            .await;
        assert_eq!(
            api["total"].as_u64().unwrap() as usize,
            count,
            "theme {code}"
        );
        // Following the link gives that many results.
        let (_, _, filtered) = app.page(href).await;
        assert_eq!(
            first_number(&texts(&filtered, "#result-count")[0]),
            count,
            "{href}"
        );
        checked += 1;
    }
    assert!(checked >= 2, "REGI and ENVI at least");
    // All five facets (keywords too) on the unfiltered search, with licence names from GovData's list.
    let (_, _, all) = app.page("/datasets").await;
    // Results come first (on a phone the facets follow them), each facet can be folded.
    let html = all.root_element().html();
    let results_at = html.find("class=\"results\"").unwrap();
    let filters_at = html.find("id=\"filters\"").unwrap();
    assert!(results_at < filters_at, "the results precede the filters");
    assert_eq!(
        all.select(&select("section.facet > details[open] > summary"))
            .count(),
        5
    );
    assert_eq!(attrs(&all, "a.to-filters", "href"), ["#filters"]);
    assert_eq!(
        attrs(&all, "section.facet", "aria-labelledby"),
        [
            "facet-theme",
            "facet-publisher",
            "facet-format",
            "facet-license",
            "facet-keyword"
        ]
    );
    assert!(
        texts(&all, "#facet-license + ul .facet-label")
            .iter()
            .any(|l| l.contains("Creative Commons Namensnennung")),
    );
    // A format and a licence filter combine with the words.
    let (_, _, combined) = app
        .page("/datasets?q=wuppertal&format=CSV&license=cc-by/4.0&sort=title")
        .await;
    let api = app
        .get_json("/api/v1/datasets?q=wuppertal&format=http://publications.europa.eu/resource/authority/file-type/CSV&license=http://dcat-ap.de/def/licenses/cc-by/4.0")
        .await;
    assert_eq!(
        first_number(&texts(&combined, "#result-count")[0]),
        api["total"].as_u64().unwrap() as usize
    );
    let titles = texts(&combined, "ol.results h3 a");
    let mut sorted = titles.clone();
    sorted.sort_by_key(|t| t.to_lowercase());
    assert_eq!(titles, sorted, "sort=title");
    // No hits: a message, not an empty list.
    let (_, _, none) = app.page("/datasets?q=gibtesnicht").await;
    assert_eq!(first_number(&texts(&none, "#result-count")[0]), 0);
    assert_eq!(texts(&none, "p.empty").len(), 1);
}

#[tokio::test]
async fn search_pages_through_many_datasets() {
    let app = spawn_app().await;
    let token = app.editor().await;
    for i in 0..25 {
        let mut body = new_dataset(&format!("baustellen-{i:02}"));
        body["title"]["de"] = format!("Baustellen Bezirk {i:02}").into();
        let response = app.post_dataset(&token, &body).await;
        assert_eq!(response.status().as_u16(), 201);
    }
    let (_, _, first) = app.page("/datasets?q=baustellen").await;
    assert_eq!(first_number(&texts(&first, "#result-count")[0]), 25);
    assert_eq!(texts(&first, "ol.results > li").len(), 20);
    assert_eq!(
        attrs(&first, "nav.pagination a[rel=next]", "href"),
        ["/datasets?q=baustellen&page=2"]
    );
    let (_, _, second) = app.page("/datasets?q=baustellen&page=2").await;
    assert_eq!(texts(&second, "ol.results > li").len(), 5);
    assert_eq!(
        attrs(&second, "nav.pagination a[aria-current=page]", "href").len(),
        1
    );
    // Newest first without words; the home page lists them too.
    let (_, _, home) = app.page("/").await;
    assert!(texts(&home, "#newest a")[0].starts_with("Baustellen Bezirk 24"));
    // A withdrawn dataset leaves the index at once.
    let (_, etag) = app.dataset_with_etag("baustellen-24").await;
    let gone = app
        .delete_with("/api/v1/datasets/baustellen-24", &token, &etag)
        .await;
    assert!(gone.status().is_success());
    let (_, _, after) = app.page("/datasets?q=baustellen").await;
    assert_eq!(first_number(&texts(&after, "#result-count")[0]), 24);
    let (status, _, page) = app.page("/dataset/baustellen-24").await;
    assert_eq!(status, 410);
    assert_eq!(texts(&page, "form[role=search]").len(), 1);
}

#[tokio::test]
async fn the_dataset_page_offers_downloads_preview_chart_markup_and_alternates() {
    let app = spawn_app().await;
    let (status, _, doc) = app.page(&format!("/dataset/{PROJECTS}")).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&doc, "h1"), ["Digitalisierungsprojekte digiTal 2026"]);
    // Downloads per format; the CSV link answers the table.
    let csv = attrs(&doc, "a.download[data-format=csv]", "href");
    assert_eq!(csv.len(), 1);
    for format in ["json", "ndjson"] {
        assert_eq!(
            attrs(&doc, &format!("a.download[data-format={format}]"), "href").len(),
            1
        );
    }
    let body = app.get(&csv[0]).await.text().await.unwrap();
    assert!(body.starts_with("projekt_id,titel,"));
    // The preview: every fixture row (fewer than 50), typed headers.
    let rows = doc.select(&select("table#preview tbody tr")).count();
    let table = app.get_json(&format!("/api/v1/datasets/{PROJECTS}")).await;
    let hosted = table["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "hosted_table")
        .unwrap()
        .clone();
    assert_eq!(
        rows as i64,
        hosted["data_table"]["row_count"].as_i64().unwrap().min(50)
    );
    let headers = texts(&doc, "table#preview thead th");
    assert!(
        headers.iter().any(|h| h.starts_with("budget_eur")
            && (h.ends_with("Ganzzahl") || h.ends_with("Dezimalzahl"))),
        "{headers:?}"
    );
    // A chart of the budget per field of action, with its data as a table.
    let title = texts(&doc, "figure.chart svg > title");
    assert_eq!(title.len(), 1);
    assert!(title[0].contains("budget_eur"), "{title:?}");
    let bars = doc.select(&select("figure.chart rect.chart-bar")).count();
    assert!(bars >= 2);
    assert_eq!(
        doc.select(&select("figure.chart details tbody tr")).count(),
        bars
    );
    // Metadata in plain words.
    let terms = texts(&doc, "dl.facts dt");
    for term in [
        "Bereitsteller",
        "Lizenz",
        "Themen",
        "Aktualisierung",
        "Raumbezug",
    ] {
        assert!(terms.iter().any(|t| t == term), "{term} in {terms:?}");
    }
    assert!(
        attrs(&doc, "dl.facts a", "href")
            .contains(&"https://creativecommons.org/licenses/by/4.0/".to_owned())
    );
    // Alternates and RDF links answer their formats.
    for (media, ext) in [
        ("text/turtle", "ttl"),
        ("application/rdf+xml", "rdf"),
        ("application/ld+json", "jsonld"),
        ("application/n-triples", "nt"),
    ] {
        let href = attrs(
            &doc,
            &format!("link[rel=alternate][type=\"{media}\"]"),
            "href",
        );
        assert_eq!(
            href,
            [format!("http://odcat.test/dataset/{PROJECTS}.{ext}")]
        );
        let link = attrs(&doc, &format!("a[data-rdf={ext}]"), "href");
        let response = app.get(&link[0]).await;
        assert_eq!(response.status().as_u16(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(media)
        );
    }
    // The SPARQL link runs a query about this dataset.
    let sparql = attrs(&doc, "a#sparql-link", "href");
    let (status, _, result) = app.page(&sparql[0]).await;
    assert_eq!(status, 200);
    assert!(
        result
            .select(&select("table#sparql-results tbody tr"))
            .count()
            > 10
    );
    // schema.org markup that is valid JSON-LD: read as RDF it says what the page says.
    let scripts = texts(&doc, "script[type=\"application/ld+json\"]");
    assert_eq!(scripts.len(), 1);
    let markup: Value = serde_json::from_str(&scripts[0]).unwrap();
    assert_eq!(markup["@context"], "https://schema.org/");
    assert_eq!(markup["@type"], "Dataset");
    assert_eq!(markup["name"], "Digitalisierungsprojekte digiTal 2026");
    assert_eq!(
        markup["license"],
        "https://creativecommons.org/licenses/by/4.0/"
    );
    assert_eq!(
        markup["url"],
        format!("http://odcat.test/dataset/{PROJECTS}")
    );
    assert!(
        markup["distribution"][0]["contentUrl"]
            .as_str()
            .unwrap()
            .starts_with("http://odcat.test/dataset/")
    );
    // The context is schema.org's; offline, the equivalent `@vocab` expands the same terms.
    let local = scripts[0].replacen(
        "\"https://schema.org/\"",
        "{\"@vocab\":\"https://schema.org/\"}",
        1,
    );
    let quads: Vec<_> = RdfParser::from_format(RdfFormat::JsonLd {
        profile: oxigraph::io::JsonLdProfileSet::empty(),
    })
    .for_slice(local.as_bytes())
    .collect::<Result<_, _>>()
    .unwrap();
    let schema = |local: &str| NamedNode::new(format!("https://schema.org/{local}")).unwrap();
    let id = markup["@id"].as_str().unwrap();
    assert!(
        quads
            .iter()
            .any(|q| q.subject.to_string() == format!("<{id}>")
                && q.predicate.as_str() == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
                && q.object == Term::from(schema("Dataset")))
    );
    for property in [
        "name",
        "description",
        "license",
        "publisher",
        "distribution",
        "dateModified",
        "includedInDataCatalog",
    ] {
        assert!(
            quads
                .iter()
                .any(|q| q.subject.to_string() == format!("<{id}>")
                    && q.predicate == schema(property)),
            "schema:{property}"
        );
    }
}

#[tokio::test]
async fn the_dataset_url_still_answers_rdf_and_misses_are_pages_for_browsers() {
    let app = spawn_app().await;
    let plain = app.get(&format!("/dataset/{PROJECTS}")).await;
    assert_eq!(plain.headers()["content-type"], "text/turtle");
    let json = app
        .client
        .get(app.url(&format!("/dataset/{PROJECTS}")))
        .header(ACCEPT, "application/ld+json")
        .send()
        .await
        .unwrap();
    assert_eq!(json.headers()["content-type"], "application/ld+json");
    let (status, _, missing) = app.page("/dataset/gibt-es-nicht").await;
    assert_eq!(status, 404);
    assert_eq!(texts(&missing, "h1"), ["Seite nicht gefunden"]);
    let (status, _, _) = app.page("/organization/gibt-es-nicht").await;
    assert_eq!(status, 404);
    // The home page and the search answer the catalogue for RDF clients.
    let catalogue = app
        .client
        .get(app.url("/"))
        .header(ACCEPT, "text/turtle")
        .send()
        .await
        .unwrap();
    assert_eq!(catalogue.headers()["content-type"], "text/turtle");
    assert_eq!(catalogue.headers()["vary"], "Accept");
    let publisher = app
        .client
        .get(app.url("/organization/stadt-wuppertal-402"))
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    let body: Value = publisher.json().await.unwrap();
    assert_eq!(body["slug"], "stadt-wuppertal-402");
    // Bad parameters are refused: programs get a problem body naming them, browsers a page that
    // names them in the page's language.
    for (path, field, value) in [
        ("/datasets?page=0", "page", "0"),
        ("/datasets?sort=size", "sort", "size"),
        ("/sitemap.xml?page=x", "page", "x"),
        ("/feed.atom?format=rss", "format", "rss"),
    ] {
        for accept in ["*/*", "application/problem+json, */*;q=0.1"] {
            let response = app
                .client
                .get(app.url(path))
                .header(ACCEPT, accept)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 400, "{path}");
            let problem: Value = response.json().await.unwrap();
            assert_eq!(problem["error"]["field"], field, "{path}: {problem}");
        }
        let (status, language, page) = app.page(path).await;
        assert_eq!((status, language.as_str()), (400, "de"), "{path}");
        assert_eq!(texts(&page, "h1"), ["Ungültige Anfrage"], "{path}");
        let sentence = texts(&page, "#error-parameter").join(" ");
        assert!(
            sentence.contains(&format!("„{field}“")) && sentence.contains(&format!("„{value}“")),
            "{path}: {sentence}"
        );
    }
}

#[tokio::test]
async fn the_portal_refuses_an_overlong_search_like_the_api() {
    let app = spawn_app().await;
    // The portal, `/api/v1/datasets` and `/api/v1/suggest` share one limit: 200 characters.
    let long = "Straßenreinigung".repeat(1125); // 18 000 characters
    let at_limit = "a".repeat(200);
    for path in ["/datasets", "/api/v1/datasets", "/api/v1/suggest"] {
        let refused = app
            .client
            .get(app.url(&format!("{path}?q={long}")))
            .header(ACCEPT, "application/problem+json, */*;q=0.1")
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status().as_u16(), 400, "{path}");
        let problem: Value = refused.json().await.unwrap();
        assert_eq!(problem["error"]["field"], "q", "{path}: {problem}");
        let nul = app
            .client
            .get(app.url(&format!("{path}?q=a%00b")))
            .header(ACCEPT, "application/problem+json, */*;q=0.1")
            .send()
            .await
            .unwrap();
        assert_eq!(nul.status().as_u16(), 400, "{path} with NUL");
        let accepted = app
            .client
            .get(app.url(&format!("{path}?q={at_limit}")))
            .header(ACCEPT, "application/problem+json, */*;q=0.1")
            .send()
            .await
            .unwrap();
        assert_eq!(accepted.status().as_u16(), 200, "{path} at the limit");
    }
    // A browser gets the error page, which names the limit and does not echo 18 000 characters.
    let (status, language, page) = app.page(&format!("/datasets?q={long}")).await;
    assert_eq!((status, language.as_str()), (400, "de"));
    assert_eq!(texts(&page, "h1"), ["Ungültige Anfrage"]);
    let sentence = texts(&page, "#error-parameter").join(" ");
    assert!(sentence.contains("„q“"), "{sentence}");
    assert!(sentence.contains("höchstens 200 Zeichen"), "{sentence}");
    assert!(sentence.chars().count() < 300, "{sentence}");
}

#[tokio::test]
async fn browsers_get_error_pages_in_their_language_and_programs_json() {
    let app = spawn_app().await;
    // An unknown URL: a page in German, in English with the switch, JSON for programs and the API.
    let (status, language, page) = app.page("/gibt/es/nicht").await;
    assert_eq!((status, language.as_str()), (404, "de"));
    assert_eq!(attrs(&page, "html", "lang"), ["de"]);
    assert_eq!(texts(&page, "h1"), ["Seite nicht gefunden"]);
    assert_eq!(attrs(&page, "form[role=search] input#q", "name"), ["q"]);
    let (status, language, page) = app.page("/gibt/es/nicht?lang=en").await;
    assert_eq!((status, language.as_str()), (404, "en"));
    assert_eq!(attrs(&page, "html", "lang"), ["en"]);
    assert_eq!(texts(&page, "h1"), ["Page not found"]);
    let (status, _, page) = app.page("/datasets?page=0&lang=en").await;
    assert_eq!(status, 400);
    assert_eq!(texts(&page, "h1"), ["Bad request"]);
    assert!(texts(&page, "#error-parameter")[0].contains("Page numbers start at 1"));
    let program = app.get("/gibt/es/nicht").await;
    assert_eq!(program.status().as_u16(), 404);
    let problem: Value = program.json().await.unwrap();
    assert_eq!(problem["error"]["code"], "not_found");
    for path in ["/api/v1/gibt-es-nicht", "/api/v1/datasets/gibt-es-nicht"] {
        let api = app
            .client
            .get(app.url(path))
            .header(ACCEPT, BROWSER)
            .send()
            .await
            .unwrap();
        assert_eq!(api.status().as_u16(), 404, "{path}");
        assert_eq!(api.headers()["content-type"], "application/json", "{path}");
    }
    // A withdrawn dataset's page says what it was and when it was withdrawn.
    let token = app.editor().await;
    let response = app
        .post_dataset(&token, &new_dataset("baustellen-alt"))
        .await;
    assert_eq!(response.status().as_u16(), 201);
    let (_, etag) = app.dataset_with_etag("baustellen-alt").await;
    let withdrawn = app
        .delete_with("/api/v1/datasets/baustellen-alt", &token, &etag)
        .await;
    assert!(withdrawn.status().is_success());
    let record = app.get_json("/api/v1/datasets/baustellen-alt").await;
    assert_eq!(record["status"], "withdrawn");
    let (status, language, page) = app.page("/dataset/baustellen-alt").await;
    assert_eq!((status, language.as_str()), (410, "de"));
    assert_eq!(texts(&page, "h1"), ["Datensatz zurückgezogen"]);
    assert_eq!(
        texts(&page, "#withdrawn-title"),
        ["Baustellen in Wuppertal"]
    );
    let facts = texts(&page, ".withdrawn dd");
    assert!(
        facts[0].starts_with("Stadt Wuppertal, Amt für Informationstechnik"),
        "{facts:?}"
    );
    let changed = chrono::DateTime::parse_from_rfc3339(record["modified"].as_str().unwrap())
        .unwrap()
        .format("%d.%m.%Y")
        .to_string();
    assert_eq!(facts[1], changed, "{facts:?}");
    assert_eq!(texts(&page, ".withdrawn dt")[1], "Zurückgezogen am");
    let (status, _, page) = app.page("/dataset/baustellen-alt?lang=en").await;
    assert_eq!(status, 410);
    assert_eq!(
        texts(&page, "#withdrawn-title"),
        ["Road works in Wuppertal"]
    );
}

#[tokio::test]
async fn the_sparql_page_runs_examples_and_shows_errors() {
    let app = spawn_app().await;
    let (status, _, form) = app.page("/sparql").await;
    assert_eq!(status, 200);
    let examples = attrs(&form, "a.run-example", "href");
    assert!(examples.len() >= 3);
    for href in &examples {
        let (status, _, result) = app.page(href).await;
        assert_eq!(status, 200, "{href}");
        assert!(
            result
                .select(&select("table#sparql-results tbody tr"))
                .count()
                >= 1,
            "{href}"
        );
    }
    let count = "SELECT (COUNT(*) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }";
    let query = serde_urlencoded::to_string([("query", count), ("format", "html")]).unwrap();
    let response = app.get(&format!("/sparql?{query}")).await;
    let doc = Html::parse_document(&response.text().await.unwrap());
    assert_eq!(
        texts(&doc, "table#sparql-results tbody td"),
        ["11 xsd:integer"]
    );
    let ask = serde_urlencoded::to_string([("query", "ASK { ?s ?p ?o }")]).unwrap();
    let (_, _, yes) = app.page(&format!("/sparql?{ask}")).await;
    assert_eq!(texts(&yes, "#sparql-boolean").len(), 1);
    let bad = serde_urlencoded::to_string([("query", "SELEKT * WHERE {}")]).unwrap();
    let (status, _, error) = app.page(&format!("/sparql?{bad}")).await;
    assert_eq!(status, 400);
    assert_eq!(texts(&error, ".error-box h2").len(), 1);
    assert_eq!(texts(&error, "textarea#query"), ["SELEKT * WHERE {}"]);
    // Errors are explained in the page's language; the parser's own message is marked as English.
    assert!(
        texts(&error, "#sparql-error-text")[0].starts_with("Die Abfrage ist kein gültiges SPARQL")
    );
    assert_eq!(attrs(&error, "#sparql-error-detail", "lang"), ["en"]);
    let (status, _, english) = app.page(&format!("/sparql?{bad}&lang=en")).await;
    assert_eq!(status, 400);
    assert!(texts(&english, "#sparql-error-text")[0].starts_with("The query is not valid SPARQL"));
    let update = serde_urlencoded::to_string([(
        "query",
        "INSERT DATA { <http://a.example/s> <http://a.example/p> 1 }",
    )])
    .unwrap();
    let (status, _, refused) = app.page(&format!("/sparql?{update}")).await;
    assert_eq!(status, 403);
    assert!(texts(&refused, "#sparql-error-text")[0].contains("nur lesend"));
    assert!(texts(&refused, "#sparql-error-detail").is_empty());
    // Example titles in the page's language.
    let (_, _, german) = app.page("/sparql").await;
    let (_, _, english) = app.page("/sparql?lang=en").await;
    assert!(texts(&german, "#examples h3").contains(&"Datensätze je Thema".to_owned()));
    assert!(texts(&english, "#examples h3").contains(&"Datasets per theme".to_owned()));
    // Programs still get the protocol's formats.
    let json = app
        .client
        .get(app.url(&format!(
            "/sparql?{}",
            serde_urlencoded::to_string([("query", count)]).unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(
        json.headers()["content-type"],
        "application/sparql-results+json"
    );
}

#[tokio::test]
async fn sitemap_and_feed_are_valid_and_complete() {
    let app = spawn_app().await;
    let sitemap = app.get("/sitemap.xml").await;
    assert_eq!(
        sitemap.headers()["content-type"],
        "application/xml; charset=utf-8"
    );
    let xml = sitemap.text().await.unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut urls, mut locs, mut alternates) = (0, Vec::new(), 0);
    let mut in_loc = false;
    loop {
        match reader.read_event().expect("well-formed sitemap") {
            quick_xml::events::Event::Start(e) if e.name().as_ref() == b"url" => urls += 1,
            quick_xml::events::Event::Start(e) if e.name().as_ref() == b"loc" => in_loc = true,
            quick_xml::events::Event::Text(t) if in_loc => {
                locs.push(t.unescape().unwrap().into_owned());
                in_loc = false;
            }
            quick_xml::events::Event::Empty(e) if e.name().as_ref() == b"xhtml:link" => {
                alternates += 1
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    let datasets = app.get_json("/api/v1/datasets?per_page=1").await["total"]
        .as_u64()
        .unwrap() as usize;
    assert_eq!(
        urls,
        6 + 3 + datasets,
        "6 pages, 3 publishers, every dataset"
    );
    assert_eq!(alternates, 2 * urls);
    assert!(locs.contains(&format!("http://odcat.test/dataset/{PROJECTS}")));
    assert!(locs.iter().all(|l| l.starts_with("http://odcat.test/")));

    let feed = app.get("/feed.atom").await;
    assert_eq!(
        feed.headers()["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    let text = feed.text().await.unwrap();
    let parsed = atom_syndication::Feed::read_from(text.as_bytes()).expect("valid Atom");
    assert_eq!(parsed.entries().len(), datasets.min(50));
    assert_eq!(parsed.id(), "http://odcat.test/feed.atom");
    assert_eq!(parsed.lang(), Some("de"));
    let updated: Vec<_> = parsed.entries().iter().map(|e| *e.updated()).collect();
    assert!(updated.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert_eq!(*parsed.updated(), updated[0]);
    for entry in parsed.entries() {
        assert!(entry.id().starts_with("http://odcat.test/dataset/"));
        assert!(!entry.authors().is_empty() && entry.summary().is_some());
        assert!(
            entry
                .links()
                .iter()
                .any(|l| l.mime_type() == Some("text/html"))
        );
    }
    let english = app.get("/feed.atom?lang=en").await.text().await.unwrap();
    let english = atom_syndication::Feed::read_from(english.as_bytes()).unwrap();
    assert_eq!(english.title().as_str(), "Open Data Wuppertal");
}

#[tokio::test]
async fn text_pages_are_configurable_and_markup_is_escaped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("impressum.de.md"),
        "# Impressum der Stadt Wuppertal\n\nJohannes-Rau-Platz 1 <script>alert(1)</script>",
    )
    .unwrap();
    let pages = dir.path().to_path_buf();
    let app = spawn_app_with(move |s| s.pages_dir = Some(pages)).await;
    let (_, _, imprint) = app.page("/impressum").await;
    assert_eq!(texts(&imprint, "h1"), ["Impressum der Stadt Wuppertal"]);
    assert!(imprint.select(&select("main script")).next().is_none());
    assert!(
        texts(&imprint, "article")
            .join(" ")
            .contains("<script>alert(1)</script>")
    );
    // The default statement names the catalogue's publisher and mailbox.
    let (_, _, statement) = app.page("/barrierefreiheit").await;
    let text = texts(&statement, "article").join(" ");
    assert!(text.contains("offenedaten@stadt.wuppertal.de") && text.contains("BITV 2.0"));
    // A title with markup is text on the page and in the JSON-LD.
    let token = app.editor().await;
    let mut body = new_dataset("markup-im-titel");
    body["title"]["de"] = "Baustellen </script><script>alert(1)</script>".into();
    assert_eq!(app.post_dataset(&token, &body).await.status().as_u16(), 201);
    let raw = app
        .client
        .get(app.url("/dataset/markup-im-titel"))
        .header(ACCEPT, BROWSER)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!raw.contains("<script>alert(1)"));
    let doc = Html::parse_document(&raw);
    assert_eq!(
        texts(&doc, "h1"),
        ["Baustellen </script><script>alert(1)</script>"]
    );
    let markup: Value =
        serde_json::from_str(&texts(&doc, "script[type=\"application/ld+json\"]")[0]).unwrap();
    assert_eq!(
        markup["name"],
        "Baustellen </script><script>alert(1)</script>"
    );
}

#[tokio::test]
async fn markdown_descriptions_render_on_the_page_and_are_plain_text_in_lists() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let mut body = new_dataset("baustellen-markdown");
    body["description"]["de"] = "## Inhalt\n\nAlle **Baustellen** im [Stadtgebiet](https://www.wuppertal.de/baustellen).\n\n\
        - Straßen\n- Brücken\n\n[Fragen](mailto:offenedaten@stadt.wuppertal.de) · [Trick](javascript:alert(1)) · \
        <img src=x onerror=alert(1)> Ende."
        .into();
    let response = app.post_dataset(&token, &body).await;
    assert_eq!(response.status().as_u16(), 201);
    let (status, _, page) = app.page("/dataset/baustellen-markdown").await;
    assert_eq!(status, 200);
    assert_eq!(texts(&page, ".description h2"), ["Inhalt"]);
    assert_eq!(texts(&page, ".description strong"), ["Baustellen"]);
    assert_eq!(texts(&page, ".description li"), ["Straßen", "Brücken"]);
    assert_eq!(
        attrs(&page, ".description a", "href"),
        [
            "https://www.wuppertal.de/baustellen",
            "mailto:offenedaten@stadt.wuppertal.de"
        ]
    );
    assert!(page.select(&select(".description img")).next().is_none());
    let text = texts(&page, ".description").join(" ");
    assert!(
        text.contains("Trick") && text.contains("<img src=x onerror=alert(1)>"),
        "{text}"
    );
    assert!(!text.contains("**"), "{text}");
    // Lists and the feed show the plain text.
    let (_, _, results) = app.page("/datasets?q=baustellen").await;
    let excerpt = texts(&results, "ol.results .excerpt").join(" ");
    assert!(
        excerpt.starts_with("Inhalt Alle Baustellen im Stadtgebiet. Straßen Brücken Fragen"),
        "{excerpt}"
    );
    assert!(!excerpt.contains(['*', '#', '[', '<']), "{excerpt}");
    let feed = app.get("/feed.atom").await.text().await.unwrap();
    assert!(
        feed.contains("Inhalt Alle Baustellen im Stadtgebiet. Straßen Brücken"),
        "{feed}"
    );
    let description = attrs(&page, "meta[name=description]", "content");
    assert!(
        description[0].starts_with("Inhalt Alle Baustellen"),
        "{description:?}"
    );
}

/// A published dataset with one hosted table holding `csv`; returns its page.
async fn dataset_with_table(app: &TestApp, token: &str, slug: &str, csv: &'static str) -> Html {
    let mut body = new_dataset(slug);
    body["distributions"] = serde_json::json!([{
        "title": {"de": "Tabelle"},
        "format": "http://publications.europa.eu/resource/authority/file-type/CSV",
        "kind": "hosted_table"
    }]);
    let response = app.post_dataset(token, &body).await;
    assert_eq!(response.status().as_u16(), 201, "{slug}");
    let (id, _) = app.hosted(slug).await;
    let response = app.put_csv(token, slug, id, csv).await;
    assert!(
        response.status().is_success(),
        "{slug}: {}",
        response.status()
    );
    let (status, _, page) = app.page(&format!("/dataset/{slug}")).await;
    assert_eq!(status, 200, "{slug}");
    page
}

#[tokio::test]
async fn charts_never_add_up_different_things_or_draw_missing_values() {
    let app = spawn_app().await;
    let token = app.editor().await;
    // One amount in euros per status: the sum, with its unit in words.
    let page = dataset_with_table(
        &app,
        &token,
        "chart-budget",
        "projekt,status,budget_eur\nA,geplant,100\nB,geplant,50\nC,laufend,70\nD,laufend,\nE,ruht,\nF,ruht,\n",
    )
    .await;
    assert_eq!(
        texts(&page, "figure.chart figcaption"),
        ["Summe von budget_eur in Euro je Status"]
    );
    // "ruht" has no amount at all: it is left out, not drawn as 0.
    assert_eq!(
        texts(&page, "figure.chart details tbody td:first-child"),
        ["geplant", "laufend"]
    );
    assert_eq!(
        texts(&page, "figure.chart details tbody td.num"),
        ["150", "70"]
    );
    // Aufwand and Ertrag in one amount column: no sum per Produktbereich, only per kind.
    let page = dataset_with_table(
        &app,
        &token,
        "chart-haushalt",
        "produktbereich,art,betrag_eur\nSchule,Aufwand,500\nSchule,Ertrag,200\nKultur,Aufwand,300\nKultur,Ertrag,100\n",
    )
    .await;
    assert_eq!(
        texts(&page, "figure.chart figcaption"),
        ["Anzahl der Zeilen je Produktbereich"]
    );
    // Two amount columns: neither is summed.
    let page = dataset_with_table(
        &app,
        &token,
        "chart-zwei-betraege",
        "bereich,aufwand_eur,ertrag_eur\nSchule,500,200\nSchule,300,100\nKultur,10,20\n",
    )
    .await;
    assert_eq!(
        texts(&page, "figure.chart figcaption"),
        ["Anzahl der Zeilen je Bereich"]
    );
    // Every value once: no chart.
    let page = dataset_with_table(
        &app,
        &token,
        "chart-einmalig",
        "name,betrag_eur\nA,1\nB,2\nC,3\n",
    )
    .await;
    assert!(page.select(&select("figure.chart")).next().is_none());
}

#[tokio::test]
async fn formats_are_named_in_words_in_lists_facets_and_the_dataset_page() {
    let app = spawn_app().await;
    let slug = "alkis-flurstuecke-wuppertal";
    let (_, _, page) = app.page(&format!("/dataset/{slug}")).await;
    let badges = texts(&page, "p.meta .badge");
    assert!(
        badges.iter().any(|b| b == "Kartendienst (WMS)"),
        "{badges:?}"
    );
    assert!(!badges.iter().any(|b| b.contains("_SRVC")), "{badges:?}");
    assert_eq!(
        attrs(
            &page,
            "section#distributions .badge[data-format=WMS_SRVC]",
            "data-format"
        )
        .len(),
        1
    );
    let (_, _, english) = app.page(&format!("/dataset/{slug}?lang=en")).await;
    assert!(
        texts(&english, "p.meta .badge")
            .iter()
            .any(|b| b == "Map service (WMS)")
    );
    let (_, _, results) = app.page("/datasets?q=flurstücke").await;
    let card = texts(&results, "ol.results .badge");
    assert!(card.iter().any(|b| b == "Kartendienst (WMS)"), "{card:?}");
    // The facet shows the words and filters by the code.
    let (_, _, all) = app.page("/datasets").await;
    let labels = texts(&all, "#facet-format + ul .facet-label");
    assert!(
        labels.iter().any(|l| l == "Kartendienst (WMS)"),
        "{labels:?}"
    );
    assert!(!labels.iter().any(|l| l.contains("_SRVC")), "{labels:?}");
    assert!(
        attrs(&all, "#facet-format + ul a", "href")
            .iter()
            .any(|h| h == "/datasets?format=WMS_SRVC"),
    );
}

#[tokio::test]
async fn the_quality_page_and_the_dataset_pages_show_the_scores_of_the_json_api() {
    let app = spawn_app().await;
    let overview = app.get_json("/api/v1/quality").await;
    let (status, _, de) = app.page("/qualitaet").await;
    assert_eq!(status, 200);
    assert_eq!(texts(&de, "h1"), ["Metadatenqualität"]);
    // The chart's table alternative: one row per band with its number of datasets.
    let rows = texts(&de, "figure.chart table tbody tr");
    assert_eq!(rows.len(), 4, "{rows:?}");
    for (row, band) in rows.iter().zip(overview["bands"].as_array().unwrap()) {
        assert!(
            row.starts_with(band["label"]["de"].as_str().unwrap()),
            "{row}"
        );
        assert!(row.ends_with(&band["datasets"].to_string()), "{row} {band}");
    }
    assert!(attrs(&de, "svg[role=img]", "aria-labelledby").len() == 1);
    // The fixes table names the API's first fix.
    let fixes = texts(&de, "table caption + thead + tbody tr th");
    assert_eq!(
        fixes.first().map(String::as_str),
        overview["fixes"][0]["label"]["de"].as_str()
    );
    let (_, _, en) = app.page("/qualitaet?lang=en").await;
    assert_eq!(texts(&en, "h1"), ["Metadata quality"]);

    // A dataset's page states its score and band in words, linked to the overview.
    let report = app
        .get_json(&format!("/api/v1/datasets/{PROJECTS}/quality"))
        .await;
    let (_, _, page) = app.page(&format!("/dataset/{PROJECTS}")).await;
    let expected = format!(
        "{} von 405 Punkten ({})",
        report["score"],
        report["band_label"]["de"].as_str().unwrap()
    );
    assert!(
        texts(&page, "dl.facts dd a[href=\"/qualitaet\"]").contains(&expected),
        "{expected}"
    );
    // What would gain it points, most first, as the API says.
    let fixes = texts(&page, "details.quality-fixes li");
    let api: Vec<String> = report["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["text"]["de"].as_str().unwrap().to_owned())
        .collect();
    assert!(!fixes.is_empty());
    assert_eq!(fixes, api);
}
