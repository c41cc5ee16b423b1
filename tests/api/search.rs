//! The search engine through the JSON API and the portal: the German query file against the Wuppertal
//! fixtures plus a search corpus, agreement between the portal and `/api/v1/datasets`, cursors,
//! suggestions, and writes visible on the next request, also after a restart.

use std::collections::BTreeSet;

use reqwest::header::ACCEPT;
use scraper::{Html, Selector};
use serde::Deserialize;
use serde_json::Value;

use crate::helpers::{TestApp, new_dataset, spawn_app};

#[derive(Deserialize)]
struct Queries {
    query: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    q: String,
    #[serde(default)]
    why: String,
    #[serde(default)]
    params: String,
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    same_as: Option<String>,
}

fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

impl TestApp {
    /// Loads `fixtures/search/corpus.json` through the JSON API.
    pub(crate) async fn load_corpus(&self) {
        let corpus: Value =
            serde_json::from_str(include_str!("../../fixtures/search/corpus.json")).unwrap();
        let token = self.editor().await;
        for dataset in corpus["datasets"].as_array().unwrap() {
            let response = self.post_dataset(&token, dataset).await;
            assert_eq!(response.status().as_u16(), 201, "{}", dataset["slug"]);
        }
    }

    /// The slugs `/api/v1/datasets` answers for `query` (all of them, up to 100) and the total.
    pub(crate) async fn api_slugs(&self, query: &str) -> (Vec<String>, u64) {
        let page = self
            .get_json(&format!("/api/v1/datasets?per_page=100&{query}"))
            .await;
        let slugs = page["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{query}: {page}"))
            .iter()
            .map(|d| d["slug"].as_str().unwrap().to_owned())
            .collect();
        (slugs, page["total"].as_u64().unwrap())
    }

    /// The slugs the portal's search page lists for `query`.
    pub(crate) async fn portal_slugs(&self, query: &str) -> Vec<String> {
        let html = self
            .client
            .get(self.url(&format!("/datasets?{query}")))
            .header(ACCEPT, "text/html")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let doc = Html::parse_document(&html);
        doc.select(&Selector::parse("ol.results h3 a").unwrap())
            .filter_map(|a| a.value().attr("href"))
            .map(|h| h.trim_start_matches("/dataset/").to_owned())
            .collect()
    }
}

#[tokio::test]
async fn the_german_query_file_finds_what_each_query_must_find() {
    // Arrange
    let app = spawn_app().await;
    app.load_corpus().await;
    let queries: Queries =
        toml::from_str(include_str!("../../fixtures/search/queries.toml")).unwrap();
    assert!(queries.query.len() >= 30);
    let mut failures = Vec::new();
    for case in &queries.query {
        // Act
        let mut query = format!("q={}", encode(&case.q));
        if !case.params.is_empty() {
            query.push('&');
            query.push_str(&case.params);
        }
        let (all, _) = app.api_slugs(&query).await;
        let first_page: Vec<&String> = all.iter().take(20).collect();
        // Assert
        for slug in &case.include {
            if !first_page.contains(&slug) {
                failures.push(format!(
                    "{:?} ({}) misses {slug}: {all:?}",
                    case.q, case.why
                ));
            }
        }
        for slug in &case.exclude {
            if all.contains(slug) {
                failures.push(format!("{:?} ({}) finds {slug}", case.q, case.why));
            }
        }
        if let Some(other) = &case.same_as {
            let (same, _) = app.api_slugs(&format!("q={}", encode(other))).await;
            let a: BTreeSet<&String> = all.iter().collect();
            let b: BTreeSet<&String> = same.iter().collect();
            if a != b {
                failures.push(format!("{:?} and {other:?} differ: {a:?} / {b:?}", case.q));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn the_portal_and_the_api_answer_the_same_sets() {
    let app = spawn_app().await;
    app.load_corpus().await;
    for query in [
        "q=Haushalt",
        "q=Stra%C3%9Fe",
        "q=Geodaten&theme=REGI",
        "q=Bev%C3%B6lkerung&format=CSV",
        "q=Eisstadion+OR+Freibad",
        "q=Haushalt+-2025",
        "q=Digitalsierung&theme=EDUC",
        "theme=TRAN&format=GEOJSON",
        "license=dl-zero-de/2.0",
        "publisher=stadt-wuppertal-102&q=ALKIS",
        "keyword=Haushalt",
        "keyword=Geodaten&keyword=Haushalt&theme=REGI",
    ] {
        let (api, total) = app.api_slugs(query).await;
        assert!(total <= 20, "{query}: pick a query with one portal page");
        let portal = app.portal_slugs(query).await;
        let api: BTreeSet<String> = api.into_iter().collect();
        let portal: BTreeSet<String> = portal.into_iter().collect();
        assert!(!api.is_empty(), "{query} finds something");
        assert_eq!(api, portal, "{query}");
    }
}

#[tokio::test]
async fn cursors_page_through_every_hit_once_in_order() {
    let app = spawn_app().await;
    app.load_corpus().await;
    for sort in ["-modified", "title", "-issued", "slug", "relevance"] {
        let base = format!("/api/v1/datasets?q=Wuppertal+OR+Stadt+OR+Daten&sort={sort}");
        let (expected, total) = app
            .api_slugs(&format!("q=Wuppertal+OR+Stadt+OR+Daten&sort={sort}"))
            .await;
        let mut seen = Vec::new();
        let mut url = format!("{base}&per_page=7");
        loop {
            let page = app.get_json(&url).await;
            assert_eq!(page["total"].as_u64().unwrap(), total, "{sort}");
            seen.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d["slug"].as_str().unwrap().to_owned()),
            );
            match page["next_cursor"].as_str() {
                Some(cursor) => url = format!("{base}&per_page=7&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(seen, expected, "{sort}");
    }
    // Pages past the first 100 000 hits are empty when there are not that many.
    let far = app.get_json("/api/v1/datasets?page=5001").await;
    assert_eq!(far["items"].as_array().unwrap().len(), 0);
    assert!(far["total"].as_u64().unwrap() > 40);
    let (far_page, _) = app.api_slugs("page=1001").await;
    assert!(far_page.is_empty());
    let portal_far = app
        .client
        .get(app.url("/datasets?page=100000"))
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(portal_far.status().as_u16(), 200);
    let bad = app.get("/api/v1/datasets?cursor=bm9wZQ").await;
    let message = crate::helpers::assert_error(bad, 400, "invalid_parameter").await;
    assert!(message.starts_with("cursor:"), "{message}");
    // A cursor of one order is refused by another.
    let page = app.get_json("/api/v1/datasets?per_page=2&sort=title").await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let other = app
        .get(&format!(
            "/api/v1/datasets?per_page=2&sort=slug&cursor={cursor}"
        ))
        .await;
    crate::helpers::assert_error(other, 400, "invalid_parameter").await;
}

#[tokio::test]
async fn the_list_reports_the_engines_time_and_suggests_completions() {
    let app = spawn_app().await;
    app.load_corpus().await;
    let response = app.get("/api/v1/datasets?q=Haushalt").await;
    let timing = response.headers()["server-timing"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(timing.starts_with("search;dur="), "{timing}");
    let suggestions = app.get_json("/api/v1/suggest?q=Haushaltsp").await;
    let list = suggestions["suggestions"].as_array().unwrap();
    assert!(!list.is_empty() && list.len() <= 10, "{suggestions}");
    assert!(
        list.iter()
            .any(|s| s["slug"] == "haushaltsplan-2024" && s["kind"] == "title"),
        "{suggestions}"
    );
    let keywords = app.get_json("/api/v1/suggest?q=Geod").await;
    assert!(
        keywords["suggestions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["text"] == "Geodaten" && s["kind"] == "keyword"),
        "{keywords}"
    );
    let english = app
        .get_json("/api/v1/suggest?q=Haushaltsplan&lang=en")
        .await;
    assert!(
        english["suggestions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["text"] == "Budget plan 2024 of the City of Wuppertal"),
        "{english}"
    );
    let bad = app.get("/api/v1/suggest?q=x&lang=fr").await;
    crate::helpers::assert_error(bad, 400, "invalid_parameter").await;
    // Zero hits offer the nearest words.
    let html = app
        .client
        .get(app.url("/datasets?q=Wohnlgae+Xyzzyq"))
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Meinten Sie"), "{html}");
    // The search box loads its suggestions script from the portal itself (no CDN).
    assert!(html.contains(r#"<script src="/static/search.js" defer></script>"#));
    let script = app.get("/static/search.js").await;
    assert_eq!(script.status().as_u16(), 200);
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(script.text().await.unwrap().contains("/api/v1/suggest"));
}

#[tokio::test]
async fn a_write_is_found_on_the_next_request_and_after_a_restart() {
    // Arrange
    let app = spawn_app().await;
    let token = app.editor().await;
    let mut body = new_dataset("trinkbrunnen-neu");
    body["title"]["de"] = Value::from("Quellwasserzapfstellen im Zoo");
    // Act: write, then search at once.
    assert_eq!(app.post_dataset(&token, &body).await.status().as_u16(), 201);
    let (api, _) = app.api_slugs("q=Quellwasserzapfstellen").await;
    let portal = app.portal_slugs("q=Quellwasserzapfstellen").await;
    // Assert
    assert_eq!(api, ["trinkbrunnen-neu"]);
    assert_eq!(portal, ["trinkbrunnen-neu"]);
    // A change replaces the document; a withdrawal leaves the published list.
    let (_, etag) = app.dataset_with_etag("trinkbrunnen-neu").await;
    let patched = app
        .client
        .patch(app.url("/api/v1/datasets/trinkbrunnen-neu"))
        .bearer_auth(&token)
        .header("If-Match", etag)
        .header("Content-Type", "application/merge-patch+json")
        .body(r#"{"title": {"de": "Wasserspender im Zoo"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status().as_u16(), 200);
    assert!(app.api_slugs("q=Quellwasserzapfstellen").await.0.is_empty());
    assert_eq!(
        app.api_slugs("q=Wasserspender").await.0,
        ["trinkbrunnen-neu"]
    );
    let (_, etag) = app.dataset_with_etag("trinkbrunnen-neu").await;
    let withdrawn = app
        .delete_with("/api/v1/datasets/trinkbrunnen-neu", &token, &etag)
        .await;
    assert_eq!(withdrawn.status().as_u16(), 200);
    assert!(app.api_slugs("q=Wasserspender").await.0.is_empty());
    assert_eq!(
        app.api_slugs("q=Wasserspender&status=withdrawn").await.0,
        ["trinkbrunnen-neu"]
    );
    // After a restart (another server on the same record, its own data folder) the engine answers
    // the same.
    let beside = tempfile::tempdir().unwrap();
    let settings = app._db.settings_beside(beside.path());
    let second = odcat::startup::Application::build(&settings).await.unwrap();
    let port = second.port();
    let handle = second.handle();
    tokio::spawn(second.run_until_stopped());
    let client = crate::helpers::test_client();
    let page: Value = client
        .get(format!(
            "http://127.0.0.1:{port}/api/v1/datasets?q=Wasserspender&status=withdrawn"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["slug"], "trinkbrunnen-neu");
    handle.stop(true).await;
}

#[tokio::test]
async fn odcat_search_rebuild_indexes_every_dataset_and_reports_its_rate() {
    use crate::crash::odcat;
    let db = crate::helpers::TestDatabase::new().await;
    let status = odcat(&db, &["load-fixtures"])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let output = odcat(&db, &["search", "rebuild"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // "rebuilt the search index: N datasets in S s (R datasets/s), change_log position P"
    let line = stdout
        .lines()
        .find(|l| l.starts_with("rebuilt the search index: "))
        .unwrap_or_else(|| panic!("no report in {stdout}"));
    let datasets: u64 = line["rebuilt the search index: ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {line}"));
    assert!(
        line.contains("datasets/s") && line.contains("change_log position"),
        "{line}"
    );
    // A server on the same record and data folder finds every dataset of the record.
    let app = crate::helpers::spawn_app_with(|s| *s = db.settings()).await;
    let listed = app.get_json("/api/v1/datasets?per_page=1").await;
    let in_sql = app.count("dataset").await;
    assert!(datasets > 0);
    assert_eq!(datasets as i64, in_sql, "{line}");
    assert_eq!(listed["total"].as_u64(), Some(datasets), "{listed}");
    let found = app.get_json("/api/v1/datasets?q=Gebaeude").await;
    assert!(found["total"].as_u64().unwrap_or(0) > 0, "{found}");
}

#[tokio::test]
async fn the_list_serves_cached_documents_equal_to_each_datasets_own_and_follows_table_loads() {
    // Arrange
    let app = spawn_app().await;
    let token = app.editor().await;
    let list = "/api/v1/datasets?per_page=100";
    let first = app.get_json(list).await;
    let hits_before = app.get_json("/readyz").await["document_cache"]["hits"]
        .as_u64()
        .unwrap();
    // Act: the same page again comes from the document cache.
    let again = app.get_json(list).await;
    // Assert
    let readyz = app.get_json("/readyz").await;
    let items = first["items"].as_array().unwrap();
    assert!(items.len() >= 3, "{first}");
    assert_eq!(again, first, "a cached page equals the first one");
    assert_eq!(
        readyz["document_cache"]["hits"].as_u64().unwrap(),
        hits_before + items.len() as u64,
        "{readyz}"
    );
    for item in items {
        let slug = item["slug"].as_str().unwrap();
        let own = app.get_json(&format!("/api/v1/datasets/{slug}")).await;
        assert_eq!(item, &own, "the listed document of {slug} is its own");
    }
    // A hosted table's load changes its dataset's document: the next list shows the loaded table as
    // the dataset's own document does.
    let projects = "digitalisierungsprojekte-digital-2026";
    let (id, _) = app.hosted(projects).await;
    let loaded = app
        .put_csv(&token, projects, id, "Jahr,Anzahl\n2025,3\n2026,5\n")
        .await;
    assert_eq!(loaded.status().as_u16(), 200);
    let after = app.get_json(list).await;
    let listed = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["slug"] == projects)
        .cloned()
        .unwrap();
    let own = app.get_json(&format!("/api/v1/datasets/{projects}")).await;
    assert_eq!(listed, own);
    let before = items.iter().find(|d| d["slug"] == projects).unwrap();
    assert_ne!(&listed, before, "the table's load shows in the list");
}
