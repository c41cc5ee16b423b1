//! The DCAT-AP endpoints: formats and content negotiation, paging, `modified_since`, the crawl
//! guarantee, refusals, the projection's freshness and its equality with a fresh rebuild, and a
//! Turtle snapshot of one dataset.

use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use odcat::rdf::{Projector, RdfStore};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{NamedNodeRef, Quad, Term, Triple};
use serde_json::json;

use crate::helpers::{TestApp, assert_error, new_dataset, spawn_app, spawn_app_with};

const HYDRA: &str = "http://www.w3.org/ns/hydra/core#";
const DCAT_DATASET: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/dcat#Dataset");
const RDF_TYPE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/1999/02/22-rdf-syntax-ns#type");

const FORMATS: [(&str, &str); 5] = [
    ("ttl", "text/turtle"),
    ("rdf", "application/rdf+xml"),
    ("xml", "application/rdf+xml"),
    ("jsonld", "application/ld+json"),
    ("nt", "application/n-triples"),
];

fn parse(body: &[u8], media_type: &str) -> HashSet<Triple> {
    let format = RdfFormat::from_media_type(media_type).expect("known media type");
    RdfParser::from_format(format)
        .for_slice(body)
        .map(|q| Triple::from(q.expect("parses")))
        .collect()
}

async fn fetch(app: &TestApp, path: &str, accept: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(accept) = accept {
        request = request.header("Accept", accept);
    }
    request.send().await.expect("request")
}

async fn graph(app: &TestApp, path: &str) -> HashSet<Triple> {
    let response = fetch(app, path, None).await;
    assert_eq!(response.status().as_u16(), 200, "GET {path}");
    let media_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    parse(&response.bytes().await.unwrap(), &media_type)
}

fn objects(graph: &HashSet<Triple>, predicate: &str) -> Vec<String> {
    let mut found: Vec<String> = graph
        .iter()
        .filter(|t| t.predicate.as_str() == predicate)
        .map(|t| match &t.object {
            Term::NamedNode(n) => n.as_str().to_owned(),
            Term::Literal(l) => l.value().to_owned(),
            other => other.to_string(),
        })
        .collect();
    found.sort();
    found
}

fn datasets(graph: &HashSet<Triple>) -> BTreeSet<String> {
    graph
        .iter()
        .filter(|t| t.predicate == RDF_TYPE && t.object == Term::from(DCAT_DATASET.into_owned()))
        .map(|t| t.subject.to_string())
        .collect()
}

/// The graph without the paging description, whose IRIs name the URL that was asked for.
fn without_paging(graph: HashSet<Triple>) -> HashSet<Triple> {
    graph
        .into_iter()
        .filter(|t| {
            let subject = t.subject.to_string();
            !subject.contains("/catalog?") && !subject.contains("/catalog.")
        })
        .collect()
}

fn hydra(graph: &HashSet<Triple>, term: &str) -> Vec<String> {
    objects(graph, &format!("{HYDRA}{term}"))
}

#[tokio::test]
async fn every_format_of_the_catalogue_and_of_a_dataset_parses_to_the_same_graph() {
    let app = spawn_app().await;
    for base in [
        "/catalog".to_owned(),
        "/dataset/online-dienstleistungen-wuppertal".to_owned(),
    ] {
        let reference = without_paging(graph(&app, &format!("{base}.nt")).await);
        assert!(reference.len() > 50, "{base}: {} triples", reference.len());
        for (extension, media_type) in FORMATS {
            let path = format!("{base}.{extension}");
            let response = fetch(&app, &path, None).await;
            assert_eq!(response.status().as_u16(), 200, "{path}");
            assert_eq!(response.headers()["content-type"], media_type, "{path}");
            assert!(response.headers().contains_key("etag"), "{path}");
            let triples = without_paging(parse(&response.bytes().await.unwrap(), media_type));
            let differing = triples.symmetric_difference(&reference).count();
            assert_eq!(
                differing, 0,
                "{path} differs from N-Triples in {differing} triples"
            );
            // The same document by content negotiation.
            let negotiated = fetch(&app, &base, Some(media_type)).await;
            assert_eq!(negotiated.status().as_u16(), 200, "{base} as {media_type}");
            assert_eq!(negotiated.headers()["content-type"], media_type);
            assert!(
                negotiated.headers()["vary"]
                    .to_str()
                    .unwrap()
                    .to_ascii_lowercase()
                    .contains("accept"),
                "Vary names Accept"
            );
            let body = negotiated.bytes().await.unwrap();
            let triples = without_paging(parse(&body, media_type));
            assert_eq!(
                triples.symmetric_difference(&reference).count(),
                0,
                "{base} as {media_type}"
            );
        }
    }
    let catalogue = graph(&app, "/catalog.ttl").await;
    assert_eq!(datasets(&catalogue).len(), 11);
}

#[tokio::test]
async fn content_negotiation_weighs_q_values_and_refuses_what_it_cannot_serve() {
    let app = spawn_app().await;
    let cases = [
        (None, "text/turtle"),
        (Some("*/*"), "text/turtle"),
        (
            Some("text/turtle;q=0.4, application/ld+json;q=0.9"),
            "application/ld+json",
        ),
        (
            Some("text/html, application/rdf+xml;q=0.8, */*;q=0.1"),
            "application/rdf+xml",
        ),
        (
            Some("text/turtle;q=0, application/n-triples;q=0.5"),
            "application/n-triples",
        ),
    ];
    for path in ["/catalog", "/dataset/online-dienstleistungen-wuppertal"] {
        // The dataset's URL is also its portal page: a client that prefers HTML gets the page.
        let page = path.starts_with("/dataset/");
        for (accept, expected) in cases {
            let expected = match accept {
                Some(a) if page && a.starts_with("text/html") => "text/html; charset=utf-8",
                _ => expected,
            };
            let response = fetch(&app, path, accept).await;
            assert_eq!(response.status().as_u16(), 200, "{path} {accept:?}");
            assert_eq!(response.headers()["content-type"], expected, "{accept:?}");
        }
        let refused: &[&str] = if page {
            &["application/json", "text/turtle;q=0"]
        } else {
            &["text/html", "application/json", "text/turtle;q=0"]
        };
        for &accept in refused {
            let response = fetch(&app, path, Some(accept)).await;
            assert_eq!(response.headers()["vary"], "Accept");
            let message = assert_error(response, 406, "not_acceptable").await;
            assert!(message.contains("text/turtle"), "{message}");
        }
    }
    for path in [
        "/catalog.html",
        "/dataset/online-dienstleistungen-wuppertal.csv",
    ] {
        assert_error(fetch(&app, path, None).await, 404, "unknown_format").await;
    }
}

#[tokio::test]
async fn paging_links_are_absolute_complete_and_in_both_hydra_vocabularies() {
    let app = spawn_app_with(|s| s.catalog_page_size = 4).await;
    let page = |n: u64| format!("http://odcat.test/catalog.ttl?page={n}");
    let second = graph(&app, "/catalog.ttl?page=2").await;
    assert_eq!(datasets(&second).len(), 4);
    for (old, new, expected) in [
        ("firstPage", "first", page(1)),
        ("lastPage", "last", page(3)),
        ("nextPage", "next", page(3)),
        ("previousPage", "previous", page(1)),
    ] {
        assert_eq!(
            hydra(&second, old),
            std::slice::from_ref(&expected),
            "{old}"
        );
        assert_eq!(hydra(&second, new), [expected], "{new}");
    }
    assert_eq!(hydra(&second, "totalItems"), ["11"]);
    assert_eq!(hydra(&second, "itemsPerPage"), ["4"]);
    let types = objects(&second, RDF_TYPE.as_str());
    assert!(types.contains(&format!("{HYDRA}PagedCollection")));
    assert!(types.contains(&format!("{HYDRA}PartialCollectionView")));

    let last = graph(&app, "/catalog.ttl?page=3").await;
    assert_eq!(datasets(&last).len(), 3);
    assert!(hydra(&last, "nextPage").is_empty() && hydra(&last, "next").is_empty());
    let first = graph(&app, "/catalog.ttl").await;
    assert!(hydra(&first, "previousPage").is_empty());
    assert_eq!(hydra(&first, "nextPage"), [page(2)]);

    // A Host header never leaks into the links; the negotiated URL keeps its own form.
    let response = app
        .client
        .get(app.url("/catalog?page=2&modified_since=2000-01-01"))
        .header("Host", "evil.example")
        .send()
        .await
        .unwrap();
    let body = response.bytes().await.unwrap();
    let negotiated = parse(&body, "text/turtle");
    assert_eq!(
        hydra(&negotiated, "next"),
        ["http://odcat.test/catalog?page=3&modified_since=2000-01-01T00%3A00%3A00Z"]
    );
    assert!(!String::from_utf8_lossy(&body).contains("evil.example"));

    for (query, field) in [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("page=1.5", "page"),
        ("page=1&page=2", "page"),
        ("modified_since=yesterday", "modified_since"),
        ("modified_since=2026-02-30", "modified_since"),
        ("q=wasser", "q"),
    ] {
        let response = fetch(&app, &format!("/catalog.ttl?{query}"), None).await;
        assert_eq!(response.status().as_u16(), 400, "{query}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
}

#[tokio::test]
async fn a_crawl_with_an_edit_in_the_middle_collects_every_dataset_exactly_once() {
    let app = spawn_app_with(|s| s.catalog_page_size = 3).await;
    let token = app.editor().await;
    let mut seen: Vec<String> = Vec::new();
    let mut next = Some("http://odcat.test/catalog.ttl?page=1".to_owned());
    let mut pages = 0;
    while let Some(url) = next {
        let path = url.trim_start_matches("http://odcat.test");
        let page = graph(&app, path).await;
        seen.extend(datasets(&page));
        pages += 1;
        // The total is remembered between pages until the record changes.
        let total = if pages <= 2 { "11" } else { "12" };
        assert_eq!(hydra(&page, "totalItems"), [total], "page {pages}");
        if pages == 2 {
            // Edit a dataset the crawl has already passed and one it has not reached yet, and
            // publish a new one: nothing may be skipped or repeated.
            for slug in [
                "online-dienstleistungen-wuppertal",
                "digitalisierungsprojekte-digital-2026",
            ] {
                let response = app
                    .client
                    .patch(app.url(&format!("/api/v1/datasets/{slug}")))
                    .bearer_auth(&token)
                    .header("If-Match", app.dataset_with_etag(slug).await.1)
                    .header("Content-Type", "application/merge-patch+json")
                    .body(json!({"title": {"de": "Geändert während des Harvests"}}).to_string())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status().as_u16(), 200, "{slug}");
            }
            let created = app
                .post_dataset(&token, &new_dataset("neu-im-harvest"))
                .await;
            assert_eq!(created.status().as_u16(), 201);
            app.projected().await;
        }
        next = hydra(&page, "nextPage").into_iter().next();
        assert!(pages < 20, "the crawl does not end");
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(
        unique.len(),
        seen.len(),
        "a dataset was listed twice: {seen:?}"
    );
    assert_eq!(seen.len(), 12, "11 fixtures and the new dataset: {seen:?}");
}

#[tokio::test]
async fn modified_since_lists_only_datasets_changed_since() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let everything = graph(&app, "/catalog.ttl?modified_since=2000-01-01").await;
    assert_eq!(datasets(&everything).len(), 11);
    let future = graph(&app, "/catalog.ttl?modified_since=2999-01-01T00:00:00Z").await;
    assert!(datasets(&future).is_empty());
    assert_eq!(hydra(&future, "totalItems"), ["0"]);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let before: DateTime<Utc> = Utc::now();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let slug = "online-dienstleistungen-wuppertal";
    let (doc, etag) = app.dataset_with_etag(slug).await;
    let mut changed = doc.clone();
    changed["keywords"]["de"] = json!(["Dienstleistungen", "Harvest"]);
    let response = app
        .put_json(format!("/api/v1/datasets/{slug}"), &token, &etag, &changed)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    app.projected().await;
    let since = before.format("%Y-%m-%dT%H:%M:%S").to_string();
    let recent = graph(&app, &format!("/catalog.ttl?modified_since={since}")).await;
    let expected = format!(
        "<http://odcat.test/dataset/{}>",
        doc["id"].as_str().unwrap()
    );
    assert_eq!(datasets(&recent), BTreeSet::from([expected]));
    assert_eq!(hydra(&recent, "totalItems"), ["1"]);
}

#[tokio::test]
async fn a_write_is_in_the_rdf_within_a_second_and_drafts_and_withdrawn_datasets_are_not() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let response = app
        .post_dataset(&token, &new_dataset("baustellen-rdf"))
        .await;
    assert_eq!(response.status().as_u16(), 201);
    let id = response.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let written = Instant::now();
    loop {
        let response = fetch(&app, &format!("/dataset/{id}.ttl"), None).await;
        if response.status().as_u16() == 200
            && response
                .text()
                .await
                .unwrap()
                .contains("Baustellen in Wuppertal")
        {
            break;
        }
        assert!(
            written.elapsed() < Duration::from_secs(1),
            "the write was not in /dataset/{id}.ttl within a second"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        fetch(&app, "/dataset/baustellen-rdf.nt", None)
            .await
            .status()
            .as_u16(),
        200
    );
    // The projection (what SPARQL reads) has it within a second of the write too.
    let graph_name = app.projector.mapping().dataset_iri(id.parse().unwrap());
    while app
        .projector
        .store()
        .graph(graph_name.as_ref())
        .unwrap()
        .is_empty()
    {
        assert!(
            written.elapsed() < Duration::from_secs(1),
            "the write was not in the RDF store within a second"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // A draft is not exported, by id or slug, nor listed in the catalogue.
    let mut draft = new_dataset("entwurf-rdf");
    draft["status"] = json!("draft");
    let response = app.post_dataset(&token, &draft).await;
    assert_eq!(response.status().as_u16(), 201);
    let draft_id = response.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.projected().await;
    for path in [
        format!("/dataset/{draft_id}.ttl"),
        "/dataset/entwurf-rdf.ttl".into(),
    ] {
        assert_error(fetch(&app, &path, None).await, 404, "dataset_not_found").await;
    }
    let catalogue = graph(&app, "/catalog.nt").await;
    assert!(!datasets(&catalogue).iter().any(|d| d.contains(&draft_id)));
    assert!(datasets(&catalogue).iter().any(|d| d.contains(&id)));

    // Withdrawn: 410 and gone from the catalogue.
    let (_, etag) = app.dataset_with_etag("baustellen-rdf").await;
    let response = app
        .delete_with("/api/v1/datasets/baustellen-rdf", &token, &etag)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    app.projected().await;
    assert_error(
        fetch(&app, &format!("/dataset/{id}.ttl"), None).await,
        410,
        "dataset_withdrawn",
    )
    .await;
    let catalogue = graph(&app, "/catalog.nt").await;
    assert!(!datasets(&catalogue).iter().any(|d| d.contains(&id)));
    assert_error(
        fetch(&app, "/dataset/no-such-dataset.ttl", None).await,
        404,
        "dataset_not_found",
    )
    .await;
    assert_eq!(
        fetch(&app, "/dataset/baustellen-rdf.ttl?page=2", None)
            .await
            .status()
            .as_u16(),
        400
    );
}

#[tokio::test]
async fn rdf_documents_answer_304_for_a_current_etag_and_change_it_on_writes() {
    let app = spawn_app().await;
    let token = app.editor().await;
    for path in [
        "/catalog.ttl",
        "/dataset/online-dienstleistungen-wuppertal.ttl",
    ] {
        let first = fetch(&app, path, None).await;
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        assert!(first.headers().contains_key("last-modified"));
        let again = app
            .client
            .get(app.url(path))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status().as_u16(), 304, "{path}");
        let slug = "online-dienstleistungen-wuppertal";
        let (mut doc, current) = app.dataset_with_etag(slug).await;
        // The tag is a digest of the body: a write that changes what the document says.
        doc["keywords"]["de"] = json!(["Dienstleistungen", path]);
        let response = app
            .put_json(format!("/api/v1/datasets/{slug}"), &token, &current, &doc)
            .await;
        assert_eq!(response.status().as_u16(), 200);
        app.projected().await;
        let after = app
            .client
            .get(app.url(path))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(after.status().as_u16(), 200, "{path} after a write");
    }
}

#[tokio::test]
async fn publishing_requires_the_mandatory_properties_and_drafts_may_be_incomplete() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let mut draft = new_dataset("unvollstaendig");
    draft["status"] = json!("draft");
    draft["description"] = json!({"de": ""});
    draft.as_object_mut().unwrap().remove("license");
    draft["distributions"][1]
        .as_object_mut()
        .unwrap()
        .remove("access_url");
    let response = app.post_dataset(&token, &draft).await;
    assert_eq!(
        response.status().as_u16(),
        201,
        "an incomplete draft is stored"
    );

    let changelog = app.count("change_log").await;
    let read = || async {
        let response = app
            .client
            .get(app.url("/api/v1/datasets/unvollstaendig"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let etag = response.headers()["etag"].to_str().unwrap().to_owned();
        (response.json::<serde_json::Value>().await.unwrap(), etag)
    };
    let (_, etag) = read().await;
    let response = app
        .client
        .patch(app.url("/api/v1/datasets/unvollstaendig"))
        .bearer_auth(&token)
        .header("If-Match", &etag)
        .header("Content-Type", "application/merge-patch+json")
        .body(json!({"status": "published"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "incomplete_for_publication");
    assert_eq!(
        body["error"]["missing"],
        json!(["description.de", "license", "distributions[1].access_url"])
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("license")
    );
    assert_eq!(
        app.count("change_log").await,
        changelog,
        "nothing was written"
    );
    let (doc, _) = read().await;
    assert_eq!(doc["status"], "draft");

    let mut published = draft.clone();
    published["slug"] = json!("direkt-veroeffentlicht");
    published["status"] = json!("published");
    let response = app.post_dataset(&token, &published).await;
    assert_error(response, 422, "incomplete_for_publication").await;
}

fn catalogue_quads(store: &RdfStore) -> BTreeSet<String> {
    store
        .catalogue_quads()
        .map(|q: Result<Quad, _>| q.unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_incrementally_projected_store_equals_a_fresh_rebuild() {
    let app = spawn_app().await;
    let token = app.editor().await;
    for slug in ["eins", "zwei", "drei"] {
        let response = app.post_dataset(&token, &new_dataset(slug)).await;
        assert_eq!(response.status().as_u16(), 201);
    }
    let (mut doc, etag) = app.dataset_with_etag("zwei").await;
    doc["distributions"].as_array_mut().unwrap().remove(0);
    doc["title"]["en"] = json!("Two");
    let response = app
        .put_json("/api/v1/datasets/zwei", &token, &etag, &doc)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let (_, etag) = app.dataset_with_etag("drei").await;
    let response = app
        .delete_with("/api/v1/datasets/drei", &token, &etag)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    app.projected().await;

    let incremental = catalogue_quads(app.projector.store());
    let fresh = Projector::new(
        app.catalog.db().clone(),
        RdfStore::in_memory().unwrap(),
        app.projector.mapping().clone(),
    );
    let report = fresh.rebuild().await.unwrap();
    assert_eq!(report.datasets, 13);
    let rebuilt = catalogue_quads(fresh.store());
    let only_incremental: Vec<_> = incremental.difference(&rebuilt).collect();
    let only_rebuilt: Vec<_> = rebuilt.difference(&incremental).collect();
    assert!(
        only_incremental.is_empty() && only_rebuilt.is_empty(),
        "only incremental: {only_incremental:#?}\nonly rebuilt: {only_rebuilt:#?}"
    );
    assert!(incremental.iter().any(|q| q.contains("Two")));
    assert!(!incremental.iter().any(|q| q.contains("/drei")));
}

/// Replaces ids and the timestamps written during the test run, which differ on every run, and sorts
/// the statements (one subject each), whose order follows the ids.
fn normalise(turtle: &str, started: DateTime<Utc>) -> String {
    let replaced = replace_volatile(turtle, started);
    let mut blocks: Vec<String> = Vec::new();
    for line in replaced.lines() {
        match blocks.last_mut() {
            Some(block) if line.starts_with('\t') => {
                block.push('\n');
                block.push_str(line);
            }
            _ => blocks.push(line.to_owned()),
        }
    }
    blocks.sort();
    blocks.join("\n") + "\n"
}

fn replace_volatile(turtle: &str, started: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(turtle.len());
    let mut rest = turtle;
    while let Some(c) = rest.chars().next() {
        let uuid = rest
            .get(..36)
            .filter(|s| uuid::Uuid::parse_str(s).is_ok() && s.contains('-'));
        let stamp = rest.get(..22).filter(|s| {
            s.starts_with('"')
                && s.ends_with('"')
                && DateTime::parse_from_rfc3339(&s[1..21])
                    .is_ok_and(|t| t.with_timezone(&Utc) >= started - chrono::Duration::minutes(5))
        });
        if uuid.is_some() {
            out.push_str("{uuid}");
            rest = &rest[36..];
        } else if stamp.is_some() {
            out.push_str("\"{now}\"");
            rest = &rest[22..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

#[tokio::test]
async fn snapshot_of_one_dataset_in_turtle() {
    let started = Utc::now();
    let app = spawn_app().await;
    let response = fetch(&app, "/dataset/online-dienstleistungen-wuppertal.ttl", None).await;
    assert_eq!(response.status().as_u16(), 200);
    let actual = normalise(&response.text().await.unwrap(), started);
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/api/snapshots/online-dienstleistungen.ttl"
    );
    if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
        std::fs::create_dir_all(std::path::Path::new(path).parent().unwrap()).unwrap();
        std::fs::write(path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(path)
        .expect("snapshot exists; run with UPDATE_SNAPSHOTS=1 to write it");
    assert_eq!(
        actual, expected,
        "the Turtle of the dataset changed; review and run with UPDATE_SNAPSHOTS=1"
    );
}

/// Every format of `path` parses, and all give the same triples.
async fn every_format(app: &TestApp, path: &str) -> HashSet<Triple> {
    let reference = without_paging(graph(app, &format!("{path}.nt")).await);
    for (extension, media_type) in FORMATS {
        let response = fetch(app, &format!("{path}.{extension}"), None).await;
        assert_eq!(response.status().as_u16(), 200, "{path}.{extension}");
        let triples = without_paging(parse(&response.bytes().await.unwrap(), media_type));
        assert_eq!(
            triples.symmetric_difference(&reference).count(),
            0,
            "{path}.{extension}"
        );
    }
    reference
}

#[tokio::test]
async fn every_text_that_is_accepted_survives_every_rdf_format() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let mut doc = new_dataset("sonderzeichen");
    let title =
        "Zeile 1\r\nZeile 2\rZeile 3\t<b>&amp;</b> \"Zitat\" 'x' ]]> \\ ä ß € 𝄞 \u{200b} \u{fffd}";
    doc["title"]["de"] = json!(title);
    doc["description"]["de"] = json!(
        "# Überschrift\n\n* Punkt mit [Link](https://example.org/?a=1&b=2)\n\n```\ncode <x>\n```"
    );
    doc["keywords"]["de"] = json!(["<script>", "a&b", "\"q\""]);
    doc["distributions"][0]["access_url"] =
        json!("https://www.wuppertal.de/daten%20liste.csv?x=%22a%22&y=ü");
    let response = app.post_dataset(&token, &doc).await;
    assert_eq!(response.status().as_u16(), 201);
    let stored: serde_json::Value = response.json().await.unwrap();
    let normalised = title.replace("\r\n", "\n").replace('\r', "\n");
    assert_eq!(stored["title"]["de"], normalised.as_str(), "CR becomes LF");
    app.projected().await;
    let triples = every_format(&app, "/dataset/sonderzeichen").await;
    assert!(objects(&triples, "http://purl.org/dc/terms/title").contains(&normalised));
    assert!(
        objects(&triples, "http://www.w3.org/ns/dcat#accessURL")
            .contains(&"https://www.wuppertal.de/daten%20liste.csv?x=%22a%22&y=ü".to_owned()),
        "nothing accepted is dropped"
    );
    // The whole catalogue, in RDF/XML above all, still parses with this dataset on its page.
    let catalogue = every_format(&app, "/catalog").await;
    assert!(objects(&catalogue, "http://purl.org/dc/terms/title").contains(&normalised));
}

#[tokio::test]
async fn availability_status_and_the_sparql_service_are_described_for_strict_validators() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let stable = "http://publications.europa.eu/resource/authority/planned-availability/STABLE";
    let mut doc = new_dataset("verfuegbar");
    doc["availability"] = json!(stable);
    doc["distributions"][0]["availability"] =
        json!("http://publications.europa.eu/resource/authority/planned-availability/TEMPORARY");
    doc["spatial"] = json!("https://sws.geonames.org/2805753/");
    doc["distributions"][0]["checksum"] = json!({"algorithm": "SHA-512", "value": "ab".repeat(64)});
    doc["distributions"][1]["checksum"] = json!({"algorithm": "md5", "value": "cd".repeat(16)});
    let response = app.post_dataset(&token, &doc).await;
    assert_eq!(response.status().as_u16(), 201);
    let stored: serde_json::Value = response.json().await.unwrap();
    assert_eq!(stored["availability"], stable);
    assert_eq!(
        stored["distributions"][0]["checksum"]["algorithm"],
        "sha512"
    );
    app.projected().await;
    let triples = graph(&app, "/dataset/verfuegbar.ttl").await;
    let availability = objects(&triples, "http://data.europa.eu/r5r/availability");
    assert_eq!(availability.len(), 2, "{availability:?}");
    assert!(availability.contains(&stable.to_owned()));
    let has_type = |node: &str, class: &str| {
        triples.iter().any(|t| {
            t.subject.to_string() == format!("<{node}>")
                && t.predicate == RDF_TYPE
                && t.object.to_string() == format!("<{class}>")
        })
    };
    let concept = "http://www.w3.org/2004/02/skos/core#Concept";
    for node in availability.iter().chain(
        objects(&triples, "http://www.w3.org/ns/adms#status")
            .iter()
            .take(1),
    ) {
        assert!(has_type(node, concept), "{node} is a skos:Concept");
    }
    assert!(
        objects(&triples, "http://purl.org/dc/terms/spatial")
            .contains(&"https://sws.geonames.org/2805753/".to_owned())
    );
    let algorithms = objects(&triples, "http://spdx.org/rdf/terms#algorithm");
    assert_eq!(
        algorithms,
        [
            "https://spdx.org/rdf/terms#checksumAlgorithm_md5",
            "https://spdx.org/rdf/terms#checksumAlgorithm_sha512"
        ]
    );
    // The catalogue serves its SPARQL endpoint as a dcat:DataService.
    let catalogue = graph(&app, "/catalog.ttl").await;
    let sparql = ["http://odcat.test/sparql".to_owned()];
    assert_eq!(
        objects(&catalogue, "http://www.w3.org/ns/dcat#service"),
        sparql
    );
    assert_eq!(
        objects(&catalogue, "http://www.w3.org/ns/dcat#endpointURL"),
        sparql
    );
    let served = objects(&catalogue, "http://www.w3.org/ns/dcat#servesDataset");
    assert_eq!(served.len(), datasets(&catalogue).len());
}

/// The `void:entities` count the catalogue page states for a hosted table's graph of rows.
async fn catalogue_row_count(app: &TestApp, distribution: uuid::Uuid) -> Option<String> {
    let page = app.get("/catalog.nt").await.text().await.unwrap();
    let subject = format!("<http://odcat.test/distribution/{distribution}/data>");
    page.lines()
        .find(|l| l.starts_with(&subject) && l.contains("http://rdfs.org/ns/void#entities"))
        .and_then(|l| l.split('"').nth(1))
        .map(str::to_owned)
}

#[tokio::test]
async fn catalogue_pages_from_the_cache_follow_hosted_table_loads() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let (id, _) = app.hosted("digitalisierungsprojekte-digital-2026").await;
    // Twice: the second page is served from the page cache.
    let before = catalogue_row_count(&app, id).await;
    assert_eq!(catalogue_row_count(&app, id).await, before);
    let response = app
        .put_csv(
            &token,
            "digitalisierungsprojekte-digital-2026",
            id,
            "a,b\n1,2\n3,4\n5,6\n",
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(catalogue_row_count(&app, id).await.as_deref(), Some("3"));
    let ready = app.get_json("/readyz").await;
    assert!(
        ready["catalog_page_cache"]["hits"].as_u64().unwrap() > 0,
        "{ready}"
    );
}
