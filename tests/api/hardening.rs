//! The API refuses instead of failing: huge page numbers, private drafts, slow bodies, headers that
//! protect browsers, escaped logs (unit-tested in `telemetry`), a service that restarts.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{assert_error, new_dataset, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_huge_catalogue_page_number_is_refused_not_a_panic() {
    let app = spawn_app().await;
    for path in [
        "/catalog.ttl?page=92233720368547760",
        "/catalog?page=18446744073709551615",
        "/catalog.nt?page=92233720368547760&modified_since=2000-01-01",
    ] {
        let response = app.get(path).await;
        let body: serde_json::Value = {
            assert_eq!(response.status().as_u16(), 400, "{path}");
            response.json().await.unwrap()
        };
        assert_eq!(body["error"]["field"], "page", "{path}: {body}");
    }
    // The server is still there.
    assert_eq!(app.get("/catalog.ttl?page=2").await.status().as_u16(), 200);
}

#[tokio::test]
async fn withdrawing_a_never_published_draft_keeps_it_private() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let mut draft = new_dataset("geheimer-entwurf");
    draft["status"] = json!("draft");
    let created = app.post_dataset(&token, &draft).await;
    assert_eq!(created.status().as_u16(), 201);
    let id = created.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let etag = app
        .client
        .get(app.url("/api/v1/datasets/geheimer-entwurf"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let withdrawn = app
        .delete_with("/api/v1/datasets/geheimer-entwurf", &token, &etag)
        .await;
    assert_eq!(withdrawn.status().as_u16(), 200);

    for key in ["geheimer-entwurf", id.as_str()] {
        assert_error(
            app.get(&format!("/api/v1/datasets/{key}")).await,
            404,
            "dataset_not_found",
        )
        .await;
        assert_eq!(
            app.get(&format!("/dataset/{key}.ttl"))
                .await
                .status()
                .as_u16(),
            404,
            "{key}"
        );
        // The portal page of a browser says "not found", not "withdrawn" (which would tell it existed).
        let page = app
            .client
            .get(app.url(&format!("/dataset/{key}")))
            .header("Accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(page.status().as_u16(), 404, "{key}");
        let text = page.text().await.unwrap();
        assert!(
            !text.contains("Datensatz zurückgezogen") && !text.contains("Baustellen in Wuppertal"),
            "{key}"
        );
    }
    let listed = app
        .get_json("/api/v1/datasets?status=withdrawn&per_page=100")
        .await;
    assert!(!listed.to_string().contains("geheimer-entwurf"), "{listed}");
    // Its publisher still sees it.
    let own = app
        .client
        .get(app.url("/api/v1/datasets/geheimer-entwurf"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status().as_u16(), 200);
}

#[tokio::test]
async fn a_request_body_that_trickles_is_cut_off() {
    let app = spawn_app_with(|s| {
        s.body_timeout = 1;
        s.body_min_rate = 1000;
    })
    .await;
    let token = app.editor().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let started = Instant::now();
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        write!(
            stream,
            "POST /api/v1/datasets HTTP/1.1\r\nHost: odcat.test\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
        )
        .unwrap();
        let mut answer = Vec::new();
        // A byte every 300 ms: never idle long, but far slower than the minimum rate.
        for _ in 0..40 {
            if stream.write_all(b" ").is_err() {
                break;
            }
            let mut buf = [0_u8; 4096];
            match stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buf[..n]);
                    break;
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "cut off after {:?}",
        started.elapsed()
    );
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

#[tokio::test]
async fn answers_carry_security_headers_and_pages_a_content_security_policy() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/datasets",
        "/dataset/online-dienstleistungen-wuppertal",
    ] {
        let response = app
            .client
            .get(app.url(path))
            .header("Accept", "text/html")
            .send()
            .await
            .unwrap();
        assert!(
            header(&response, "content-type").starts_with("text/html"),
            "{path}"
        );
        let csp = header(&response, "content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert_eq!(
            header(&response, "x-content-type-options"),
            "nosniff",
            "{path}"
        );
        assert!(!header(&response, "referrer-policy").is_empty(), "{path}");
    }
    for path in ["/api/v1/datasets", "/catalog.ttl", "/api/v1/nirgendwo"] {
        let response = app.get(path).await;
        assert_eq!(
            header(&response, "x-content-type-options"),
            "nosniff",
            "{path}"
        );
        assert!(
            header(&response, "content-security-policy").contains("frame-ancestors 'none'"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_language_cookie_is_secure_under_an_https_base_url() {
    let https = spawn_app_with(|s| s.base_url = "https://daten.example".into()).await;
    let response = https.get("/?lang=en").await;
    let cookie = header(&response, "set-cookie");
    assert!(cookie.contains("odcat_lang=en"), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");
    let http = spawn_app().await;
    let cookie = header(&http.get("/?lang=en").await, "set-cookie");
    assert!(
        cookie.contains("odcat_lang=en") && !cookie.contains("Secure"),
        "{cookie}"
    );
}

#[test]
fn docker_compose_restarts_the_service_when_it_dies() {
    let compose = include_str!("../../docker-compose.yml");
    let service = compose
        .split("\n  odcat:\n")
        .nth(1)
        .expect("an odcat service");
    let service = service.split("\n\n").next().unwrap();
    assert!(
        service
            .lines()
            .any(|l| l.trim() == "restart: unless-stopped"),
        "{service}"
    );
}

#[test]
fn a_contributor_id_outside_the_govdata_list_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = odcat::config::Settings::for_tests(dir.path().to_owned(), None);
    settings.contributor_id = Some("http://dcat-ap.de/def/contributors/gibtEsNicht".into());
    let Err(error) = odcat::startup::mapping(&settings) else {
        panic!("an unknown contributor ID must be refused")
    };
    assert!(error.to_string().contains("contributor list"), "{error}");
    settings.contributor_id = Some("http://dcat-ap.de/def/contributors/openNRW".into());
    assert!(odcat::startup::mapping(&settings).is_ok());
}
