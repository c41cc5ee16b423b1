//! The hostile-input corpus of the API against the real binary: huge and malformed parameters, headers
//! and bodies, refused inputs, with and without a token. The process survives all of it, and nothing
//! answers 5xx except the documented 503s.

use std::time::Duration;

use reqwest::{Client, Method, RequestBuilder};
use serde_json::{Value, json};

use crate::crash::{fixtures_and_token, serve_with};
use crate::helpers::{TestDatabase, new_dataset};

const PROJECTS: &str = "digitalisierungsprojekte-digital-2026";

/// One request of the corpus: a name, and how to build it from the base URL.
type Case = (String, Box<dyn Fn(&Client, &str) -> RequestBuilder>);

fn case(
    name: impl Into<String>,
    build: impl Fn(&Client, &str) -> RequestBuilder + 'static,
) -> Case {
    (name.into(), Box::new(build))
}

fn get(name: &str, path: String) -> Case {
    case(name, move |c, base| c.get(format!("{base}{path}")))
}

fn corpus(distribution: &str) -> Vec<Case> {
    let table = format!("/dataset/{PROJECTS}/distribution/{distribution}");
    let upload = format!("/api/v1/datasets/{PROJECTS}/distributions/{distribution}/data");
    let words = vec!["wort"; 1000].join(" ");
    let wide_csv = {
        let header: Vec<String> = (0..2000).map(|i| format!("c{i}")).collect();
        let row = vec!["1"; 2000].join(",");
        format!("{}\n{row}\n", header.join(","))
    };
    let mut bad_title = new_dataset("feindlich-steuerzeichen");
    bad_title["title"]["de"] = json!("A\u{b}B");
    let mut bad_url = new_dataset("feindlich-url");
    bad_url["landing_page"] = json!("https://example.org/a b");
    let mut cases = vec![
        get(
            "a catalogue page past i64",
            "/catalog.ttl?page=92233720368547760".into(),
        ),
        get("page 0", "/catalog.ttl?page=0".into()),
        get("a negative page", "/catalog.rdf?page=-1".into()),
        get(
            "a page of 30 digits",
            "/catalog.jsonld?page=999999999999999999999999999999".into(),
        ),
        get(
            "a broken modified_since",
            "/catalog.ttl?modified_since=gestern".into(),
        ),
        get(
            "a modified_since out of range",
            "/catalog.ttl?modified_since=99999-01-01T00:00:00Z".into(),
        ),
        get(
            "per_page far too large",
            "/api/v1/datasets?per_page=100000000000000000000".into(),
        ),
        get(
            "page far too large",
            "/api/v1/datasets?page=18446744073709551616".into(),
        ),
        get("a 1 000-word search", format!("{table}/data.csv?q={words}")),
        get(
            "a 1 000-word search on the rows API",
            format!("/api/v1/datasets/{PROJECTS}/distributions/{distribution}/rows?q={words}"),
        ),
        get(
            "an unknown filter column",
            format!("{table}/data.json?nicht_da=1"),
        ),
        get("a limit past u64", format!("{table}/data.csv?limit=1e400")),
        get(
            "an escaped newline in a path",
            "/dataset/a%0aINFO%20forged".into(),
        ),
        get(
            "an escape character in a path",
            "/dataset/%1b[31mred".into(),
        ),
        get("a path of dots", "/dataset/..%2f..%2fetc%2fpasswd".into()),
        get("an unknown URL", "/gibt/es/nicht".into()),
        get("a portal page 0", "/datasets?page=0".into()),
        get(
            "a portal page past u64",
            "/datasets?page=99999999999999999999999".into(),
        ),
        get(
            "a dataset id that is no UUID",
            "/api/v1/datasets/00000000-0000-0000-0000".into(),
        ),
        case("Accept: application/*", |c, base| {
            c.get(format!("{base}/catalog"))
                .header("Accept", "application/*")
        }),
        case("a malformed Accept", |c, base| {
            c.get(format!("{base}/catalog"))
                .header("Accept", ";;;q=abc,,*/*;q=2")
        }),
        case("a malformed If-None-Match", |c, base| {
            c.get(format!("{base}/catalog.ttl"))
                .header("If-None-Match", "\"unclosed")
        }),
        case("a malformed If-Modified-Since", |c, base| {
            c.get(format!("{base}/catalog.ttl"))
                .header("If-Modified-Since", "yesterday at noon")
        }),
        case("a 12 KB query string", |c, base| {
            c.get(format!("{base}/api/v1/datasets?q={}", "x".repeat(12_000)))
        }),
        case("JSON that is no JSON", |c, base| {
            c.post(format!("{base}/api/v1/datasets"))
                .header("Content-Type", "application/json")
                .body("{\"slug\": ")
        }),
        case("a JSON body of 2 MB", |c, base| {
            c.post(format!("{base}/api/v1/datasets"))
                .header("Content-Type", "application/json")
                .body(format!("{{\"slug\": \"{}\"}}", "x".repeat(2_000_000)))
        }),
        case("a deeply nested JSON body", |c, base| {
            c.post(format!("{base}/api/v1/datasets"))
                .header("Content-Type", "application/json")
                .body(format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)))
        }),
        case("a title with a control character", move |c, base| {
            c.post(format!("{base}/api/v1/datasets")).json(&bad_title)
        }),
        case("a landing page with a space", move |c, base| {
            c.post(format!("{base}/api/v1/datasets")).json(&bad_url)
        }),
    ];
    let upload_cases: Vec<Case> = vec![
        {
            let upload = upload.clone();
            let wide_csv = wide_csv.clone();
            case("a CSV with 2 000 columns", move |c, base| {
                c.put(format!("{base}{upload}"))
                    .header("Content-Type", "text/csv")
                    .body(wide_csv.clone())
            })
        },
        {
            let upload = upload.clone();
            case("an empty CSV", move |c, base| {
                c.put(format!("{base}{upload}"))
                    .header("Content-Type", "text/csv")
                    .body("")
            })
        },
        {
            let upload = upload.clone();
            case("a CSV with an unclosed quote", move |c, base| {
                c.put(format!("{base}{upload}"))
                    .header("Content-Type", "text/csv")
                    .body("a,b\n1,\"zwei\n3,4\n")
            })
        },
        {
            let upload = upload.clone();
            case("a declared size of a terabyte", move |c, base| {
                c.put(format!("{base}{upload}"))
                    .header("Content-Type", "text/csv")
                    .header("Content-Length", "1099511627776")
                    .body("a,b\n1,2\n")
            })
        },
        case("binary bytes as CSV", move |c, base| {
            c.put(format!("{base}{upload}"))
                .header("Content-Type", "text/csv")
                .body(vec![0_u8, 159, 146, 150, 0, 255, 254, 10, 0])
        }),
    ];
    cases.extend(upload_cases);
    cases.push(case("a SPARQL update by POST", |c, base| {
        c.request(Method::POST, format!("{base}/sparql"))
            .header("Content-Type", "application/sparql-update")
            .body("DROP ALL")
    }));
    cases
}

#[tokio::test]
async fn no_hostile_request_gets_a_5xx_or_stops_the_process() {
    let db = TestDatabase::new().await;
    let secret = fixtures_and_token(&db);
    let (mut child, base) = serve_with(&db, &[]).await;
    let client = Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let doc: Value =
        serde_json::from_str(&text(&client, &format!("{base}/api/v1/datasets/{PROJECTS}")).await)
            .unwrap();
    let distribution = doc["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "hosted_table")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let table_csv = format!("{base}/dataset/{PROJECTS}/distribution/{distribution}/data.csv");
    let rows_before = text(&client, &table_csv).await;

    let mut failures = Vec::new();
    for token in [None, Some(secret.as_str())] {
        for (name, build) in corpus(&distribution) {
            let mut request = build(&client, &base);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let who = if token.is_some() {
                "with token"
            } else {
                "anonymous"
            };
            match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    if status >= 500 {
                        let body = response.text().await.unwrap_or_default();
                        failures.push(format!("{name} ({who}): {status} {body}"));
                    }
                }
                // The server may answer and close a connection whose body it refused before reading
                // it all (a declared terabyte); any other failed request counts, since a handler that
                // panics drops its connection without an answer.
                Err(_) if name.starts_with("a declared size") => {}
                Err(error) => failures.push(format!("{name} ({who}): {error}")),
            }
            assert!(
                child.try_wait().unwrap().is_none(),
                "the process died on {name} ({who})"
            );
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // Nothing that was refused changed the stored table.
    let rows_after = text(&client, &table_csv).await;
    assert_eq!(rows_before, rows_after);
    assert!(
        client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

async fn text(client: &Client, url: &str) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}
