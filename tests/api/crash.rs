//! Crashes of the real `odcat` binary: SIGKILL during a burst of concurrent writes (every acknowledged
//! write survives the restart, no dataset is half-written, and the RDF projection agrees with SQL),
//! and an abort between the SQL commit and the projection (the store converges on restart). With
//! `--features rocksdb` the projection is the on-disk store, which resumes from its recorded position.

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use odcat::catalog::table;

use crate::helpers::{TestDatabase, new_dataset};

const BIN: &str = env!("CARGO_BIN_EXE_odcat");

pub(crate) fn odcat(db: &TestDatabase, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env("ODCAT_DATA_DIR", db.dir.path())
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL");
    if let Some(url) = db.url() {
        cmd.env("DATABASE_URL", url);
    }
    cmd
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Loads the fixtures into `db` and creates an editor token of the fixtures' city publisher; its
/// secret.
pub(crate) fn fixtures_and_token(db: &TestDatabase) -> String {
    let status = odcat(db, &["load-fixtures"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let output = odcat(
        db,
        &["token", "create", "--publisher", "stadt-wuppertal-402"],
    )
    .output()
    .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("secret:"))
        .map(|s| s.trim().to_owned())
        .expect("token secret printed")
}

async fn get_json(client: &reqwest::Client, url: String) -> Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

async fn serve(db: &TestDatabase) -> (Child, String) {
    serve_with(db, &[]).await
}

pub(crate) async fn serve_with(db: &TestDatabase, env: &[(&str, &str)]) -> (Child, String) {
    let port = free_port();
    let child = odcat(db, &["serve"])
        .envs(env.iter().copied())
        .env("ODCAT_BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start odcat");
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while reqwest::get(format!("{base}/readyz"))
        .await
        .map(|r| r.status().is_success())
        .ok()
        != Some(true)
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "odcat did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (child, base)
}

#[tokio::test]
async fn sigkill_during_concurrent_writes_loses_no_acknowledged_write() {
    let db = TestDatabase::new().await;
    let secret = fixtures_and_token(&db);

    let (mut child, base) = serve(&db).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    // The kill comes once the burst has acknowledged enough writes (not after a fixed time: on a
    // loaded machine 1.5 s gave a dozen), with every writer still sending.
    let acked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut writers = vec![];
    for w in 0..16 {
        let client = client.clone();
        let base = base.clone();
        let secret = secret.clone();
        let acked = acked.clone();
        writers.push(tokio::spawn(async move {
            let mut acknowledged = vec![];
            for n in 0.. {
                let slug = format!("absturz-{w}-{n}");
                let sent = client
                    .post(format!("{base}/api/v1/datasets"))
                    .bearer_auth(&secret)
                    .json(&new_dataset(&slug))
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().as_u16() == 201 => {
                        acknowledged.push(slug);
                        acked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    Ok(r) => panic!("unexpected status {} for {slug}", r.status()),
                    Err(_) => break,
                }
            }
            acknowledged
        }));
    }
    let burst = Instant::now();
    while acked.load(std::sync::atomic::Ordering::Relaxed) < 64
        && burst.elapsed() < Duration::from_secs(60)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().expect("SIGKILL odcat");
    child.wait().unwrap();
    let mut acknowledged = vec![];
    for w in writers {
        acknowledged.extend(w.await.unwrap());
    }
    assert!(
        acknowledged.len() >= 64,
        "the burst wrote too little before the kill: {}",
        acknowledged.len()
    );

    let (mut child, base) = serve(&db).await;
    for slug in &acknowledged {
        let doc: Value = get_json(&client, format!("{base}/api/v1/datasets/{slug}")).await;
        assert_eq!(
            doc["slug"],
            slug.as_str(),
            "acknowledged write {slug} is missing: {doc}"
        );
    }
    // Every dataset of the burst that exists, acknowledged or not, is whole.
    let mut page = 1;
    let mut seen = 0;
    loop {
        let body: Value = get_json(
            &client,
            format!("{base}/api/v1/datasets?q=absturz&per_page=100&page={page}"),
        )
        .await;
        let items = body["items"].as_array().unwrap();
        if items.is_empty() {
            break;
        }
        for d in items {
            assert_eq!(
                d["distributions"].as_array().unwrap().len(),
                2,
                "half-written dataset {}",
                d["slug"]
            );
            assert!(
                d["contact_point"].is_object(),
                "half-written dataset {}",
                d["slug"]
            );
        }
        seen += items.len();
        page += 1;
    }
    assert!(seen >= acknowledged.len());
    child.kill().unwrap();
    child.wait().unwrap();
    assert_rdf_agrees_with_sql(&db, seen);
}

/// The store left by the last run (resumed, then caught up) equals a fresh projection of SQL, and
/// holds `at_least` datasets of the burst.
fn assert_rdf_agrees_with_sql(db: &TestDatabase, at_least: usize) {
    let dump = |fresh: bool| -> BTreeSet<String> {
        let path = db
            .dir
            .path()
            .join(if fresh { "fresh.nq" } else { "store.nq" });
        let path_arg = path.to_str().unwrap();
        let mut args = vec!["rdf", "dump", "--format", "nq", "--output", path_arg];
        if fresh {
            args.push("--fresh");
        }
        let status = odcat(db, &args).stdout(Stdio::null()).status().unwrap();
        assert!(status.success(), "odcat {args:?}");
        std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .filter(|l| !l.contains("urn:odcat:"))
            .map(str::to_owned)
            .collect()
    };
    let store = dump(false);
    let fresh = dump(true);
    let only_store: Vec<_> = store.difference(&fresh).take(5).collect();
    let only_fresh: Vec<_> = fresh.difference(&store).take(5).collect();
    assert!(
        only_store.is_empty() && only_fresh.is_empty(),
        "the RDF store differs from SQL: only in the store {only_store:#?}, only in SQL {only_fresh:#?}"
    );
    // `odcat rdf rebuild` leaves an isomorphic store (equal, as there are no blank nodes).
    let status = odcat(db, &["rdf", "rebuild"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "odcat rdf rebuild");
    assert_eq!(dump(false), fresh, "the rebuilt store differs from SQL");
    let burst = store
        .iter()
        .filter(|l| l.contains("/dataset/") && l.contains("dcat#Dataset>") && l.contains("#type>"))
        .count();
    assert!(
        burst >= at_least,
        "{burst} datasets in RDF, {at_least} expected"
    );
}

#[tokio::test]
async fn a_crash_between_the_sql_commit_and_the_projection_converges_on_restart() {
    let db = TestDatabase::new().await;
    let secret = fixtures_and_token(&db);

    // The failpoint aborts the process after the write is committed to SQL and before the
    // projector's Oxigraph transaction.
    let (mut child, base) = serve_with(&db, &[("ODCAT_FAILPOINT", "projector-before-apply")]).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let sent = client
        .post(format!("{base}/api/v1/datasets"))
        .bearer_auth(&secret)
        .json(&new_dataset("nach-dem-absturz"))
        .send()
        .await;
    if let Ok(response) = &sent {
        assert_eq!(response.status().as_u16(), 201);
    }
    let started = Instant::now();
    let exit = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the failpoint did not stop odcat"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(!exit.success(), "odcat aborted at the failpoint");

    let (mut child, base) = serve(&db).await;
    let doc: Value = get_json(&client, format!("{base}/api/v1/datasets/nach-dem-absturz")).await;
    assert_eq!(doc["status"], "published", "the write was committed: {doc}");
    let started = Instant::now();
    loop {
        let response = client
            .get(format!("{base}/dataset/nach-dem-absturz.ttl"))
            .send()
            .await
            .unwrap();
        if response.status().as_u16() == 200
            && response
                .text()
                .await
                .unwrap()
                .contains("Baustellen in Wuppertal")
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the committed write never reached the RDF"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_rdf_agrees_with_sql(&db, 12);
}

/// The hosted-table distribution of the fixtures' projects dataset, as seen through the API.
async fn projects_table(client: &reqwest::Client, base: &str) -> String {
    let doc = get_json(
        client,
        format!("{base}/api/v1/datasets/digitalisierungsprojekte-digital-2026"),
    )
    .await;
    doc["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "hosted_table")
        .and_then(|d| d["id"].as_str())
        .unwrap()
        .to_owned()
}

async fn record(db: &TestDatabase) -> sea_orm::DatabaseConnection {
    let url = db.url().unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rw",
            db.dir.path().join("odcat.db").display()
        )
    });
    sea_orm::Database::connect(url).await.unwrap()
}

fn spool_files(db: &TestDatabase) -> usize {
    std::fs::read_dir(db.dir.path().join("uploads")).map_or(0, Iterator::count)
}

#[tokio::test]
async fn sigkill_during_uploads_leaves_no_orphan_table_or_spool_file_after_restart() {
    let db = TestDatabase::new().await;
    let secret = fixtures_and_token(&db);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let csv: String = std::iter::once("projekt_id,titel\n".to_owned())
        .chain((0..20_000).map(|i| format!("X-{i},Zeile {i}\n")))
        .collect();

    // Certainly an orphan: the process dies between filling a new table and swapping it in, with
    // the upload's spool file still on disk.
    let (mut child, base) =
        serve_with(&db, &[("ODCAT_FAILPOINT", table::FAILPOINT_BEFORE_SWAP)]).await;
    let id = projects_table(&client, &base).await;
    let url = format!(
        "{base}/api/v1/datasets/digitalisierungsprojekte-digital-2026/distributions/{id}/data"
    );
    let sent = client
        .put(&url)
        .bearer_auth(&secret)
        .header("Content-Type", "text/csv")
        .body(csv.clone())
        .send()
        .await;
    assert!(sent.is_err(), "the failpoint stops odcat before it answers");
    let _ = child.wait();
    let connection = record(&db).await;
    assert!(
        !crate::uploads::orphan_tables(&connection).await.is_empty(),
        "the failpoint left an orphan table"
    );
    assert!(spool_files(&db) > 0, "the failpoint left a spool file");

    // And SIGKILL in the middle of concurrent uploads, as an operator would.
    let (mut child, base) = serve(&db).await;
    let url = url.replace(&url[..url.find("/api").unwrap()], &base);
    let mut uploaders = vec![];
    for _ in 0..4 {
        let (client, url, secret, csv) = (client.clone(), url.clone(), secret.clone(), csv.clone());
        uploaders.push(tokio::spawn(async move {
            loop {
                let sent = client
                    .put(&url)
                    .bearer_auth(&secret)
                    .header("Content-Type", "text/csv")
                    .body(csv.clone())
                    .send()
                    .await;
                if sent.is_err() {
                    break;
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().expect("SIGKILL odcat");
    child.wait().unwrap();
    for uploader in uploaders {
        uploader.await.unwrap();
    }

    let (mut child, base) = serve(&db).await;
    assert_eq!(
        crate::uploads::orphan_tables(&connection).await,
        Vec::<String>::new(),
        "start-up drops every orphan table"
    );
    assert_eq!(
        spool_files(&db),
        0,
        "start-up removes every unheld spool file"
    );
    let download = client
        .get(format!(
            "{base}/dataset/digitalisierungsprojekte-digital-2026/distribution/{id}/data.csv"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(download.status().as_u16(), 200, "the table in use stays");
    child.kill().unwrap();
    child.wait().unwrap();
}
