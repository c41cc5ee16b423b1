//! Table uploads: `PUT /api/v1/datasets/{dataset}/distributions/{id}/data` with a CSV body, its
//! detection and inference, its refusals, and that a failed upload leaves the old rows in place.

use odcat::catalog::table;
use odcat::catalog::values::Role;
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{assert_error, spawn_app, spawn_app_with};

const PROJECTS: &str = "digitalisierungsprojekte-digital-2026";

/// German Excel: Windows-1252, `;`, decimal commas, `dd.mm.yyyy`, `ja`/`nein`, CRLF.
pub const GERMAN_EXCEL: &[u8] = b"Ma\xDFnahme;Stadtbezirk;Budget EUR;Beginn;Gef\xF6rdert\r\n\
Stra\xDFenbeleuchtung LED;Elberfeld;1.234.567,89;01.03.2024;ja\r\n\
Gr\xFCnfl\xE4chen digital;Barmen;7.500,5;15.11.2025;nein\r\n\
Schulnetz;Vohwinkel;;31.12.2026;ja\r\n";

#[tokio::test]
async fn a_german_excel_file_imports_with_types_and_umlauts() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let (id, _) = app.hosted(PROJECTS).await;
    let response = app.put_csv(&token, PROJECTS, id, GERMAN_EXCEL).await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["rows"], 3);
    assert_eq!(body["encoding"], "Windows-1252");
    assert_eq!(body["delimiter"], ";");
    let columns: Vec<(&str, &str)> = body["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        columns,
        [
            ("Maßnahme", "text"),
            ("Stadtbezirk", "text"),
            ("Budget EUR", "decimal"),
            ("Beginn", "date"),
            ("Gefördert", "boolean"),
        ]
    );
    // The metadata follows: row count, columns, size and checksum of the file as uploaded.
    let (_, hosted) = app.hosted(PROJECTS).await;
    assert_eq!(hosted["data_table"]["row_count"], 3);
    assert_eq!(hosted["byte_size"], GERMAN_EXCEL.len());
    assert_eq!(hosted["checksum"]["value"], body["sha256"]);
    assert_eq!(
        table::stored_rows(app.catalog.db(), id).await.unwrap(),
        Some(3)
    );
    // And so do the rows in the RDF projection, typed.
    app.projected().await;
    let ask = format!(
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
         ASK {{ GRAPH <http://odcat.test/distribution/{id}/data> {{
           ?row ?name \"Grünflächen digital\" ; ?budget \"7500.5\"^^xsd:decimal ;
                ?begin \"2025-11-15\"^^xsd:date ; ?funded false }} }}"
    );
    assert!(app.ask(&ask).await, "{ask}");
}

#[tokio::test]
async fn bad_files_are_refused_naming_the_line_and_the_old_rows_stay() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let (id, before) = app.hosted(PROJECTS).await;
    let long_field = [b"a,b\n1,".as_slice(), &vec![b'x'; 10 << 20], b"\n"].concat();
    let mixed = ["a;b\nStraße;1\n".as_bytes(), b"Gr\xF6\xDFe;2\n".as_slice()].concat();
    let cases: [(&str, Vec<u8>, &str); 7] = [
        ("empty file", Vec::new(), "line 1: the file is empty"),
        ("header only", b"a,b\n".to_vec(), "no data rows"),
        (
            "ragged rows",
            b"a,b,c\n1,2,3\n4,5\n".to_vec(),
            "line 3: 2 fields",
        ),
        (
            "duplicate header",
            b"a,b,a\n1,2,3\n".to_vec(),
            "appears twice",
        ),
        (
            "a 10 MB field",
            long_field,
            "line 2, column `b`: the field is longer",
        ),
        (
            "NUL bytes",
            b"a,b\n1,\x002\n".to_vec(),
            "line 2: the file contains a NUL byte",
        ),
        (
            "mixed encodings",
            mixed,
            "line 3: the bytes are not UTF-8, but line 2",
        ),
    ];
    for (what, body, expected) in cases {
        let response = app.put_csv(&token, PROJECTS, id, body).await;
        let message = assert_error(response, 422, "invalid_field").await;
        assert!(message.contains(expected), "{what}: {message}");
        let (_, after) = app.hosted(PROJECTS).await;
        assert_eq!(
            after["checksum"], before["checksum"],
            "{what}: the metadata stays"
        );
        assert_eq!(
            table::stored_rows(app.catalog.db(), id).await.unwrap(),
            Some(11),
            "{what}: the old rows stay"
        );
    }
}

#[tokio::test]
async fn an_aborted_upload_leaves_the_old_rows() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let (id, before) = app.hosted(PROJECTS).await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![
        Ok(b"projekt_id,titel\n".to_vec()),
        Ok(b"X-1,Erste Zeile\n".to_vec()),
        Err(std::io::Error::other("the client broke off")),
    ];
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let outcome = app
        .client
        .put(app.url(&format!(
            "/api/v1/datasets/{PROJECTS}/distributions/{id}/data"
        )))
        .bearer_auth(&token)
        .header("Content-Type", "text/csv")
        .body(body)
        .send()
        .await;
    if let Ok(response) = outcome {
        assert!(response.status().is_client_error(), "{}", response.status());
    }
    let (_, after) = app.hosted(PROJECTS).await;
    assert_eq!(after["checksum"], before["checksum"]);
    assert_eq!(
        table::stored_rows(app.catalog.db(), id).await.unwrap(),
        Some(11)
    );
}

#[tokio::test]
async fn uploads_need_a_writer_a_csv_body_a_hosted_table_and_a_sane_size() {
    let app = spawn_app_with(|s| s.max_upload_bytes = 1000).await;
    let token = app.editor().await;
    let (id, _) = app.hosted(PROJECTS).await;
    let url = app.url(&format!(
        "/api/v1/datasets/{PROJECTS}/distributions/{id}/data"
    ));
    let anonymous = app
        .client
        .put(&url)
        .header("Content-Type", "text/csv")
        .body("a\n1\n")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    let other = app.token(Some("stadt-wuppertal-102"), Role::Editor).await;
    assert_error(
        app.put_csv(&other, PROJECTS, id, "a\n1\n").await,
        403,
        "forbidden",
    )
    .await;
    let json = app
        .client
        .put(&url)
        .bearer_auth(&token)
        .json(&serde_json::json!({"a": 1}))
        .send()
        .await
        .unwrap();
    assert_error(json, 415, "unsupported_media_type").await;
    assert_error(
        app.put_csv(&token, PROJECTS, Uuid::new_v4(), "a\n1\n")
            .await,
        404,
        "distribution_not_found",
    )
    .await;
    let (link, _) = app.distribution_of_kind(PROJECTS, "external_link").await;
    let message = assert_error(
        app.put_csv(&token, PROJECTS, link, "a\n1\n").await,
        422,
        "invalid_field",
    )
    .await;
    assert!(message.contains("not a hosted_table"), "{message}");
    let stale = app
        .client
        .put(&url)
        .bearer_auth(&token)
        .header("Content-Type", "text/csv")
        .header("If-Match", "\"0-0\"")
        .body("a\n1\n")
        .send()
        .await
        .unwrap();
    assert_error(stale, 412, "precondition_failed").await;
    let big = "a\n".to_owned() + &"1\n".repeat(600);
    assert_error(
        app.put_csv(&token, PROJECTS, id, big).await,
        413,
        "payload_too_large",
    )
    .await;
    assert_eq!(
        table::stored_rows(app.catalog.db(), id).await.unwrap(),
        Some(11)
    );
}

/// `odcat import` runs the same pipeline from the command line.
#[tokio::test]
async fn the_import_command_loads_a_file_and_refuses_a_bad_one() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let db = crate::helpers::TestDatabase::new().await;
    let status = crate::crash::odcat(&db, &["load-fixtures"])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let connection = sea_orm::Database::connect(db.settings().database_url())
        .await
        .unwrap();
    let dataset = entities::dataset::Entity::find()
        .filter(entities::dataset::Column::Slug.eq(PROJECTS))
        .one(&connection)
        .await
        .unwrap()
        .unwrap();
    let id = entities::distribution::Entity::find()
        .filter(entities::distribution::Column::DatasetId.eq(dataset.id))
        .filter(entities::distribution::Column::Kind.eq("hosted_table"))
        .one(&connection)
        .await
        .unwrap()
        .unwrap()
        .id;
    let file = db.dir.path().join("massnahmen.csv");
    std::fs::write(&file, GERMAN_EXCEL).unwrap();
    let import = |path: &std::path::Path| {
        crate::crash::odcat(
            &db,
            &[
                "import",
                "--dataset",
                PROJECTS,
                "--distribution",
                &id.to_string(),
                path.to_str().unwrap(),
            ],
        )
        .output()
        .unwrap()
    };
    let output = import(&file);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("imported 3 rows"), "{stdout}");
    assert!(stdout.contains("Budget EUR: decimal"), "{stdout}");
    assert_eq!(table::stored_rows(&connection, id).await.unwrap(), Some(3));

    let bad = db.dir.path().join("kaputt.csv");
    std::fs::write(&bad, "a,b\n1\n").unwrap();
    let output = import(&bad);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("line 2: 1 fields where the header has 2"),
        "{stderr}"
    );
    assert_eq!(table::stored_rows(&connection, id).await.unwrap(), Some(3));
}
