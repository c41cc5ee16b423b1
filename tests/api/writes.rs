use odcat::catalog::values::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::helpers::{assert_error, new_dataset, spawn_app};

#[tokio::test]
async fn a_created_dataset_is_readable_and_logged_in_the_same_transaction() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let response = app.post_dataset(&token, &new_dataset("baustellen")).await;
    assert_eq!(response.status().as_u16(), 201);
    assert!(response.headers().contains_key("etag"));
    let created: serde_json::Value = response.json().await.unwrap();
    assert_eq!(created["publisher"], "stadt-wuppertal-402");
    assert_eq!(created["revision"], 1);
    assert_eq!(created["distributions"].as_array().unwrap().len(), 2);
    assert!(created["issued"].is_string(), "publishing sets issued");

    let read = app.get_json("/api/v1/datasets/baustellen").await;
    assert_eq!(read, created);
    let id = uuid::Uuid::parse_str(created["id"].as_str().unwrap()).unwrap();
    let log = entities::change_log::Entity::find()
        .filter(entities::change_log::Column::EntityId.eq(id))
        .all(app.catalog.db())
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].entity_kind.as_str(), log[0].operation.as_str()),
        ("dataset", "create")
    );
    let listed = app.get_json("/api/v1/datasets?q=baustellen").await;
    assert_eq!(listed["total"], 1);
}

#[tokio::test]
async fn put_accepts_the_document_that_get_returns() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let (mut doc, etag) = app
        .dataset_with_etag("digitalisierungsprojekte-digital-2026")
        .await;
    let revision = doc["revision"].as_i64().unwrap();
    doc["title"]["en"] = json!("Digitalisation projects digiTal 2026 (updated)");
    doc["modified"] = json!("1999-01-01T00:00:00Z");
    let response = app
        .put_json(
            "/api/v1/datasets/digitalisierungsprojekte-digital-2026",
            &token,
            &etag,
            &doc,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let new_etag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(new_etag, etag);
    let updated: serde_json::Value = response.json().await.unwrap();
    assert_eq!(updated["revision"].as_i64().unwrap(), revision + 1);
    assert_eq!(
        updated["title"]["en"],
        "Digitalisation projects digiTal 2026 (updated)"
    );
    assert_ne!(
        updated["modified"], "1999-01-01T00:00:00Z",
        "modified is read-only"
    );
    assert_eq!(updated["id"], doc["id"]);
    let old_ids: Vec<_> = doc["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].clone())
        .collect();
    let new_ids: Vec<_> = updated["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].clone())
        .collect();
    assert_eq!(old_ids, new_ids, "distribution ids are stable across a PUT");
    assert_eq!(
        updated["distributions"][0]["data_table"]["row_count"],
        doc["distributions"][0]["data_table"]["row_count"]
    );
}

#[tokio::test]
async fn patch_changes_only_the_fields_it_names() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let (before, etag) = app
        .dataset_with_etag("online-dienstleistungen-wuppertal")
        .await;
    let response = app.client.patch(app.url("/api/v1/datasets/online-dienstleistungen-wuppertal"))
        .bearer_auth(&token).header("If-Match", &etag)
        .header("Content-Type", "application/merge-patch+json")
        .body(r#"{"version": "2025-06", "keywords": {"de": ["OZG", "Serviceportal"]}, "landing_page": null}"#)
        .send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let after: serde_json::Value = response.json().await.unwrap();
    assert_eq!(after["version"], "2025-06");
    assert_eq!(after["keywords"]["de"], json!(["OZG", "Serviceportal"]));
    assert_eq!(after["keywords"]["en"], before["keywords"]["en"]);
    assert!(after["landing_page"].is_null());
    assert_eq!(after["title"], before["title"]);
    let (_, etag) = app
        .dataset_with_etag("online-dienstleistungen-wuppertal")
        .await;
    let bad = app
        .client
        .patch(app.url("/api/v1/datasets/online-dienstleistungen-wuppertal"))
        .bearer_auth(&token)
        .header("If-Match", &etag)
        .json(&json!({"license": "MIT"}))
        .send()
        .await
        .unwrap();
    assert_error(bad, 422, "invalid_field").await;
}

#[tokio::test]
async fn a_withdrawn_dataset_leaves_the_default_list_but_stays_readable() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let (_, etag) = app
        .dataset_with_etag("open-data-dienstanweisung-wuppertal")
        .await;
    let response = app
        .delete_with(
            "/api/v1/datasets/open-data-dienstanweisung-wuppertal",
            &token,
            &etag,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let doc = app
        .get_json("/api/v1/datasets/open-data-dienstanweisung-wuppertal")
        .await;
    assert_eq!(doc["status"], "withdrawn");
    assert_eq!(app.get_json("/api/v1/datasets").await["total"], 10);
    assert_eq!(
        app.get_json("/api/v1/datasets?status=withdrawn").await["total"],
        1
    );
}

#[tokio::test]
async fn drafts_are_visible_to_their_publisher_only() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let mut doc = new_dataset("entwurf");
    doc["status"] = json!("draft");
    assert_eq!(app.post_dataset(&token, &doc).await.status().as_u16(), 201);
    assert_error(
        app.get("/api/v1/datasets/entwurf").await,
        404,
        "dataset_not_found",
    )
    .await;
    let own = app
        .client
        .get(app.url("/api/v1/datasets/entwurf"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status().as_u16(), 200);
    let other = app.token(Some("stadt-wuppertal-102"), Role::Editor).await;
    let foreign = app
        .client
        .get(app.url("/api/v1/datasets/entwurf"))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status().as_u16(), 404);
    let drafts: serde_json::Value = app
        .client
        .get(app.url("/api/v1/datasets?status=draft"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(drafts["total"], 1);
}

#[tokio::test]
async fn an_admin_token_writes_for_any_publisher() {
    let app = spawn_app().await;
    let admin = app.token(None, Role::Admin).await;
    let mut doc = new_dataset("geodaten-neu");
    doc["publisher"] = json!("stadt-wuppertal-102");
    let response = app.post_dataset(&admin, &doc).await;
    assert_eq!(response.status().as_u16(), 201);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["publisher"], "stadt-wuppertal-102");
    let no_publisher = app
        .post_dataset(&admin, &new_dataset("ohne-herausgeber"))
        .await;
    assert_error(no_publisher, 422, "invalid_field").await;
}

#[tokio::test]
async fn concurrent_writes_to_one_dataset_never_lose_an_update() {
    let app = spawn_app().await;
    let token = app
        .token(Some("stadt-wuppertal-smart-city"), Role::Editor)
        .await;
    let (doc, etag) = app
        .dataset_with_etag("smart-city-massnahmen-wuppertal")
        .await;
    let admin = app.token(None, Role::Admin).await;
    let mut tasks = vec![];
    for i in 0..6 {
        let client = app.client.clone();
        let url = app.url("/api/v1/datasets/smart-city-massnahmen-wuppertal");
        let token = if i % 2 == 0 {
            token.clone()
        } else {
            admin.clone()
        };
        let etag = etag.clone();
        let mut body = doc.clone();
        body["version"] = json!(format!("v{i}"));
        tasks.push(tokio::spawn(async move {
            client
                .put(url)
                .bearer_auth(token)
                .header("If-Match", etag)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = vec![];
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        vec![200, 412, 412, 412, 412, 412],
        "exactly one write with the same ETag wins"
    );
}
