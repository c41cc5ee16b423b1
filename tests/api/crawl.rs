//! A harvester's crawl of the DCAT-AP catalogue: exact while the catalogue changes (pages over stable
//! positions), withdrawals visible in `modified_since` listings, and validators that never lie.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::Duration;

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{Term, Triple};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDatabase, new_dataset, spawn_app, spawn_app_with};

const BASE: &str = "http://odcat.test";
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const DCAT_DATASET: &str = "http://www.w3.org/ns/dcat#Dataset";
const DCAT_DATASET_PROP: &str = "http://www.w3.org/ns/dcat#dataset";
const ADMS_STATUS: &str = "http://www.w3.org/ns/adms#status";
const FOAF_PRIMARY_TOPIC: &str = "http://xmlns.com/foaf/0.1/primaryTopic";
const DCT_MODIFIED: &str = "http://purl.org/dc/terms/modified";
const WITHDRAWN: &str = "http://publications.europa.eu/resource/authority/dataset-status/WITHDRAWN";
const HYDRA: &str = "http://www.w3.org/ns/hydra/core#";

fn parse_nt(body: &[u8]) -> HashSet<Triple> {
    RdfParser::from_format(RdfFormat::NTriples)
        .for_slice(body)
        .map(|q| Triple::from(q.expect("parses")))
        .collect()
}

async fn page(app: &TestApp, path: &str) -> HashSet<Triple> {
    let response = app.get(path).await;
    assert_eq!(response.status().as_u16(), 200, "GET {path}");
    parse_nt(&response.bytes().await.unwrap())
}

fn term(t: &Term) -> String {
    match t {
        Term::NamedNode(n) => n.as_str().to_owned(),
        Term::Literal(l) => l.value().to_owned(),
        other => other.to_string(),
    }
}

fn objects(graph: &HashSet<Triple>, subject: Option<&str>, predicate: &str) -> Vec<String> {
    let mut found: Vec<String> = graph
        .iter()
        .filter(|t| t.predicate.as_str() == predicate)
        .filter(|t| subject.is_none_or(|s| t.subject.to_string() == format!("<{s}>")))
        .map(|t| term(&t.object))
        .collect();
    found.sort();
    found
}

/// The IRIs of the `dcat:Dataset`s a page lists (withdrawn records excluded).
fn listed(graph: &HashSet<Triple>) -> BTreeSet<String> {
    graph
        .iter()
        .filter(|t| t.predicate.as_str() == DCAT_DATASET_PROP)
        .map(|t| term(&t.object))
        .collect()
}

/// The datasets a page reports as withdrawn (their records' `adms:status`).
fn withdrawn(graph: &HashSet<Triple>) -> BTreeSet<String> {
    graph
        .iter()
        .filter(|t| t.predicate.as_str() == ADMS_STATUS && term(&t.object) == WITHDRAWN)
        .flat_map(|t| {
            let record = t.subject.to_string();
            let record = record.trim_matches(['<', '>']).to_owned();
            objects(graph, Some(&record), FOAF_PRIMARY_TOPIC)
        })
        .collect()
}

fn hydra(graph: &HashSet<Triple>, term: &str) -> Vec<String> {
    objects(graph, None, &format!("{HYDRA}{term}"))
}

fn last_page(graph: &HashSet<Triple>) -> u64 {
    let last = hydra(graph, "lastPage");
    let url = last.first().expect("a last page");
    let (_, query) = url.split_once("page=").expect("page parameter");
    query.split('&').next().unwrap().parse().unwrap()
}

/// Creates `n` published datasets `{prefix}-{i}`; returns their IRIs by slug.
async fn create(app: &TestApp, token: &str, prefix: &str, n: usize) -> BTreeMap<String, String> {
    let mut made = BTreeMap::new();
    for i in 0..n {
        let slug = format!("{prefix}-{i:02}");
        let mut doc = new_dataset(&slug);
        doc["publisher"] = json!("stadt-wuppertal-402");
        let response = app.post_dataset(token, &doc).await;
        assert_eq!(response.status().as_u16(), 201, "create {slug}");
        let doc: Value = response.json().await.unwrap();
        made.insert(
            slug,
            format!("{BASE}/dataset/{}", doc["id"].as_str().unwrap()),
        );
    }
    made
}

async fn iri_of(app: &TestApp, slug: &str) -> String {
    let doc = app.get_json(&format!("/api/v1/datasets/{slug}")).await;
    format!("{BASE}/dataset/{}", doc["id"].as_str().unwrap())
}

async fn slug_of(app: &TestApp, iri: &str) -> String {
    let id = iri.rsplit('/').next().unwrap();
    app.get_json(&format!("/api/v1/datasets/{id}")).await["slug"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn etag_of(app: &TestApp, token: &str, slug: &str) -> String {
    let response = app
        .client
        .get(app.url(&format!("/api/v1/datasets/{slug}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "GET {slug}");
    response.headers()["etag"].to_str().unwrap().to_owned()
}

async fn admin(app: &TestApp) -> String {
    app.token(None, odcat::catalog::values::Role::Admin).await
}

async fn patch(app: &TestApp, token: &str, slug: &str, body: Value) {
    let etag = etag_of(app, token, slug).await;
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/datasets/{slug}")))
        .bearer_auth(token)
        .header("If-Match", etag)
        .header("Content-Type", "application/merge-patch+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "patch {slug}");
}

async fn withdraw(app: &TestApp, token: &str, slug: &str) {
    let etag = etag_of(app, token, slug).await;
    let response = app
        .delete_with(format!("/api/v1/datasets/{slug}"), token, &etag)
        .await;
    assert_eq!(response.status().as_u16(), 200, "withdraw {slug}");
}

/// Every published dataset's IRI, read from the JSON API.
async fn published(app: &TestApp) -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    for n in 1.. {
        let list = app
            .get_json(&format!("/api/v1/datasets?per_page=100&page={n}"))
            .await;
        let items = list["items"].as_array().unwrap();
        if items.is_empty() {
            break;
        }
        for item in items {
            all.insert(format!("{BASE}/dataset/{}", item["id"].as_str().unwrap()));
        }
    }
    all
}

#[tokio::test]
async fn a_paged_crawl_with_writes_between_pages_returns_every_steady_dataset_exactly_once() {
    let app = spawn_app_with(|s| s.catalog_page_size = 7).await;
    let token = admin(&app).await;
    create(&app, &token, "crawl", 24).await;
    // One withdrawn before the crawl, published again during it.
    withdraw(&app, &token, "crawl-03").await;
    let at_start = published(&app).await;
    assert_eq!(at_start.len(), 34);

    let mut seen: Vec<String> = Vec::new();
    let mut pages: Vec<BTreeSet<String>> = Vec::new();
    let mut touched: BTreeSet<String> = BTreeSet::new();
    let mut n = 1;
    let mut last = 1;
    let mut first_of_page_4 = None;
    while n <= last {
        let graph = page(&app, &format!("/catalog.nt?page={n}")).await;
        let items = listed(&graph);
        seen.extend(items.iter().cloned());
        pages.push(items.clone());
        last = last_page(&graph);
        if n == 3 {
            // What page 4 starts with before the withdrawal.
            let before = page(&app, "/catalog.nt?page=4").await;
            first_of_page_4 = listed(&before).into_iter().next();
        }
        // Writes between every page.
        match n {
            1 => {
                create(&app, &token, "new-a", 1).await;
                let later = pages[0].iter().next().unwrap().clone();
                let unseen = slug_of(&app, &later).await;
                patch(&app, &token, &unseen, json!({"title": {"de": "Geändert"}})).await;
            }
            2 => patch(&app, &token, "crawl-03", json!({"status": "published"})).await,
            3 => {
                // The case: withdraw a dataset from page 1, then fetch page 4.
                let gone = pages[0].iter().nth(1).unwrap().clone();
                touched.insert(gone.clone());
                let slug = slug_of(&app, &gone).await;
                withdraw(&app, &token, &slug).await;
            }
            4 => {
                let seen_one = pages[0].iter().nth(2).unwrap().clone();
                let slug = slug_of(&app, &seen_one).await;
                patch(&app, &token, &slug, json!({"title": {"de": "Nochmals"}})).await;
                create(&app, &token, "new-b", 1).await;
                // A dataset the crawl has not reached yet leaves.
                let ahead = iri_of(&app, "crawl-22").await;
                touched.insert(ahead);
                withdraw(&app, &token, "crawl-22").await;
            }
            _ => {}
        }
        n += 1;
        assert!(n < 30, "the crawl does not end");
    }
    let steady: BTreeSet<String> = at_start.difference(&touched).cloned().collect();
    for iri in &steady {
        let times = seen.iter().filter(|s| *s == iri).count();
        assert_eq!(
            times, 1,
            "{iri} stayed published and was listed {times} times"
        );
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a dataset was listed twice");
    let first = first_of_page_4.expect("page 4 had datasets");
    assert!(seen.contains(&first), "the first of page 4 was skipped");
}

#[tokio::test]
async fn a_modified_since_crawl_never_skips_a_dataset_and_reports_withdrawals() {
    let app = spawn_app_with(|s| s.catalog_page_size = 7).await;
    let token = admin(&app).await;
    create(&app, &token, "crawl", 20).await;
    let at_start = published(&app).await;
    let mut seen: Vec<String> = Vec::new();
    let mut gone: BTreeSet<String> = BTreeSet::new();
    let mut modified: BTreeSet<String> = BTreeSet::new();
    let mut withdrawn_during: BTreeSet<String> = BTreeSet::new();
    let mut n = 1;
    let mut last = 1;
    while n <= last {
        let graph = page(
            &app,
            &format!("/catalog.nt?page={n}&modified_since=2000-01-01"),
        )
        .await;
        seen.extend(listed(&graph));
        gone.extend(withdrawn(&graph));
        last = last_page(&graph);
        match n {
            1 => {
                // Withdraw one the crawl has seen: a later page reports it.
                let first = seen[0].clone();
                withdrawn_during.insert(first.clone());
                withdraw(&app, &token, &slug_of(&app, &first).await).await;
            }
            2 => {
                // Change one the crawl has not reached: it moves to the end and is seen there.
                let ahead = iri_of(&app, "crawl-15").await;
                modified.insert(ahead);
                patch(
                    &app,
                    &token,
                    "crawl-15",
                    json!({"title": {"de": "Geändert"}}),
                )
                .await;
                create(&app, &token, "new-a", 1).await;
            }
            3 => {
                let ahead = iri_of(&app, "crawl-18").await;
                withdrawn_during.insert(ahead);
                withdraw(&app, &token, "crawl-18").await;
            }
            _ => {}
        }
        n += 1;
        assert!(n < 60, "the crawl does not end");
    }
    for iri in at_start.difference(&withdrawn_during) {
        let times = seen.iter().filter(|s| *s == iri).count();
        if modified.contains(iri) {
            assert!(
                times >= 1,
                "{iri} was modified during the crawl and never listed"
            );
        } else {
            assert_eq!(
                times, 1,
                "{iri} stayed unchanged and was listed {times} times"
            );
        }
    }
    assert_eq!(gone, withdrawn_during, "every withdrawal is reported");
}

#[tokio::test]
async fn modified_since_lists_a_withdrawal_as_a_withdrawn_catalog_record() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let iri = iri_of(&app, "online-dienstleistungen-wuppertal").await;
    withdraw(&app, &token, "online-dienstleistungen-wuppertal").await;
    // A draft withdrawn before it was ever published is no one's business.
    let mut draft = new_dataset("nie-veroeffentlicht");
    draft["status"] = json!("draft");
    draft["publisher"] = json!("stadt-wuppertal-402");
    assert_eq!(
        app.post_dataset(&token, &draft).await.status().as_u16(),
        201
    );
    let draft_iri = iri_of_with(&app, &token, "nie-veroeffentlicht").await;
    withdraw(&app, &token, "nie-veroeffentlicht").await;

    let graph = page(&app, "/catalog.nt?modified_since=2000-01-01").await;
    let record = format!("{iri}#record");
    assert_eq!(objects(&graph, Some(&record), ADMS_STATUS), [WITHDRAWN]);
    assert_eq!(
        objects(&graph, Some(&record), FOAF_PRIMARY_TOPIC),
        std::slice::from_ref(&iri)
    );
    assert_eq!(objects(&graph, Some(&record), DCT_MODIFIED).len(), 1);
    assert_eq!(
        objects(&graph, Some(WITHDRAWN), RDF_TYPE),
        ["http://www.w3.org/2004/02/skos/core#Concept"]
    );
    assert!(
        !listed(&graph).contains(&iri),
        "not in the catalogue any more"
    );
    assert!(objects(&graph, Some(&iri), RDF_TYPE).contains(&DCAT_DATASET.to_owned()));
    assert!(!graph.iter().any(|t| t.to_string().contains(&draft_iri)));
    // The full listing has no withdrawn datasets.
    let all = page(&app, "/catalog.nt").await;
    assert!(withdrawn(&all).is_empty());
    assert!(!listed(&all).contains(&iri));
}

async fn iri_of_with(app: &TestApp, token: &str, slug: &str) -> String {
    let doc: Value = app
        .client
        .get(app.url(&format!("/api/v1/datasets/{slug}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    format!("{BASE}/dataset/{}", doc["id"].as_str().unwrap())
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The real binary on `db`, with the contributor ID set or not: restarting it on the same data
/// directory also restarts (with feature `rocksdb`) the on-disk RDF store from its recorded position.
async fn start(db: &TestDatabase, contributor: Option<&str>) -> (String, std::process::Child) {
    let env: Vec<(&str, &str)> = contributor
        .map(|c| ("ODCAT_CONTRIBUTOR_ID", c))
        .into_iter()
        .collect();
    let (child, address) = crate::crash::serve_with(db, &env).await;
    (address, child)
}

#[tokio::test]
async fn validators_change_when_a_setting_changes_the_body() {
    let db = TestDatabase::new().await;
    let client = crate::helpers::test_client();
    let (address, mut server) = start(&db, None).await;
    let mut cached = Vec::new();
    for path in [
        "/catalog.ttl",
        "/dataset/online-dienstleistungen-wuppertal.ttl",
    ] {
        let response = client.get(format!("{address}{path}")).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        cached.push((
            path,
            header(&response, "etag"),
            header(&response, "last-modified"),
        ));
    }
    let stopped = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    server.wait().unwrap();
    // Last-Modified has whole seconds.
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let (address, mut server) =
        start(&db, Some("http://dcat-ap.de/def/contributors/openNRW")).await;
    for (path, etag, last_modified) in cached {
        let url = format!("{address}{path}");
        let response = client
            .get(&url)
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            200,
            "{path}: If-None-Match of the old body"
        );
        assert!(response.text().await.unwrap().contains("openNRW"));
        let response = client
            .get(&url)
            .header("If-Modified-Since", &last_modified)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            200,
            "{path}: If-Modified-Since of the old body"
        );
    }
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test]
async fn a_withdrawal_moves_the_last_modified_of_the_catalogue_page() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let before = app.get("/catalog.ttl").await;
    let last_modified = header(&before, "last-modified");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // The least recently changed dataset: its withdrawal changes nothing else on the page.
    let list = app
        .get_json("/api/v1/datasets?sort=modified&per_page=1")
        .await;
    let oldest = list["items"][0]["slug"].as_str().unwrap().to_owned();
    withdraw(&app, &token, &oldest).await;
    let after = app
        .client
        .get(app.url("/catalog.ttl"))
        .header("If-Modified-Since", &last_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status().as_u16(), 200);
    assert_ne!(header(&after, "last-modified"), last_modified);
}

#[tokio::test]
async fn compressed_and_identity_answers_have_their_own_etags_and_vary() {
    let app = spawn_app().await;
    for path in [
        "/catalog.ttl",
        "/api/v1/datasets/online-dienstleistungen-wuppertal",
    ] {
        let plain = app.get(path).await;
        let gzip = app
            .client
            .get(app.url(path))
            .header("Accept-Encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(header(&gzip, "content-encoding"), "gzip", "{path}");
        let (plain_tag, gzip_tag) = (header(&plain, "etag"), header(&gzip, "etag"));
        assert_ne!(plain_tag, gzip_tag, "{path}: one strong tag for two bodies");
        for response in [&plain, &gzip] {
            assert!(
                header(response, "vary")
                    .to_lowercase()
                    .contains("accept-encoding"),
                "{path}: {:?}",
                response.headers()
            );
        }
        // Each tag revalidates its own representation.
        let again = app
            .client
            .get(app.url(path))
            .header("Accept-Encoding", "gzip")
            .header("If-None-Match", &gzip_tag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status().as_u16(), 304, "{path}");
        assert_eq!(header(&again, "etag"), gzip_tag);
        let again = app
            .client
            .get(app.url(path))
            .header("If-None-Match", &plain_tag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status().as_u16(), 304, "{path}");
        assert_eq!(header(&again, "etag"), plain_tag);
    }
}

fn catalogue_modified(graph: &HashSet<Triple>) -> chrono::DateTime<chrono::FixedOffset> {
    let value = objects(graph, Some(&format!("{BASE}/catalog")), DCT_MODIFIED);
    chrono::DateTime::parse_from_rfc3339(&value[0]).unwrap()
}

#[tokio::test]
async fn the_catalogue_modified_date_is_the_last_change_of_its_contents() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let before = catalogue_modified(&page(&app, "/catalog.nt").await);
    // The catalogue states whole seconds.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    patch(
        &app,
        &token,
        "online-dienstleistungen-wuppertal",
        json!({"title": {"de": "Neu"}}),
    )
    .await;
    let changed = app
        .get_json("/api/v1/datasets/online-dienstleistungen-wuppertal")
        .await["modified"]
        .as_str()
        .map(|m| chrono::DateTime::parse_from_rfc3339(m).unwrap())
        .unwrap();
    let after = catalogue_modified(&page(&app, "/catalog.nt").await);
    assert!(after > before, "{after} after {before}");
    assert!(
        after.timestamp() >= changed.timestamp(),
        "{after} is not the change at {changed}"
    );
    // The projection (SPARQL) says the same.
    app.projected().await;
    let quads = app.projector.store().inner().quads_for_pattern(
        Some(oxigraph::model::NamedNodeRef::new_unchecked(&format!("{BASE}/catalog")).into()),
        Some(oxigraph::model::NamedNodeRef::new_unchecked(DCT_MODIFIED)),
        None,
        None,
    );
    let projected: Vec<String> = quads.map(|q| term(&q.unwrap().object)).collect();
    assert_eq!(projected.len(), 1);
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(&projected[0]).unwrap(),
        after
    );
}

#[tokio::test]
async fn accept_application_star_gets_a_format_served_as_an_application_type() {
    let app = spawn_app().await;
    for path in ["/catalog", "/dataset/online-dienstleistungen-wuppertal"] {
        let response = app
            .client
            .get(app.url(path))
            .header("Accept", "application/*")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert!(
            header(&response, "content-type").starts_with("application/rdf+xml"),
            "{path}: {}",
            header(&response, "content-type")
        );
    }
}
