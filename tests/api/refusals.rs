//! Every refusal answers its status with the envelope and leaves the stored data unchanged.

use odcat::catalog::auth;
use odcat::catalog::values::Role;
use serde_json::json;

use crate::helpers::{TestApp, assert_error, new_dataset, spawn_app};

async fn snapshot(app: &TestApp) -> (i64, i64, i64, serde_json::Value) {
    (
        app.count("dataset").await,
        app.count("distribution").await,
        app.count("change_log").await,
        app.get_json("/api/v1/datasets/digitalisierungsprojekte-digital-2026")
            .await,
    )
}

#[tokio::test]
async fn bad_tokens_are_refused_with_401() {
    let app = spawn_app().await;
    let before = snapshot(&app).await;
    let revoked = auth::create_token(
        app.catalog.db(),
        Some("stadt-wuppertal-402"),
        Role::Editor,
        None,
    )
    .await
    .unwrap();
    auth::revoke_token(app.catalog.db(), revoked.id)
        .await
        .unwrap();
    let unknown = format!("odcat_{}", "0".repeat(64));
    let cases: [(Option<String>, &str); 6] = [
        (None, "missing_token"),
        (Some("Bearer".into()), "malformed_token"),
        (Some("Bearer not-a-token".into()), "malformed_token"),
        (Some(format!("Basic {unknown}")), "malformed_token"),
        (Some(format!("Bearer {unknown}")), "invalid_token"),
        (Some(format!("Bearer {}", revoked.secret)), "revoked_token"),
    ];
    for (header, code) in cases {
        let mut request = app
            .client
            .post(app.url("/api/v1/datasets"))
            .json(&new_dataset("neu"));
        if let Some(h) = header {
            request = request.header("Authorization", h);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.headers().contains_key("www-authenticate"),
            "{code}"
        );
        assert_error(response, 401, code).await;
    }
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn a_token_may_not_write_for_another_publisher() {
    let app = spawn_app().await;
    let geodata = app.token(Some("stadt-wuppertal-102"), Role::Editor).await;
    let before = snapshot(&app).await;
    let mut doc = new_dataset("fremd");
    doc["publisher"] = json!("stadt-wuppertal-402");
    assert_error(app.post_dataset(&geodata, &doc).await, 403, "forbidden").await;
    let (current, etag) = app
        .dataset_with_etag("digitalisierungsprojekte-digital-2026")
        .await;
    let put = app
        .put_json(
            "/api/v1/datasets/digitalisierungsprojekte-digital-2026",
            &geodata,
            &etag,
            &current,
        )
        .await;
    assert_error(put, 403, "forbidden").await;
    let delete = app
        .delete_with(
            "/api/v1/datasets/digitalisierungsprojekte-digital-2026",
            &geodata,
            &etag,
        )
        .await;
    assert_error(delete, 403, "forbidden").await;
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn malformed_and_invalid_bodies_are_refused_naming_the_problem() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let before = snapshot(&app).await;
    let post_raw = |body: &'static str, content_type: &'static str| {
        app.client
            .post(app.url("/api/v1/datasets"))
            .bearer_auth(&token)
            .header("Content-Type", content_type)
            .body(body)
            .send()
    };
    assert_error(
        post_raw("{\"slug\": ", "application/json").await.unwrap(),
        400,
        "malformed_json",
    )
    .await;
    assert_error(
        post_raw("slug=x", "application/x-www-form-urlencoded")
            .await
            .unwrap(),
        415,
        "unsupported_media_type",
    )
    .await;

    type Change = Box<dyn Fn(&mut serde_json::Value)>;
    let invalid: Vec<(&str, Change, u16, &str)> = vec![
        (
            "license",
            Box::new(|d| d["license"] = json!("http://dcat-ap.de/def/licenses/cc-by/4_0")),
            422,
            "invalid_field",
        ),
        (
            "themes[0]",
            Box::new(|d| {
                d["themes"] =
                    json!(["http://publications.europa.eu/resource/authority/data-theme/ENVV"])
            }),
            422,
            "invalid_field",
        ),
        (
            "distributions[1].format",
            Box::new(|d| d["distributions"][1]["format"] = json!("CSV")),
            422,
            "invalid_field",
        ),
        (
            "contact_point.email",
            Box::new(|d| d["contact_point"]["email"] = json!("kein-mail")),
            422,
            "invalid_field",
        ),
        (
            "licence",
            Box::new(|d| d["licence"] = json!("x")),
            422,
            "invalid_document",
        ),
        (
            "title",
            Box::new(|d| d["title"] = json!("nur ein Text")),
            422,
            "invalid_document",
        ),
        (
            "publisher",
            Box::new(|d| d["publisher"] = json!("gibt-es-nicht")),
            422,
            "invalid_field",
        ),
    ];
    for (field, change, status, code) in invalid {
        let mut doc = new_dataset("ungueltig");
        change(&mut doc);
        let message = assert_error(app.post_dataset(&token, &doc).await, status, code).await;
        assert!(message.contains(field), "{field}: {message}");
    }
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn an_oversize_body_is_refused_with_413() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let before = snapshot(&app).await;
    let mut doc = new_dataset("riesig");
    doc["description"]["de"] = json!("x".repeat(2 * 1024 * 1024));
    assert_error(
        app.post_dataset(&token, &doc).await,
        413,
        "payload_too_large",
    )
    .await;
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn a_taken_slug_is_refused_with_409() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let before = snapshot(&app).await;
    let doc = new_dataset("digitalisierungsprojekte-digital-2026");
    assert_error(app.post_dataset(&token, &doc).await, 409, "slug_taken").await;
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn updates_need_a_current_if_match() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let path = "/api/v1/datasets/digitalisierungsprojekte-digital-2026";
    let (current, etag) = app
        .dataset_with_etag("digitalisierungsprojekte-digital-2026")
        .await;
    let before = snapshot(&app).await;
    let put = |if_match: Option<&'static str>| {
        let mut r = app
            .client
            .put(app.url(path))
            .bearer_auth(&token)
            .json(&current);
        if let Some(v) = if_match {
            r = r.header("If-Match", v);
        }
        r.send()
    };
    assert_error(put(None).await.unwrap(), 428, "precondition_required").await;
    assert_error(
        put(Some("\"0-1\"")).await.unwrap(),
        412,
        "precondition_failed",
    )
    .await;
    assert_error(
        put(Some("W/\"weak\"")).await.unwrap(),
        400,
        "invalid_header",
    )
    .await;
    let patch = app
        .client
        .patch(app.url(path))
        .bearer_auth(&token)
        .header("Content-Type", "application/merge-patch+json")
        .body("{\"version\": \"2\"}")
        .send()
        .await
        .unwrap();
    assert_error(patch, 428, "precondition_required").await;
    assert_eq!(snapshot(&app).await, before);
    // The stale tag is refused even after a successful write with the right one.
    let ok = app.put_json(path, &token, &etag, &current).await;
    assert_eq!(ok.status().as_u16(), 200);
    let stale = app.put_json(path, &token, &etag, &current).await;
    assert_error(stale, 412, "precondition_failed").await;
}
