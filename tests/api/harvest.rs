//! Reading DCAT-AP back for harvesting: odcat's own exported catalogue, followed page by page through
//! its Hydra links, reads back to the documents of every public dataset, in Turtle and RDF/XML.

use std::collections::BTreeMap;

use odcat::rdf::parse::{ParsedDataset, parse_page};
use oxigraph::io::RdfFormat;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};
use odcat::harvest::dcat::crawl;
use odcat::harvest::fetch::{FetchPolicy, Fetcher};

impl TestApp {
    /// Every dataset of `/catalog.{ext}`, following the pages' next links.
    async fn read_catalogue(&self, ext: &str, format: RdfFormat) -> Vec<ParsedDataset> {
        let base = self.catalog.base_url().trim_end_matches('/').to_owned();
        let mut url = format!("/catalog.{ext}");
        let mut datasets = Vec::new();
        for _ in 0..100 {
            let response = self.get(&url).await;
            assert_eq!(response.status().as_u16(), 200, "{url}");
            let body = response.bytes().await.unwrap();
            let page = parse_page(&body, format, Some(&format!("{base}{url}"))).unwrap();
            datasets.extend(page.datasets);
            match page.next {
                Some(next) => url = next.strip_prefix(&base).unwrap().to_owned(),
                None => return datasets,
            }
        }
        panic!("more than 100 pages");
    }
}

#[tokio::test]
async fn the_exported_catalogue_reads_back_to_every_public_datasets_document() {
    let app = spawn_app_with(|s| s.catalog_page_size = 4).await;
    let list = app.get_json("/api/v1/datasets?per_page=100").await;
    let docs: BTreeMap<String, Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["id"].as_str().unwrap().to_owned(), d.clone()))
        .collect();
    assert!(docs.len() >= 10);
    for (ext, format) in [("ttl", RdfFormat::Turtle), ("rdf", RdfFormat::RdfXml)] {
        let parsed = app.read_catalogue(ext, format).await;
        assert_eq!(
            parsed.len(),
            docs.len(),
            "{ext}: one entry per public dataset"
        );
        for dataset in parsed {
            let iri = dataset.iri.clone().unwrap();
            let id = iri.rsplit('/').next().unwrap();
            let doc = &docs[id];
            let read = serde_json::to_value(&dataset.document).unwrap();
            for field in [
                "title",
                "description",
                "license",
                "license_attribution",
                "access_rights",
                "accrual_periodicity",
                "spatial",
                "geocoding_level",
                "temporal",
                "identifier",
                "issued",
                "modified",
                "availability",
                "landing_page",
                "version",
                "contributor_id",
                "contact_point",
            ] {
                assert_eq!(read.get(field), doc.get(field), "{ext} {id}: {field}");
            }
            let sorted = |v: &Value| {
                let mut k: Vec<String> = v
                    .as_array()
                    .map(|a| a.iter().map(|x| x.as_str().unwrap().to_owned()).collect())
                    .unwrap_or_default();
                k.sort();
                k
            };
            // Lists RDF keeps as sets.
            for field in ["themes", "languages", "conforms_to"] {
                assert_eq!(
                    sorted(&read[field]),
                    sorted(&doc[field]),
                    "{ext} {id}: {field}"
                );
            }
            for lang in ["de", "en"] {
                assert_eq!(
                    sorted(&read["keywords"][lang]),
                    sorted(&doc["keywords"][lang]),
                    "{ext} {id}: keywords {lang}"
                );
            }
            // Distributions, as sets of what a harvester needs (RDF has no order).
            let key = |d: &Value| {
                json!([
                    d["title"],
                    d["format"],
                    d["media_type"],
                    d["access_url"],
                    d["download_url"],
                    d["byte_size"],
                    d["checksum"]
                ])
                .to_string()
            };
            let mut expected: Vec<String> = doc["distributions"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["status"] == "active")
                .map(key)
                .collect();
            let mut found: Vec<String> = read["distributions"]
                .as_array()
                .unwrap()
                .iter()
                .map(key)
                .collect();
            expected.sort();
            found.sort();
            assert_eq!(found, expected, "{ext} {id}: distributions");
        }
    }
}

#[tokio::test]
async fn a_second_odcats_catalogue_is_crawled_over_http_to_its_last_page() {
    // The source serves its own address as its base URL, so its next links lead back to it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let source = spawn_app_with(|s| {
        s.catalog_page_size = 7;
        s.bind = format!("127.0.0.1:{port}");
        s.base_url = format!("http://127.0.0.1:{port}");
    })
    .await;
    let public = source.get_json("/api/v1/datasets?per_page=1").await["total"]
        .as_u64()
        .unwrap() as usize;
    // Loopback is a private target: refused unless the source is marked as private.
    let start = url::Url::parse(&source.url("/catalog.ttl")).unwrap();
    let guarded = Fetcher::new(FetchPolicy::default()).unwrap();
    let refused = crawl(&guarded, &start, 100, |_| {}).await;
    assert!(matches!(refused.stop, odcat::harvest::dcat::Stop::Fetch(_)));
    assert_eq!(refused.pages, 0);
    let fetcher = Fetcher::new(FetchPolicy {
        allow_private: true,
        ..FetchPolicy::default()
    })
    .unwrap();
    for path in ["/catalog.ttl", "/catalog.rdf", "/catalog"] {
        let start = url::Url::parse(&source.url(path)).unwrap();
        let mut iris = std::collections::BTreeSet::new();
        let crawled = crawl(&fetcher, &start, 100, |page| {
            iris.extend(page.datasets.into_iter().filter_map(|d| d.iri));
        })
        .await;
        assert!(crawled.stop.is_complete(), "{path}: {:?}", crawled.stop);
        assert_eq!(crawled.pages, public.div_ceil(7), "{path}");
        assert_eq!(iris.len(), public, "{path}");
    }
}
