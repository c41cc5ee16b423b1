use odcat::catalog::values::Role;
use serde_json::json;

use crate::helpers::{assert_error, spawn_app};

#[tokio::test]
async fn distributions_are_added_read_replaced_and_withdrawn() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let base = "/api/v1/datasets/digitalisierungsprojekte-digital-2026";
    let new = json!({
        "title": {"de": "Projekte als JSON", "en": "Projects as JSON"},
        "format": "http://publications.europa.eu/resource/authority/file-type/JSON",
        "media_type": "https://www.iana.org/assignments/media-types/application/json",
        "access_url": "https://www.wuppertal.de/projekte.json",
        "byte_size": 2048
    });
    let response = app
        .client
        .post(app.url(&format!("{base}/distributions")))
        .bearer_auth(&token)
        .json(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let dataset: serde_json::Value = response.json().await.unwrap();
    let count = dataset["distributions"].as_array().unwrap().len();
    let id = location.rsplit('/').next().unwrap().to_owned();

    let one = app.get_json(&format!("{base}/distributions/{id}")).await;
    assert_eq!(one["byte_size"], 2048);
    assert_eq!(one["status"], "active");

    let (_, etag) = app
        .dataset_with_etag("digitalisierungsprojekte-digital-2026")
        .await;
    let mut changed = one.clone();
    changed["byte_size"] = json!(4096);
    let put = app
        .put_json(
            &format!("{base}/distributions/{id}"),
            &token,
            &etag,
            &changed,
        )
        .await;
    assert_eq!(put.status().as_u16(), 200);
    assert_eq!(
        app.get_json(&format!("{base}/distributions/{id}")).await["byte_size"],
        4096
    );

    let stale = app
        .delete_with(&format!("{base}/distributions/{id}"), &token, &etag)
        .await;
    assert_error(stale, 412, "precondition_failed").await;
    let (_, etag) = app
        .dataset_with_etag("digitalisierungsprojekte-digital-2026")
        .await;
    let delete = app
        .delete_with(&format!("{base}/distributions/{id}"), &token, &etag)
        .await;
    assert_eq!(delete.status().as_u16(), 200);
    let after = app.get_json(base).await;
    assert_eq!(
        after["distributions"].as_array().unwrap().len(),
        count,
        "withdrawn distributions keep their id"
    );
    assert_eq!(
        app.get_json(&format!("{base}/distributions/{id}")).await["status"],
        "withdrawn"
    );
}

#[tokio::test]
async fn distribution_refusals_name_the_problem() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let base = "/api/v1/datasets/digitalisierungsprojekte-digital-2026";
    assert_error(
        app.get(&format!("{base}/distributions/{}", uuid::Uuid::new_v4()))
            .await,
        404,
        "distribution_not_found",
    )
    .await;
    assert_error(
        app.get(&format!("{base}/distributions/kein-uuid")).await,
        404,
        "distribution_not_found",
    )
    .await;
    let no_url = json!({"title": {"de": "Link"}, "format": "http://publications.europa.eu/resource/authority/file-type/CSV"});
    let response = app
        .client
        .post(app.url(&format!("{base}/distributions")))
        .bearer_auth(&token)
        .json(&no_url)
        .send()
        .await
        .unwrap();
    let message = assert_error(response, 422, "incomplete_for_publication").await;
    assert!(message.contains("distributions[2].access_url"), "{message}");
    let other = app.token(Some("stadt-wuppertal-102"), Role::Editor).await;
    let ok = json!({"title": {"de": "Link"}, "format": "http://publications.europa.eu/resource/authority/file-type/CSV", "access_url": "https://example.org/x.csv"});
    let foreign = app
        .client
        .post(app.url(&format!("{base}/distributions")))
        .bearer_auth(&other)
        .json(&ok)
        .send()
        .await
        .unwrap();
    assert_error(foreign, 403, "forbidden").await;
    let hosted = app.get_json(base).await["distributions"][0].clone();
    let (_, etag) = app
        .dataset_with_etag("digitalisierungsprojekte-digital-2026")
        .await;
    let mut linked = hosted.clone();
    linked["kind"] = json!("external_link");
    linked["access_url"] = json!("https://example.org/x.csv");
    let id = hosted["id"].as_str().unwrap();
    let response = app
        .put_json(
            &format!("{base}/distributions/{id}"),
            &token,
            &etag,
            &linked,
        )
        .await;
    assert_error(response, 422, "invalid_field").await;
}

#[tokio::test]
async fn a_put_that_leaves_a_distribution_out_withdraws_it_and_keeps_its_id() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let (mut doc, etag) = app
        .dataset_with_etag("digitalisierungsprojekte-digital-2026")
        .await;
    let before: Vec<_> = doc["distributions"].as_array().unwrap().clone();
    assert!(before.len() >= 2);
    let dropped = before[1]["id"].clone();
    doc["distributions"] = json!([before[0].clone()]);
    let response = app
        .put_json(
            "/api/v1/datasets/digitalisierungsprojekte-digital-2026",
            &token,
            &etag,
            &doc,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let after: serde_json::Value = response.json().await.unwrap();
    let dists = after["distributions"].as_array().unwrap();
    assert_eq!(dists.len(), before.len());
    assert_eq!(dists[0]["id"], before[0]["id"]);
    let withdrawn = dists.iter().find(|d| d["id"] == dropped).unwrap();
    assert_eq!(withdrawn["status"], "withdrawn");
}

#[tokio::test]
async fn a_url_of_any_length_is_stored_and_found_by_the_link_checker_lookup() {
    // PostgreSQL's B-tree entries hold at most ~2.7 kB: the URL indexes are hash indexes there.
    let app = spawn_app().await;
    let token = app.editor().await;
    let base = "/api/v1/datasets/digitalisierungsprojekte-digital-2026";
    let url = format!(
        "https://example.org/daten/%C3%BCbersicht.csv?q={}&ende=%E2%82%AC",
        "ä-Straße_0123456789".repeat(1_000)
    );
    let new = json!({
        "title": {"de": "Sehr lange Adresse"},
        "format": "http://publications.europa.eu/resource/authority/file-type/CSV",
        "access_url": url,
        "download_url": url,
    });
    let response = app
        .client
        .post(app.url(&format!("{base}/distributions")))
        .bearer_auth(&token)
        .json(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let id = location.rsplit('/').next().unwrap().to_owned();
    let one = app.get_json(&format!("{base}/distributions/{id}")).await;
    assert_eq!(one["access_url"].as_str(), Some(url.as_str()));
    assert_eq!(one["download_url"].as_str(), Some(url.as_str()));
    let (dataset, _) = app
        .dataset_with_etag("digitalisierungsprojekte-digital-2026")
        .await;
    let dataset_id: uuid::Uuid = dataset["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        app.catalog.datasets_naming(&url).await.unwrap(),
        vec![dataset_id]
    );
}
