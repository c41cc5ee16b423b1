//! Metadata quality as publishers and analysts meet it: the MQA score of a dataset with the fix for
//! every lost point, computed when it is written; the score moving when a field is removed and when
//! a link dies (a loopback server answering 404, checked by the link checker); drafts that say what
//! publishing needs; the catalogue overview; and the W3C DQV measurements in SPARQL.

use std::time::Duration;

use odcat::catalog::values::Role;
use serde_json::Value;

use crate::harvesting::{Answer, Source};
use crate::helpers::{TestApp, new_dataset, spawn_app, spawn_app_with};

impl TestApp {
    async fn quality(&self, key: &str) -> Value {
        self.get_json(&format!("/api/v1/datasets/{key}/quality"))
            .await
    }

    /// The values of `SELECT ?v` over the SPARQL endpoint.
    async fn sparql_values(&self, query: &str) -> Vec<Value> {
        let response = self
            .client
            .get(self.url("/sparql"))
            .query(&[("query", query)])
            .header("Accept", "application/sparql-results+json")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{query}");
        let body: Value = response.json().await.unwrap();
        body["results"]["bindings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["v"]["value"].clone())
            .collect()
    }
}

fn metric<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == name)
        .unwrap_or_else(|| panic!("no metric {name} in {report}"))
}

#[tokio::test]
async fn a_dataset_is_scored_when_written_and_loses_30_points_without_keywords() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let created = app.post_dataset(&token, &new_dataset("baustellen")).await;
    assert_eq!(created.status().as_u16(), 201);
    let report = app.quality("baustellen").await;
    // By hand from the weights table (no link checked in tests):
    // findability 30 + 30 + 20 + 0 (no temporal) = 80; accessibility 0 (URLs not checked yet, no
    // download URL); interoperability 20 + 10 + 10 + 20 + 20 + 30 = 110; reusability 20 + 10 + 10
    // (PUBLIC by default) + 5 + 20 + 10 = 75; contextuality 0 (rights) + 0 (byte size) + 5 (issued
    // on publication) + 5 (modified) = 10. 275 in all: good.
    assert_eq!(report["score"], 275, "{report:#}");
    assert_eq!(report["max"], 405);
    assert_eq!(report["band"], "good");
    assert_eq!(report["band_label"]["de"], "Gut");
    let dimensions: Vec<(String, f64)> = report["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["dimension"].as_str().unwrap().to_owned(),
                d["points"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        dimensions,
        [
            ("findability".to_owned(), 80.0),
            ("accessibility".to_owned(), 0.0),
            ("interoperability".to_owned(), 110.0),
            ("reusability".to_owned(), 75.0),
            ("contextuality".to_owned(), 10.0),
        ]
    );
    assert_eq!(
        metric(&report, "dcatApCompliance")["passed"],
        true,
        "{report:#}"
    );
    let access = metric(&report, "accessUrlStatusCode");
    assert_eq!(access["distributions"][0]["note"], "not checked yet");
    assert_eq!(
        metric(&report, "temporalAvailability")["fix"]["text"]["de"],
        "Den Zeitraum angeben, den die Daten abdecken (Feld „temporal“): +20"
    );
    assert_eq!(report["publication"]["ready"], true);

    // Without keywords: 30 points less, and the fix list names them.
    let (mut doc, etag) = app.dataset_with_etag("baustellen").await;
    doc["keywords"] = serde_json::json!({"de": [], "en": []});
    let put = app
        .put_json("/api/v1/datasets/baustellen", &token, &etag, &doc)
        .await;
    assert_eq!(put.status().as_u16(), 200);
    let after = app.quality("baustellen").await;
    assert_eq!(after["score"], 245, "{after:#}");
    assert!(after["revision"].as_i64() > report["revision"].as_i64());
    let keyword = metric(&after, "keywordAvailability");
    assert_eq!(keyword["passed"], false);
    assert_eq!(keyword["fix"]["points"], 30.0);
    assert!(
        after["fixes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["metric"] == "keywordAvailability"
                && f["text"]["en"] == "Add at least one keyword (field `keywords`): +30"),
        "{after:#}"
    );
}

#[tokio::test]
async fn a_draft_says_what_publishing_needs_and_stays_private() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let mut draft = new_dataset("entwurf");
    draft["status"] = "draft".into();
    draft["description"] = serde_json::json!({"de": ""});
    draft["license"] = "".into();
    let created = app.post_dataset(&token, &draft).await;
    assert_eq!(created.status().as_u16(), 201);
    let response = app
        .client
        .get(app.url("/api/v1/datasets/entwurf/quality"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["publication"]["status"], "draft");
    assert_eq!(report["publication"]["ready"], false);
    assert_eq!(
        report["publication"]["missing"],
        serde_json::json!(["description.de", "license"])
    );
    let licence = metric(&report, "licenceAvailability");
    assert_eq!(licence["points"], 0.0);
    assert_eq!(
        licence["fix"]["text"]["de"],
        "Ein Lizenz-IRI aus der GovData-Liste angeben (Feld „license“): +20"
    );
    // DCAT-AP requires a description: the check names the violation.
    let compliance = metric(&report, "dcatApCompliance");
    assert_eq!(compliance["passed"], false, "{report:#}");
    assert!(
        compliance["violations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["path"]
                .as_str()
                .is_some_and(|p| p.contains("description"))),
        "{compliance:#}"
    );
    // Nobody else sees a draft's quality.
    let anonymous = app.get("/api/v1/datasets/entwurf/quality").await;
    assert_eq!(anonymous.status().as_u16(), 404);
    let other = app
        .token(Some("stadt-wuppertal-smart-city"), Role::Editor)
        .await;
    let response = app
        .client
        .get(app.url("/api/v1/datasets/entwurf/quality"))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
}

#[tokio::test]
async fn the_catalogue_overview_counts_every_published_dataset_and_ranks_the_fixes() {
    let app = spawn_app().await;
    let overview = app.get_json("/api/v1/quality").await;
    let published = app.get_json("/api/v1/datasets?per_page=1").await["total"].clone();
    assert_eq!(overview["datasets"], published);
    assert_eq!(overview["assessed"], published, "{overview:#}");
    let in_bands: u64 = overview["bands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["datasets"].as_u64().unwrap())
        .sum();
    assert_eq!(Some(in_bands), published.as_u64());
    let fixes = overview["fixes"].as_array().unwrap();
    assert!(!fixes.is_empty() && fixes.len() <= 10, "{overview:#}");
    for pair in fixes.windows(2) {
        assert!(pair[0]["points"].as_f64() >= pair[1]["points"].as_f64());
    }
    assert!(overview["mean"].as_f64().unwrap() > 0.0);
    // The mean is the mean of the datasets' scores.
    let mut sum = 0;
    let mut count = 0;
    let list = app.get_json("/api/v1/datasets?per_page=100").await;
    for d in list["items"].as_array().unwrap() {
        let report = app.quality(d["id"].as_str().unwrap()).await;
        sum += report["score"].as_u64().unwrap();
        count += 1;
    }
    let mean = (sum as f64 / count as f64 * 10.0).round() / 10.0;
    assert_eq!(overview["mean"].as_f64().unwrap(), mean);
}

#[tokio::test]
async fn the_scores_are_published_as_dqv_and_sparql_returns_them() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let created: Value = app
        .post_dataset(&token, &new_dataset("dqv-beispiel"))
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let report = app.quality(&id).await;
    app.projected().await;
    let dataset = format!("http://odcat.test/dataset/{id}");
    let scores = app
        .sparql_values(&format!(
            "PREFIX dqv: <http://www.w3.org/ns/dqv#>
             SELECT ?v WHERE {{ <{dataset}> dqv:hasQualityMeasurement ?m .
               ?m dqv:isMeasurementOf <https://piveau.eu/ns/voc#scoring> ; dqv:computedOn <{dataset}> ; dqv:value ?v }}"
        ))
        .await;
    assert_eq!(scores, [Value::from(report["score"].to_string())]);
    let keywords = app
        .sparql_values(&format!(
            "PREFIX dqv: <http://www.w3.org/ns/dqv#>
             SELECT ?v WHERE {{ GRAPH <{dataset}/quality> {{ ?m a dqv:QualityMeasurement ;
               dqv:isMeasurementOf <https://piveau.eu/ns/voc#keywordAvailability> ; dqv:value ?v }} }}"
        ))
        .await;
    assert_eq!(keywords, [Value::from("true")]);
    // One measurement per distribution for distribution metrics.
    let formats = app
        .sparql_values(&format!(
            "PREFIX dqv: <http://www.w3.org/ns/dqv#> PREFIX dcat: <http://www.w3.org/ns/dcat#>
             SELECT ?v WHERE {{ <{dataset}> dcat:distribution ?d . ?m dqv:computedOn ?d ;
               dqv:isMeasurementOf <https://piveau.eu/ns/voc#formatAvailability> ; dqv:value ?v }}"
        ))
        .await;
    assert_eq!(formats.len(), 2);
    // The graph parses as RDF (CONSTRUCT in N-Triples) and holds 24 measurements (one per dataset
    // metric, two per distribution metric, and the score).
    let response = app
        .client
        .get(app.url("/sparql"))
        .query(&[(
            "query",
            format!(
                "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{dataset}/quality> {{ ?s ?p ?o }} }}"
            ),
        )])
        .header("Accept", "application/n-triples")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body = response.bytes().await.unwrap();
    let triples: Vec<_> = oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::NTriples)
        .for_reader(body.as_ref())
        .collect::<Result<_, _>>()
        .unwrap();
    let measurements = triples
        .iter()
        .filter(|t| t.predicate.as_str() == "http://www.w3.org/ns/dqv#isMeasurementOf")
        .count();
    // 11 dataset metrics + 12 distribution metrics x 2 distributions + the score.
    assert_eq!(measurements, 11 + 12 * 2 + 1);

    // A withdrawn dataset's measurements leave the projection with it.
    let (_, etag) = app.dataset_with_etag(&id).await;
    let withdrawn = app
        .delete_with(format!("/api/v1/datasets/{id}"), &token, &etag)
        .await;
    assert!(withdrawn.status().is_success());
    app.projected().await;
    let left = app
        .sparql_values(&format!(
            "SELECT ?v WHERE {{ GRAPH <{dataset}/quality> {{ ?s ?p ?v }} }}"
        ))
        .await;
    assert!(left.is_empty(), "{left:?}");
}

/// Waits until `check` holds for the dataset's quality report (the link checker runs in the
/// background).
async fn until(app: &TestApp, key: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let report = app.quality(key).await;
        if check(&report) {
            return report;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the link checker did not get there: {report:#}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_dead_link_costs_the_accessibility_points_after_the_next_check() {
    let source = Source::start().await;
    source.set(
        "/ok.csv",
        Answer::Body(200, "text/csv", b"a;b\n1;2\n".to_vec()),
    );
    source.set(
        "/gone.csv",
        Answer::Body(200, "text/csv", b"a;b\n1;2\n".to_vec()),
    );
    let app = spawn_app_with(|s| {
        s.linkcheck = true;
        // The test server is on loopback, which an admin allows here.
        s.linkcheck_allow_private = true;
        s.linkcheck_interval = Duration::from_secs(1);
    })
    .await;
    let token = app.editor().await;
    let mut doc = new_dataset("links");
    doc["distributions"] = serde_json::json!([
        {
            "title": {"de": "Daten"},
            "format": "http://publications.europa.eu/resource/authority/file-type/CSV",
            "access_url": format!("{}/ok.csv", source.base),
            "download_url": format!("{}/ok.csv", source.base)
        },
        {
            "title": {"de": "Archiv"},
            "format": "http://publications.europa.eu/resource/authority/file-type/CSV",
            "access_url": format!("{}/gone.csv", source.base),
            "download_url": format!("{}/gone.csv", source.base)
        }
    ]);
    assert_eq!(app.post_dataset(&token, &doc).await.status().as_u16(), 201);
    let reachable = until(&app, "links", |r| {
        metric(r, "accessUrlStatusCode")["passed"] == true
            && metric(r, "downloadUrlStatusCode")["passed"] == true
    })
    .await;
    assert_eq!(metric(&reachable, "accessUrlStatusCode")["points"], 50.0);
    assert_eq!(
        metric(&reachable, "accessUrlStatusCode")["distributions"][0]["status_code"],
        200
    );

    // The second file disappears: after the next check, half of each status-code metric is lost.
    source.set(
        "/gone.csv",
        Answer::Body(404, "text/plain", b"not found".to_vec()),
    );
    let dead = until(&app, "links", |r| {
        metric(r, "accessUrlStatusCode")["passed"] == false
            && metric(r, "downloadUrlStatusCode")["passed"] == false
    })
    .await;
    assert_eq!(metric(&dead, "accessUrlStatusCode")["points"], 25.0);
    assert_eq!(metric(&dead, "downloadUrlStatusCode")["points"], 15.0);
    let gone = &metric(&dead, "accessUrlStatusCode")["distributions"][1];
    assert_eq!(gone["status_code"], 404);
    assert_eq!(gone["note"], "HTTP 404");
    assert_eq!(
        dead["score"].as_u64().unwrap() + 40,
        reachable["score"].as_u64().unwrap()
    );
}

#[tokio::test]
async fn private_addresses_are_not_checked_unless_an_admin_allows_them() {
    let source = Source::start().await;
    source.set("/ok.csv", Answer::Body(200, "text/csv", b"a\n1\n".to_vec()));
    let app = spawn_app_with(|s| s.linkcheck = true).await;
    let token = app.editor().await;
    let mut doc = new_dataset("privat");
    doc["distributions"] = serde_json::json!([{
        "title": {"de": "Daten"},
        "format": "http://publications.europa.eu/resource/authority/file-type/CSV",
        "access_url": format!("{}/ok.csv", source.base)
    }]);
    assert_eq!(app.post_dataset(&token, &doc).await.status().as_u16(), 201);
    let report = until(&app, "privat", |r| {
        metric(r, "accessUrlStatusCode")["distributions"][0]["note"] != "not checked yet"
    })
    .await;
    let checked = &metric(&report, "accessUrlStatusCode")["distributions"][0];
    assert_eq!(checked["passed"], false);
    assert!(
        checked["note"]
            .as_str()
            .unwrap()
            .starts_with("not checked: 127.0.0.1 is a private"),
        "{checked}"
    );
}

#[tokio::test]
async fn quality_routes_refuse_what_they_do_not_know() {
    let app = spawn_app().await;
    let missing = app.get("/api/v1/datasets/gibt-es-nicht/quality").await;
    assert_eq!(missing.status().as_u16(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["code"], "dataset_not_found");
    let post = app
        .client
        .post(app.url("/api/v1/quality"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status().as_u16(), 405);
}

/// Every fixture dataset's score, computed by hand from the weights table (no link is checked in
/// tests, so an external URL earns no status-code points; a hosted table's URLs count as reachable).
/// Every fixture has keywords, themes, place and period (findability 100), a GovData licence on every
/// distribution, access rights PUBLIC, a contact point and a publisher (reusability 75), issued and
/// modified dates but no rights statement (contextuality 10, plus 5 x 1/2 for the byte size odcat
/// states for a hosted table beside a link without one), and conforms to DCAT-AP (30). What differs
/// is accessibility and the formats:
///
/// | dataset | distributions | accessibility | interoperability | score |
/// | --- | --- | --- | --- | --- |
/// | digitalisierungsprojekte, online-dienstleistungen | hosted CSV, HTML link | 25 + 10 + 15 | 20+10+10+20+20+30 | 347.5 → 348 |
/// | open-data-dienstanweisung | PDF with download URL | 0 + 20 + 0 | 20+10+10+0+0+30 | 275 |
/// | bestandsadressen | CSV, SHP, both with download URL | 0 + 20 + 0 | 20+10+10+20+20+30 | 315 |
/// | bestandsadressen-wohnlage | ATOM feed | 0 | 20+10+10+0+0+30 | 255 |
/// | alkis-gebaeude | SHP with download URL | 0 + 20 + 0 | 20+10+10+0+20+30 | 295 |
/// | alkis-flurstuecke | ATOM, WMS | 0 | 20+10+10+20 (WMS)+0+30 | 275 |
/// | alkis-tatsaechliche-nutzung | ATOM, SHP with download URL | 0 + 10 + 0 | 20+10+10+0+20+30 | 285 |
/// | bevoelkerungsdichte | ATOM, GeoJSON with download URL | 0 + 10 + 0 | 20+10+10+20+20+30 | 305 |
/// | wohngebaeude-baujahre | SHP with download URL, WFS | 0 + 10 + 0 | 20+10+10+0+20+30 | 285 |
/// | smart-city-massnahmen | HTML page | 0 | 20+10+10+20 (HTML)+0+30 | 275 |
#[tokio::test]
async fn every_fixture_dataset_scores_what_the_weights_table_gives_by_hand() {
    let app = spawn_app().await;
    let expected = [
        ("digitalisierungsprojekte-digital-2026", 348),
        ("online-dienstleistungen-wuppertal", 348),
        ("open-data-dienstanweisung-wuppertal", 275),
        ("bestandsadressen-wuppertal", 315),
        ("bestandsadressen-wohnlage-wuppertal", 255),
        ("alkis-gebaeude-wuppertal", 295),
        ("alkis-flurstuecke-wuppertal", 275),
        ("alkis-tatsaechliche-nutzung-wuppertal", 285),
        ("bevoelkerungsdichte-wuppertal", 305),
        ("wohngebaeude-baujahre-wuppertal", 285),
        ("smart-city-massnahmen-wuppertal", 275),
    ];
    let mut found = Vec::new();
    for (slug, _) in expected {
        let report = app.quality(slug).await;
        for (name, points) in [
            ("dcatApCompliance", 30.0),
            ("keywordAvailability", 30.0),
            ("temporalAvailability", 20.0),
            ("contactPointAvailability", 20.0),
            ("rightsAvailability", 0.0),
        ] {
            assert_eq!(
                metric(&report, name)["points"],
                points,
                "{slug} {name}: {report:#}"
            );
        }
        let hosted = slug.starts_with("digitalisierungsprojekte") || slug.starts_with("online-");
        assert_eq!(
            metric(&report, "byteSizeAvailability")["points"],
            if hosted { 2.5 } else { 0.0 },
            "{slug}"
        );
        found.push((slug, report["score"].as_u64().unwrap()));
    }
    assert_eq!(found, expected);
}

#[tokio::test]
async fn head_refused_falls_back_to_get_and_a_slow_host_holds_only_its_own_slot() {
    let fast = Source::start().await;
    // An OGC service and a server that refuses HEAD: both answer GET.
    fast.set(
        "HEAD /refuses-head.csv",
        Answer::Body(405, "text/plain", Vec::new()),
    );
    fast.set(
        "/refuses-head.csv",
        Answer::Body(200, "text/csv", b"a\n1\n".to_vec()),
    );
    fast.set(
        "HEAD /wms?SERVICE=WMS&REQUEST=GetCapabilities",
        Answer::Body(404, "text/plain", Vec::new()),
    );
    fast.set(
        "/wms?SERVICE=WMS&REQUEST=GetCapabilities",
        Answer::Body(200, "text/xml", b"<x/>".to_vec()),
    );
    // Another server never answers.
    let slow = Source::start().await;
    slow.set("/stalls.csv", Answer::Stall);
    let app = spawn_app_with(|s| {
        s.linkcheck = true;
        s.linkcheck_allow_private = true;
        s.linkcheck_timeout = 20;
    })
    .await;
    let token = app.editor().await;
    let mut doc = new_dataset("langsam");
    doc["distributions"] = serde_json::json!([
        {
            "title": {"de": "Hängt"},
            "format": "http://publications.europa.eu/resource/authority/file-type/CSV",
            "access_url": format!("{}/stalls.csv", slow.base)
        },
        {
            "title": {"de": "Kein HEAD"},
            "format": "http://publications.europa.eu/resource/authority/file-type/CSV",
            "access_url": format!("{}/refuses-head.csv", fast.base)
        },
        {
            "title": {"de": "Kartendienst"},
            "format": "http://publications.europa.eu/resource/authority/file-type/WMS_SRVC",
            "access_url": format!("{}/wms?SERVICE=WMS&REQUEST=GetCapabilities", fast.base)
        }
    ]);
    let started = std::time::Instant::now();
    let created = app.post_dataset(&token, &doc).await;
    assert_eq!(created.status().as_u16(), 201);
    // The write did not wait for any host.
    assert!(started.elapsed() < Duration::from_secs(5));
    // The fast server's URLs are checked while the slow one still hangs (its 20 s timeout).
    let report = until(&app, "langsam", |r| {
        let d = &metric(r, "accessUrlStatusCode")["distributions"];
        d[1]["passed"] == true && d[2]["passed"] == true
    })
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    let d = &metric(&report, "accessUrlStatusCode")["distributions"];
    assert_eq!(d[0]["note"], "not checked yet", "{report:#}");
    assert_eq!(d[1]["status_code"], 200);
    assert_eq!(d[2]["status_code"], 200);
    // Pages are served meanwhile.
    let page = app.get("/api/v1/datasets/langsam").await;
    assert_eq!(page.status().as_u16(), 200);
}

#[tokio::test]
async fn a_process_without_the_worker_assesses_nothing_in_the_background_but_answers_reports() {
    let app = spawn_app_with(|s| s.quality_worker = false).await;
    let token = app.editor().await;
    let created = app
        .post_dataset(&token, &new_dataset("ohne-arbeiter"))
        .await;
    assert_eq!(created.status().as_u16(), 201);
    let ready = app.get_json("/readyz").await;
    assert_eq!(ready["quality"]["worker"], false, "{ready}");
    assert_eq!(ready["quality"]["queued"], 0, "{ready}");
    // Nothing was assessed when the dataset was written: the catalogue overview has no score for it.
    let overview = app.get_json("/api/v1/quality").await;
    let before = overview["assessed"].as_u64().unwrap();
    // Its report is assessed on request, exactly as the worker would have scored it.
    let report = app.quality("ohne-arbeiter").await;
    assert!(report["score"].as_u64().unwrap() > 0, "{report}");
    let overview = app.get_json("/api/v1/quality").await;
    assert_eq!(
        overview["assessed"].as_u64().unwrap(),
        before + 1,
        "{overview}"
    );

    // The same dataset written on a process with the worker gets the same score unasked.
    let with_worker = spawn_app().await;
    let token = with_worker.editor().await;
    let created = with_worker
        .post_dataset(&token, &new_dataset("ohne-arbeiter"))
        .await;
    assert_eq!(created.status().as_u16(), 201);
    let ready = with_worker.get_json("/readyz").await;
    assert_eq!(ready["quality"]["worker"], true, "{ready}");
    assert_eq!(
        with_worker.quality("ohne-arbeiter").await["score"],
        report["score"]
    );
}
