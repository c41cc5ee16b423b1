//! `spawn_app()` and `TestApp`: a running odcat with its own database, plus request helpers.

use std::io::Write;
use std::sync::Once;

use odcat::catalog::Catalog;
use odcat::catalog::auth;
use odcat::catalog::values::Role;
use odcat::config::Settings;
use odcat::rdf::Projector;
use odcat::sparql::SparqlService;
use odcat::startup::Application;
use reqwest::{Client, Response};
use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;
use tempfile::TempDir;
use uuid::Uuid;

static BACKEND_NOTICE: Once = Once::new();

/// A PostgreSQL database made for one test and dropped with it.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl PgDatabase {
    pub async fn create(admin_url: &str) -> Self {
        let name = format!("odcat_test_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(admin_url)
            .await
            .expect("connect to TEST_DATABASE_URL");
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create test database");
        admin.close().await.ok();
        let mut url = url::Url::parse(admin_url).expect("TEST_DATABASE_URL is a URL");
        url.set_path(&name);
        Self {
            admin_url: admin_url.to_owned(),
            name,
            url: url.to_string(),
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs inside the test's runtime; do the async clean-up on a runtime of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                }
            });
            Ok::<(), std::io::Error>(())
        })
        .join();
    }
}

/// The database a test runs on: a SQLite file in `dir`, or a fresh PostgreSQL database.
pub struct TestDatabase {
    pub dir: TempDir,
    pub pg: Option<PgDatabase>,
}

impl TestDatabase {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let pg = match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => {
                BACKEND_NOTICE.call_once(|| {
                    let _ = writeln!(
                        std::io::stderr(),
                        "odcat tests: running against PostgreSQL (TEST_DATABASE_URL is set)"
                    );
                });
                Some(PgDatabase::create(&url).await)
            }
            _ => {
                BACKEND_NOTICE.call_once(|| {
                    let _ = writeln!(
                        std::io::stderr(),
                        "odcat tests: running against SQLite; PostgreSQL runs SKIPPED (set TEST_DATABASE_URL=postgres://… to run them)"
                    );
                });
                None
            }
        };
        Self { dir, pg }
    }

    /// `DATABASE_URL` for this database (`None`: the SQLite default under the data dir).
    pub fn url(&self) -> Option<String> {
        self.pg.as_ref().map(|p| p.url.clone())
    }

    pub fn settings(&self) -> Settings {
        let mut settings = Settings::for_tests(self.dir.path().to_path_buf(), self.url());
        settings.fixtures = true;
        settings
    }

    /// Settings for a second server on the same record whose data directory (RDF store, spool) is
    /// `data_dir`: the on-disk store of feature `rocksdb` admits one opener at a time, and a stopped
    /// server's projector keeps its store open until the test ends.
    pub fn settings_beside(&self, data_dir: &std::path::Path) -> Settings {
        let url = self.url().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.dir.path().join("odcat.db").display()
            )
        });
        let mut settings = Settings::for_tests(data_dir.to_path_buf(), Some(url));
        settings.fixtures = true;
        settings
    }
}

pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub catalog: Catalog,
    pub projector: Projector,
    pub sparql: SparqlService,
    pub scorer: odcat::quality::Scorer,
    pub feed: odcat::feed::Feed,
    pub server: actix_web::dev::ServerHandle,
    pub _db: TestDatabase,
}

/// An HTTP client that hands back bodies and `Content-Encoding` as sent: the library's reqwest has
/// gzip on (for harvesting), which would otherwise decompress answers before a test sees them.
pub fn test_client() -> Client {
    Client::builder().no_gzip().build().expect("http client")
}

/// Starts odcat with the fixtures on a random port.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts odcat after `change` adjusts its settings.
pub async fn spawn_app_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        odcat::telemetry::init(odcat::config::LogFormat::Compact);
    }
    let db = TestDatabase::new().await;
    let mut settings = db.settings();
    change(&mut settings);
    let app = Application::build(&settings).await.expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let catalog = app.catalog().clone();
    let projector = app.projector().clone();
    let sparql = app.sparql().clone();
    let scorer = app.scorer().clone();
    let feed = app.feed().clone();
    let server = app.handle();
    tokio::spawn(app.run_until_stopped());
    let app = TestApp {
        address,
        client: test_client(),
        catalog,
        projector,
        sparql,
        scorer,
        feed,
        server,
        _db: db,
    };
    // The fixtures' quality assessments are written in the background and projected as DQV: both
    // are done before the test starts, so it sees a quiet catalogue.
    app.projected().await;
    app
}

impl TestApp {
    /// Stops the server and waits until its workers are gone, so the stores they shared close before
    /// the test ends (the rest closes when the test's runtime drops the projector). A test that wrote
    /// much into the on-disk RDF store calls this: RocksDB aborts a process that exits while a store
    /// left open is still compacting.
    pub async fn stop(self) {
        self.server.stop(true).await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A new token for `publisher` (or an admin token without one).
    pub async fn token(&self, publisher: Option<&str>, role: Role) -> String {
        auth::create_token(self.catalog.db(), publisher, role, Some("test"))
            .await
            .expect("create token")
            .secret
    }

    pub async fn editor(&self) -> String {
        self.token(Some("stadt-wuppertal-402"), Role::Editor).await
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status().as_u16(), 200, "GET {path}");
        response.json().await.expect("json")
    }

    pub async fn post_dataset(&self, token: &str, body: &Value) -> Response {
        self.client
            .post(self.url("/api/v1/datasets"))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// `PUT` a JSON body with a token and `If-Match`.
    pub async fn put_json(
        &self,
        path: impl AsRef<str>,
        token: &str,
        etag: &str,
        body: &Value,
    ) -> Response {
        self.client
            .put(self.url(path.as_ref()))
            .bearer_auth(token)
            .header("If-Match", etag)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// `DELETE` with a token and `If-Match`.
    pub async fn delete_with(&self, path: impl AsRef<str>, token: &str, etag: &str) -> Response {
        self.client
            .delete(self.url(path.as_ref()))
            .bearer_auth(token)
            .header("If-Match", etag)
            .send()
            .await
            .expect("request")
    }

    /// The dataset's first distribution of `kind`: its id and its current JSON.
    pub async fn distribution_of_kind(&self, slug: &str, kind: &str) -> (Uuid, Value) {
        let doc = self.get_json(&format!("/api/v1/datasets/{slug}")).await;
        let found = doc["distributions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["kind"] == kind)
            .unwrap()
            .clone();
        (
            Uuid::parse_str(found["id"].as_str().unwrap()).unwrap(),
            found,
        )
    }

    /// The dataset's hosted-table distribution.
    pub async fn hosted(&self, slug: &str) -> (Uuid, Value) {
        self.distribution_of_kind(slug, "hosted_table").await
    }

    /// Reads a dataset and its ETag.
    pub async fn dataset_with_etag(&self, key: &str) -> (Value, String) {
        let response = self.get(&format!("/api/v1/datasets/{key}")).await;
        assert_eq!(response.status().as_u16(), 200, "GET dataset {key}");
        let etag = response.headers()["etag"].to_str().unwrap().to_owned();
        (response.json().await.unwrap(), etag)
    }

    /// Waits until the RDF projection has applied every `change_log` entry, including those of
    /// the quality assessments that earlier writes queued (the pipeline is idle then).
    pub async fn projected(&self) {
        self.feed.sync().await.unwrap();
        assert!(
            self.scorer.settle(std::time::Duration::from_secs(30)).await,
            "the quality worker did not finish"
        );
        let started = std::time::Instant::now();
        loop {
            let row = self
                .catalog
                .db()
                .query_one_raw(sea_orm::Statement::from_string(
                    self.catalog.db().get_database_backend(),
                    "SELECT COALESCE(MAX(seq), 0) AS n FROM change_log".to_owned(),
                ))
                .await
                .unwrap()
                .unwrap();
            let last: i64 = row.try_get("", "n").unwrap();
            if self.projector.applied() >= last {
                return;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "the projection did not catch up"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// The record's position once the change feed and the quality worker are done with every
    /// write so far (the worker's assessments add entries of their own).
    pub async fn settled_seq(&self) -> i64 {
        self.count("change_log").await;
        self.catalog.max_seq().await.unwrap()
    }

    /// Number of rows of a table, to prove refusals change nothing (after the quality worker has
    /// assessed what earlier writes queued, so its `change_log` entries are counted too).
    pub async fn count(&self, table: &str) -> i64 {
        self.feed.sync().await.unwrap();
        assert!(
            self.scorer.settle(std::time::Duration::from_secs(30)).await,
            "the quality worker did not finish"
        );
        let row = self
            .catalog
            .db()
            .query_one_raw(sea_orm::Statement::from_string(
                self.catalog.db().get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }
}

/// Asserts the error envelope with `status` and `code`, and returns the message.
pub async fn assert_error(response: Response, status: u16, code: &str) -> String {
    assert_eq!(response.status().as_u16(), status, "status for {code}");
    let body: Value = response.json().await.expect("error body is JSON");
    assert_eq!(body["error"]["code"], code, "{body}");
    body["error"]["message"]
        .as_str()
        .expect("message")
        .to_owned()
}

/// A complete, valid new dataset of publisher 402.
pub fn new_dataset(slug: &str) -> Value {
    serde_json::json!({
        "slug": slug,
        "status": "published",
        "title": {"de": "Baustellen in Wuppertal", "en": "Road works in Wuppertal"},
        "description": {"de": "Aktuelle Baustellen im Stadtgebiet.", "en": "Current road works in the city."},
        "keywords": {"de": ["Baustellen", "Verkehr"], "en": ["road works"]},
        "themes": ["http://publications.europa.eu/resource/authority/data-theme/TRAN"],
        "license": "http://dcat-ap.de/def/licenses/cc-by/4.0",
        "license_attribution": "Stadt Wuppertal",
        "accrual_periodicity": "http://publications.europa.eu/resource/authority/frequency/DAILY",
        "spatial": "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05124000",
        "geocoding_level": "http://dcat-ap.de/def/politicalGeocoding/Level/municipality",
        "contact_point": {"name": "Open-Data-Team", "email": "offenedaten@stadt.wuppertal.de"},
        "distributions": [
            {
                "title": {"de": "Baustellen als GeoJSON"},
                "format": "http://publications.europa.eu/resource/authority/file-type/GEOJSON",
                "media_type": "https://www.iana.org/assignments/media-types/application/geo+json",
                "access_url": "https://www.wuppertal.de/baustellen.geojson"
            },
            {
                "title": {"de": "Baustellen als CSV"},
                "format": "http://publications.europa.eu/resource/authority/file-type/CSV",
                "access_url": "https://www.wuppertal.de/baustellen.csv"
            }
        ]
    })
}

impl TestApp {
    /// `PUT`s a CSV body as a hosted table's rows.
    pub async fn put_csv(
        &self,
        token: &str,
        slug: &str,
        id: Uuid,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        self.client
            .put(self.url(&format!("/api/v1/datasets/{slug}/distributions/{id}/data")))
            .bearer_auth(token)
            .header("Content-Type", "text/csv")
            .body(body)
            .send()
            .await
            .unwrap()
    }
}
