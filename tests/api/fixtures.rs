use odcat::catalog::{fixtures, table};

use crate::helpers::spawn_app;

#[tokio::test]
async fn fixtures_hold_the_wuppertal_catalogue_with_complete_metadata() {
    let app = spawn_app().await;
    let page = app.get_json("/api/v1/datasets?per_page=100").await;
    assert!(page["total"].as_u64().unwrap() >= 11, "{}", page["total"]);
    let publishers = app.get_json("/api/v1/publishers").await;
    assert_eq!(publishers.as_array().unwrap().len(), 3);
    for d in page["items"].as_array().unwrap() {
        let slug = d["slug"].as_str().unwrap();
        for field in [
            "title",
            "description",
            "license",
            "publisher",
            "spatial",
            "geocoding_level",
            "accrual_periodicity",
            "contact_point",
            "issued",
            "modified",
        ] {
            assert!(!d[field].is_null(), "{slug} lacks {field}");
        }
        assert!(
            d["title"]["en"].is_string() && d["description"]["en"].is_string(),
            "{slug} lacks English"
        );
        assert!(
            !d["themes"].as_array().unwrap().is_empty(),
            "{slug} lacks themes"
        );
        assert!(
            !d["distributions"].as_array().unwrap().is_empty(),
            "{slug} lacks distributions"
        );
    }
}

#[tokio::test]
async fn both_tabular_fixtures_have_their_rows_in_sql() {
    let app = spawn_app().await;
    for (slug, min_rows) in [
        ("digitalisierungsprojekte-digital-2026", 10),
        ("online-dienstleistungen-wuppertal", 19),
    ] {
        let doc = app.get_json(&format!("/api/v1/datasets/{slug}")).await;
        let hosted = doc["distributions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["kind"] == "hosted_table")
            .unwrap_or_else(|| panic!("{slug} has no hosted table"));
        let row_count = hosted["data_table"]["row_count"].as_i64().unwrap();
        assert!(row_count >= min_rows, "{slug}: {row_count} rows");
        let id = uuid::Uuid::parse_str(hosted["id"].as_str().unwrap()).unwrap();
        let stored = table::stored_rows(app.catalog.db(), id).await.unwrap();
        assert_eq!(stored, Some(row_count), "{slug}: rows in the SQL table");
        assert_eq!(hosted["checksum"]["algorithm"], "sha256");
        assert!(
            hosted["download_url"]
                .as_str()
                .unwrap()
                .ends_with("/data.csv")
        );
    }
}

#[tokio::test]
async fn loading_the_fixtures_again_adds_nothing() {
    let app = spawn_app().await;
    let changes = app.count("change_log").await;
    let report = fixtures::load(&app.catalog).await.unwrap();
    assert_eq!(report, fixtures::FixtureReport::default());
    assert_eq!(app.count("change_log").await, changes);
}
