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

/// A `Change` applied to the valid [`new_dataset`] document.
type Edit = Box<dyn Fn(&mut serde_json::Value)>;

/// Puts a text into one field of a document.
type SetText = fn(&mut serde_json::Value, &str);

/// Posts each edited document and asserts a 422 naming `field`; nothing stored changes.
async fn assert_each_refused(app: &TestApp, cases: Vec<(String, Edit)>) {
    let token = app.editor().await;
    let before = snapshot(app).await;
    for (field, edit) in cases {
        let mut doc = new_dataset("abgelehnt");
        edit(&mut doc);
        let response = app.post_dataset(&token, &doc).await;
        let message = assert_error(response, 422, "invalid_field").await;
        assert!(
            message.starts_with(&format!("{field}: ")),
            "{field}: {message}"
        );
    }
    assert_eq!(snapshot(app).await, before);
}

#[tokio::test]
async fn control_characters_are_refused_in_every_text_field() {
    let app = spawn_app().await;
    let mut cases: Vec<(String, Edit)> = Vec::new();
    for bad in ["\u{b}", "\u{1}", "\u{1b}", "\u{fffe}", "\u{ffff}"] {
        let text = format!("A{bad}B");
        let fields: [(&str, SetText); 9] = [
            ("title.de", |d, t| d["title"]["de"] = json!(t)),
            ("description.en", |d, t| d["description"]["en"] = json!(t)),
            ("keywords.de[1]", |d, t| d["keywords"]["de"][1] = json!(t)),
            ("license_attribution", |d, t| {
                d["license_attribution"] = json!(t)
            }),
            ("version", |d, t| d["version"] = json!(t)),
            ("identifier", |d, t| d["identifier"] = json!(t)),
            ("contact_point.name", |d, t| {
                d["contact_point"]["name"] = json!(t)
            }),
            ("distributions[0].title.de", |d, t| {
                d["distributions"][0]["title"]["de"] = json!(t)
            }),
            ("distributions[1].description.de", |d, t| {
                d["distributions"][1]["description"] = json!({ "de": t })
            }),
        ];
        for (field, set) in fields {
            let text = text.clone();
            cases.push((field.to_owned(), Box::new(move |d| set(d, &text))));
        }
    }
    assert_each_refused(&app, cases).await;
}

#[tokio::test]
async fn urls_that_are_no_iris_are_refused_instead_of_dropped_from_the_rdf() {
    let app = spawn_app().await;
    let mut cases: Vec<(String, Edit)> = Vec::new();
    for bad in [" ", "\"", "<", ">", "{", "}", "|", "^", "`", "\\"] {
        let url = format!("https://www.wuppertal.de/daten{bad}liste.csv");
        for (field, pointer) in [
            ("distributions[0].access_url", "/distributions/0/access_url"),
            (
                "distributions[1].download_url",
                "/distributions/1/download_url",
            ),
            ("landing_page", "/landing_page"),
            ("contact_point.url", "/contact_point/url"),
        ] {
            let url = url.clone();
            cases.push((
                field.to_owned(),
                Box::new(move |d| {
                    let (parent, key) = pointer.rsplit_once('/').unwrap();
                    d.pointer_mut(parent).unwrap()[key] = json!(url);
                }),
            ));
        }
    }
    assert_each_refused(&app, cases).await;
}

#[tokio::test]
async fn contact_points_without_a_valid_address_are_refused() {
    let app = spawn_app().await;
    let cases: Vec<(String, Edit)> = vec![
        (
            "contact_point".into(),
            Box::new(|d| d["contact_point"] = json!({"name": "Open-Data-Team"})),
        ),
        (
            "contact_point.email".into(),
            Box::new(|d| d["contact_point"]["email"] = json!("a\"b@example.org")),
        ),
        (
            "contact_point.telephone".into(),
            Box::new(|d| {
                d["contact_point"] = json!({"name": "Open-Data-Team", "telephone": "ruf an"})
            }),
        ),
    ];
    assert_each_refused(&app, cases).await;
}

#[tokio::test]
async fn codes_outside_the_official_lists_are_refused() {
    let app = spawn_app().await;
    let cases: Vec<(String, Edit)> = vec![
        (
            "languages[0]".into(),
            Box::new(|d| {
                d["languages"] =
                    json!(["http://publications.europa.eu/resource/authority/language/XXX"])
            }),
        ),
        (
            "contributor_id".into(),
            Box::new(|d| {
                d["contributor_id"] = json!("http://dcat-ap.de/def/contributors/gibtEsNicht")
            }),
        ),
        (
            "distributions[0].media_type".into(),
            Box::new(|d| {
                d["distributions"][0]["media_type"] =
                    json!("https://www.iana.org/assignments/media-types/foo/bar")
            }),
        ),
        (
            "availability".into(),
            Box::new(|d| {
                d["availability"] = json!(
                    "http://publications.europa.eu/resource/authority/planned-availability/BALD"
                )
            }),
        ),
        (
            "distributions[1].availability".into(),
            Box::new(|d| d["distributions"][1]["availability"] = json!("STABLE")),
        ),
        (
            "spatial".into(),
            Box::new(|d| d["spatial"] = json!("https://sws.geonames.org/wuppertal/")),
        ),
        (
            "distributions[0].checksum.algorithm".into(),
            Box::new(|d| {
                d["distributions"][0]["checksum"] =
                    json!({"algorithm": "crc32", "value": "0a1b2c3d"})
            }),
        ),
    ];
    assert_each_refused(&app, cases).await;
}

#[tokio::test]
async fn a_patch_with_a_control_character_changes_nothing() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let path = "/api/v1/datasets/digitalisierungsprojekte-digital-2026";
    let (_, etag) = app
        .dataset_with_etag("digitalisierungsprojekte-digital-2026")
        .await;
    let before = snapshot(&app).await;
    let patch = app
        .client
        .patch(app.url(path))
        .bearer_auth(&token)
        .header("If-Match", etag)
        .header("Content-Type", "application/merge-patch+json")
        .body(r#"{"title": {"de": "Projekte\u000bdigiTal"}}"#)
        .send()
        .await
        .unwrap();
    let message = assert_error(patch, 422, "invalid_field").await;
    assert!(message.starts_with("title.de: "), "{message}");
    assert_eq!(snapshot(&app).await, before);
}
