use crate::helpers::{assert_error, spawn_app, spawn_app_with};

#[tokio::test]
async fn healthz_and_readyz_answer_ok() {
    let app = spawn_app().await;
    assert_eq!(app.get_json("/healthz").await["status"], "ok");
    let ready = app.get_json("/readyz").await;
    assert_eq!(ready["status"], "ready");
    // The fixtures' assessments are done before a test starts: nothing is queued.
    assert_eq!(ready["quality"]["queued"], 0, "{ready}");
}

#[tokio::test]
async fn openapi_document_is_version_3_1_and_lists_every_api_path() {
    let app = spawn_app().await;
    let doc = app.get_json("/api/v1/openapi.json").await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    for path in [
        "/api/v1/datasets",
        "/api/v1/datasets/{dataset}",
        "/api/v1/datasets/{dataset}/distributions",
        "/api/v1/datasets/{dataset}/distributions/{id}",
        "/api/v1/publishers",
        "/api/v1/publishers/{publisher}",
    ] {
        assert!(doc["paths"][path].is_object(), "missing {path}");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["schemas"]["DatasetDocument"].is_object());
}

#[tokio::test]
async fn unknown_urls_and_methods_answer_the_envelope() {
    let app = spawn_app().await;
    assert_error(app.get("/api/v1/nothing").await, 404, "not_found").await;
    let response = app
        .client
        .post(app.url("/api/v1/publishers"))
        .send()
        .await
        .unwrap();
    // A known path with another method: 405, not 404 (RFC 9110 §15.5.6).
    assert_error(response, 405, "method_not_allowed").await;
    let response = app
        .client
        .patch(app.url("/api/v1/datasets"))
        .send()
        .await
        .unwrap();
    assert_error(response, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn readyz_reports_the_rdf_memory_estimate_and_advises_the_on_disk_store_when_outgrown() {
    let app = spawn_app().await;
    // One catalogue page in Turtle: its datasets' parts are cached in that format only.
    let page = app
        .client
        .get(app.url("/catalog.ttl"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let ready = app.get_json("/readyz").await;
    let memory = &ready["rdf_memory"];
    if memory["store"] == "memory" {
        let quads = memory["quads"].as_u64().unwrap();
        assert!(quads > 0, "{ready}");
        assert_eq!(memory["estimated_bytes"].as_u64().unwrap(), quads * 400);
        assert_eq!(memory["outgrown"], false, "{ready}");
        assert!(memory["advice"].is_null());
    } else {
        assert_eq!(memory["store"], "rocksdb");
    }
    let pages = &ready["catalog_page_cache"];
    assert!(pages["budget_bytes"].as_u64().unwrap() > 0, "{ready}");
    // The totals are the sums of the four formats' own figures.
    let formats = pages["formats"].as_object().unwrap();
    assert_eq!(
        formats.keys().collect::<Vec<_>>(),
        ["jsonld", "nt", "rdf", "ttl"],
        "{ready}"
    );
    for field in ["bytes", "budget_bytes", "hits", "misses"] {
        let sum: u64 = formats.values().map(|f| f[field].as_u64().unwrap()).sum();
        assert_eq!(pages[field].as_u64(), Some(sum), "{field}: {ready}");
    }
    let parts: u64 = formats
        .values()
        .map(|f| f["datasets"].as_u64().unwrap())
        .sum();
    assert_eq!(pages["parts"].as_u64(), Some(parts), "{ready}");
    assert!(formats["ttl"]["datasets"].as_u64().unwrap() > 0, "{ready}");
    assert_eq!(formats["nt"]["datasets"], 0, "{ready}");

    // A tiny limit (ODCAT_RDF_MEMORY_LIMIT) makes the same catalogue too big for the in-memory store.
    let app = spawn_app_with(|s| s.rdf_memory_limit = Some(1_000)).await;
    let memory = app.get_json("/readyz").await["rdf_memory"].clone();
    assert_eq!(memory["available_bytes"], 1_000);
    if memory["store"] == "memory" {
        assert_eq!(memory["outgrown"], true, "{memory}");
        assert!(
            memory["advice"].as_str().unwrap().contains("on-disk store"),
            "{memory}"
        );
    }
}
