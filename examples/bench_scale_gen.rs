//! Generates the catalogue of `bench/scale`: the Wuppertal fixtures (catalogue record, three
//! publishers, their datasets), then `DATASETS` published datasets spread like a national catalogue,
//! written through the catalogue service (`Catalog::create_datasets`: the API's validation, the
//! `change_log` row, the listing position of every dataset, one transaction per batch of 200) while a
//! second thread builds the next documents. Memory stays flat: documents are streamed through a bounded channel.
//!
//! - Text: titles and descriptions in German with English translations, words drawn Zipf-distributed
//!   (P(rank r) ∝ 1/r) from `bench/scale.d/words.tsv`, keywords likewise.
//! - Publishers: `DATASETS / 400` (at least 20, at most 5 000) besides the fixtures' three; the
//!   publisher of each dataset is drawn Zipf-distributed over them, so a few publish most datasets
//!   (as state statistics offices and geodata agencies do) and most publish a handful.
//! - Themes, formats, licences: weighted like GovData (government, regions, environment, economy
//!   and society first; CSV, PDF, XLSX, JSON, web services; the Datenlizenz Deutschland first).
//!
//! ```sh
//! ODCAT_DATA_DIR=/tmp/scale/data cargo run --release --example bench_scale_gen -- 100000 bench/scale.d/words.tsv
//! ```
//!
//! The database must be empty; output is deterministic for a given count (seeded generator).
//! Prints one progress line per 10 000 datasets and a final `generated N datasets in S s (R/s)`.

#[path = "support/rng.rs"]
mod rng;

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use odcat::catalog::document::{DatasetDocument, LangText, PublisherDocument};
use odcat::catalog::service::{self, Actor};
use odcat::catalog::{Catalog, fixtures};
use odcat::config::Settings;
use serde_json::json;

use rng::Rng;

const THEME: &str = "http://publications.europa.eu/resource/authority/data-theme/";
const FILE_TYPE: &str = "http://publications.europa.eu/resource/authority/file-type/";
const MEDIA_TYPE: &str = "https://www.iana.org/assignments/media-types/";
const LICENSE: &str = "http://dcat-ap.de/def/licenses/";
const FREQUENCY: &str = "http://publications.europa.eu/resource/authority/frequency/";
const GERMAN: &str = "http://publications.europa.eu/resource/authority/language/DEU";
const ACCESS_RIGHTS: &str = "http://publications.europa.eu/resource/authority/access-right/PUBLIC";

/// (code, weight): the EU data themes, weighted like a national catalogue.
const THEMES: [(&str, u64); 14] = [
    ("GOVE", 22),
    ("REGI", 18),
    ("ENVI", 14),
    ("ECON", 9),
    ("SOCI", 9),
    ("TRAN", 7),
    ("EDUC", 5),
    ("HEAL", 4),
    ("ENER", 3),
    ("AGRI", 3),
    ("JUST", 2),
    ("TECH", 2),
    ("INTR", 1),
    ("OP_DATPRO", 1),
];
/// (file type, media type, weight).
const FORMATS: [(&str, &str, u64); 12] = [
    ("CSV", "text/csv", 26),
    ("PDF", "application/pdf", 15),
    (
        "XLSX",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        12,
    ),
    ("JSON", "application/json", 10),
    ("WMS_SRVC", "text/xml", 8),
    ("XML", "application/xml", 7),
    ("ZIP", "application/zip", 6),
    ("GEOJSON", "application/geo+json", 5),
    ("SHP", "application/zip", 4),
    ("HTML", "text/html", 4),
    ("ODS", "application/vnd.oasis.opendocument.spreadsheet", 2),
    ("KML", "application/vnd.google-earth.kml+xml", 1),
];
/// (licence, weight).
const LICENSES: [(&str, u64); 7] = [
    ("dl-by-de/2.0", 45),
    ("dl-zero-de/2.0", 22),
    ("cc-by/4.0", 15),
    ("cc-zero", 8),
    ("cc-by-sa/4.0", 4),
    ("odbl", 3),
    ("other-open", 3),
];
const FREQUENCIES: [(&str, u64); 6] = [
    ("ANNUAL", 40),
    ("IRREG", 20),
    ("MONTHLY", 15),
    ("QUARTERLY", 10),
    ("DAILY", 10),
    ("WEEKLY", 5),
];
/// Datasets handed from the document thread to the writer at a time.
const BATCH: usize = 200;

/// Pairs of (German, English) words, most frequent first, and a Zipf sampler over their ranks.
struct Words {
    pairs: Vec<(String, String)>,
    /// Cumulative weights 1/r.
    cumulative: Vec<f64>,
}

impl Words {
    fn load(path: &str) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
        let pairs: Vec<(String, String)> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let (de, en) = l.split_once('\t')?;
                Some((de.trim().to_owned(), en.trim().to_owned()))
            })
            .collect();
        if pairs.len() < 50 {
            bail!(
                "{path} has {} word pairs; at least 50 are needed",
                pairs.len()
            );
        }
        let mut total = 0.0;
        let cumulative = (1..=pairs.len())
            .map(|r| {
                total += 1.0 / r as f64;
                total
            })
            .collect();
        Ok(Self { pairs, cumulative })
    }

    fn pick(&self, rng: &mut Rng) -> &(String, String) {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let x = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
        let i = self.cumulative.partition_point(|c| *c < x);
        &self.pairs[i.min(self.pairs.len() - 1)]
    }

    /// `n` words as a German and an English phrase.
    fn phrase(&self, rng: &mut Rng, n: u64) -> (String, String) {
        let mut de = Vec::new();
        let mut en = Vec::new();
        for _ in 0..n {
            let (d, e) = self.pick(rng);
            de.push(d.as_str());
            en.push(e.as_str());
        }
        (de.join(" "), en.join(" "))
    }
}

/// Index drawn by weight.
fn weighted<T: Copy>(rng: &mut Rng, items: &[T], weight: impl Fn(T) -> u64) -> T {
    let total: u64 = items.iter().map(|i| weight(*i)).sum();
    let mut x = rng.below(total.max(1));
    for item in items {
        let w = weight(*item);
        if x < w {
            return *item;
        }
        x -= w;
    }
    items[items.len() - 1]
}

/// A Zipf draw over `0..n` (exponent 1), by inversion of the harmonic sum's approximation.
fn zipf_index(rng: &mut Rng, n: usize) -> usize {
    // H(n) ≈ ln(n) + γ; draw u·H(n) and invert with exp.
    let h = (n as f64).ln() + 0.577_215_66;
    let u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
    let r = (u * h - 0.577_215_66).exp();
    (r as usize).min(n - 1)
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn document(i: usize, words: &Words, publishers: &[String], rng: &mut Rng) -> serde_json::Value {
    let n_title = 2 + rng.below(4);
    let (title_de, title_en) = words.phrase(rng, n_title);
    let year = 2010 + rng.below(16);
    let (desc_de, desc_en) = {
        let mut de = Vec::new();
        let mut en = Vec::new();
        for _ in 0..(2 + rng.below(4)) {
            let n = 6 + rng.below(10);
            let (d, e) = words.phrase(rng, n);
            de.push(format!("{}.", capitalise(&d)));
            en.push(format!("{}.", capitalise(&e)));
        }
        (de.join(" "), en.join(" "))
    };
    let mut kw_de = Vec::new();
    let mut kw_en = Vec::new();
    for _ in 0..(2 + rng.below(4)) {
        let (d, e) = words.pick(rng);
        if !kw_de.contains(d) {
            kw_de.push(d.clone());
            kw_en.push(e.clone());
        }
    }
    let mut themes = vec![format!("{THEME}{}", weighted(rng, &THEMES, |t| t.1).0)];
    if rng.below(4) == 0 {
        let second = format!("{THEME}{}", weighted(rng, &THEMES, |t| t.1).0);
        if second != themes[0] {
            themes.push(second);
        }
    }
    let publisher = &publishers[zipf_index(rng, publishers.len())];
    let license = format!("{LICENSE}{}", weighted(rng, &LICENSES, |l| l.1).0);
    let slug = format!("ds-{i:07}");
    let landing = format!("https://daten.example.org/{publisher}/{slug}");
    let distributions: Vec<serde_json::Value> = (0..(1 + zipf_index(rng, 4)))
        .map(|k| {
            let (format, media, _) = weighted(rng, &FORMATS, |f| f.2);
            json!({
                "title": {"de": format!("{} {year} ({format})", capitalise(&title_de)),
                          "en": format!("{} {year} ({format})", capitalise(&title_en))},
                "format": format!("{FILE_TYPE}{format}"),
                "media_type": format!("{MEDIA_TYPE}{media}"),
                "access_url": landing,
                "download_url": format!("{landing}/{k}.{}", format.to_lowercase()),
                "byte_size": 1000 + rng.below(50_000_000),
                "license": license,
                "kind": "external_link",
                "status": "active",
            })
        })
        .collect();
    json!({
        "slug": slug,
        "publisher": publisher,
        "status": "published",
        "title": {"de": format!("{} {year}", capitalise(&title_de)),
                  "en": format!("{} {year}", capitalise(&title_en))},
        "description": {"de": desc_de, "en": desc_en},
        "keywords": {"de": kw_de, "en": kw_en},
        "themes": themes,
        "languages": [GERMAN],
        "license": license,
        "access_rights": ACCESS_RIGHTS,
        "accrual_periodicity": format!("{FREQUENCY}{}", weighted(rng, &FREQUENCIES, |f| f.1).0),
        "landing_page": landing,
        "contact_point": {"name": "Open-Data-Team", "email": "opendata@example.org"},
        "distributions": distributions,
    })
}

/// The connection of `odcat::db::connect`, but without an `fsync` per commit on SQLite
/// (`synchronous = OFF`): a benchmark load that a crash may lose, which is fine for a generated
/// catalogue; every write still runs the service's validation and writes its `change_log` row.
async fn connect(url: &str) -> anyhow::Result<sea_orm::DatabaseConnection> {
    use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
    let mut options = sea_orm::ConnectOptions::new(url.to_owned());
    options
        .max_connections(8)
        .min_connections(1)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Off)
                .foreign_keys(true)
                .busy_timeout(std::time::Duration::from_secs(15))
        });
    Ok(sea_orm::Database::connect(options).await?)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let count: usize = args
        .next()
        .context("usage: bench_scale_gen DATASETS WORDS.tsv")?
        .parse()
        .context("DATASETS is not a number")?;
    let words_path = args
        .next()
        .unwrap_or_else(|| "bench/scale.d/words.tsv".to_owned());
    let words = Words::load(&words_path)?;
    let data_dir = std::env::var_os("ODCAT_DATA_DIR")
        .map(PathBuf::from)
        .context("set ODCAT_DATA_DIR to the directory of the benchmark database")?;
    let base = std::env::var("ODCAT_BASE_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let mut settings = Settings::for_tests(data_dir, std::env::var("DATABASE_URL").ok());
    settings.base_url = base.clone();
    std::fs::create_dir_all(&settings.data_dir)?;
    let db = connect(&settings.database_url()).await?;
    odcat::db::migrate(&db).await?;
    let catalog = Catalog::new(db, &base);
    if !fixtures::is_empty(&catalog).await? {
        bail!(
            "the database {} is not empty; the generator only fills a fresh one",
            settings.database_url()
        );
    }
    let started = Instant::now();
    fixtures::load(&catalog).await?;

    let extra = (count / 400).clamp(20, 5_000);
    let mut publishers = Vec::with_capacity(extra);
    {
        let (_guard, txn) = catalog.begin_write().await?;
        for p in 0..extra {
            let slug = format!("publisher-{p:04}");
            let doc = PublisherDocument {
                id: None,
                slug: slug.clone(),
                name: LangText {
                    de: format!("Behörde {p:04}"),
                    en: Some(format!("Authority {p:04}")),
                },
                homepage: Some(format!("https://behoerde-{p:04}.example.org")),
                email: None,
                type_iri: "http://purl.org/adms/publishertype/LocalAuthority".into(),
                dataset_count: None,
            };
            service::create_publisher(&txn, &doc).await?;
            publishers.push(slug);
        }
        txn.commit().await?;
    }

    // Documents are built (and parsed into the API's type) on their own thread, one batch ahead.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<anyhow::Result<Vec<DatasetDocument>>>(4);
    let producer = std::thread::spawn(move || {
        let mut rng = Rng(0x7363_616c_6562_656e);
        let mut done = 0;
        while done < count {
            let n = BATCH.min(count - done);
            let docs = (done..done + n)
                .map(|i| {
                    serde_json::from_value::<DatasetDocument>(document(
                        i,
                        &words,
                        &publishers,
                        &mut rng,
                    ))
                    .with_context(|| format!("dataset {i}: document"))
                })
                .collect::<anyhow::Result<Vec<_>>>();
            if tx.blocking_send(docs).is_err() {
                return;
            }
            done += n;
        }
    });
    let actor = Actor::operator();
    let load_started = Instant::now();
    let mut written = 0usize;
    while let Some(batch) = rx.recv().await {
        let batch = batch?;
        let before = written;
        // One transaction per batch, each dataset written as `create_dataset` writes it.
        catalog
            .create_datasets(&actor, &batch)
            .await
            .with_context(|| format!("writing datasets {before}..{}", before + batch.len()))?;
        written += batch.len();
        if written / 10_000 > before / 10_000 {
            let secs = load_started.elapsed().as_secs_f64();
            writeln!(
                std::io::stderr(),
                "  {written} datasets, {:.0}/s",
                written as f64 / secs.max(1e-9)
            )?;
        }
    }
    producer
        .join()
        .map_err(|_| anyhow::anyhow!("the document thread panicked"))?;
    let secs = load_started.elapsed().as_secs_f64();
    writeln!(
        std::io::stdout(),
        "generated {written} datasets in {secs:.1} s ({:.0}/s) through the catalogue service; {} publishers; total {:.1} s",
        written as f64 / secs.max(1e-9),
        extra + 3,
        started.elapsed().as_secs_f64()
    )?;
    Ok(())
}
