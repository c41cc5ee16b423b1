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
    assert_eq!(
        updated["modified"], "1999-01-01T00:00:00Z",
        "modified is the publisher's date of the data's last change"
    );
    assert_ne!(
        updated["record_modified"], doc["record_modified"],
        "record_modified is read-only and moves with every write"
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

/// The N-Triples of a published dataset, once the projection caught up.
async fn dataset_nt(app: &crate::helpers::TestApp, slug: &str) -> String {
    app.projected().await;
    let response = app.get(&format!("/dataset/{slug}.nt")).await;
    assert_eq!(response.status().as_u16(), 200, "GET /dataset/{slug}.nt");
    response.text().await.unwrap()
}

#[tokio::test]
async fn dates_are_kept_as_written_and_plain_dates_are_xsd_dates() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let mut doc = new_dataset("termine");
    doc["issued"] = json!("2024-01-01");
    doc["modified"] = json!("2024-06-30T23:30:00+02:00");
    doc["distributions"][0]["issued"] = json!("2024-03-01T10:00:00+02:00");
    doc["distributions"][1]["issued"] = json!("2024-03-02");
    let response = app.post_dataset(&token, &doc).await;
    assert_eq!(response.status().as_u16(), 201);
    let stored = app.get_json("/api/v1/datasets/termine").await;
    assert_eq!(stored["issued"], "2024-01-01");
    assert_eq!(stored["modified"], "2024-06-30T23:30:00+02:00");
    assert_eq!(
        stored["distributions"][0]["issued"],
        "2024-03-01T10:00:00+02:00"
    );
    assert_eq!(stored["distributions"][1]["issued"], "2024-03-02");
    let nt = dataset_nt(&app, "termine").await;
    let date = "^^<http://www.w3.org/2001/XMLSchema#date>";
    let date_time = "^^<http://www.w3.org/2001/XMLSchema#dateTime>";
    for expected in [
        format!("<http://purl.org/dc/terms/issued> \"2024-01-01\"{date}"),
        format!("<http://purl.org/dc/terms/modified> \"2024-06-30T23:30:00+02:00\"{date_time}"),
        format!("<http://purl.org/dc/terms/issued> \"2024-03-01T10:00:00+02:00\"{date_time}"),
        format!("<http://purl.org/dc/terms/issued> \"2024-03-02\"{date}"),
    ] {
        assert!(nt.contains(&expected), "{expected} missing in\n{nt}");
    }
    // A local date-time without an offset is still refused, naming the field.
    let mut doc = new_dataset("ohne-zone");
    doc["issued"] = json!("2024-01-01T10:00:00");
    let message = assert_error(
        app.post_dataset(&token, &doc).await,
        422,
        "invalid_document",
    )
    .await;
    assert!(message.contains("issued"), "{message}");
}

#[tokio::test]
async fn modified_is_the_publishers_date_and_the_record_keeps_its_own() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let slug = "digitalisierungsprojekte-digital-2026";
    let path = format!("/api/v1/datasets/{slug}");
    // Sending back what GET returned does not turn the record's time into the publisher's date.
    let seconds = |v: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap())
            .unwrap()
            .timestamp()
    };
    let (doc, etag) = app.dataset_with_etag(slug).await;
    assert_eq!(seconds(&doc["modified"]), seconds(&doc["record_modified"]));
    let echoed: serde_json::Value = app
        .put_json(&path, &token, &etag, &doc)
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(echoed["record_modified"], doc["record_modified"]);
    assert_eq!(
        seconds(&echoed["modified"]),
        seconds(&echoed["record_modified"]),
        "not frozen"
    );
    // The publisher states when the data changed; later edits of the record leave it alone.
    let (mut doc, etag) = app.dataset_with_etag(slug).await;
    doc["modified"] = json!("2025-11-30");
    let response = app.put_json(&path, &token, &etag, &doc).await;
    assert_eq!(response.status().as_u16(), 200);
    let (mut doc, etag) = app.dataset_with_etag(slug).await;
    doc["version"] = json!("7");
    let after: serde_json::Value = app
        .put_json(&path, &token, &etag, &doc)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["modified"], "2025-11-30");
    assert_ne!(after["record_modified"], doc["record_modified"]);
    let nt = dataset_nt(&app, slug).await;
    assert!(
        nt.contains(
            "/dataset/{id}> <http://purl.org/dc/terms/modified> \"2025-11-30\"^^<http://www.w3.org/2001/XMLSchema#date>"
                .replace("{id}", after["id"].as_str().unwrap())
                .as_str()
        ),
        "{nt}"
    );
    assert!(
        nt.lines().any(
            |l| l.contains("#record> <http://purl.org/dc/terms/modified>")
                && l.contains("XMLSchema#dateTime")
        ),
        "the catalogue record keeps the record's change time: {nt}"
    );
}

#[tokio::test]
async fn the_identifier_is_assigned_once_and_does_not_follow_the_base_url() {
    let app = spawn_app().await;
    let token = app.editor().await;
    assert_eq!(
        app.post_dataset(&token, &new_dataset("bleibt"))
            .await
            .status()
            .as_u16(),
        201
    );
    let mut own = new_dataset("eigene-kennung");
    own["identifier"] = json!("urn:wuppertal:baustellen:1");
    assert_eq!(app.post_dataset(&token, &own).await.status().as_u16(), 201);
    let created = app.get_json("/api/v1/datasets/bleibt").await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created["identifier"],
        format!("http://odcat.test/dataset/{id}")
    );
    // A PUT without the identifier keeps it.
    let (mut doc, etag) = app.dataset_with_etag("bleibt").await;
    doc.as_object_mut().unwrap().remove("identifier");
    let put = app
        .put_json("/api/v1/datasets/bleibt", &token, &etag, &doc)
        .await;
    assert_eq!(put.status().as_u16(), 200);
    // A dataset from before identifiers were stored gets the IRI it had, at the next start.
    let fixture = app
        .get_json("/api/v1/datasets/digitalisierungsprojekte-digital-2026")
        .await;
    let fixture_id = uuid::Uuid::parse_str(fixture["id"].as_str().unwrap()).unwrap();
    entities::dataset::Entity::update_many()
        .col_expr(
            entities::dataset::Column::Identifier,
            sea_orm::sea_query::Expr::value(Option::<String>::None),
        )
        .filter(entities::dataset::Column::Id.eq(fixture_id))
        .exec(app.catalog.db())
        .await
        .unwrap();
    app.projected().await;
    let (_, fixture_etag) = app
        .dataset_with_etag("digitalisierungsprojekte-digital-2026")
        .await;
    let seq = app.catalog.max_seq().await.unwrap();

    // The same record served under a new base URL.
    let beside = tempfile::tempdir().unwrap();
    let mut settings = app._db.settings_beside(beside.path());
    settings.base_url = "https://daten.example.org".into();
    let moved = odcat::startup::Application::build(&settings).await.unwrap();
    let address = format!("http://127.0.0.1:{}", moved.port());
    let handle = moved.handle();
    tokio::spawn(moved.run_until_stopped());
    let client = crate::helpers::test_client();
    let read = |path: String| {
        let client = client.clone();
        let address = address.clone();
        async move {
            client
                .get(format!("{address}{path}"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let doc: serde_json::Value =
        serde_json::from_str(&read("/api/v1/datasets/bleibt".into()).await).unwrap();
    assert_eq!(doc["identifier"], format!("http://odcat.test/dataset/{id}"));
    let nt = read("/dataset/bleibt.nt".into()).await;
    assert!(
        nt.contains(&format!(
            "<https://daten.example.org/dataset/{id}> <http://purl.org/dc/terms/identifier> \"http://odcat.test/dataset/{id}\""
        )),
        "{nt}"
    );
    let own: serde_json::Value =
        serde_json::from_str(&read("/api/v1/datasets/eigene-kennung".into()).await).unwrap();
    assert_eq!(own["identifier"], "urn:wuppertal:baustellen:1");
    let stored = entities::dataset::Entity::find_by_id(fixture_id)
        .one(app.catalog.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.identifier.as_deref(),
        Some(format!("https://daten.example.org/dataset/{fixture_id}").as_str()),
        "stored at start-up, so it stays when the base URL changes again"
    );
    // Storing it is a write: a new revision and a `change_log` entry.
    let (entries, _) = app.catalog.changes_after(seq, 10).await.unwrap();
    // (Its quality assessment follows the new revision with an entry of its own.)
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.kind != odcat::catalog::change::EntityKind::Quality)
            .map(|e| (e.kind, e.id))
            .collect::<Vec<_>>(),
        [(odcat::catalog::change::EntityKind::Dataset, fixture_id)]
    );
    let response = client
        .get(format!(
            "{address}/api/v1/datasets/digitalisierungsprojekte-digital-2026"
        ))
        .send()
        .await
        .unwrap();
    assert_ne!(
        response.headers()["etag"].to_str().unwrap(),
        fixture_etag.as_str()
    );
    handle.stop(true).await;
}

#[tokio::test]
async fn a_record_stored_before_a_rule_it_breaks_can_still_be_withdrawn() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let token = app.editor().await;
    let created = app.post_dataset(&token, &new_dataset("alte-regeln")).await;
    assert_eq!(created.status().as_u16(), 201);
    // As a record stored before contact points needed a valid address would hold it.
    app.catalog
        .db()
        .execute_unprepared(
            "UPDATE contact_point SET email = 'a\"b@example.org', url = NULL, telephone = NULL",
        )
        .await
        .unwrap();
    let (_, etag) = app.dataset_with_etag("alte-regeln").await;
    // An edit must fix the address first ...
    let edit = app
        .client
        .patch(app.url("/api/v1/datasets/alte-regeln"))
        .bearer_auth(&token)
        .header("If-Match", &etag)
        .header("Content-Type", "application/merge-patch+json")
        .body(r#"{"version": "2"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(edit.status().as_u16(), 422);
    // ... but a withdrawal only changes the status.
    let withdrawn = app
        .delete_with("/api/v1/datasets/alte-regeln", &token, &etag)
        .await;
    assert_eq!(withdrawn.status().as_u16(), 200);
    let (doc, _) = app.dataset_with_etag("alte-regeln").await;
    assert_eq!(doc["status"], "withdrawn");
    app.projected().await;
    assert_eq!(
        app.get("/dataset/alte-regeln.ttl").await.status().as_u16(),
        410
    );
}

#[tokio::test]
async fn a_batch_of_datasets_is_written_as_single_creates_are_and_all_or_nothing() {
    use odcat::catalog::document::DatasetDocument;
    use odcat::catalog::service::Actor;
    // The API takes the publisher from the token; an operator's batch names it.
    fn batch_doc(slug: &str) -> DatasetDocument {
        let mut doc = new_dataset(slug);
        doc["publisher"] = json!("stadt-wuppertal-402");
        serde_json::from_value(doc).unwrap()
    }
    let app = spawn_app().await;
    let token = app.editor().await;
    let single = app.post_dataset(&token, &new_dataset("einzeln")).await;
    assert_eq!(single.status().as_u16(), 201);
    let single: serde_json::Value = single.json().await.unwrap();
    let docs: Vec<DatasetDocument> = ["stapel-a", "stapel-b", "stapel-c"]
        .iter()
        .map(|slug| batch_doc(slug))
        .collect();
    let before = app.count("change_log").await;
    let ids = app
        .catalog
        .create_datasets(&Actor::operator(), &docs)
        .await
        .unwrap();
    assert_eq!(ids.len(), 3);
    // One entry per dataset, and one per dataset's quality assessment.
    assert_eq!(app.count("change_log").await, before + 3 + 3);
    // Each reads back like the dataset created alone, but for its own id, slug, identifier and times.
    let differs = [
        "id",
        "slug",
        "identifier",
        "issued",
        "modified",
        "created",
        "updated",
        "record_modified",
        "record_created",
        "distributions",
    ];
    for (id, slug) in ids.iter().zip(["stapel-a", "stapel-b", "stapel-c"]) {
        let read = app.get_json(&format!("/api/v1/datasets/{slug}")).await;
        assert_eq!(read["id"], id.to_string());
        for (key, value) in single.as_object().unwrap() {
            if !differs.contains(&key.as_str()) {
                assert_eq!(&read[key], value, "{slug}: {key}");
            }
        }
        assert_eq!(
            read["distributions"].as_array().map(Vec::len),
            single["distributions"].as_array().map(Vec::len)
        );
    }
    // Listed, and each on the DCAT-AP catalogue pages (it has a listing position).
    let listed = app.get_json("/api/v1/datasets?q=stapel").await;
    assert_eq!(listed["total"], 3, "{listed}");
    let catalogue = app.get("/catalog.nt").await.text().await.unwrap();
    for id in &ids {
        let listed =
            format!("<http://www.w3.org/ns/dcat#dataset> <http://odcat.test/dataset/{id}> .");
        assert!(catalogue.contains(&listed), "{id}");
    }
    // A refused document refuses the batch: its index in the field, nothing written.
    let mut bad: Vec<DatasetDocument> = ["stapel-d", "stapel-e"]
        .iter()
        .map(|slug| batch_doc(slug))
        .collect();
    bad[1].title.de = String::new();
    let count = app.count("dataset").await;
    let error = app
        .catalog
        .create_datasets(&Actor::operator(), &bad)
        .await
        .unwrap_err();
    assert!(error.to_string().starts_with("[1].title"), "{error}");
    // A slug taken inside the batch is refused too, and rolls back what came before it.
    let twice: Vec<DatasetDocument> = ["stapel-f", "stapel-f"]
        .iter()
        .map(|slug| batch_doc(slug))
        .collect();
    assert!(
        app.catalog
            .create_datasets(&Actor::operator(), &twice)
            .await
            .is_err()
    );
    assert_eq!(app.count("dataset").await, count);
}
