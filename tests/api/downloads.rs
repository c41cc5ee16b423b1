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
        text, "budget_eur;projekt_id\r\n2000000,00;DT-02\r\n2000000,00;DT-03\r\n",
        "decimals keep the places the file wrote (2000000.00), with a decimal comma"
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

/// Percent-encodes a query component (column names with spaces and umlauts).
fn enc(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn filters_sort_and_search_find_the_right_rows_of_a_german_excel_upload() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let (id, _) = app.hosted(PROJECTS).await;
    let response = app
        .put_csv(&token, PROJECTS, id, crate::tables::GERMAN_EXCEL)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let base = format!("/dataset/{PROJECTS}/distribution/{id}/data");
    let names = |query: String| {
        let app = &app;
        let base = &base;
        async move {
            let json: Value = app.get_json(&format!("{base}.json?{query}")).await;
            json.as_array()
                .unwrap_or_else(|| panic!("{query}: {json}"))
                .iter()
                .map(|row| row["Maßnahme"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let (budget, funded, measure) = (enc("Budget EUR"), enc("Gefördert"), enc("Maßnahme"));
    assert_eq!(
        names("Stadtbezirk=Barmen".into()).await,
        ["Grünflächen digital"]
    );
    assert_eq!(
        names(format!("{budget}__gt=5000&sort=-{budget}")).await,
        ["Straßenbeleuchtung LED", "Grünflächen digital"]
    );
    assert_eq!(
        names(format!("{budget}__lte=7500.5")).await,
        ["Grünflächen digital"]
    );
    assert_eq!(
        names("Beginn__gte=2025-01-01".into()).await,
        ["Grünflächen digital", "Schulnetz"]
    );
    assert_eq!(
        names("Beginn__lt=01.01.2025".into()).await,
        ["Straßenbeleuchtung LED"],
        "dates as Germans write them work too"
    );
    assert_eq!(
        names(format!("{funded}=ja&sort=-Beginn")).await,
        ["Schulnetz", "Straßenbeleuchtung LED"]
    );
    assert_eq!(
        names(format!("{budget}=")).await,
        ["Schulnetz"],
        "empty cells"
    );
    assert_eq!(
        names(format!("{measure}__contains=digital")).await,
        ["Grünflächen digital"]
    );
    assert_eq!(
        names("Stadtbezirk__in=Vohwinkel,Elberfeld".into()).await,
        ["Straßenbeleuchtung LED", "Schulnetz"]
    );
    assert_eq!(
        names("q=SCHUL".into()).await,
        ["Schulnetz"],
        "q ignores case"
    );
    assert_eq!(
        names("q=Stra%C3%9Fen LED".into()).await,
        ["Straßenbeleuchtung LED"]
    );
    assert!(
        names("q=Stra%C3%9Fen Barmen".into()).await.is_empty(),
        "every word must match"
    );
    assert_eq!(
        names(format!("sort={budget}")).await,
        ["Grünflächen digital", "Straßenbeleuchtung LED", "Schulnetz"],
        "empty cells sort last"
    );
    assert_eq!(
        names(format!("sort=-{budget}&offset=1&limit=1")).await,
        ["Grünflächen digital"]
    );

    // The CSV for German Excel: the filter, the columns asked for, decimal commas.
    let csv = app
        .get(&format!(
            "{base}.csv?fields={measure},{budget}&{budget}__gt=0&sep=;"
        ))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        csv,
        "Maßnahme;Budget EUR\r\nStraßenbeleuchtung LED;1234567,89\r\nGrünflächen digital;7500,5\r\n"
    );

    // The rows API takes the same parameters and counts what matches.
    let page: Value = app
        .get_json(&format!(
            "/api/v1/datasets/{PROJECTS}/distributions/{id}/rows?{funded}=true&fields={measure}&per_page=1"
        ))
        .await;
    assert_eq!(page["total"], 2);
    assert_eq!(
        page["rows"],
        serde_json::json!([{"Maßnahme": "Straßenbeleuchtung LED"}])
    );
    assert_eq!(
        page["columns"],
        serde_json::json!([{"name": "Maßnahme", "type": "text"}])
    );

    // Unknown columns and values that do not fit the column's type are named.
    for (query, parameter, words) in [
        (
            format!("{budget}__gt=viel"),
            "Budget EUR__gt",
            "`viel` is not a number",
        ),
        ("Beginn=gestern".to_owned(), "Beginn", "is not a date"),
        (format!("{funded}=vielleicht"), "Gefördert", "true/false"),
        ("Bezirk=Barmen".to_owned(), "Bezirk", "`Stadtbezirk`"),
        (
            "Beginn__contains=2024".to_owned(),
            "Beginn__contains",
            "text column",
        ),
        (
            "Stadtbezirk__near=Barmen".to_owned(),
            "Stadtbezirk__near",
            "__contains",
        ),
        ("sort=-Budget".to_owned(), "sort", "no column `Budget`"),
    ] {
        for path in [
            format!("{base}.csv?{query}"),
            format!("/api/v1/datasets/{PROJECTS}/distributions/{id}/rows?{query}"),
        ] {
            let message = assert_error(app.get(&path).await, 400, "invalid_parameter").await;
            assert!(
                message.starts_with(&format!("{parameter}: ")) && message.contains(words),
                "{path}: {message}"
            );
        }
    }
}

#[tokio::test]
async fn sorted_and_filtered_downloads_stay_right_across_batches() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let (id, _) = app.hosted(PROJECTS).await;
    // 25 000 rows: more than one batch of either kind; groups repeat and some cells are empty.
    let mut csv = String::from("n,gruppe,wert\n");
    let mut expected = Vec::new();
    for n in 1..=25_000_i64 {
        let group = if n % 7 == 0 {
            String::new()
        } else {
            format!("g{}", n % 5)
        };
        let value = (n * 7919) % 1000;
        let value = if n % 11 == 0 { None } else { Some(value) };
        csv.push_str(&format!(
            "{n},{group},{}\n",
            value.map(|v| v.to_string()).unwrap_or_default()
        ));
        expected.push((n, group, value));
    }
    let response = app.put_csv(&token, PROJECTS, id, csv).await;
    assert_eq!(response.status().as_u16(), 200);
    let base = format!("/dataset/{PROJECTS}/distribution/{id}/data");

    // By group ascending, then value descending, empty cells last in both, then file order.
    let mut sorted = expected.clone();
    sorted.sort_by(|a, b| {
        let group = (a.1.is_empty(), &a.1).cmp(&(b.1.is_empty(), &b.1));
        let value =
            (a.2.is_none(), std::cmp::Reverse(a.2)).cmp(&(b.2.is_none(), std::cmp::Reverse(b.2)));
        group.then(value).then(a.0.cmp(&b.0))
    });
    let text = app
        .get(&format!("{base}.ndjson?sort=gruppe,-wert&fields=n"))
        .await
        .text()
        .await
        .unwrap();
    let got: Vec<i64> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["n"]
                .as_i64()
                .unwrap()
        })
        .collect();
    let want: Vec<i64> = sorted.iter().map(|r| r.0).collect();
    assert_eq!(got.len(), want.len());
    assert!(
        got == want,
        "the sorted download differs from the expected order"
    );

    // A filter over several batches in file order, with offset and limit.
    let want: Vec<i64> = expected
        .iter()
        .filter(|r| r.1 == "g2" && r.2.is_some_and(|v| v < 500))
        .map(|r| r.0)
        .skip(10)
        .take(3000)
        .collect();
    let text = app
        .get(&format!(
            "{base}.csv?gruppe=g2&wert__lt=500&fields=n&offset=10&limit=3000"
        ))
        .await
        .text()
        .await
        .unwrap();
    let got: Vec<i64> = text.lines().skip(1).map(|l| l.parse().unwrap()).collect();
    assert_eq!(got.len(), want.len());
    assert!(got == want, "the filtered download differs");
}

#[tokio::test]
async fn csvw_and_data_package_describe_the_csv_download_and_the_rdf_links_them() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let (id, _) = app.hosted(PROJECTS).await;
    let response = app
        .put_csv(&token, PROJECTS, id, crate::tables::GERMAN_EXCEL)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let folder = format!("/dataset/{PROJECTS}/distribution/{id}");
    let csv_url = format!("http://odcat.test{folder}/data.csv");

    let response = app.get(&format!("{folder}/data.csv-metadata.json")).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/csvm+json",
        "the CSVW media type"
    );
    assert!(response.headers().contains_key("etag"));
    let csvw: Value = response.json().await.unwrap();
    assert_eq!(csvw["@context"][0], "http://www.w3.org/ns/csvw");
    assert_eq!(csvw["url"], csv_url);
    assert_eq!(csvw["dialect"]["delimiter"], ",");
    assert_eq!(
        csvw["dc:license"]["@id"],
        "http://dcat-ap.de/def/licenses/cc-by/4.0"
    );
    assert_eq!(
        csvw["tableSchema"]["columns"],
        serde_json::json!([
            {"name": "Ma%C3%9Fnahme", "titles": "Maßnahme", "datatype": "string"},
            {"name": "Stadtbezirk", "titles": "Stadtbezirk", "datatype": "string"},
            {"name": "Budget%20EUR", "titles": "Budget EUR", "datatype": "decimal"},
            {"name": "Beginn", "titles": "Beginn", "datatype": "date"},
            {"name": "Gef%C3%B6rdert", "titles": "Gefördert", "datatype": "boolean"},
        ])
    );

    let package: Value = app.get_json(&format!("{folder}/datapackage.json")).await;
    assert_eq!(package["profile"], "tabular-data-package");
    assert_eq!(package["name"], PROJECTS);
    let resource = &package["resources"][0];
    assert_eq!(resource["path"], csv_url);
    assert_eq!(resource["name"], id.to_string());
    assert_eq!(
        resource["schema"]["fields"],
        serde_json::json!([
            {"name": "Maßnahme", "type": "string"},
            {"name": "Stadtbezirk", "type": "string"},
            {"name": "Budget EUR", "type": "number"},
            {"name": "Beginn", "type": "date"},
            {"name": "Gefördert", "type": "boolean"},
        ])
    );
    assert_eq!(package["licenses"][0]["name"], "cc-by-4.0");
    assert_eq!(
        package["licenses"][0]["path"],
        "http://dcat-ap.de/def/licenses/cc-by/4.0"
    );

    // The CSV names its metadata (CSVW's `describedby` link) and matches the declared header.
    let csv = app.get(&format!("{folder}/data.csv")).await;
    assert!(
        csv.headers()["link"]
            .to_str()
            .unwrap()
            .contains("<data.csv-metadata.json>; rel=\"describedby\"")
    );
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("Maßnahme,Stadtbezirk,Budget EUR,Beginn,Gefördert\r\n"));

    // The distribution's RDF links both documents.
    app.projected().await;
    let ask = format!(
        "PREFIX foaf: <http://xmlns.com/foaf/0.1/> PREFIX dct: <http://purl.org/dc/terms/>
         ASK {{ <http://odcat.test/distribution/{id}> foaf:page <{csv_url}-metadata.json>,
                  <http://odcat.test{folder}/datapackage.json> .
               <{csv_url}-metadata.json> a foaf:Document ;
                  dct:conformsTo <http://www.w3.org/TR/tabular-metadata/> }}"
    );
    assert!(app.ask(&ask).await, "{ask}");

    // Only hosted tables of published datasets are described.
    let (link, _) = app.distribution_of_kind(PROJECTS, "external_link").await;
    for path in [
        format!("/dataset/{PROJECTS}/distribution/{link}/datapackage.json"),
        format!("/dataset/{PROJECTS}/distribution/{link}/data.csv-metadata.json"),
    ] {
        assert_error(app.get(&path).await, 404, "distribution_not_found").await;
    }
}

#[tokio::test]
async fn downloads_are_capped_and_a_client_that_stops_reading_gives_its_slot_back() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.download_concurrency = 1;
        s.download_stall_secs = 1;
    })
    .await;
    let token = app.editor().await;
    let (id, _) = app.hosted(PROJECTS).await;
    // About 20 MB of CSV: more than the channel and the sockets' buffers hold.
    let mut csv = String::from("n,text\n");
    for n in 0..300_000 {
        csv.push_str(&format!(
            "{n},\"Zeile {n} mit einem Text, der lang genug ist, um Puffer zu füllen\"\n"
        ));
    }
    let response = app.put_csv(&token, PROJECTS, id, csv).await;
    assert_eq!(response.status().as_u16(), 200);
    let url = format!("/dataset/{PROJECTS}/distribution/{id}/data.csv");
    let stalled = app.get(&url).await;
    assert_eq!(stalled.status().as_u16(), 200);
    let busy = app.get(&url).await;
    if app.catalog.db().get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        // PostgreSQL downloads read batches through the pool and hold nothing while the client
        // does not read, so they need no slots: the second download streams as well.
        assert_eq!(busy.status().as_u16(), 200);
        drop(stalled);
        app.stop().await;
        return;
    }
    // On SQLite each download holds a reader thread: the client does not read, and a second
    // download finds no free slot.
    assert_eq!(
        busy.headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap()),
        Some("2")
    );
    assert_error(busy, 503, "too_many_downloads").await;
    // After the stall the first download ends and its slot is free again.
    let mut freed = false;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        let response = app.get(&format!("{url}?limit=1")).await;
        if response.status().as_u16() == 200 {
            freed = true;
            break;
        }
    }
    assert!(freed, "the stalled download kept its slot");
    drop(stalled);
    app.stop().await;
}
