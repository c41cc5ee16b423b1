//! Uploads never change a value silently (issue 14 §5), and table parameters and wide files are
//! refused with a 4xx (§4): real-world German exports come back exactly as written in every output,
//! broken files are refused naming the right line, and interrupted or blocked loads leave nothing.

use std::io::{Read, Write};

use odcat::catalog::table;
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{TestApp, assert_error, spawn_app, spawn_app_with};

const PROJECTS: &str = "digitalisierungsprojekte-digital-2026";

async fn upload(app: &TestApp, csv: impl Into<reqwest::Body>) -> (Uuid, reqwest::Response) {
    let token = app.editor().await;
    let (id, _) = app.hosted(PROJECTS).await;
    (id, app.put_csv(&token, PROJECTS, id, csv).await)
}

async fn loaded(app: &TestApp, csv: impl Into<reqwest::Body>) -> (Uuid, Value) {
    let (id, response) = upload(app, csv).await;
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    (id, body)
}

fn data(id: Uuid, extension: &str) -> String {
    format!("/dataset/{PROJECTS}/distribution/{id}/data.{extension}")
}

fn rows_api(id: Uuid) -> String {
    format!("/api/v1/datasets/{PROJECTS}/distributions/{id}/rows")
}

async fn text(app: &TestApp, path: &str, query: &[(&str, &str)]) -> (u16, String) {
    let response = app
        .client
        .get(app.url(path))
        .query(query)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The hosted tables (`dt_…`) no `data_table` row names.
pub(crate) async fn orphan_tables(db: &sea_orm::DatabaseConnection) -> Vec<String> {
    use sea_orm::ConnectionTrait;
    let backend = db.get_database_backend();
    let list = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() \
             AND tablename LIKE 'dt%' AND tablename NOT IN (SELECT table_name FROM data_table)"
        }
        _ => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'dt%' \
             AND name NOT IN (SELECT table_name FROM data_table)"
        }
    };
    db.query_all_raw(sea_orm::Statement::from_string(backend, list.to_owned()))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "name").unwrap())
        .collect()
}

#[tokio::test]
async fn a_windows_1252_file_with_german_quotes_is_not_taken_for_mixed_encodings() {
    let app = spawn_app().await;
    // printf 'Nr;Bemerkung\r\n1;Straße gesperrt\r\n2;„Gruß“ vom Bürgeramt\r\n' | iconv -t cp1252
    let text = "Nr;Bemerkung\r\n1;Straße gesperrt\r\n2;„Gruß“ vom Bürgeramt\r\n3;Fuß…\r\n";
    let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let (id, body) = loaded(&app, cp1252.into_owned()).await;
    assert_eq!(body["encoding"], "Windows-1252");
    let rows = app.get_json(&rows_api(id)).await;
    assert_eq!(rows["rows"][1]["Bemerkung"], "„Gruß“ vom Bürgeramt");
    assert_eq!(rows["rows"][2]["Bemerkung"], "Fuß…");
}

#[tokio::test]
async fn numbers_dates_and_long_ids_come_back_as_written_in_every_output() {
    let app = spawn_app().await;
    let csv = "Nr;Anteil;Datum;Kennung;Summe\r\n\
               1;0.125;02.02.21;12345678901234567890;123456789012345678901234567890\r\n\
               2;0.250;03.02.21;12345678901234567891;1\r\n\
               3;0.005;04.02.21;7;2\r\n";
    let (id, body) = loaded(&app, csv).await;
    let types: Vec<&str> = body["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["integer", "decimal", "text", "text", "text"]);

    let (status, csv) = text(&app, &data(id, "csv"), &[]).await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[1],
        "1,0.125,02.02.21,12345678901234567890,123456789012345678901234567890"
    );
    assert_eq!(lines[3], "3,0.005,04.02.21,7,2");
    assert!(
        lines[2].starts_with("2,0.250,03.02.21,12345678901234567891,"),
        "{csv}"
    );

    let json: Value = app.get_json(&data(id, "json")).await;
    let ndjson = text(&app, &data(id, "ndjson"), &[]).await.1;
    let first_line: Value = serde_json::from_str(ndjson.lines().next().unwrap()).unwrap();
    let api = app.get_json(&rows_api(id)).await;
    for (what, rows) in [
        ("json", json.as_array().unwrap().clone()),
        ("rows api", api["rows"].as_array().unwrap().clone()),
        ("ndjson", vec![first_line]),
    ] {
        assert_eq!(rows[0]["Anteil"], 0.125, "{what}");
        assert_eq!(rows[0]["Datum"], "02.02.21", "{what}");
        assert_eq!(rows[0]["Kennung"], "12345678901234567890", "{what}");
        assert_eq!(rows[0]["Summe"], "123456789012345678901234567890", "{what}");
    }
    assert_eq!(json[1]["Anteil"], 0.25);
    assert_eq!(json[2]["Anteil"], 0.005);

    app.projected().await;
    let ask = format!(
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
         ASK {{ GRAPH <http://odcat.test/distribution/{id}/data> {{
           ?row ?share \"0.125\"^^xsd:decimal ; ?date \"02.02.21\" ;
                ?key \"12345678901234567890\" ; ?sum \"123456789012345678901234567890\" }} }}"
    );
    assert!(app.ask(&ask).await, "{ask}");
}

/// The cells of column `name` in the table's data graph, in row order: (lexical form, datatype).
async fn sparql_cells(app: &TestApp, id: Uuid, name: &str) -> Vec<(String, String)> {
    let query = format!(
        "PREFIX csvw: <http://www.w3.org/ns/csvw#>
         SELECT ?v WHERE {{ GRAPH <http://odcat.test/distribution/{id}/data> {{
           ?r <http://odcat.test/distribution/{id}/column/{name}> ?v ; csvw:rownum ?n }} }} ORDER BY ?n"
    );
    let response = app
        .client
        .get(app.url("/sparql"))
        .query(&[("query", query.as_str())])
        .header("Accept", "application/sparql-results+json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{query}");
    let body: Value = response.json().await.unwrap();
    body["results"]["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let v = &b["v"];
            let datatype = v["datatype"]
                .as_str()
                .unwrap_or(v["type"].as_str().unwrap());
            (v["value"].as_str().unwrap().to_owned(), datatype.to_owned())
        })
        .collect()
}

/// Whether two decimal lexical forms are the same number (`0.250` and `0.25`).
fn same_decimal(a: &str, b: &str) -> bool {
    let canonical = |s: &str| {
        let s = s.replace(',', ".");
        match s.split_once('.') {
            Some((int, frac)) => format!("{int}.{}", frac.trim_end_matches('0')),
            None => format!("{s}."),
        }
    };
    canonical(a) == canonical(b)
}

#[tokio::test]
async fn decimals_come_back_with_the_decimal_places_they_were_written_with() {
    let app = spawn_app().await;
    const XSD_DECIMAL: &str = "http://www.w3.org/2001/XMLSchema#decimal";
    // A German export: fractions and money with a decimal comma, and a column whose numbers have
    // different decimal places with trailing zeros, which no number column writes back as written.
    let german = "Nr;Anteil;Betrag;Gemischt\r\n\
                  1;0,125;1.234,50;1,50\r\n\
                  2;0,250;980,00;2,125\r\n\
                  3;0,005;-7,10;3\r\n";
    let (id, body) = loaded(&app, german).await;
    let columns = body["columns"].as_array().unwrap();
    let described: Vec<(&str, Option<u64>)> = columns
        .iter()
        .map(|c| (c["type"].as_str().unwrap(), c["scale"].as_u64()))
        .collect();
    assert_eq!(
        described,
        [
            ("integer", None),
            ("decimal", Some(3)),
            ("decimal", Some(2)),
            ("text", None)
        ]
    );
    assert!(
        columns[3]["note"].as_str().unwrap().contains("1.50"),
        "{body}"
    );

    let (status, csv) = text(&app, &data(id, "csv"), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(
        csv,
        "Nr,Anteil,Betrag,Gemischt\r\n1,0.125,1234.50,\"1,50\"\r\n\
         2,0.250,980.00,\"2,125\"\r\n3,0.005,-7.10,3\r\n"
    );
    let (_, excel) = text(&app, &data(id, "csv"), &[("sep", ";")]).await;
    assert_eq!(
        excel,
        "Nr;Anteil;Betrag;Gemischt\r\n1;0,125;1234,50;1,50\r\n\
         2;0,250;980,00;2,125\r\n3;0,005;-7,10;3\r\n"
    );
    // Filtered and sorted downloads write the same.
    let (_, sorted) = text(
        &app,
        &data(id, "csv"),
        &[("sort", "-Betrag"), ("fields", "Betrag,Anteil")],
    )
    .await;
    assert_eq!(
        sorted,
        "Betrag,Anteil\r\n1234.50,0.125\r\n980.00,0.250\r\n-7.10,0.005\r\n"
    );

    // JSON numbers carry the value (0.250 is the JSON number 0.25); the rows API names the scale.
    let api = app.get_json(&rows_api(id)).await;
    assert_eq!(api["columns"][1]["scale"], 3, "{api}");
    assert_eq!(api["columns"][2]["scale"], 2, "{api}");
    let json: Value = app.get_json(&data(id, "json")).await;
    let ndjson: Vec<Value> = text(&app, &data(id, "ndjson"), &[])
        .await
        .1
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (what, rows) in [
        ("json", json.as_array().unwrap().clone()),
        ("rows api", api["rows"].as_array().unwrap().clone()),
        ("ndjson", ndjson),
    ] {
        let column = |name: &str| rows.iter().map(|r| r[name].clone()).collect::<Vec<_>>();
        assert_eq!(column("Anteil"), [0.125, 0.25, 0.005], "{what}");
        assert_eq!(column("Betrag"), [1234.5, 980.0, -7.1], "{what}");
        assert_eq!(column("Gemischt"), ["1,50", "2,125", "3"], "{what}");
    }

    // SPARQL: typed decimals of the same value (Oxigraph answers an xsd:decimal in its canonical
    // form), the text column as written.
    app.projected().await;
    for (name, written) in [
        ("Anteil", ["0.125", "0.250", "0.005"]),
        ("Betrag", ["1234.50", "980.00", "-7.10"]),
    ] {
        let cells = sparql_cells(&app, id, name).await;
        assert_eq!(cells.len(), 3, "{name}: {cells:?}");
        for ((lexical, datatype), written) in cells.iter().zip(written) {
            assert_eq!(datatype, XSD_DECIMAL, "{name}");
            assert!(
                same_decimal(lexical, written),
                "{name}: {lexical} vs {written}"
            );
        }
    }
    let mixed: Vec<String> = sparql_cells(&app, id, "Gemischt")
        .await
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    assert_eq!(mixed, ["1,50", "2,125", "3"]);

    // A comma-separated file: point decimals, each column with its own scale; mixed scales with a
    // trailing zero stay text there too.
    let plain = "Nr,Wert,Preis,Mix\n1,0.250,12.10,1.50\n2,1.000,3.00,2.125\n";
    let (_, body) = loaded(&app, plain).await;
    let types: Vec<&str> = body["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["integer", "decimal", "decimal", "text"]);
    let (_, csv) = text(&app, &data(id, "csv"), &[]).await;
    assert_eq!(
        csv,
        "Nr,Wert,Preis,Mix\r\n1,0.250,12.10,1.50\r\n2,1.000,3.00,2.125\r\n"
    );
    let (_, excel) = text(&app, &data(id, "csv"), &[("sep", ";")]).await;
    assert_eq!(
        excel,
        "Nr;Wert;Preis;Mix\r\n1;0,250;12,10;1.50\r\n2;1,000;3,00;2.125\r\n"
    );
    app.projected().await;
    let wert = sparql_cells(&app, id, "Wert").await;
    assert!(same_decimal(&wert[0].0, "0.250") && same_decimal(&wert[1].0, "1.000"));
    let mix: Vec<String> = sparql_cells(&app, id, "Mix")
        .await
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    assert_eq!(mix, ["1.50", "2.125"]);
}

#[tokio::test]
async fn a_declared_number_column_keeps_one_scale_where_its_values_share_it() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let (id, _) = app.hosted(PROJECTS).await;
    let url = format!("/api/v1/datasets/{PROJECTS}/distributions/{id}/schema");
    let schema = serde_json::json!({"fields": [
        {"name": "Betrag", "type": "number"}, {"name": "Mix", "type": "number"}
    ]});
    let response = app
        .client
        .put(app.url(&url))
        .bearer_auth(&token)
        .json(&schema)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let (_, body) = loaded(&app, "Betrag;Mix\r\n1.234,50;1,50\r\n0,10;2,125\r\n").await;
    assert_eq!(body["columns"][0]["scale"], 2, "{body}");
    assert!(body["columns"][1].get("scale").is_none(), "{body}");
    // The declared number column with different scales is written in the shortest form.
    let (_, excel) = text(&app, &data(id, "csv"), &[("sep", ";")]).await;
    assert_eq!(excel, "Betrag;Mix\r\n1234,50;1,5\r\n0,10;2,125\r\n");
}

#[tokio::test]
async fn broken_quotes_are_refused_with_their_line_and_the_old_rows_stay() {
    let app = spawn_app().await;
    let mut unclosed = String::from("Nr;Titel\r\n1;\"Sanierung\r\n");
    for i in 2..=50 {
        unclosed.push_str(&format!("{i};Zeile {i}\r\n"));
    }
    let stray = "Nr;Titel\r\n1;A\r\n2;\"Alte\" Feuerwache\r\n";
    for (body, expected) in [
        (
            unclosed,
            "line 2: a quote opens a field that is never closed",
        ),
        (
            stray.to_owned(),
            "line 3: a quote closes the field before ` `",
        ),
    ] {
        let (id, response) = upload(&app, body).await;
        let message = assert_error(response, 422, "invalid_field").await;
        assert!(message.contains(expected), "{message}");
        assert_eq!(
            table::stored_rows(app.catalog.db(), id).await.unwrap(),
            Some(11),
            "the old rows stay"
        );
    }
}

#[tokio::test]
async fn errors_in_crlf_files_name_the_line_excel_shows() {
    let app = spawn_app().await;
    let (_, response) = upload(&app, "a;b\r\n1;2\r\n3;4\r\n5;6;7\r\n").await;
    let message = assert_error(response, 422, "invalid_field").await;
    assert!(message.starts_with("file: line 4: 3 fields"), "{message}");
}

#[tokio::test]
async fn commas_in_column_names_neither_split_the_file_nor_break_fields_and_sort() {
    let app = spawn_app().await;
    let csv = "Stadtbezirk;Betrag (netto, EUR);Betrag (brutto, EUR)\r\n\
               Barmen;980,00;1.166,20\r\n\
               Elberfeld;1.234,56;1.469,13\r\n";
    let (id, body) = loaded(&app, csv).await;
    assert_eq!(body["delimiter"], ";");
    assert_eq!(body["columns"][1]["name"], "Betrag (netto, EUR)");
    assert_eq!(body["columns"][2]["type"], "decimal");
    let query = [
        ("fields", "\"Betrag (brutto, EUR)\",Stadtbezirk"),
        ("sort", "-\"Betrag (netto, EUR)\""),
    ];
    let (status, json) = text(&app, &data(id, "json"), &query).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(
        json.trim(),
        r#"[{"Betrag (brutto, EUR)":1469.13,"Stadtbezirk":"Elberfeld"},{"Betrag (brutto, EUR)":1166.2,"Stadtbezirk":"Barmen"}]"#
    );
    // One name alone needs no quotes.
    let (status, csv) = text(
        &app,
        &data(id, "csv"),
        &[
            ("fields", "Betrag (netto, EUR)"),
            ("sort", "Betrag (netto, EUR)"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{csv}");
    assert_eq!(csv, "\"Betrag (netto, EUR)\"\r\n980.00\r\n1234.56\r\n");
    let (status, error) = text(&app, &rows_api(id), &[("fields", "\"Betrag (netto")]).await;
    assert_eq!(status, 400, "{error}");
}

#[tokio::test]
async fn json_keys_follow_the_header_or_fields_order() {
    let app = spawn_app().await;
    let (id, _) = loaded(&app, "Zeta;Alpha;Mitte\r\n1;x;3\r\n").await;
    let (_, json) = text(&app, &data(id, "json"), &[]).await;
    assert_eq!(json.trim(), r#"[{"Zeta":1,"Alpha":"x","Mitte":3}]"#);
    let (_, ndjson) = text(&app, &data(id, "ndjson"), &[]).await;
    assert_eq!(ndjson, "{\"Zeta\":1,\"Alpha\":\"x\",\"Mitte\":3}\n");
    let (_, api) = text(&app, &rows_api(id), &[]).await;
    assert!(
        api.contains(r#"[{"Zeta":1,"Alpha":"x","Mitte":3}]"#),
        "{api}"
    );
    let (_, chosen) = text(&app, &data(id, "json"), &[("fields", "Mitte,Zeta")]).await;
    assert_eq!(chosen.trim(), r#"[{"Mitte":3,"Zeta":1}]"#);
    let (_, api) = text(&app, &rows_api(id), &[("fields", "Mitte,Alpha")]).await;
    assert!(api.contains(r#"[{"Mitte":3,"Alpha":"x"}]"#), "{api}");
}

#[tokio::test]
async fn long_searches_and_too_wide_files_are_refused_with_a_4xx() {
    let app = spawn_app().await;
    let (id, _) = app.hosted(PROJECTS).await;
    let words = vec!["wort"; 1000].join(" ");
    for path in [data(id, "csv"), data(id, "json"), rows_api(id)] {
        let response = app
            .client
            .get(app.url(&path))
            .query(&[("q", words.as_str())])
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["field"], "q", "{path}: {body}");
    }
    let wide = |n: usize| {
        let header: Vec<String> = (1..=n).map(|i| format!("Spalte {i}")).collect();
        let row: Vec<String> = (1..=n).map(|i| format!("Wert {i}")).collect();
        format!("{}\r\n{}\r\n", header.join(";"), row.join(";"))
    };
    let (_, response) = upload(&app, wide(2000)).await;
    let message = assert_error(response, 422, "invalid_field").await;
    assert!(
        message.contains("line 1: the header names 2000 columns"),
        "{message}"
    );
    assert_eq!(
        table::stored_rows(app.catalog.db(), id).await.unwrap(),
        Some(11)
    );
    let (_, response) = upload(&app, wide(301)).await;
    assert_error(response, 422, "invalid_field").await;
    // The widest table allowed loads, also with texts as long as PostgreSQL keeps within the row, and
    // a search over its 300 text columns answers.
    let mut widest = wide(300);
    widest.push_str(&vec!["x".repeat(23); 300].join(";"));
    widest.push_str("\r\n");
    let (_, body) = loaded(&app, widest).await;
    assert_eq!(body["columns"].as_array().unwrap().len(), 300);
    let page = app
        .get_json(&format!(
            "{}?q=Wert%20299&fields=Spalte%20299",
            rows_api(id)
        ))
        .await;
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["rows"][0]["Spalte 299"], "Wert 299");
    let (status, csv) = text(&app, &data(id, "csv"), &[("q", "Wert 300 y")]).await;
    assert_eq!(status, 200);
    assert_eq!(csv.lines().count(), 1, "nothing has y: only the header");
}

#[tokio::test]
async fn a_declared_size_over_the_limit_is_refused_before_the_body_is_read() {
    let app = spawn_app_with(|s| s.max_upload_bytes = 1000).await;
    let token = app.editor().await;
    let (id, _) = app.hosted(PROJECTS).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let request = format!(
        "PUT /api/v1/datasets/{PROJECTS}/distributions/{id}/data HTTP/1.1\r\nHost: {address}\r\n\
         Authorization: Bearer {token}\r\nContent-Type: text/csv\r\nContent-Length: 1000000000\r\n\r\n\
         a,b\r\n"
    );
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = vec![0; 4096];
        let n = stream.read(&mut answer).unwrap_or(0);
        String::from_utf8_lossy(&answer[..n]).into_owned()
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
    assert!(answer.contains("payload_too_large"), "{answer}");
    let spool = app._db.dir.path().join("uploads");
    let left = std::fs::read_dir(&spool).map_or(0, Iterator::count);
    assert_eq!(left, 0, "nothing was spooled");
}

#[tokio::test]
async fn a_load_that_cannot_get_the_write_lock_answers_503_and_leaves_nothing() {
    let app = spawn_app().await;
    let Some(file) = odcat::db::sqlite_file(app.catalog.db()).await.unwrap() else {
        return; // PostgreSQL: loads do not wait for a database-wide write lock
    };
    let token = app.editor().await;
    let (id, _) = app.hosted(PROJECTS).await;
    app.projected().await;
    // Another process holds SQLite's write lock for longer than a load waits (15 s).
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let connection = rusqlite::Connection::open(file).unwrap();
        connection.execute_batch("BEGIN IMMEDIATE").unwrap();
        locked_tx.send(()).unwrap();
        let _ = release_rx.recv();
        connection.execute_batch("ROLLBACK").unwrap();
    });
    locked_rx.recv().unwrap();
    let response = app.put_csv(&token, PROJECTS, id, "a;b\r\n1;2\r\n").await;
    let status = response.status().as_u16();
    let retry = response.headers().contains_key("retry-after");
    let body: Value = response.json().await.unwrap();
    release_tx.send(()).unwrap();
    holder.join().unwrap();
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "database_busy");
    assert!(retry);
    assert_eq!(
        table::stored_rows(app.catalog.db(), id).await.unwrap(),
        Some(11)
    );
    assert_eq!(orphan_tables(app.catalog.db()).await, Vec::<String>::new());
}

#[tokio::test]
async fn orphan_tables_are_dropped_unless_a_load_holds_them() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let db = app.catalog.db();
    for name in ["dt_orphan", "dt_loading"] {
        db.execute_unprepared(&format!("CREATE TABLE {name} (_row BIGINT PRIMARY KEY)"))
            .await
            .unwrap();
    }
    // A load in progress (here, or on another replica) holds its table's claim.
    let claim = table::claim_table(db, "dt_loading").await.unwrap().unwrap();
    let file = odcat::db::sqlite_file(db).await.unwrap();
    let dropped = table::remove_orphan_tables(db, file.as_deref())
        .await
        .unwrap();
    assert_eq!(dropped, ["dt_orphan"]);
    assert_eq!(orphan_tables(db).await, ["dt_loading"]);
    // Tables named by `data_table` stay: every download still answers.
    let (id, _) = app.hosted(PROJECTS).await;
    assert_eq!(app.get(&data(id, "csv")).await.status().as_u16(), 200);
    drop(claim);
    table::remove_orphan_tables(db, file.as_deref())
        .await
        .unwrap();
    assert_eq!(orphan_tables(db).await, Vec::<String>::new());
}
