//! Table uploads: `PUT /api/v1/datasets/{dataset}/distributions/{id}/data` with a CSV body, its
//! detection and inference, its refusals, and that a failed upload leaves the old rows in place.

use odcat::catalog::change::EntityKind;
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
    let import_with = |extra: &[&str], path: &std::path::Path| {
        let id = id.to_string();
        let mut args = vec!["import", "--dataset", PROJECTS, "--distribution", &id];
        args.extend_from_slice(extra);
        args.push(path.to_str().unwrap());
        crate::crash::odcat(&db, &args).output().unwrap()
    };
    let import = |path: &std::path::Path| import_with(&[], path);
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

    // --schema: the file is read with the declared types, and the schema is declared from then on.
    let schema = db.dir.path().join("schema.json");
    std::fs::write(
        &schema,
        r#"{"fields": [{"name": "PLZ", "type": "integer"}, {"name": "Ort"}]}"#,
    )
    .unwrap();
    let plz = db.dir.path().join("plz.csv");
    std::fs::write(&plz, "PLZ;Ort\n42103;Elberfeld\n42275;Barmen\n").unwrap();
    let output = import_with(&["--schema", schema.to_str().unwrap()], &plz);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("PLZ: integer"), "{stdout}");
    let declared = entities::distribution::Entity::find_by_id(id)
        .one(&connection)
        .await
        .unwrap()
        .unwrap()
        .table_schema;
    assert_eq!(declared.unwrap()["fields"][0]["type"], "integer");
    std::fs::write(&plz, "PLZ;Ort\n42103;Elberfeld\nkeine;Barmen\n").unwrap();
    let output = import(&plz);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 3, column `PLZ`"), "{stderr}");
    std::fs::write(
        &schema,
        r#"{"fields": [{"name": "PLZ", "type": "postcode"}]}"#,
    )
    .unwrap();
    let output = import_with(&["--schema", schema.to_str().unwrap()], &plz);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("fields[0].type"), "{stderr}");
    assert_eq!(table::stored_rows(&connection, id).await.unwrap(), Some(2));
}

#[tokio::test]
async fn formula_like_cells_are_kept_as_text_and_neutralised_on_request() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let (id, _) = app.hosted(PROJECTS).await;
    let file = "Name;Telefon;Notiz;Saldo\r\n\
                Amt;+49 202 563-0;=HYPERLINK(\"http://evil.example\",\"klick\");-5\r\n\
                Kasse;@SUMME(A1);-Rabatt;7\r\n";
    let response = app.put_csv(&token, PROJECTS, id, file).await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["columns"][1]["type"], "text");
    assert_eq!(
        body["columns"][3]["type"], "integer",
        "-5 is a number, not a formula"
    );
    let base = format!("/dataset/{PROJECTS}/distribution/{id}/data.csv");
    let plain = app.get(&base).await.text().await.unwrap();
    assert!(
        plain.contains("\"=HYPERLINK(\"\"http://evil.example\"\",\"\"klick\"\")\""),
        "{plain}"
    );
    let safe = app
        .get(&format!("{base}?escape_formulas=true&sep=;"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        safe,
        "Name;Telefon;Notiz;Saldo\r\n\
         Amt;'+49 202 563-0;\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"klick\"\")\";-5\r\n\
         Kasse;'@SUMME(A1);'-Rabatt;7\r\n"
    );
    // JSON is data, not a spreadsheet: the cells stay as written.
    let json: Value = app
        .get_json(&format!("/dataset/{PROJECTS}/distribution/{id}/data.json"))
        .await;
    assert_eq!(json[1]["Telefon"], "@SUMME(A1)");
}

#[tokio::test]
async fn a_declared_table_schema_types_uploads_and_refuses_cells_that_do_not_fit() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let (id, before) = app.hosted(PROJECTS).await;
    let url = format!("/api/v1/datasets/{PROJECTS}/distributions/{id}/schema");
    assert_error(app.get(&url).await, 404, "no_table_schema").await;
    let put = |body: Value, token: Option<&str>| {
        let mut request = app.client.put(app.url(&url)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    // Refusals: no token, a bad schema naming the field.
    let schema = serde_json::json!({"fields": [
        {"name": "n", "type": "integer"},
        {"name": "PLZ", "type": "integer"},
        {"name": "Anteil", "type": "number"}
    ]});
    assert_error(
        put(schema.clone(), None).await.unwrap(),
        401,
        "missing_token",
    )
    .await;
    let bad = serde_json::json!({"fields": [{"name": "n", "type": "geopoint"}]});
    let message = assert_error(put(bad, Some(&token)).await.unwrap(), 422, "invalid_field").await;
    assert!(message.starts_with("fields[0].type"), "{message}");

    let response = put(schema, Some(&token)).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let stored: Value = app.get_json(&url).await;
    assert_eq!(
        stored["fields"][1],
        serde_json::json!({"name": "PLZ", "type": "integer"})
    );

    // A header that differs from the schema is refused, and so is a cell that does not fit.
    let response = app.put_csv(&token, PROJECTS, id, "n,Anteil\n1,0.5\n").await;
    let message = assert_error(response, 422, "invalid_field").await;
    assert!(message.contains(r#"["n", "PLZ", "Anteil"]"#), "{message}");
    let response = app
        .put_csv(
            &token,
            PROJECTS,
            id,
            "n,PLZ,Anteil\n1,42103,0.5\n2,42103,viel\n",
        )
        .await;
    let message = assert_error(response, 422, "invalid_field").await;
    assert!(
        message.contains("line 3, column `Anteil`") && message.contains("`viel` is not a number"),
        "{message}"
    );
    let (_, after) = app.hosted(PROJECTS).await;
    assert_eq!(after["checksum"], before["checksum"], "the old file stays");

    // A fitting file loads with the declared types (inference would keep 042103 as text).
    let response = app
        .put_csv(
            &token,
            PROJECTS,
            id,
            "n,PLZ,Anteil\n1,42103,0.5\n2,42285,\n",
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["columns"][1]["type"], "integer");
    let package: Value = app
        .get_json(&format!(
            "/dataset/{PROJECTS}/distribution/{id}/datapackage.json"
        ))
        .await;
    assert_eq!(
        package["resources"][0]["schema"]["fields"][2]["type"],
        "number"
    );

    // Removed, uploads infer again.
    let response = app
        .client
        .delete(app.url(&url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    assert_error(app.get(&url).await, 404, "no_table_schema").await;
    let response = app.put_csv(&token, PROJECTS, id, "a,b\nx,1\n").await;
    assert_eq!(response.status().as_u16(), 200);
}

/// A million rows whose last row breaks the column's type.
fn million_rows_with_a_bad_last_row() -> Vec<u8> {
    let mut file = Vec::with_capacity(20_000_000);
    file.extend_from_slice(b"n,wert\n");
    for n in 1..1_000_000_u32 {
        use std::io::Write;
        writeln!(file, "{n},{}", n % 977).unwrap();
    }
    file.extend_from_slice(b"1000000,n/a\n");
    file
}

#[tokio::test]
async fn a_type_breaking_value_in_the_last_of_a_million_rows() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let (id, before) = app.hosted(PROJECTS).await;
    let file = million_rows_with_a_bad_last_row();

    // Declared integer: the last row is refused by line and column, and nothing changes.
    let url = format!("/api/v1/datasets/{PROJECTS}/distributions/{id}/schema");
    let response = app
        .client
        .put(app.url(&url))
        .bearer_auth(&token)
        .json(&serde_json::json!({"fields": [
            {"name": "n", "type": "integer"}, {"name": "wert", "type": "integer"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let response = app.put_csv(&token, PROJECTS, id, file.clone()).await;
    let message = assert_error(response, 422, "invalid_field").await;
    assert!(
        message.contains("line 1000001, column `wert`: `n/a` is not an integer"),
        "{message}"
    );
    let (_, after) = app.hosted(PROJECTS).await;
    assert_eq!(after["checksum"], before["checksum"]);
    assert_eq!(
        table::stored_rows(app.catalog.db(), id).await.unwrap(),
        Some(11),
        "the old rows stay"
    );

    // Inferred: the whole file is read before types are chosen, so the column becomes text and
    // every value, the last one too, is kept.
    let response = app
        .client
        .delete(app.url(&url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    let response = app.put_csv(&token, PROJECTS, id, file).await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["rows"], 1_000_000);
    assert_eq!(body["columns"][0]["type"], "integer");
    assert_eq!(body["columns"][1]["type"], "text");
    let last: Value = app
        .get_json(&format!(
            "/dataset/{PROJECTS}/distribution/{id}/data.json?offset=999999"
        ))
        .await;
    assert_eq!(last, serde_json::json!([{"n": 1_000_000, "wert": "n/a"}]));
    app.stop().await;
}

#[tokio::test]
async fn declaring_or_removing_a_table_schema_is_a_write_with_revision_and_change_log_rows() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let (id, _) = app.hosted(PROJECTS).await;
    let url = format!("/api/v1/datasets/{PROJECTS}/distributions/{id}/schema");
    let schema = serde_json::json!({"fields": [{"name": "n", "type": "integer"}]});
    for declare in [true, false] {
        let (_, etag) = app.dataset_with_etag(PROJECTS).await;
        let seq = app.settled_seq().await;
        let request = if declare {
            app.client.put(app.url(&url)).json(&schema)
        } else {
            app.client.delete(app.url(&url))
        };
        let response = request
            .bearer_auth(&token)
            .header("If-Match", &etag)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());

        // A new revision (so a new ETag), and the change in the outbox.
        let (_, new_etag) = app.dataset_with_etag(PROJECTS).await;
        assert_ne!(new_etag, etag);
        let (entries, _) = app.catalog.changes_after(seq, 10).await.unwrap();
        // (The new revision's quality assessment may follow with an entry of its own.)
        let kinds: Vec<(EntityKind, Uuid)> = entries
            .iter()
            .filter(|e| e.kind != EntityKind::Quality)
            .map(|e| (e.kind, e.id))
            .collect();
        assert_eq!(kinds.len(), 2, "{kinds:?}");
        assert_eq!(kinds[0].0, EntityKind::Dataset);
        assert_eq!(kinds[1], (EntityKind::DataTable, id));

        // The old ETag no longer holds.
        let response = app
            .client
            .put(app.url(&url))
            .json(&schema)
            .bearer_auth(&token)
            .header("If-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 412);
        // The feed hands the entries to the projection like every write.
        app.projected().await;
    }
}
