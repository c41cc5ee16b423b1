//! One table of error codes, and the right party at fault (issue 14 §4): a failure of the server
//! (its disk, its threads) is a 500 `internal_error` with a generic message, never a 4xx that
//! blames the client; a client's malformed input stays a 4xx naming what is wrong.

use std::path::PathBuf;

use odcat::catalog::table;

use crate::helpers::{assert_error, spawn_app_with};

const PROJECTS: &str = "digitalisierungsprojekte-digital-2026";

#[tokio::test]
async fn an_upload_the_server_cannot_spool_is_a_500_and_the_old_rows_stay() {
    let mut data_dir = PathBuf::new();
    let app = spawn_app_with(|s| data_dir = s.data_dir.clone()).await;
    // The spool directory becomes a plain file: creating the spool file fails with an I/O error,
    // as on a full or read-only disk (a chmod would not stop root, who runs CI).
    let spool = data_dir.join("uploads");
    if spool.is_dir() {
        std::fs::remove_dir_all(&spool).unwrap();
    }
    std::fs::write(&spool, b"not a directory").unwrap();
    let token = app.editor().await;
    let (id, _) = app.hosted(PROJECTS).await;
    let response = app.put_csv(&token, PROJECTS, id, "a;b\r\n1;2\r\n").await;
    let message = assert_error(response, 500, "internal_error").await;
    assert_eq!(message, "an unexpected error occurred", "no cause leaks");
    assert_eq!(
        table::stored_rows(app.catalog.db(), id).await.unwrap(),
        Some(11),
        "the old rows stay"
    );

    // The client's own fault on the same server is still a 4xx naming it.
    std::fs::remove_file(&spool).unwrap();
    let response = app
        .put_csv(&token, PROJECTS, id, "Nr;Titel\r\n1;\"offen\r\n")
        .await;
    let message = assert_error(response, 422, "invalid_field").await;
    assert!(message.contains("line 2"), "{message}");
}

#[tokio::test]
async fn a_sparql_query_calling_an_unknown_function_is_the_clients_fault() {
    let app = spawn_app_with(|_| {}).await;
    let response = app
        .client
        .get(app.url("/sparql"))
        .query(&[(
            "query",
            "SELECT ?x WHERE { BIND(<http://example.org/no-such-function>(1) AS ?x) }",
        )])
        .header("Accept", "application/sparql-results+json")
        .send()
        .await
        .unwrap();
    let message = assert_error(response, 400, "query_failed").await;
    assert!(message.contains("no-such-function"), "{message}");
}

#[tokio::test]
async fn bad_keys_and_parameters_are_never_server_faults() {
    let app = spawn_app_with(|_| {}).await;
    let (id, _) = app.hosted(PROJECTS).await;
    let mut failures = Vec::new();
    for path in [
        "/dataset/a%00b.ttl".to_owned(),
        "/dataset/a%00b".to_owned(),
        "/api/v1/datasets/a%00b".to_owned(),
        "/api/v1/publishers/a%00b".to_owned(),
        "/catalog.ttl?modified_since=0001-01-01".to_owned(),
        "/catalog.ttl?modified_since=9999-12-31T23:59:59Z".to_owned(),
        format!("/api/v1/datasets/{PROJECTS}/distributions/{id}/rows?q=a%00b"),
        format!("/dataset/{PROJECTS}/distribution/{id}/data.csv?q=a%00b"),
        "/api/v1/datasets?q=a%00b".to_owned(),
        "/api/v1/datasets?publisher=a%00b".to_owned(),
        "/datasets?q=a%00b".to_owned(),
        "/organization/a%00b".to_owned(),
    ] {
        let response = app.get(&path).await;
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        if status >= 500 {
            failures.push(format!("{path}: {status} {body}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
