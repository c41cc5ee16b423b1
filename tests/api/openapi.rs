//! The OpenAPI document matches behaviour: the statuses each operation answers, the constraints
//! enforced, and `405` with `Allow` for a method a path does not have.

use odcat::http::openapi::{DATASET_KEY_PATTERN, IF_MATCH_PATTERN};
use odcat::http::query::PAGE_MAX;
use odcat::http::tables::ROWS_PAGE_MAX;
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{assert_error, new_dataset, spawn_app};

#[tokio::test]
async fn a_wrong_method_answers_405_with_an_allow_header_naming_the_methods() {
    // Arrange
    let app = spawn_app().await;
    let cases = [
        ("TRACE", "/healthz", "GET"),
        ("POST", "/readyz", "GET"),
        ("DELETE", "/api/v1/openapi.json", "GET"),
        ("TRACE", "/api/v1/publishers", "GET"),
        ("PUT", "/api/v1/publishers/stadt-wuppertal-402", "GET"),
        ("DELETE", "/api/v1/datasets", "GET, HEAD, POST"),
        (
            "POST",
            "/api/v1/datasets/any",
            "GET, HEAD, PUT, PATCH, DELETE",
        ),
        ("GET", "/api/v1/datasets/any/distributions", "POST"),
        (
            "PATCH",
            "/api/v1/datasets/any/distributions/00000000-0000-0000-0000-000000000000",
            "GET, HEAD, PUT, DELETE",
        ),
        (
            "GET",
            "/api/v1/datasets/any/distributions/00000000-0000-0000-0000-000000000000/data",
            "PUT",
        ),
        ("PUT", "/sparql", "GET, HEAD, POST"),
        ("DELETE", "/catalog", "GET, HEAD"),
        ("POST", "/", "GET, HEAD"),
        ("PUT", "/datasets", "GET, HEAD"),
        ("DELETE", "/organization/stadt-wuppertal-402", "GET, HEAD"),
        ("POST", "/impressum", "GET, HEAD"),
        ("POST", "/feed.atom", "GET, HEAD"),
    ];
    for (method, path, allow) in cases {
        // Act
        let response = app
            .client
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                app.url(path),
            )
            .send()
            .await
            .unwrap();
        // Assert
        let header = response
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(header.as_deref(), Some(allow), "{method} {path}");
        assert_error(response, 405, "method_not_allowed").await;
    }
}

/// The statuses documented for `method` on `path`.
fn statuses(doc: &Value, path: &str, method: &str) -> Vec<String> {
    let responses = doc["paths"][path][method]["responses"]
        .as_object()
        .unwrap_or_else(|| panic!("{method} {path} is documented"));
    responses.keys().cloned().collect()
}

#[tokio::test]
async fn the_openapi_document_lists_the_statuses_each_operation_answers() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let doc = app.get_json("/api/v1/openapi.json").await;
    // Assert: (path, method, statuses it must list, statuses it must not list)
    let cases: [(&str, &str, &[&str], &[&str]); 7] = [
        (
            "/api/v1/datasets",
            "get",
            &["200", "400", "401", "405"],
            &["403", "415", "428"],
        ),
        (
            "/api/v1/datasets",
            "post",
            &[
                "201", "400", "401", "403", "405", "408", "409", "413", "415", "422",
            ],
            &["412", "428"],
        ),
        (
            "/api/v1/datasets/{dataset}",
            "put",
            &[
                "200", "400", "401", "403", "404", "405", "408", "409", "412", "413", "415", "422",
                "428",
            ],
            &[],
        ),
        (
            "/api/v1/datasets/{dataset}",
            "delete",
            &["200", "400", "401", "403", "404", "405", "412", "428"],
            &["413", "415"],
        ),
        (
            "/api/v1/datasets/{dataset}/distributions/{id}/schema",
            "delete",
            &["204", "400", "401", "403", "404", "405", "412"],
            &["428"],
        ),
        (
            "/api/v1/datasets/{dataset}/distributions/{id}/data",
            "put",
            &[
                "200", "400", "401", "403", "404", "405", "408", "412", "413", "415", "422", "503",
            ],
            &["428"],
        ),
        ("/healthz", "get", &["200", "405"], &["401"]),
    ];
    for (path, method, present, absent) in cases {
        let listed = statuses(&doc, path, method);
        for status in present {
            assert!(
                listed.iter().any(|s| s == status),
                "{method} {path} lists {status}: {listed:?}"
            );
        }
        for status in absent {
            assert!(
                !listed.iter().any(|s| s == status),
                "{method} {path} does not list {status}: {listed:?}"
            );
        }
    }
    let not_allowed = &doc["paths"]["/api/v1/datasets"]["get"]["responses"]["405"];
    assert!(not_allowed["headers"]["Allow"].is_object(), "{not_allowed}");
    let missing_if_match = doc["paths"]["/api/v1/datasets/{dataset}"]["patch"]["responses"]["428"]
        ["description"]
        .as_str()
        .unwrap();
    assert!(missing_if_match.contains("If-Match"), "{missing_if_match}");
    let bad_if_match =
        doc["paths"]["/api/v1/datasets/{dataset}"]["patch"]["responses"]["400"]["description"]
            .as_str()
            .unwrap();
    assert!(bad_if_match.contains("invalid_header"), "{bad_if_match}");
}

/// The schema of the parameter `name` of `method` on `path`.
fn parameter(doc: &Value, path: &str, method: &str, name: &str) -> Value {
    doc["paths"][path][method]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{method} {path} has parameter {name}"))
        .clone()
}

#[tokio::test]
async fn the_openapi_document_states_the_enforced_constraints() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let doc = app.get_json("/api/v1/openapi.json").await;
    // Assert
    let list = "/api/v1/datasets";
    let page = parameter(&doc, list, "get", "page");
    assert_eq!(page["schema"]["minimum"], 1, "{page}");
    assert_eq!(page["schema"]["maximum"], PAGE_MAX, "{page}");
    let per_page = parameter(&doc, list, "get", "per_page");
    assert_eq!(per_page["schema"]["minimum"], 1, "{per_page}");
    assert_eq!(per_page["schema"]["maximum"], 100, "{per_page}");
    let q = parameter(&doc, list, "get", "q");
    assert_eq!(q["schema"]["maxLength"], 200, "{q}");
    let rows = "/api/v1/datasets/{dataset}/distributions/{id}/rows";
    let rows_page = parameter(&doc, rows, "get", "page");
    assert_eq!(rows_page["schema"]["maximum"], ROWS_PAGE_MAX, "{rows_page}");
    let rows_per_page = parameter(&doc, rows, "get", "per_page");
    assert_eq!(rows_per_page["schema"]["maximum"], 1000, "{rows_per_page}");
    for (path, method) in [
        ("/api/v1/datasets/{dataset}", "get"),
        ("/api/v1/datasets/{dataset}", "delete"),
        (rows, "get"),
    ] {
        let dataset = parameter(&doc, path, method, "dataset");
        assert_eq!(dataset["schema"]["pattern"], DATASET_KEY_PATTERN, "{path}");
        assert_eq!(dataset["schema"]["maxLength"], 100, "{path}");
    }
    let publisher = parameter(&doc, "/api/v1/publishers/{publisher}", "get", "publisher");
    assert_eq!(publisher["schema"]["pattern"], DATASET_KEY_PATTERN);
    let if_match = parameter(&doc, "/api/v1/datasets/{dataset}", "put", "If-Match");
    assert_eq!(if_match["required"], true, "{if_match}");
    assert_eq!(
        if_match["schema"]["pattern"], IF_MATCH_PATTERN,
        "{if_match}"
    );
    let optional = parameter(
        &doc,
        "/api/v1/datasets/{dataset}/distributions/{id}/schema",
        "put",
        "If-Match",
    );
    assert_ne!(optional["required"], true, "{optional}");
    let csv = &doc["paths"]["/api/v1/datasets/{dataset}/distributions/{id}/data"]["put"]["requestBody"]
        ["content"]["text/csv"]["schema"];
    assert_eq!(csv["minLength"], 1, "an empty CSV is refused: {csv}");
    let patch = &doc["paths"]["/api/v1/datasets/{dataset}"]["patch"]["requestBody"]["content"]["application/merge-patch+json"]
        ["schema"];
    assert_eq!(
        patch["type"], "object",
        "a merge patch is an object: {patch}"
    );
}

#[tokio::test]
async fn a_page_beyond_the_documented_maximum_is_refused_whatever_the_page_size() {
    // Arrange
    let app = spawn_app().await;
    let slug = "online-dienstleistungen-wuppertal";
    let (id, _) = app.distribution_of_kind(slug, "hosted_table").await;
    let rows = format!("/api/v1/datasets/{slug}/distributions/{id}/rows");
    // Act and assert: the last documented page is answered, the next one refused.
    for (path, max) in [
        ("/api/v1/datasets".to_owned(), PAGE_MAX),
        (rows, ROWS_PAGE_MAX),
    ] {
        let last = app.get(&format!("{path}?page={max}")).await;
        assert_eq!(last.status().as_u16(), 200, "{path}?page={max}");
        let beyond = app.get(&format!("{path}?page={}", max + 1)).await;
        let message = assert_error(beyond, 400, "invalid_parameter").await;
        assert!(message.starts_with("page:"), "{path}: {message}");
    }
}

#[tokio::test]
async fn a_dataset_with_the_most_distributions_refuses_another_and_can_still_be_withdrawn() {
    // Arrange: a dataset with 200 distributions, the most a dataset may have.
    let app = spawn_app().await;
    let token = app.editor().await;
    let mut body = new_dataset("many-distributions");
    let one = body["distributions"][1].clone();
    body["distributions"] = Value::Array(vec![one.clone(); 200]);
    let created = app.post_dataset(&token, &body).await;
    assert_eq!(created.status().as_u16(), 201);
    // Act: one more (found by schemathesis: it was accepted, and then every update of the dataset,
    // its withdrawal included, was refused with 422).
    let added = app
        .client
        .post(app.url("/api/v1/datasets/many-distributions/distributions"))
        .bearer_auth(&token)
        .json(&one)
        .send()
        .await
        .unwrap();
    // Assert
    let message = assert_error(added, 422, "invalid_field").await;
    assert!(message.starts_with("distributions:"), "{message}");
    let (doc, etag) = app.dataset_with_etag("many-distributions").await;
    assert_eq!(doc["distributions"].as_array().unwrap().len(), 200);
    let withdrawn = app
        .delete_with("/api/v1/datasets/many-distributions", &token, &etag)
        .await;
    assert_eq!(withdrawn.status().as_u16(), 200);
}
