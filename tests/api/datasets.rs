use crate::helpers::{assert_error, spawn_app};

#[tokio::test]
async fn list_filters_by_theme_publisher_license_format_and_text() {
    let app = spawn_app().await;
    let cases = [
        ("theme=GOVE", 3),
        (
            "theme=http://publications.europa.eu/resource/authority/data-theme/TECH",
            2,
        ),
        ("publisher=stadt-wuppertal-smart-city", 1),
        ("license=dl-zero-de/2.0", 2),
        ("format=PDF", 1),
        ("q=digital%202026", 1),
        ("q=ALKIS", 3),
        ("theme=REGI&publisher=stadt-wuppertal-102", 7),
    ];
    for (query, expected) in cases {
        let page = app.get_json(&format!("/api/v1/datasets?{query}")).await;
        assert_eq!(
            page["total"],
            expected,
            "{query}: {}",
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["slug"].to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
    }
}

#[tokio::test]
async fn list_pages_and_sorts_stably() {
    let app = spawn_app().await;
    let all = app
        .get_json("/api/v1/datasets?sort=slug&per_page=100")
        .await;
    let slugs: Vec<String> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["slug"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = slugs.clone();
    sorted.sort();
    assert_eq!(slugs, sorted);
    let mut paged = vec![];
    for page in 1..=3 {
        let body = app
            .get_json(&format!(
                "/api/v1/datasets?sort=slug&per_page=4&page={page}"
            ))
            .await;
        assert_eq!(body["pages"], 3);
        paged.extend(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["slug"].as_str().unwrap().to_owned()),
        );
    }
    assert_eq!(paged, slugs);
    let beyond = app.get_json("/api/v1/datasets?page=99").await;
    assert_eq!(beyond["items"].as_array().unwrap().len(), 0);
    assert_eq!(beyond["total"], 11);
}

#[tokio::test]
async fn list_refuses_bad_parameters_naming_them() {
    let app = spawn_app().await;
    for (query, field) in [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=eins", "page"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("sort=size", "sort"),
        ("theme=ENVV", "theme"),
        ("license=cc-by/4_0", "license"),
        ("publisher=unbekannt", "publisher"),
        ("status=deleted", "status"),
        ("pgae=2", "pgae"),
    ] {
        let message = assert_error(
            app.get(&format!("/api/v1/datasets?{query}")).await,
            400,
            "invalid_parameter",
        )
        .await;
        assert!(message.starts_with(field), "{query}: {message}");
    }
    assert_error(
        app.get("/api/v1/datasets?status=draft").await,
        401,
        "missing_token",
    )
    .await;
}

#[tokio::test]
async fn a_dataset_reads_the_same_by_slug_and_by_id() {
    let app = spawn_app().await;
    let by_slug = app
        .get_json("/api/v1/datasets/digitalisierungsprojekte-digital-2026")
        .await;
    let id = by_slug["id"].as_str().unwrap();
    let by_id = app.get_json(&format!("/api/v1/datasets/{id}")).await;
    assert_eq!(by_slug, by_id);
    assert_eq!(by_slug["publisher"], "stadt-wuppertal-402");
    assert_eq!(
        by_slug["spatial"],
        "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05124000"
    );
    assert_error(
        app.get("/api/v1/datasets/gibt-es-nicht").await,
        404,
        "dataset_not_found",
    )
    .await;
    assert_error(
        app.get(&format!("/api/v1/datasets/{}", uuid::Uuid::new_v4()))
            .await,
        404,
        "dataset_not_found",
    )
    .await;
}

#[tokio::test]
async fn reads_answer_validators_and_304() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/datasets/digitalisierungsprojekte-digital-2026",
        "/api/v1/datasets",
        "/api/v1/publishers/stadt-wuppertal-402",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 200);
        let etag = response.headers()["etag"].to_str().unwrap().to_owned();
        let not_modified = app
            .client
            .get(app.url(path))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(not_modified.status().as_u16(), 304, "{path}");
        if let Some(lm) = response.headers().get("last-modified") {
            let since = app
                .client
                .get(app.url(path))
                .header("If-Modified-Since", lm.to_str().unwrap())
                .send()
                .await
                .unwrap();
            assert_eq!(since.status().as_u16(), 304, "{path} If-Modified-Since");
        }
        let other = app
            .client
            .get(app.url(path))
            .header("If-None-Match", "\"other\"")
            .send()
            .await
            .unwrap();
        assert_eq!(other.status().as_u16(), 200, "{path}");
    }
}

#[tokio::test]
async fn publishers_list_with_dataset_counts_and_read_one() {
    let app = spawn_app().await;
    let list = app.get_json("/api/v1/publishers").await;
    let total: u64 = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["dataset_count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 11);
    let one = app.get_json("/api/v1/publishers/stadt-wuppertal-402").await;
    assert_eq!(one["email"], "offenedaten@stadt.wuppertal.de");
    assert_error(
        app.get("/api/v1/publishers/niemand").await,
        404,
        "publisher_not_found",
    )
    .await;
}

#[tokio::test]
async fn head_answers_the_validators_without_a_body() {
    let app = spawn_app().await;
    let response = app
        .client
        .head(app.url("/api/v1/datasets/digitalisierungsprojekte-digital-2026"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers().contains_key("etag"));
    assert!(response.bytes().await.unwrap().is_empty());
}
