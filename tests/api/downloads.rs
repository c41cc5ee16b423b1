//! Downloads of hosted tables: `/dataset/{slug}/distribution/{id}/data.{csv,json,ndjson}`.

use serde_json::Value;

use crate::helpers::{assert_error, spawn_app};

const PROJECTS: &str = "digitalisierungsprojekte-digital-2026";

async fn projects_table(app: &crate::helpers::TestApp) -> String {
    let (id, _) = app.hosted(PROJECTS).await;
    format!("/dataset/{PROJECTS}/distribution/{id}/data")
}

#[tokio::test]
async fn the_download_urls_of_the_fixtures_answer_every_format() {
    let app = spawn_app().await;
    let base = projects_table(&app).await;
    let csv = app.get(&format!("{base}.csv")).await;
    assert_eq!(csv.status().as_u16(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let disposition = csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains(&format!("{PROJECTS}.csv")),
        "{disposition}"
    );
    assert!(csv.headers().contains_key("etag"));
    let text = csv.text().await.unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("projekt_id,titel,"));
    assert_eq!(text.lines().count(), 12, "header and 11 rows");

    let json: Value = app.get_json(&format!("{base}.json")).await;
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 11);
    assert_eq!(rows[1]["projekt_id"], "DT-02");
    assert_eq!(rows[1]["budget_eur"], 2_000_000.0, "numbers stay numbers");
    assert_eq!(rows[1]["beginn"], "2019-01-01");
    assert_eq!(rows[0]["ende"], Value::Null, "empty cells are null");

    let ndjson = app
        .get(&format!("{base}.ndjson"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(ndjson.lines().count(), 11);
    assert!(
        ndjson
            .lines()
            .all(|l| serde_json::from_str::<Value>(l).is_ok())
    );
}

#[tokio::test]
async fn fields_windows_and_german_excel_options_shape_the_download() {
    let app = spawn_app().await;
    let base = projects_table(&app).await;
    let text = app
        .get(&format!(
            "{base}.csv?fields=budget_eur,projekt_id&offset=1&limit=2&sep=;&bom=true"
        ))
        .await
        .bytes()
        .await
        .unwrap();
    assert!(text.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
    let text = String::from_utf8(text[3..].to_vec()).unwrap();
    assert_eq!(
        text,
        "budget_eur;projekt_id\r\n2000000;DT-02\r\n2000000;DT-03\r\n"
    );
    let json: Value = app
        .get_json(&format!("{base}.json?fields=projekt_id&limit=1&offset=10"))
        .await;
    assert_eq!(json, serde_json::json!([{ "projekt_id": "DT-11" }]));
    let empty: Value = app.get_json(&format!("{base}.json?offset=100")).await;
    assert_eq!(empty, serde_json::json!([]));
    // Validators: the same URL again is 304.
    let first = app.get(&format!("{base}.csv")).await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = app
        .client
        .get(app.url(&format!("{base}.csv")))
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
}

#[tokio::test]
async fn bad_download_parameters_are_named() {
    let app = spawn_app().await;
    let base = projects_table(&app).await;
    for (query, field) in [
        ("fields=nope", "fields"),
        ("limit=-1", "limit"),
        ("offset=x", "offset"),
        ("sep=x", "sep"),
        ("bom=vielleicht", "bom"),
        ("colour=red", "colour"),
    ] {
        let response = app.get(&format!("{base}.csv?{query}")).await;
        let message = assert_error(response, 400, "invalid_parameter").await;
        assert!(message.starts_with(field), "{query}: {message}");
    }
    assert_error(
        app.get(&format!("{base}.xlsx")).await,
        404,
        "unknown_format",
    )
    .await;
    let unknown = format!(
        "/dataset/{PROJECTS}/distribution/{}/data.csv",
        uuid::Uuid::new_v4()
    );
    assert_error(app.get(&unknown).await, 404, "distribution_not_found").await;
    assert_error(
        app.get(
            "/dataset/no-such-dataset/distribution/00000000-0000-0000-0000-000000000000/data.csv",
        )
        .await,
        404,
        "dataset_not_found",
    )
    .await;
}

#[tokio::test]
async fn the_rows_api_pages_with_total_and_column_types() {
    let app = spawn_app().await;
    let (id, _) = app.hosted(PROJECTS).await;
    let base = format!("/api/v1/datasets/{PROJECTS}/distributions/{id}/rows");
    let page: Value = app.get_json(&format!("{base}?page=2&per_page=5")).await;
    assert_eq!(page["total"], 11);
    assert_eq!(
        (page["page"].as_u64(), page["per_page"].as_u64()),
        (Some(2), Some(5))
    );
    let rows = page["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0]["projekt_id"], "DT-06");
    let budget = page["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "budget_eur")
        .unwrap()
        .clone();
    assert_eq!(budget["type"], "decimal");
    let last: Value = app.get_json(&format!("{base}?page=3&per_page=5")).await;
    assert_eq!(last["rows"].as_array().unwrap().len(), 1);
    for query in ["page=0", "per_page=5000", "colour=red", "page=x"] {
        let response = app.get(&format!("{base}?{query}")).await;
        assert_eq!(response.status().as_u16(), 400, "{query}");
        let body: Value = response.json().await.unwrap();
        assert!(body["error"]["code"].is_string(), "{query}: {body}");
    }
}
