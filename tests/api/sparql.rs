//! The SPARQL 1.1 endpoint: protocol (methods, graph parameters, formats, service description, CORS),
//! refusals (updates, SERVICE, bad input), table rows as RDF, and safety (timeout, caps, concurrency).

use std::time::{Duration, Instant};

use oxigraph::io::{RdfFormat, RdfParser};
use reqwest::Response;
use serde_json::Value;

use crate::helpers::{TestApp, assert_error, spawn_app, spawn_app_with};

const DCAT: &str = "PREFIX dcat: <http://www.w3.org/ns/dcat#>\n";

/// A query whose answer (one row) takes far longer than any timeout in these tests: a count over the
/// cartesian product of every triple with every triple, each pair run through a string filter. (The
/// evaluator checks for cancellation as it reads the store, so the product is kept to two factors:
/// with three, a debug build reads the store only every second or so.)
const CARTESIAN: &str = "SELECT (COUNT(*) AS ?n) WHERE {
  ?a ?b ?c . ?d ?e ?f
  FILTER(CONTAINS(CONCAT(STR(?a), STR(?c), STR(?d), STR(?f)), \"never-there\"))
}";
/// Every pair of triples: millions of solutions, streamed.
const PAIRS: &str = "SELECT * WHERE { ?s ?p ?o . ?x ?y ?z }";
/// A count over an arbitrary-length path walked both ways (`(p|^p)*`), joined with every triple.
const PATH: &str = "PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT (COUNT(*) AS ?n) WHERE {
  ?x (dcat:dataset|^dcat:dataset|dct:publisher|^dct:publisher|dcat:distribution|^dcat:distribution)* ?y .
  ?a ?b ?c
  FILTER(CONTAINS(CONCAT(STR(?x), STR(?y), STR(?c)), \"never-there\"))
}";

impl TestApp {
    async fn sparql_get(&self, query: &str, accept: &str) -> Response {
        self.client
            .get(self.url("/sparql"))
            .query(&[("query", query)])
            .header("Accept", accept)
            .send()
            .await
            .unwrap()
    }

    async fn select(&self, query: &str) -> Vec<Value> {
        let response = self
            .sparql_get(query, "application/sparql-results+json")
            .await;
        assert_eq!(response.status().as_u16(), 200, "{query}");
        let body: Value = response.json().await.unwrap();
        body["results"]["bindings"].as_array().unwrap().clone()
    }

    /// Waits until no SPARQL evaluation runs, failing after `limit`.
    async fn no_evaluation_within(&self, limit: Duration) {
        let started = Instant::now();
        while self.sparql.running() > 0 {
            assert!(
                started.elapsed() < limit,
                "an evaluation still runs after {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The answer of an ASK query (asserting a 200).
    pub(crate) async fn ask(&self, query: &str) -> bool {
        let response = self
            .sparql_get(query, "application/sparql-results+json")
            .await;
        assert_eq!(response.status().as_u16(), 200, "{query}");
        let body: Value = response.json().await.unwrap();
        body["boolean"].as_bool().unwrap()
    }
}

fn value<'a>(binding: &'a Value, var: &str) -> &'a str {
    binding[var]["value"].as_str().unwrap_or("")
}

fn triples(body: &[u8], format: RdfFormat) -> usize {
    RdfParser::from_format(format)
        .for_slice(body)
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("{format:?} does not parse: {e}"))
        .len()
}

#[tokio::test]
async fn get_and_both_posts_answer_the_same_select() {
    let app = spawn_app().await;
    let query = format!("{DCAT}SELECT (COUNT(?d) AS ?n) WHERE {{ ?d a dcat:Dataset }}");
    let get = app.select(&query).await;
    let form: Value = app
        .client
        .post(app.url("/sparql"))
        .form(&[("query", query.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let direct: Value = app
        .client
        .post(app.url("/sparql"))
        .header("Content-Type", "application/sparql-query")
        .body(query.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        value(&get[0], "n"),
        "11",
        "the fixtures have 11 published datasets"
    );
    assert_eq!(form["results"]["bindings"][0]["n"]["value"], "11");
    assert_eq!(direct["results"]["bindings"][0]["n"]["value"], "11");
}

#[tokio::test]
async fn select_and_ask_come_in_every_results_format_by_accept_or_format() {
    let app = spawn_app().await;
    let query = format!("{DCAT}SELECT ?d WHERE {{ ?d a dcat:Dataset }} ORDER BY ?d LIMIT 3");
    let cases = [
        (
            "application/sparql-results+json",
            "json",
            "application/sparql-results+json",
            "\"bindings\"",
        ),
        (
            "application/sparql-results+xml",
            "xml",
            "application/sparql-results+xml",
            "<sparql",
        ),
        ("text/csv", "csv", "text/csv", "d\r\n"),
        (
            "text/tab-separated-values",
            "tsv",
            "text/tab-separated-values",
            "?d\n",
        ),
    ];
    for (accept, name, content_type, marker) in cases {
        for response in [
            app.sparql_get(&query, accept).await,
            app.client
                .get(app.url("/sparql"))
                .query(&[("query", query.as_str()), ("format", name)])
                .send()
                .await
                .unwrap(),
        ] {
            assert_eq!(response.status().as_u16(), 200, "{accept}");
            let ct = response.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_owned();
            assert!(ct.starts_with(content_type), "{accept}: {ct}");
            let body = response.text().await.unwrap();
            assert!(body.contains(marker), "{accept}: {body}");
            assert_eq!(body.matches("/dataset/").count(), 3, "{accept}: {body}");
        }
    }
    let ask = format!("{DCAT}ASK {{ ?d a dcat:Catalog }}");
    assert!(app.ask(&ask).await);
    for (accept, marker) in [
        ("application/sparql-results+xml", "<boolean>true</boolean>"),
        ("text/csv", "true"),
        ("text/tab-separated-values", "true"),
    ] {
        let body = app.sparql_get(&ask, accept).await.text().await.unwrap();
        assert!(body.contains(marker), "ASK as {accept}: {body}");
    }
}

#[tokio::test]
async fn construct_and_describe_come_in_every_rdf_format() {
    let app = spawn_app().await;
    let construct = format!("{DCAT}CONSTRUCT {{ ?c ?p ?o }} WHERE {{ ?c a dcat:Catalog ; ?p ?o }}");
    let describe = format!("{DCAT}DESCRIBE ?c WHERE {{ ?c a dcat:Catalog }}");
    for query in [&construct, &describe] {
        let mut counts = Vec::new();
        for (accept, format, name) in [
            ("text/turtle", RdfFormat::Turtle, "ttl"),
            ("application/n-triples", RdfFormat::NTriples, "nt"),
            ("application/rdf+xml", RdfFormat::RdfXml, "rdf"),
            (
                "application/ld+json",
                RdfFormat::JsonLd {
                    profile: Default::default(),
                },
                "jsonld",
            ),
        ] {
            let response = app.sparql_get(query, accept).await;
            assert_eq!(response.status().as_u16(), 200, "{accept}");
            assert!(
                response.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with(accept)
            );
            counts.push(triples(&response.bytes().await.unwrap(), format));
            let by_name = app
                .client
                .get(app.url("/sparql"))
                .query(&[("query", query.as_str()), ("format", name)])
                .send()
                .await
                .unwrap();
            assert!(
                by_name.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with(accept)
            );
        }
        assert!(counts[0] > 10, "{counts:?}");
        assert!(counts.iter().all(|c| *c == counts[0]), "{counts:?}");
    }
}

#[tokio::test]
async fn bad_queries_and_formats_get_clear_errors() {
    let app = spawn_app().await;
    let message = assert_error(
        app.sparql_get("SELECT * WHERE { ?s ?p }", "*/*").await,
        400,
        "invalid_query",
    )
    .await;
    assert!(message.contains("1:"), "the parser's position: {message}");
    assert_error(
        app.sparql_get("SELECT * WHERE { ?s ?p ?o }", "image/png")
            .await,
        406,
        "not_acceptable",
    )
    .await;
    let wrong_format = app
        .client
        .get(app.url("/sparql"))
        .query(&[("query", "ASK {}"), ("format", "ttl")])
        .send()
        .await
        .unwrap();
    assert_error(wrong_format, 400, "invalid_parameter").await;
    let two_queries = app
        .client
        .get(app.url("/sparql?query=ASK%20%7B%7D&query=ASK%20%7B%7D"))
        .send()
        .await
        .unwrap();
    assert_error(two_queries, 400, "invalid_parameter").await;
    let bad_graph = app
        .client
        .get(app.url("/sparql"))
        .query(&[("query", "ASK {}"), ("default-graph-uri", "not an iri")])
        .send()
        .await
        .unwrap();
    let message = assert_error(bad_graph, 400, "invalid_parameter").await;
    assert!(message.contains("default-graph-uri"), "{message}");
    let no_query = app
        .client
        .post(app.url("/sparql"))
        .form(&[("default-graph-uri", "http://x")])
        .send()
        .await
        .unwrap();
    assert_error(no_query, 400, "invalid_parameter").await;
    let other_body = app
        .client
        .post(app.url("/sparql"))
        .header("Content-Type", "text/plain")
        .body("ASK {}")
        .send()
        .await
        .unwrap();
    assert_error(other_body, 415, "unsupported_media_type").await;
    let put = app.client.put(app.url("/sparql")).send().await.unwrap();
    assert_error(put, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn updates_are_refused_in_every_form_and_change_nothing() {
    let app = spawn_app().await;
    let count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }";
    let before = value(&app.select(count).await[0], "n").to_owned();
    let insert =
        "INSERT DATA { GRAPH <http://evil.example/g> { <http://a> <http://b> <http://c> } }";
    let responses = [
        app.sparql_get(insert, "*/*").await,
        app.sparql_get("DROP ALL", "*/*").await,
        app.client
            .get(app.url("/sparql"))
            .query(&[("update", "DROP ALL")])
            .send()
            .await
            .unwrap(),
        app.client
            .post(app.url("/sparql"))
            .form(&[("update", "CLEAR ALL")])
            .send()
            .await
            .unwrap(),
        app.client
            .post(app.url("/sparql"))
            .header("Content-Type", "application/sparql-update")
            .body(insert)
            .send()
            .await
            .unwrap(),
    ];
    for response in responses {
        assert_error(response, 403, "update_refused").await;
    }
    assert_eq!(value(&app.select(count).await[0], "n"), before);
}

#[tokio::test]
async fn service_calls_are_refused_before_evaluation() {
    let app = spawn_app().await;
    for query in [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?x } } }",
    ] {
        let message =
            assert_error(app.sparql_get(query, "*/*").await, 403, "service_refused").await;
        assert!(message.contains("127.0.0.1:9"), "{message}");
    }
}

#[tokio::test]
async fn graph_parameters_choose_the_dataset_and_the_bookkeeping_stays_hidden() {
    let app = spawn_app().await;
    let catalog = "http://odcat.test/catalog";
    let datasets = format!("{DCAT}SELECT (COUNT(?d) AS ?n) WHERE {{ ?d a dcat:Dataset }}");
    let in_catalog_graph = |query: String| {
        app.client
            .get(app.url("/sparql"))
            .query(&[("query", query.as_str()), ("default-graph-uri", catalog)])
            .header("Accept", "application/sparql-results+json")
            .send()
    };
    let body: Value = in_catalog_graph(datasets.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["results"]["bindings"][0]["n"]["value"], "0");
    let body: Value = in_catalog_graph(format!("{DCAT}SELECT ?c WHERE {{ ?c a dcat:Catalog }}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["results"]["bindings"][0]["c"]["value"], catalog);
    let named: Value = app
        .client
        .get(app.url("/sparql"))
        .query(&[
            (
                "query",
                "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
            ),
            ("named-graph-uri", catalog),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(named["results"]["bindings"].as_array().unwrap().len(), 1);
    // Without parameters the default graph is the union of all graphs, and the projector's
    // bookkeeping is in no graph a query can read.
    assert_eq!(value(&app.select(&datasets).await[0], "n"), "11");
    let graphs = app
        .select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        .await;
    assert!(
        graphs
            .iter()
            .all(|g| value(g, "g").starts_with("http://odcat.test/"))
    );
    assert!(
        !app.ask("ASK { ?s ?p ?o FILTER(STRSTARTS(STR(?s), \"urn:odcat\")) }")
            .await
    );
}

#[tokio::test]
async fn get_without_a_query_describes_the_service_or_shows_the_form() {
    let app = spawn_app().await;
    let turtle = app.client.get(app.url("/sparql")).send().await.unwrap();
    assert_eq!(turtle.headers()["content-type"], "text/turtle");
    assert_eq!(
        turtle.headers()["vary"].to_str().unwrap().split(',').next(),
        Some("Accept")
    );
    let body = turtle.text().await.unwrap();
    assert!(
        body.contains("sd:Service") && body.contains("sd:SPARQL11Query"),
        "{body}"
    );
    assert!(triples(body.as_bytes(), RdfFormat::Turtle) >= 10);
    let jsonld = app
        .client
        .get(app.url("/sparql"))
        .header("Accept", "application/ld+json")
        .send()
        .await
        .unwrap();
    assert_eq!(jsonld.headers()["content-type"], "application/ld+json");
    let html = app
        .client
        .get(app.url("/sparql"))
        .header(
            "Accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .send()
        .await
        .unwrap();
    assert!(
        html.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = html.text().await.unwrap();
    assert!(page.contains("<form") && page.contains("name=\"query\""));
    assert!(
        page.contains("ozg_themenfeld"),
        "the examples are on the page"
    );
}

#[tokio::test]
async fn cors_lets_any_origin_query_with_get_and_post() {
    let app = spawn_app().await;
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/sparql"))
        .header("Origin", "https://yasgui.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status().as_u16(), 200);
    let methods = preflight.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        methods.contains("GET") && methods.contains("POST"),
        "{methods}"
    );
    let response = app
        .client
        .get(app.url("/sparql"))
        .query(&[("query", "ASK {}")])
        .header("Origin", "https://yasgui.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://yasgui.example"
    );
}

#[tokio::test]
async fn the_readme_queries_return_the_fixture_answers() {
    let app = spawn_app().await;
    let [themes, services, projects] = odcat::sparql::examples::EXAMPLES.map(|(_, q)| q);
    let rows = app.select(themes).await;
    let counts: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                value(r, "theme").rsplit('/').next().unwrap().to_owned(),
                value(r, "datasets").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("REGI", "7"),
            ("GOVE", "3"),
            ("TECH", "2"),
            ("ENVI", "1"),
            ("SOCI", "1")
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    assert_eq!(value(&rows[0], "label"), "Regionen und Städte");

    let rows = app.select(services).await;
    let fields: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (value(r, "themenfeld"), value(r, "dienste")))
        .collect();
    assert_eq!(fields[0], ("Bauen & Wohnen", "3"));
    assert_eq!(fields[1], ("Mobilität & Reisen", "2"));
    let total: u32 = fields.iter().map(|(_, n)| n.parse::<u32>().unwrap()).sum();
    assert_eq!(total, 10, "10 of the 19 services have maturity 3 or more");

    let rows = app.select(projects).await;
    let summary: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                value(r, "status"),
                value(r, "projekte"),
                value(r, "budget_eur"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("abgeschlossen", "3", "32000000"),
            ("im Betrieb", "2", "0"),
            ("in Umsetzung", "5", "0"),
            ("zurückgestellt", "1", "0"),
        ]
    );
}

#[tokio::test]
async fn table_rows_are_typed_described_and_follow_their_dataset() {
    let app = spawn_app().await;
    let prefix = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>\n";
    let rows = app
        .select(&format!(
            "{prefix}SELECT ?g ?rows ?range WHERE {{
               ?d dcat:distribution ?dist . ?g dct:source ?dist ; void:entities ?rows .
               GRAPH ?g {{ ?col rdfs:label \"beginn\" ; rdfs:range ?range }}
             }}"
        ))
        .await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(value(&rows[0], "rows"), "11");
    assert_eq!(
        value(&rows[0], "range"),
        "http://www.w3.org/2001/XMLSchema#date"
    );
    let graph = value(&rows[0], "g").to_owned();
    let typed = app
        .ask(&format!(
            "{prefix}ASK {{ GRAPH <{graph}> {{ ?row ?c \"2018-09-01\"^^xsd:date ; ?t \"Digitalisierung der Eingangspost\" }} }}"
        ))
        .await;
    assert!(typed, "dates are xsd:date, text plain literals");

    // Withdrawing the dataset takes its rows out of the projection.
    let token = app.editor().await;
    let (_, etag) = app
        .dataset_with_etag("digitalisierungsprojekte-digital-2026")
        .await;
    let response = app
        .delete_with(
            "/api/v1/datasets/digitalisierungsprojekte-digital-2026",
            &token,
            &etag,
        )
        .await;
    assert!(response.status().is_success());
    app.projected().await;
    assert!(
        !app.ask(&format!("ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))
            .await
    );
}

#[tokio::test]
async fn tables_over_the_row_cap_are_described_but_not_projected() {
    let app = spawn_app_with(|s| s.sparql_row_cap = 15).await;
    let prefix = "PREFIX dct: <http://purl.org/dc/terms/>
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n";
    let rows = app
        .select(&format!(
            "{prefix}SELECT ?g ?rows ?comment WHERE {{ ?g dct:source ?dist ; void:entities ?rows .
               OPTIONAL {{ ?g rdfs:comment ?comment FILTER(LANG(?comment) = \"en\") }} }} ORDER BY ?rows"
        ))
        .await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    if cfg!(feature = "rocksdb") {
        // The on-disk store has no row cap: both tables are projected whole.
        assert_eq!(value(&rows[0], "rows"), "11");
        assert_eq!(value(&rows[1], "rows"), "19");
        assert!(rows.iter().all(|r| value(r, "comment").is_empty()));
        return;
    }
    // The 19-row services table is over the cap of 15, the 11-row projects table is not.
    assert_eq!(value(&rows[0], "rows"), "0");
    assert!(value(&rows[0], "comment").contains("19 rows"), "{rows:?}");
    assert_eq!(value(&rows[1], "rows"), "11");
    let capped = value(&rows[0], "g");
    assert!(
        !app.ask(&format!("ASK {{ GRAPH <{capped}> {{ ?s ?p ?o }} }}"))
            .await
    );
    let kept = value(&rows[1], "g");
    assert!(
        app.ask(&format!("ASK {{ GRAPH <{kept}> {{ ?s ?p ?o }} }}"))
            .await
    );
}

/// Starts concurrent hostile queries and checks that simple ones keep answering fast meanwhile.
#[tokio::test]
async fn hostile_queries_are_stopped_at_the_timeout_while_simple_queries_keep_answering() {
    let app = spawn_app_with(|s| {
        s.sparql_timeout = 2;
        s.sparql_concurrency = Some(4);
    })
    .await;
    let started = Instant::now();
    let hostile: Vec<_> = [CARTESIAN, PATH]
        .into_iter()
        .map(|query| {
            let client = app.client.clone();
            let url = app.url("/sparql");
            tokio::spawn(async move {
                let response = client
                    .get(url)
                    .query(&[("query", query)])
                    .send()
                    .await
                    .unwrap();
                (
                    response.status().as_u16(),
                    response.json::<Value>().await.unwrap(),
                    Instant::now(),
                )
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        app.sparql.running() >= 2,
        "both hostile queries are evaluating"
    );
    let mut slowest = Duration::ZERO;
    while started.elapsed() < Duration::from_millis(1700) {
        let asked = Instant::now();
        assert!(
            app.ask("ASK { ?s a <http://www.w3.org/ns/dcat#Catalog> }")
                .await
        );
        slowest = slowest.max(asked.elapsed());
    }
    assert!(
        slowest < Duration::from_secs(1),
        "simple queries took up to {slowest:?}"
    );
    for task in hostile {
        let (status, body, finished) = task.await.unwrap();
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["error"]["code"], "query_timeout", "{body}");
        let took = finished - started;
        assert!(
            took >= Duration::from_secs(2) && took < Duration::from_secs(6),
            "{took:?}"
        );
    }
    // The evaluations themselves stopped, not only the responses: their threads are free.
    app.no_evaluation_within(Duration::from_secs(2)).await;
}

#[tokio::test]
async fn a_client_that_stops_reading_does_not_hold_its_slot_past_the_timeout() {
    let app = spawn_app_with(|s| s.sparql_timeout = 2).await;
    let response = app
        .sparql_get(PAIRS, "application/sparql-results+xml")
        .await;
    assert_eq!(response.status().as_u16(), 200);
    // Hold the response without reading it: the socket buffers fill and the evaluation waits until
    // the deadline, then gives its slot up.
    app.no_evaluation_within(Duration::from_secs(4)).await;
    drop(response);
}

#[tokio::test]
async fn a_busy_endpoint_answers_503_with_retry_after() {
    let app = spawn_app_with(|s| {
        s.sparql_timeout = 3;
        s.sparql_concurrency = Some(1);
        s.sparql_queue_wait_ms = 200;
    })
    .await;
    let client = app.client.clone();
    let url = app.url("/sparql");
    let hostile = tokio::spawn(async move {
        client
            .get(url)
            .query(&[("query", CARTESIAN)])
            .send()
            .await
            .unwrap()
            .status()
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let response = app.sparql_get("ASK {}", "*/*").await;
    assert_eq!(response.headers()["retry-after"], "2");
    assert_error(response, 503, "too_many_queries").await;
    assert_eq!(hostile.await.unwrap().as_u16(), 503);
    assert!(app.ask("ASK {}").await, "the slot is free again");
}

#[tokio::test]
async fn result_caps_refuse_or_cut_off_large_results() {
    let app = spawn_app_with(|s| s.sparql_max_rows = 5).await;
    let message = assert_error(
        app.sparql_get("SELECT * WHERE { ?s ?p ?o }", "*/*").await,
        422,
        "result_too_large",
    )
    .await;
    assert!(message.contains("5 rows"), "{message}");
    assert_eq!(
        app.select("SELECT * WHERE { ?s ?p ?o } LIMIT 5")
            .await
            .len(),
        5
    );

    let app = spawn_app_with(|s| s.sparql_max_bytes = 2_000).await;
    assert_error(
        app.sparql_get("SELECT * WHERE { ?s ?p ?o }", "*/*").await,
        422,
        "result_too_large",
    )
    .await;

    // Past the first chunk the status is sent: the response is cut off, never completed.
    let app = spawn_app_with(|s| s.sparql_max_bytes = 150_000).await;
    let response = app
        .sparql_get(PAIRS, "application/sparql-results+json")
        .await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.bytes().await.is_err(),
        "the body must end in an error"
    );
}

/// The real binary: after a hostile query is stopped, the process goes back to idle.
#[tokio::test]
async fn a_stopped_query_leaves_the_process_idle() {
    let db = crate::helpers::TestDatabase::new().await;
    // The background work of a first start (assessing and link-checking the fixtures) would be
    // counted with the query's: it is switched off, and the measurement starts from an idle process.
    let (mut child, base) = crate::crash::serve_with(
        &db,
        &[
            ("ODCAT_SPARQL_TIMEOUT", "1"),
            ("ODCAT_QUALITY_WORKER", "false"),
            ("ODCAT_LINKCHECK", "false"),
        ],
    )
    .await;
    let pid = child.id();
    let ticks = move || {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        // Fields after the command name: state is 3rd, utime 14th and stime 15th of the whole line.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .unwrap()
            .1
            .split_whitespace()
            .collect();
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    };
    let idle_since = std::time::Instant::now();
    loop {
        let before = ticks();
        tokio::time::sleep(Duration::from_millis(500)).await;
        if ticks() - before <= 2 {
            break;
        }
        assert!(
            idle_since.elapsed() < Duration::from_secs(60),
            "the process did not become idle after its start"
        );
    }
    let client = crate::helpers::test_client();
    let response = client
        .get(format!("{base}/sparql"))
        .query(&[("query", CARTESIAN)])
        .send()
        .await
        .unwrap();
    assert_error(response, 503, "query_timeout").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = ticks();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let used = ticks() - before;
    child.kill().unwrap();
    child.wait().unwrap();
    // Clock ticks are 1/100 s: a query still evaluating would use about 200 in 2 s.
    assert!(
        used < 40,
        "the process used {used} ticks of CPU in 2 s after the timeout"
    );
}

#[tokio::test]
async fn csv_results_take_the_table_downloads_sep_bom_and_formula_escaping() {
    let app = spawn_app().await;
    let query = "SELECT ?x ?n ?i { VALUES (?x ?n ?i) { (\"=1+1\" 1.5 -5) (\"a;b\" 2.25 7) } }";
    let csv = |params: &'static [(&'static str, &'static str)]| {
        let mut pairs = vec![("query", query)];
        pairs.extend_from_slice(params);
        app.client
            .get(app.url("/sparql"))
            .query(&pairs)
            .header("Accept", "text/csv")
            .send()
    };
    // By default exactly SPARQL 1.1 CSV: every value as written.
    let plain = csv(&[]).await.unwrap();
    assert_eq!(plain.status().as_u16(), 200);
    assert_eq!(
        plain.text().await.unwrap(),
        "x,n,i\r\n=1+1,1.5,-5\r\na;b,2.25,7\r\n"
    );
    // For German Excel: `;`, decimal commas, a BOM, and text that would run as a formula escaped
    // (numbers are never escaped).
    let excel = csv(&[("sep", ";"), ("bom", "true"), ("escape_formulas", "true")])
        .await
        .unwrap();
    assert_eq!(excel.status().as_u16(), 200);
    assert_eq!(
        excel.text().await.unwrap(),
        "\u{feff}x;n;i\r\n'=1+1;1,5;-5\r\n\"a;b\";2,25;7\r\n"
    );
    let message = assert_error(
        csv(&[("sep", "x")]).await.unwrap(),
        400,
        "invalid_parameter",
    )
    .await;
    assert!(message.contains("`x`"), "{message}");
}
