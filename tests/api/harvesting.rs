//! Harvesting as an admin runs it: sources over the API, jobs in the server, reports; against a
//! second odcat's DCAT-AP catalogue (Turtle and RDF/XML at page size 7) and CKAN API, real-world
//! DCAT-AP files served over HTTP, and hostile sources. No network: every source is on loopback
//! (marked `allow_private` by the admin, as a source inside a city's network would be).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use odcat::catalog::values::Role;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{TestApp, assert_error, new_dataset, spawn_app, spawn_app_with};

/// What a scripted source answers for a path.
#[derive(Clone)]
pub enum Answer {
    /// Status, content type, body.
    Body(u16, &'static str, Vec<u8>),
    /// Never answers.
    Stall,
    /// Announces `Content-Length: 2 GiB` and streams zeros until the client gives up.
    Huge,
    /// A redirect.
    Redirect(String),
}

/// A scripted HTTP source on loopback: answers by path (with the query), changeable while it runs.
#[derive(Clone)]
pub struct Source {
    pub base: String,
    routes: Arc<Mutex<HashMap<String, Answer>>>,
}

impl Source {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let routes: Arc<Mutex<HashMap<String, Answer>>> = Arc::default();
        let table = routes.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let table = table.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 16384];
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    let request = String::from_utf8_lossy(&buf[..n]).to_string();
                    let method = request
                        .split_whitespace()
                        .next()
                        .unwrap_or("GET")
                        .to_owned();
                    let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    // A route for one method (`HEAD /x`) wins over the route for every method.
                    let answer = {
                        let routes = table.lock().unwrap();
                        routes
                            .get(&format!("{method} {path}"))
                            .or_else(|| routes.get(&path))
                            .cloned()
                    };
                    let answer =
                        answer.unwrap_or(Answer::Body(404, "text/plain", b"not found".to_vec()));
                    match answer {
                        Answer::Body(status, content_type, body) => {
                            let head = format!(
                                "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                                body.len()
                            );
                            let _ = socket.write_all(head.as_bytes()).await;
                            let _ = socket.write_all(&body).await;
                        }
                        Answer::Redirect(to) => {
                            let head = format!(
                                "HTTP/1.1 302 Found\r\nlocation: {to}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                            );
                            let _ = socket.write_all(head.as_bytes()).await;
                        }
                        Answer::Stall => tokio::time::sleep(Duration::from_secs(60)).await,
                        Answer::Huge => {
                            let head = "HTTP/1.1 200 OK\r\ncontent-type: text/turtle\r\nconnection: close\r\n\r\n";
                            let _ = socket.write_all(head.as_bytes()).await;
                            let chunk = vec![b'#'; 1 << 16];
                            for _ in 0..(2u64 << 30) / (1 << 16) {
                                if socket.write_all(&chunk).await.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    let _ = socket.shutdown().await;
                });
            }
        });
        Self { base, routes }
    }

    pub fn set(&self, path: &str, answer: Answer) {
        self.routes.lock().unwrap().insert(path.to_owned(), answer);
    }

    pub fn turtle(&self, path: &str, body: &str) {
        self.set(
            path,
            Answer::Body(200, "text/turtle", body.as_bytes().to_vec()),
        );
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// The settings of a harvesting server in these tests: short timeouts, one retry.
pub async fn harvester() -> TestApp {
    spawn_app_with(|s| {
        s.harvest_timeout = 2;
        s.harvest_retries = 1;
        s.harvest_max_page_mb = 8;
    })
    .await
}

/// Adds a source (admin), answers its id.
pub async fn add_source(app: &TestApp, admin: &str, body: Value) -> String {
    let response = app
        .client
        .post(app.url("/api/v1/harvest/sources"))
        .bearer_auth(admin)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201, "add source {body}");
    let doc: Value = response.json().await.unwrap();
    doc["id"].as_str().unwrap().to_owned()
}

/// Starts a job in the server and waits for its report.
pub async fn harvest(app: &TestApp, admin: &str, source: &str, query: &str) -> Value {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/harvest/sources/{source}/jobs{query}")))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 202, "start job");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    for _ in 0..600 {
        let job: Value = app
            .client
            .get(app.url(&location))
            .bearer_auth(admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if job["status"] != "running" {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the job did not finish in 30 s");
}

fn counts(job: &Value) -> [i64; 5] {
    ["created", "updated", "unchanged", "withdrawn", "failed"].map(|k| job[k].as_i64().unwrap())
}

/// The published datasets a server lists, once its search index has caught up with the record.
async fn published(app: &TestApp) -> Vec<Value> {
    app.projected().await;
    let in_sql = {
        let row = app
            .catalog
            .db()
            .query_one_raw(sea_orm::Statement::from_string(
                app.catalog.db().get_database_backend(),
                "SELECT COUNT(*) AS n FROM dataset WHERE status = 'published'".to_owned(),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    };
    for _ in 0..200 {
        let page = app.get_json("/api/v1/datasets?per_page=100").await;
        if page["total"].as_i64() == Some(in_sql) {
            assert!(in_sql <= 100, "more than one page");
            return page["items"].as_array().unwrap().clone();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the search index did not catch up with {in_sql} published datasets");
}

async fn harvested_by(app: &TestApp, source: &str) -> Vec<Value> {
    let mut out: Vec<Value> = published(app)
        .await
        .into_iter()
        .filter(|d| d["harvest"]["source"] == source)
        .collect();
    out.sort_by_key(|d| d["harvest"]["identity"].as_str().unwrap_or("").to_owned());
    out
}

/// A second odcat (page size 7) with more datasets than fit on two pages.
async fn remote_odcat() -> (TestApp, String) {
    // Its IRIs and next links under its own address, as a real deployment's base URL.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let remote = spawn_app_with(|s| {
        s.catalog_page_size = 7;
        s.bind = format!("127.0.0.1:{port}");
        s.base_url = format!("http://127.0.0.1:{port}");
    })
    .await;
    let token = remote.editor().await;
    for i in 0..6 {
        let response = remote
            .post_dataset(&token, &new_dataset(&format!("baustellen-{i}")))
            .await;
        assert_eq!(response.status().as_u16(), 201);
    }
    (remote, token)
}

/// At the remote: sets one German text field of a dataset and withdraws another (answers its
/// document before the withdrawal), then waits for its projection.
async fn change_and_withdraw(
    remote: &TestApp,
    token: &str,
    (slug, field, text): (&str, &str, &str),
    withdraw: &str,
) -> Value {
    let (doc, etag) = remote.dataset_with_etag(slug).await;
    let mut changed = doc.clone();
    changed[field]["de"] = json!(text);
    let response = remote
        .put_json(format!("/api/v1/datasets/{slug}"), token, &etag, &changed)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let (gone, etag) = remote.dataset_with_etag(withdraw).await;
    let response = remote
        .delete_with(format!("/api/v1/datasets/{withdraw}"), token, &etag)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    remote.projected().await;
    gone
}

#[tokio::test]
async fn a_second_odcat_harvested_at_page_size_7_brings_exactly_its_changes_and_a_third_run_writes_nothing()
 {
    let (remote, remote_token) = remote_odcat().await;
    let public = published(&remote).await.len();
    assert!(public > 14, "three pages at least: {public}");
    let app = harvester().await;
    let admin = app.token(None, Role::Admin).await;
    let source = add_source(
        &app,
        &admin,
        json!({"kind": "dcat", "url": remote.url("/catalog.ttl"), "publisher": "stadt-wuppertal-smart-city",
               "title": "Zweites odcat", "allow_private": true}),
    )
    .await;

    remote.projected().await;
    let first = harvest(&app, &admin, &source, "").await;
    assert_eq!(first["status"], "complete", "{first}");
    assert!(first["pages"].as_i64().unwrap() >= 3, "{first}");
    assert_eq!(counts(&first), [public as i64, 0, 0, 0, 0], "{first}");
    let copies = harvested_by(&app, &source).await;
    assert_eq!(copies.len(), public);
    // The remote's own values and identifiers, under the source's publisher, read-only.
    let remote_docs = published(&remote).await;
    for copy in &copies {
        let original = remote_docs
            .iter()
            .find(|d| d["identifier"] == copy["identifier"])
            .unwrap_or_else(|| panic!("no original for {}", copy["identifier"]));
        assert_eq!(copy["title"], original["title"]);
        assert_eq!(copy["description"], original["description"]);
        assert_eq!(copy["license"], original["license"]);
        // RDF has no order: the keywords as sets.
        for lang in ["de", "en"] {
            let set = |d: &Value| {
                let mut k: Vec<String> = d["keywords"][lang]
                    .as_array()
                    .map(|a| a.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
                    .unwrap_or_default();
                k.sort();
                k
            };
            assert_eq!(set(copy), set(original));
        }
        assert_eq!(copy["publisher"], "stadt-wuppertal-smart-city");
        assert_eq!(
            copy["distributions"].as_array().unwrap().len(),
            original["distributions"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["status"] != "withdrawn")
                .count()
        );
    }

    // The remote changes: one created, one modified, one withdrawn.
    let created = remote
        .post_dataset(&remote_token, &new_dataset("neue-baustellen"))
        .await;
    assert_eq!(created.status().as_u16(), 201);
    let gone = change_and_withdraw(
        &remote,
        &remote_token,
        ("baustellen-1", "title", "Baustellen 2027"),
        "baustellen-2",
    )
    .await;
    let ids_before: Vec<Value> = harvested_by(&app, &source)
        .await
        .iter()
        .map(|d| json!([d["identifier"], d["id"], d["distributions"][0]["id"]]))
        .collect();

    let second = harvest(&app, &admin, &source, "").await;
    assert_eq!(second["status"], "complete", "{second}");
    assert_eq!(counts(&second), [1, 1, public as i64 - 2, 1, 0], "{second}");
    assert_eq!(second["withdrawn_datasets"].as_array().unwrap().len(), 1);
    assert_eq!(
        second["withdrawn_datasets"][0]["identity"],
        remote.url(&format!("/dataset/{}", gone["id"].as_str().unwrap())),
        "{second}"
    );
    let copies = harvested_by(&app, &source).await;
    assert_eq!(copies.len(), public);
    assert!(copies.iter().any(|d| d["title"]["de"] == "Baustellen 2027"));
    // Ids stay: of datasets and of their distributions.
    for copy in &copies {
        if let Some(before) = ids_before.iter().find(|b| b[0] == copy["identifier"]) {
            assert_eq!(before[1], copy["id"]);
            assert_eq!(before[2], copy["distributions"][0]["id"]);
        }
    }

    // Nothing changed: nothing is written, not even a change_log row.
    let seq = app.settled_seq().await;
    let third = harvest(&app, &admin, &source, "").await;
    assert_eq!(third["status"], "complete");
    assert_eq!(counts(&third), [0, 0, public as i64, 0, 0], "{third}");
    assert_eq!(app.settled_seq().await, seq);

    // A harvested dataset is read-only here, naming its source.
    let slug = copies[0]["slug"].as_str().unwrap().to_owned();
    let (doc, etag) = app.dataset_with_etag(&slug).await;
    let response = app
        .put_json(format!("/api/v1/datasets/{slug}"), &admin, &etag, &doc)
        .await;
    let message = assert_error(response, 409, "harvested").await;
    assert!(message.contains(&remote.url("/catalog.ttl")), "{message}");
    // Its DCAT-AP says where it came from and keeps the original identifier.
    let turtle = app
        .get(&format!("/dataset/{slug}.nt"))
        .await
        .text()
        .await
        .unwrap();
    let origin = copies[0]["harvest"]["origin"].as_str().unwrap();
    assert!(
        turtle.contains(&format!(
            "<http://www.w3.org/ns/prov#wasDerivedFrom> <{origin}>"
        )),
        "{turtle}"
    );
}

#[tokio::test]
async fn rdf_xml_pages_and_the_ckan_api_of_a_second_odcat_are_harvested_alike() {
    let (remote, remote_token) = remote_odcat().await;
    let public = published(&remote).await.len() as i64;
    remote.projected().await;
    let app = harvester().await;
    let admin = app.token(None, Role::Admin).await;
    let xml = add_source(
        &app,
        &admin,
        json!({"kind": "dcat", "url": remote.url("/catalog.rdf"), "publisher": "stadt-wuppertal-smart-city",
               "allow_private": true}),
    )
    .await;
    let job = harvest(&app, &admin, &xml, "").await;
    assert_eq!(job["status"], "complete", "{job}");
    assert_eq!(counts(&job), [public, 0, 0, 0, 0], "{job}");

    let ckan = add_source(
        &app,
        &admin,
        json!({"kind": "ckan", "url": remote.url("/api/3/action/package_search"),
               "publisher": "stadt-wuppertal-smart-city", "allow_private": true}),
    )
    .await;
    let job = harvest(&app, &admin, &ckan, "").await;
    assert_eq!(job["status"], "complete", "{job}");
    assert_eq!(counts(&job), [public, 0, 0, 0, 0], "{job}");
    let copies = harvested_by(&app, &ckan).await;
    let remote_docs = published(&remote).await;
    for copy in &copies {
        let original = remote_docs
            .iter()
            .find(|d| d["id"].as_str() == Some(copy["harvest"]["identity"].as_str().unwrap()))
            .expect("the CKAN id is the remote's id");
        assert_eq!(copy["title"], original["title"]);
        assert_eq!(copy["license"], original["license"]);
    }
    // Changes arrive through the CKAN API too; a withdrawal is confirmed by package_show.
    change_and_withdraw(
        &remote,
        &remote_token,
        ("baustellen-3", "description", "Geändert."),
        "baustellen-4",
    )
    .await;
    let job = harvest(&app, &admin, &ckan, "").await;
    assert_eq!(counts(&job), [0, 1, public - 2, 1, 0], "{job}");
    let job = harvest(&app, &admin, &ckan, "").await;
    assert_eq!(counts(&job), [0, 0, public - 1, 0, 0], "{job}");
}

/// A Turtle page of `n` datasets `prefix-0…`, with a next link when given.
fn page(prefix: &str, n: usize, next: Option<&str>) -> String {
    let mut ttl = String::from(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .\n",
    );
    if let Some(next) = next {
        ttl.push_str(&format!(
            "<> <http://www.w3.org/ns/hydra/core#nextPage> <{next}> .\n"
        ));
    }
    for i in 0..n {
        ttl.push_str(&format!(
            "<https://daten.example/dataset/{prefix}-{i}> a dcat:Dataset ; dct:title \"Datensatz {prefix} {i}\"@de ;\n\
             dct:description \"Beschreibung {i}\"@de ; dct:license <http://dcat-ap.de/def/licenses/dl-by-de/2.0> ;\n\
             dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://daten.example/{prefix}-{i}.csv> ;\n\
               dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ] .\n"
        ));
    }
    ttl
}

#[tokio::test]
async fn a_run_that_fails_on_page_3_withdraws_nothing_and_a_later_complete_run_does() {
    let remote = Source::start().await;
    remote.turtle("/p1", &page("a", 4, Some("/p2")));
    remote.turtle("/p2", &page("b", 4, Some("/p3")));
    remote.turtle("/p3", &page("c", 4, None));
    let app = harvester().await;
    let admin = app.token(None, Role::Admin).await;
    let source = add_source(
        &app,
        &admin,
        json!({"kind": "dcat", "url": remote.url("/p1"), "publisher": "stadt-wuppertal-smart-city",
               "allow_private": true, "max_withdraw_percent": 100}),
    )
    .await;
    let job = harvest(&app, &admin, &source, "").await;
    assert_eq!(counts(&job), [12, 0, 0, 0, 0], "{job}");

    // Page 2 loses a dataset and page 3 answers 500: the dataset of page 2 and those of page 3 stay.
    remote.turtle("/p2", &page("b", 3, Some("/p3")));
    remote.set(
        "/p3",
        Answer::Body(500, "text/plain", b"Internal Server Error".to_vec()),
    );
    let job = harvest(&app, &admin, &source, "").await;
    assert_eq!(job["status"], "incomplete", "{job}");
    assert!(job["stop"].as_str().unwrap().contains("500"), "{job}");
    assert_eq!(job["pages"], 2);
    assert_eq!(counts(&job), [0, 0, 7, 0, 0], "{job}");
    assert_eq!(harvested_by(&app, &source).await.len(), 12);

    // Invalid RDF on page 3, an endless nextPage loop, an empty page linking on: incomplete too.
    for (answer, stop) in [
        (page("c", 4, None).replace(" .\n", "\n"), "Turtle"),
        (page("c", 4, Some("/p1")), "leads back"),
        (
            String::from("<> <http://www.w3.org/ns/hydra/core#next> </p4> ."),
            "lists no dataset",
        ),
    ] {
        remote.turtle("/p3", &answer);
        let job = harvest(&app, &admin, &source, "").await;
        assert_eq!(job["status"], "incomplete", "{job}");
        assert!(
            job["stop"].as_str().unwrap().contains(stop),
            "{stop}: {job}"
        );
        assert_eq!(job["withdrawn"], 0);
        assert_eq!(harvested_by(&app, &source).await.len(), 12);
    }

    // The whole source read: the vanished dataset is withdrawn (reversibly).
    remote.turtle("/p3", &page("c", 4, None));
    let job = harvest(&app, &admin, &source, "").await;
    assert_eq!(job["status"], "complete", "{job}");
    assert_eq!(counts(&job), [0, 0, 11, 1, 0], "{job}");
    assert!(
        job["withdrawn_datasets"][0]["identity"]
            .as_str()
            .unwrap()
            .ends_with("/b-3"),
        "{job}"
    );
    assert_eq!(harvested_by(&app, &source).await.len(), 11);
    // It comes back: published again, under its old id.
    remote.turtle("/p2", &page("b", 4, Some("/p3")));
    let job = harvest(&app, &admin, &source, "").await;
    assert_eq!(counts(&job), [0, 1, 11, 0, 0], "{job}");
    assert_eq!(harvested_by(&app, &source).await.len(), 12);
}

#[tokio::test]
async fn more_than_the_share_vanishing_withdraws_nothing_without_allow_mass_delete() {
    let remote = Source::start().await;
    remote.turtle("/all", &page("m", 20, None));
    let app = harvester().await;
    let admin = app.token(None, Role::Admin).await;
    let source = add_source(
        &app,
        &admin,
        json!({"kind": "dcat", "url": remote.url("/all"), "publisher": "stadt-wuppertal-smart-city",
               "allow_private": true}),
    )
    .await;
    assert_eq!(
        counts(&harvest(&app, &admin, &source, "").await),
        [20, 0, 0, 0, 0]
    );
    // 2 of 20 (10 %) may go; 5 of 20 may not.
    remote.turtle("/all", &page("m", 15, None));
    let job = harvest(&app, &admin, &source, "").await;
    assert_eq!(job["status"], "complete");
    assert_eq!(counts(&job), [0, 0, 15, 0, 0], "{job}");
    let note = job["notes"].as_array().unwrap();
    assert!(
        note.iter()
            .any(|n| n.as_str().unwrap().contains("--allow-mass-delete")),
        "{job}"
    );
    assert_eq!(harvested_by(&app, &source).await.len(), 20);
    let job = harvest(&app, &admin, &source, "?allow_mass_delete=true").await;
    assert_eq!(counts(&job), [0, 0, 15, 5, 0], "{job}");
    assert_eq!(job["withdrawn_datasets"].as_array().unwrap().len(), 5);
    assert_eq!(harvested_by(&app, &source).await.len(), 15);

    // Deleting the source makes its datasets local: a new revision without provenance, which the
    // exports follow, and editable here.
    let copy = harvested_by(&app, &source).await[0].clone();
    let slug = copy["slug"].as_str().unwrap().to_owned();
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/harvest/sources/{source}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    app.projected().await;
    let (local, etag) = app.dataset_with_etag(&slug).await;
    assert!(local.get("harvest").is_none(), "{local}");
    assert_eq!(local["revision"], copy["revision"].as_i64().unwrap() + 1);
    let nt = app
        .get(&format!("/dataset/{slug}.nt"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!nt.contains("wasDerivedFrom"), "{nt}");
    let mut edited = local.clone();
    edited["title"]["de"] = json!("Jetzt lokal gepflegt");
    let response = app
        .put_json(format!("/api/v1/datasets/{slug}"), &admin, &etag, &edited)
        .await;
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn a_dataset_without_a_title_is_reported_and_the_others_are_harvested() {
    let remote = Source::start().await;
    let mut ttl = page("t", 3, None);
    ttl.push_str(
        "<https://daten.example/dataset/ohne-titel> a <http://www.w3.org/ns/dcat#Dataset> ;\n\
         <http://purl.org/dc/terms/description> \"Kein Titel\"@de .\n\
         <https://daten.example/dataset/falsche-lizenz> a <http://www.w3.org/ns/dcat#Dataset> ;\n\
         <http://purl.org/dc/terms/title> \"Lizenz unbekannt\"@de ;\n\
         <http://purl.org/dc/terms/description> \"x\"@de ;\n\
         <http://purl.org/dc/terms/license> <https://example.org/meine-lizenz> .\n",
    );
    remote.turtle("/catalog.ttl", &ttl);
    let app = harvester().await;
    let admin = app.token(None, Role::Admin).await;
    let source = add_source(
        &app,
        &admin,
        json!({"kind": "dcat", "url": remote.url("/catalog.ttl"), "publisher": "stadt-wuppertal-smart-city",
               "allow_private": true}),
    )
    .await;
    let job = harvest(&app, &admin, &source, "").await;
    assert_eq!(job["status"], "complete", "{job}");
    assert_eq!(counts(&job), [3, 0, 0, 0, 2], "{job}");
    let errors = job["errors"].as_array().unwrap();
    let by_identity = |suffix: &str| {
        errors
            .iter()
            .find(|e| e["identity"].as_str().unwrap().ends_with(suffix))
            .unwrap_or_else(|| panic!("no error for {suffix}: {job}"))
    };
    assert_eq!(by_identity("ohne-titel")["field"], "title.de");
    assert_eq!(by_identity("falsche-lizenz")["field"], "license");
}

#[tokio::test]
async fn hostile_sources_stop_their_job_incomplete_and_the_server_stays_well() {
    let remote = Source::start().await;
    remote.set("/stall", Answer::Stall);
    remote.set("/huge", Answer::Huge);
    remote.set(
        "/html",
        Answer::Body(200, "text/html", b"<html></html>".to_vec()),
    );
    remote.set("/to-file", Answer::Redirect("file:///etc/passwd".into()));
    let app = harvester().await;
    let admin = app.token(None, Role::Admin).await;
    for (path, stop) in [
        ("/stall", "did not answer within 2 s"),
        ("/huge", "larger than"),
        ("/html", "no RDF format"),
        ("/to-file", "not http or https"),
    ] {
        let source = add_source(
            &app,
            &admin,
            json!({"kind": "dcat", "url": remote.url(path), "publisher": "stadt-wuppertal-smart-city",
                   "allow_private": true}),
        )
        .await;
        let job = harvest(&app, &admin, &source, "").await;
        assert_eq!(job["status"], "incomplete", "{path}: {job}");
        assert!(
            job["stop"].as_str().unwrap().contains(stop),
            "{path}: {job}"
        );
    }
    // Loopback without the admin's mark is refused before any request.
    remote.turtle("/ok", &page("o", 1, None));
    let source = add_source(
        &app,
        &admin,
        json!({"kind": "dcat", "url": remote.url("/ok"), "publisher": "stadt-wuppertal-smart-city"}),
    )
    .await;
    let job = harvest(&app, &admin, &source, "").await;
    assert_eq!(job["status"], "incomplete", "{job}");
    assert!(job["stop"].as_str().unwrap().contains("loopback"), "{job}");
    assert_eq!(job["created"], 0);
    let ready = app.get_json("/readyz").await;
    assert!(ready["harvest"].as_array().unwrap().len() >= 5, "{ready}");
}

#[tokio::test]
async fn real_world_dcat_ap_files_served_over_http_are_harvested_or_refused_with_reasons() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/harvest");
    let remote = Source::start().await;
    let mut files = Vec::new();
    for dir in [
        "dcat-ap-de/dcat-ap-de-3.0",
        "dcat-ap-de/dcat-ap-de-2.0",
        "dcat-ap-de",
        "ckanext-dcat/dcat",
    ] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() && path.extension().is_some_and(|e| e != "md") {
                let name = format!("/{dir}/{}", path.file_name().unwrap().to_string_lossy());
                let content_type = match path.extension().unwrap().to_str().unwrap() {
                    "ttl" => "text/turtle",
                    "rdf" => "application/rdf+xml",
                    _ => "application/ld+json",
                };
                remote.set(
                    &name,
                    Answer::Body(200, content_type, std::fs::read(&path).unwrap()),
                );
                files.push(name);
            }
        }
    }
    files.sort();
    let app = harvester().await;
    let admin = app.token(None, Role::Admin).await;
    let mut created = 0;
    let mut invalid = 0;
    let mut summary = Vec::new();
    for file in &files {
        let source = add_source(
            &app,
            &admin,
            json!({"kind": "dcat", "url": remote.url(file), "publisher": "stadt-wuppertal-smart-city",
                   "allow_private": true}),
        )
        .await;
        let job = harvest(&app, &admin, &source, "").await;
        summary.push(format!(
            "{file}: {} {:?} {} {}",
            job["status"],
            counts(&job),
            job["stop"],
            job["errors"]
        ));
        if job["status"] == "incomplete" {
            // Some are not valid RDF as published (DCAT-AP.de's DataService.ttl, ckanext-dcat's
            // dataset.ttl with an undeclared prefix): the job says where the parser stopped.
            assert!(
                job["stop"].as_str().unwrap().contains("not valid"),
                "{file}: {job}"
            );
            invalid += 1;
            continue;
        }
        assert_eq!(job["status"], "complete", "{file}: {job}");
        // Every dataset is accounted for: harvested, or refused for what DCAT-AP.de requires and
        // the file lacks (a licence of its list), or for having no identity to match it by.
        for error in job["errors"].as_array().unwrap() {
            let field = error["field"].as_str().unwrap_or("");
            assert!(
                field.contains("license") || field == "dct:identifier",
                "{file}: {error}"
            );
            assert!(!error["message"].as_str().unwrap().is_empty(), "{error}");
        }
        created += job["created"].as_i64().unwrap();
    }
    eprintln!("{}", summary.join("\n"));
    assert!(created >= 12, "{}", summary.join("\n"));
    assert_eq!(invalid, 2, "{}", summary.join("\n"));
    // What was harvested is valid DCAT-AP in the export: the catalogue still serialises.
    let response = app.get("/catalog.ttl").await;
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn ckan_package_dicts_and_a_dkan_data_json_are_harvested() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/harvest");
    let remote = Source::start().await;
    // A CKAN site answering package_search with ckanext-dcat's package dicts, 2 rows per page as
    // a real site pages: the harvester asks for 100 and gets what the site gives.
    let mut packages: Vec<Value> = Vec::new();
    for name in [
        "dataset.json",
        "ckan_dataset.json",
        "full_ckan_dataset_legacy.json",
    ] {
        let text = std::fs::read_to_string(root.join("ckanext-dcat/ckan").join(name)).unwrap();
        let mut package: Value = serde_json::from_str(&text).unwrap();
        if package.get("id").is_none() {
            package["id"] = json!(format!("id-{name}"));
        }
        packages.push(package);
    }
    // ckanext-dcat's dicts carry no licence, which DCAT-AP.de requires: one gets CKAN's id for
    // CC BY (mapped to DCAT-AP.de's), the others are refused for it.
    packages[1]["license_id"] = json!("cc-by");
    {}
    let count = packages.len();
    let answer = |results: &[Value]| {
        let body = json!({"success": true, "result": {"count": count, "results": results}});
        Answer::Body(200, "application/json", body.to_string().into_bytes())
    };
    remote.set(
        "/ckan/api/3/action/package_search?rows=100&start=0&sort=id+asc",
        answer(&packages[..2]),
    );
    remote.set(
        "/ckan/api/3/action/package_search?rows=100&start=2&sort=id+asc",
        answer(&packages[2..]),
    );
    let data_json = json!({
        "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
        "dataset": [
            {"title": "Baumkataster", "description": "Alle Straßenbäume", "identifier": "baum-1",
             "keyword": ["Bäume"], "modified": "2024-05-01", "accessLevel": "public",
             "license": "https://creativecommons.org/licenses/by/4.0/",
             "publisher": {"name": "Stadt"},
             "distribution": [{"downloadURL": "https://dkan.example/baeume.csv", "mediaType": "text/csv"}]},
            {"title": "Ohne Lizenz-Zuordnung", "description": "x", "identifier": "baum-2",
             "license": "https://example.org/eigene-lizenz"}
        ]
    });
    remote.set(
        "/dkan/data.json",
        Answer::Body(200, "application/json", data_json.to_string().into_bytes()),
    );
    let app = harvester().await;
    let admin = app.token(None, Role::Admin).await;
    let ckan = add_source(
        &app,
        &admin,
        json!({"kind": "ckan", "url": remote.url("/ckan"), "publisher": "stadt-wuppertal-smart-city",
               "allow_private": true}),
    )
    .await;
    let job = harvest(&app, &admin, &ckan, "").await;
    assert_eq!(job["status"], "complete", "{job}");
    assert_eq!(job["pages"], 2, "{job}");
    assert_eq!(counts(&job), [1, 0, 0, 0, 2], "{job}");
    for error in job["errors"].as_array().unwrap() {
        assert!(
            error["field"].as_str().unwrap().contains("license"),
            "{job}"
        );
    }
    let copy = &harvested_by(&app, &ckan).await[0];
    assert_eq!(copy["license"], "http://dcat-ap.de/def/licenses/cc-by");
    assert!(
        !copy["distributions"].as_array().unwrap().is_empty(),
        "{copy}"
    );
    // A DKAN site without the CKAN-compatible API: its data.json.
    let dkan = add_source(
        &app,
        &admin,
        json!({"kind": "dkan", "url": remote.url("/dkan"), "publisher": "stadt-wuppertal-smart-city",
               "allow_private": true}),
    )
    .await;
    let job = harvest(&app, &admin, &dkan, "").await;
    assert_eq!(job["status"], "complete", "{job}");
    assert_eq!(counts(&job), [1, 0, 0, 0, 1], "{job}");
    assert_eq!(job["errors"][0]["field"], "license", "{job}");
    let harvested = harvested_by(&app, &dkan).await;
    assert_eq!(
        harvested[0]["license"],
        "http://dcat-ap.de/def/licenses/cc-by/4.0"
    );
    // A DKAN 7 site: current_package_list_with_resources, paged with limit and offset until an
    // empty list (DKAN wraps the packages in one more list on some versions).
    let page = |result: Value| {
        Answer::Body(
            200,
            "application/json",
            json!({"success": true, "result": result})
                .to_string()
                .into_bytes(),
        )
    };
    remote.set(
        "/dkan7/api/3/action/current_package_list_with_resources?limit=100&offset=0",
        page(json!([[packages[1].clone()]])),
    );
    remote.set(
        "/dkan7/api/3/action/current_package_list_with_resources?limit=100&offset=1",
        page(json!([])),
    );
    let dkan7 = add_source(
        &app,
        &admin,
        json!({"kind": "dkan", "url": remote.url("/dkan7"), "publisher": "stadt-wuppertal-smart-city",
               "allow_private": true}),
    )
    .await;
    let job = harvest(&app, &admin, &dkan7, "").await;
    assert_eq!(job["status"], "complete", "{job}");
    assert_eq!(job["pages"], 2, "{job}");
    assert_eq!(counts(&job), [1, 0, 0, 0, 0], "{job}");
}

#[tokio::test]
async fn the_harvest_api_needs_an_admin_and_refuses_bad_sources() {
    let app = spawn_app().await;
    let admin = app.token(None, Role::Admin).await;
    let editor = app.editor().await;
    let body = json!({"kind": "dcat", "url": "https://daten.example/catalog.ttl", "publisher": "stadt-wuppertal-smart-city"});
    let response = app
        .client
        .post(app.url("/api/v1/harvest/sources"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_error(response, 401, "missing_token").await;
    let response = app
        .client
        .post(app.url("/api/v1/harvest/sources"))
        .bearer_auth(&editor)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_error(response, 403, "forbidden").await;
    for (bad, field) in [
        (
            json!({"kind": "dcat", "url": "ftp://x.example/c", "publisher": "stadt-wuppertal-smart-city"}),
            "url",
        ),
        (
            json!({"kind": "dcat", "url": "https://x.example/c", "publisher": "gibt-es-nicht"}),
            "publisher",
        ),
        (
            json!({"kind": "dcat", "url": "https://x.example/c", "publisher": "stadt-wuppertal-smart-city", "fq": "a:b"}),
            "fq",
        ),
        (
            json!({"kind": "ckan", "url": "https://x.example/", "publisher": "stadt-wuppertal-smart-city", "max_withdraw_percent": 101}),
            "max_withdraw_percent",
        ),
    ] {
        let response = app
            .client
            .post(app.url("/api/v1/harvest/sources"))
            .bearer_auth(&admin)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 422, "{bad}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["field"], field, "{error}");
    }
    let id = add_source(&app, &admin, body.clone()).await;
    let listed: Value = app
        .client
        .get(app.url("/api/v1/harvest/sources"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["id"], id.as_str());
    let response = app
        .client
        .get(app.url("/api/v1/harvest/sources"))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_error(response, 403, "forbidden").await;
    let response = app
        .client
        .get(app.url("/api/v1/harvest/jobs/00000000-0000-4000-8000-000000000000"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_error(response, 404, "harvest_job_not_found").await;
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/harvest/sources/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    let response = app
        .client
        .get(app.url(&format!("/api/v1/harvest/sources/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_error(response, 404, "harvest_source_not_found").await;
    let metrics = app.get("/metrics").await;
    assert_eq!(metrics.status().as_u16(), 200);
    assert!(
        metrics
            .text()
            .await
            .unwrap()
            .contains("odcat_change_log_position")
    );
}

#[tokio::test]
async fn one_job_per_source_at_a_time_a_time_limit_and_a_dead_process_s_job_is_reported_interrupted()
 {
    let remote = Source::start().await;
    remote.set("/slow", Answer::Stall);
    let app = spawn_app_with(|s| {
        s.harvest_timeout = 30;
        s.harvest_retries = 0;
        s.harvest_time_limit = 1;
    })
    .await;
    let admin = app.token(None, Role::Admin).await;
    let source = add_source(
        &app,
        &admin,
        json!({"kind": "dcat", "url": remote.url("/slow"), "publisher": "stadt-wuppertal-smart-city",
               "allow_private": true}),
    )
    .await;
    let start = || async {
        app.client
            .post(app.url(&format!("/api/v1/harvest/sources/{source}/jobs")))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
    };
    let first = start().await;
    assert_eq!(first.status().as_u16(), 202);
    // While it runs, a second job of the same source is refused.
    assert_error(start().await, 409, "harvest_running").await;
    let job: Value = first.json().await.unwrap();
    let mut report = Value::Null;
    for _ in 0..100 {
        report = app
            .client
            .get(app.url(&format!(
                "/api/v1/harvest/jobs/{}",
                job["id"].as_str().unwrap()
            )))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if report["status"] != "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(report["status"], "incomplete", "{report}");
    assert!(
        report["stop"].as_str().unwrap().contains("time limit"),
        "{report}"
    );

    // A job whose process died: its heartbeat and lease are old. It is reported interrupted, and
    // the source can run again.
    let (_, stuck) = app.catalog.start_harvest_job(&source, false).await.unwrap();
    {
        use entities::{harvest_job, harvest_source};
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let old = chrono::DateTime::parse_from_rfc3339("2000-01-01T00:00:00+00:00").unwrap();
        harvest_job::Entity::update_many()
            .col_expr(harvest_job::Column::HeartbeatAt, Expr::value(old))
            .filter(harvest_job::Column::Id.eq(stuck.id))
            .exec(app.catalog.db())
            .await
            .unwrap();
        harvest_source::Entity::update_many()
            .col_expr(harvest_source::Column::LockUntil, Expr::value(old))
            .filter(harvest_source::Column::Id.eq(stuck.source))
            .exec(app.catalog.db())
            .await
            .unwrap();
    }
    assert_eq!(app.catalog.interrupt_stale_harvest_jobs().await.unwrap(), 1);
    let reported = app
        .catalog
        .harvest_job(&stuck.id.to_string())
        .await
        .unwrap();
    assert_eq!(reported.status.as_str(), "interrupted");
    assert!(app.catalog.start_harvest_job(&source, false).await.is_ok());
}

#[tokio::test]
async fn sources_with_an_interval_fall_due_and_a_fresh_job_puts_them_off() {
    let app = spawn_app().await;
    let admin = app.token(None, Role::Admin).await;
    let scheduled = add_source(
        &app,
        &admin,
        json!({"kind": "dcat", "url": "https://daten.example/a.ttl", "publisher": "stadt-wuppertal-smart-city",
               "interval_minutes": 60}),
    )
    .await;
    let unscheduled = add_source(
        &app,
        &admin,
        json!({"kind": "dcat", "url": "https://daten.example/b.ttl", "publisher": "stadt-wuppertal-smart-city"}),
    )
    .await;
    let due = |ids: Vec<uuid::Uuid>| {
        let mut ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
        ids.sort();
        ids
    };
    // Never run: the source with an interval is due; the other only with ODCAT_HARVEST_INTERVAL.
    assert_eq!(
        due(app.catalog.harvest_sources_due(None).await.unwrap()),
        [scheduled.as_str()]
    );
    let mut both = vec![scheduled.clone(), unscheduled.clone()];
    both.sort();
    assert_eq!(
        due(app.catalog.harvest_sources_due(Some(30)).await.unwrap()),
        both
    );
    // A job just started: not due again within its interval (and not while it runs).
    let (_, job) = app
        .catalog
        .start_harvest_job(&scheduled, false)
        .await
        .unwrap();
    assert_eq!(
        due(app.catalog.harvest_sources_due(Some(30)).await.unwrap()),
        [unscheduled.as_str()]
    );
    app.catalog
        .finish_harvest_job(
            &job,
            odcat::catalog::harvest::JobStatus::Complete,
            None,
            &Default::default(),
            &Default::default(),
        )
        .await
        .unwrap();
    assert!(
        !due(app.catalog.harvest_sources_due(None).await.unwrap()).contains(&scheduled),
        "started within the hour"
    );
}

#[tokio::test]
async fn nul_and_control_characters_from_a_source_are_reported_per_dataset_on_every_database() {
    let remote = Source::start().await;
    let mut ttl = page("n", 2, None);
    ttl.push_str(
        "<https://daten.example/dataset/nul> a <http://www.w3.org/ns/dcat#Dataset> ;\n\
         <http://purl.org/dc/terms/title> \"Steuer\\u0000daten\"@de ;\n\
         <http://purl.org/dc/terms/description> \"Glocke \\u0007\"@de .\n\
         [] a <http://www.w3.org/ns/dcat#Dataset> ;\n\
         <http://purl.org/dc/terms/identifier> \"id\\u0000mit-nul\" ;\n\
         <http://purl.org/dc/terms/title> \"Kennung mit NUL\"@de .\n",
    );
    remote.turtle("/catalog.ttl", &ttl);
    let packages = json!({"success": true, "result": {"count": 1, "results": [
        {"id": "ckan\u{0}nul", "name": "nul-paket", "title": "Paket\u{0}", "notes": "x", "license_id": "cc-by"}
    ]}});
    remote.set(
        "/ckan/api/3/action/package_search?rows=100&start=0&sort=id+asc",
        Answer::Body(200, "application/json", packages.to_string().into_bytes()),
    );
    let app = harvester().await;
    let admin = app.token(None, Role::Admin).await;
    for (kind, path, created, failed) in [("dcat", "/catalog.ttl", 2, 2), ("ckan", "/ckan", 0, 1)] {
        let source = add_source(
            &app,
            &admin,
            json!({"kind": kind, "url": remote.url(path), "publisher": "stadt-wuppertal-smart-city",
                   "allow_private": true}),
        )
        .await;
        let job = harvest(&app, &admin, &source, "").await;
        assert_eq!(job["status"], "complete", "{job}");
        assert_eq!(counts(&job), [created, 0, 0, 0, failed], "{job}");
        // The report is stored and read back (PostgreSQL's jsonb refuses NUL).
        assert_eq!(
            job["errors"].as_array().unwrap().len(),
            failed as usize,
            "{job}"
        );
    }
}
