//! Adds hosted tables to a catalogue made by `bench_catalog_gen`, for `bench/sparql`: `TABLES`
//! published datasets, spread evenly over the catalogue, each get one more distribution of kind
//! `hosted_table` holding `ROWS` rows of a municipal list of measures ("Maßnahmen und Budgets"):
//! number, name, city district, NKF product area, status, budget year, budget, spending so far,
//! funding and funding rate, start, completion and last update; texts, integers, decimals, booleans,
//! dates and date-times, with empty (NULL) cells where the row has no value.
//!
//! Everything is written the way the service writes it: the distribution is added with
//! `Catalog::add_distribution` (validated, new dataset revision, `change_log` row), and the rows are
//! loaded from a CSV file through `tabular::ingest` (the service's own pipeline) in its own write
//! transaction, which also updates the byte size, checksum and revision and writes the `change_log`
//! rows, as `odcat load-fixtures` loads the fixtures' tables.
//!
//! ```sh
//! ODCAT_DATA_DIR=/tmp/bench/data cargo run --release --example bench_catalog_gen -- 20000
//! ODCAT_DATA_DIR=/tmp/bench/data cargo run --release --example bench_sparql_gen -- 40 5000
//! ```
//!
//! Arguments (or the environment variables of the same name): `TABLES` (default 40) and `ROWS` per
//! table (default 5000). The database must hold published datasets and no hosted table yet. Which
//! datasets get a table and every cell are deterministic (a seeded generator); the ids of the new
//! distributions and the modification times come from the service, as for any write.
//!
//! Prints one line per table (`table K/N: dataset ID (SLUG), distribution ID, R rows`) and a total.

#[path = "support/rng.rs"]
mod rng;

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::{Datelike, Duration, NaiveDate, SecondsFormat, TimeZone, Utc};
use entities::{data_table, dataset};
use odcat::catalog::document::{DistributionDocument, LangText};
use odcat::catalog::service::{Actor, Catalog};
use odcat::catalog::table::{ColumnSpec, ColumnType};
use odcat::catalog::values::{DatasetStatus, DistributionKind, DistributionStatus};
use odcat::config::Settings;
use odcat::tabular::ingest;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use rng::Rng;

const CSV_FORMAT: &str = "http://publications.europa.eu/resource/authority/file-type/CSV";
const CSV_MEDIA_TYPE: &str = "https://www.iana.org/assignments/media-types/text/csv";

/// The columns of every generated table, in file order.
const COLUMNS: &[(&str, ColumnType)] = &[
    ("massnahme_nr", ColumnType::Text),
    ("bezeichnung", ColumnType::Text),
    ("stadtbezirk", ColumnType::Text),
    ("produktbereich", ColumnType::Text),
    ("status", ColumnType::Text),
    ("haushaltsjahr", ColumnType::Integer),
    ("budget_eur", ColumnType::Decimal),
    ("ist_ausgaben_eur", ColumnType::Decimal),
    ("gefoerdert", ColumnType::Boolean),
    ("förderquote_prozent", ColumnType::Integer),
    ("beginn", ColumnType::Date),
    ("fertigstellung", ColumnType::Date),
    ("stand", ColumnType::Datetime),
];

/// Wuppertal's ten city districts (Stadtbezirke).
const DISTRICTS: &[&str] = &[
    "Elberfeld",
    "Elberfeld-West",
    "Uellendahl-Katernberg",
    "Vohwinkel",
    "Cronenberg",
    "Barmen",
    "Oberbarmen",
    "Heckinghausen",
    "Langerfeld-Beyenburg",
    "Ronsdorf",
];

/// Product areas of the NKF budget structure (Produktbereiche) of North Rhine-Westphalia.
const PRODUCT_AREAS: &[&str] = &[
    "Innere Verwaltung",
    "Sicherheit und Ordnung",
    "Schulträgeraufgaben",
    "Kultur und Wissenschaft",
    "Soziale Leistungen",
    "Kinder-, Jugend- und Familienhilfe",
    "Gesundheitsdienste",
    "Sportförderung",
    "Räumliche Planung und Entwicklung, Geoinformationen",
    "Bauen und Wohnen",
    "Ver- und Entsorgung",
    "Verkehrsflächen und -anlagen, ÖPNV",
    "Natur- und Landschaftspflege, Friedhofswesen",
    "Umweltschutz",
    "Wirtschaft und Tourismus",
];

/// Status with its weight in percent.
const STATUSES: &[(&str, u64)] = &[
    ("geplant", 20),
    ("beauftragt", 15),
    ("in Umsetzung", 30),
    ("abgeschlossen", 30),
    ("zurückgestellt", 5),
];

const MEASURES: &[&str] = &[
    "Sanierung",
    "Neubau",
    "Erweiterung",
    "Instandsetzung",
    "Umbau",
    "Modernisierung",
    "Barrierefreier Ausbau",
    "Energetische Sanierung",
    "Ersatzbeschaffung",
    "Digitalisierung",
];

const OBJECTS: &[&str] = &[
    "Grundschule",
    "Gesamtschule",
    "Kindertagesstätte",
    "Turnhalle",
    "Brücke",
    "Gehweg",
    "Radweg",
    "Spielplatz",
    "Feuerwache",
    "Bürgerbüro",
    "Stadtteilbibliothek",
    "Schwimmbad",
    "Parkanlage",
    "Treppenanlage",
    "Bushaltestelle",
    "Straßenbeleuchtung",
];

const STREETS: &[&str] = &[
    "Friedrich-Ebert-Straße",
    "Hofaue",
    "Wall",
    "Gathe",
    "Kaiserstraße",
    "Hünefeldstraße",
    "Werth",
    "Berliner Straße",
    "Uellendahler Straße",
    "Hahnerberger Straße",
    "Lüntenbeck",
    "Schwelmer Straße",
    "Staasstraße",
    "Ronsdorfer Straße",
    "Carnaper Straße",
    "Nützenberger Straße",
    "Briller Straße",
    "Katernberger Straße",
    "Solinger Straße",
    "Kohlstraße",
    "Morianstraße",
    "Neumarkt",
    "Laurentiusplatz",
    "Heckinghauser Straße",
];

/// What this generator draws beyond the shared SplitMix64 core.
impl Rng {
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len() as u64) as usize]
    }
}

/// Reads a count from argument `position` or the environment variable `name`.
fn count(position: usize, name: &str, default: usize) -> anyhow::Result<usize> {
    match std::env::args()
        .nth(position)
        .or_else(|| std::env::var(name).ok())
    {
        Some(n) => n
            .parse()
            .with_context(|| format!("{name}: `{n}` is not a number")),
        None => Ok(default),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let tables = count(1, "TABLES", 40)?;
    let rows = count(2, "ROWS", 5000)?;
    if tables == 0 || rows == 0 {
        bail!("TABLES and ROWS must be at least 1");
    }
    let data_dir = std::env::var_os("ODCAT_DATA_DIR")
        .map(PathBuf::from)
        .context("set ODCAT_DATA_DIR to the directory of the benchmark database")?;
    let mut settings = Settings::for_tests(data_dir, std::env::var("DATABASE_URL").ok());
    if let Ok(base) = std::env::var("ODCAT_BASE_URL") {
        settings.base_url = base;
    }
    let db = odcat::db::connect(&settings, odcat::db::Access::Batch).await?;
    odcat::db::migrate(&db).await?;
    if data_table::Entity::find().count(&db).await? > 0 {
        bail!(
            "the database {} already has hosted tables; the generator only adds to a catalogue \
             fresh from bench_catalog_gen",
            settings.database_url()
        );
    }
    // The published datasets in catalogue order (first publication, then id), as the DCAT-AP
    // pages list them.
    let datasets: Vec<(Uuid, String, String, Option<NaiveDate>)> = dataset::Entity::find()
        .select_only()
        .columns([
            dataset::Column::Id,
            dataset::Column::Slug,
            dataset::Column::TitleDe,
            dataset::Column::TemporalStart,
        ])
        .filter(dataset::Column::Status.eq(DatasetStatus::Published.as_str()))
        .order_by_asc(dataset::Column::PublishedAt)
        .order_by_asc(dataset::Column::Id)
        .into_tuple()
        .all(&db)
        .await?;
    if datasets.len() < tables {
        bail!(
            "{tables} tables need at least as many published datasets; the database has {}",
            datasets.len()
        );
    }

    let catalog = Catalog::new(db, settings.base_url());
    // Written as the city's administrator would write them, like the fixtures.
    let admin = Actor::operator();
    let columns: Vec<ColumnSpec> = COLUMNS
        .iter()
        .map(|(name, column_type)| ColumnSpec {
            name: (*name).to_owned(),
            column_type: *column_type,
            scale: None,
        })
        .collect();
    let started = Instant::now();
    let mut stdout = std::io::stdout();
    let mut total_rows = 0;
    let mut total_bytes = 0;
    for k in 0..tables {
        // Evenly spread: the middle dataset of each of `tables` equal slices.
        let (id, slug, title, temporal_start) =
            &datasets[(2 * k + 1) * datasets.len() / (2 * tables)];
        let year = temporal_start.map_or(2022, |d| d.year());
        let csv = table_csv(k, rows, year)?;
        let doc = DistributionDocument {
            id: None,
            title: LangText {
                de: "Maßnahmen und Budgets (Tabelle)".into(),
                en: Some("Measures and budgets (table)".into()),
            },
            description: Some(LangText {
                de: format!(
                    "Maßnahmen zu „{title}“ mit Stadtbezirk, Produktbereich, Status, Budget und \
                     Förderung; eine Zeile je Maßnahme."
                ),
                en: Some(
                    "Measures with city district, product area, status, budget and funding; one \
                     row per measure."
                        .into(),
                ),
            }),
            format: CSV_FORMAT.into(),
            media_type: Some(CSV_MEDIA_TYPE.into()),
            access_url: None,
            download_url: None,
            byte_size: None,
            checksum: None,
            license: None,
            issued: None,
            modified: None,
            availability: None,
            rights: None,
            kind: DistributionKind::HostedTable,
            status: DistributionStatus::Active,
            data_table: None,
        };
        let (_, distribution) = catalog
            .add_distribution(&admin, &id.to_string(), &doc)
            .await
            .with_context(|| format!("dataset `{slug}`: adding the hosted-table distribution"))?;
        let spooled = ingest::spool_bytes(&std::env::temp_dir(), &csv)
            .with_context(|| format!("dataset `{slug}`: spooling the rows"))?;
        let schema = columns
            .iter()
            .map(|c| (c.name.clone(), c.column_type))
            .collect();
        let (guard, txn) = catalog.begin_write().await?;
        let loaded = ingest::load(&txn, distribution, &spooled, Some(schema))
            .await
            .with_context(|| format!("dataset `{slug}`: loading the rows"))?
            .analysis
            .rows;
        txn.commit().await?;
        drop(guard);
        if usize::try_from(loaded).ok() != Some(rows) {
            bail!("dataset `{slug}`: loaded {loaded} rows, expected {rows}");
        }
        total_rows += rows;
        total_bytes += csv.len();
        writeln!(
            stdout,
            "table {}/{tables}: dataset {id} ({slug}), distribution {distribution}, {rows} rows",
            k + 1
        )?;
    }
    let seconds = started.elapsed().as_secs_f64();
    writeln!(
        stdout,
        "generated {tables} hosted tables with {total_rows} rows ({} columns, {:.1} MB of CSV) in \
         {seconds:.2} s ({:.0} rows/s) into {}",
        COLUMNS.len(),
        total_bytes as f64 / 1e6,
        total_rows as f64 / seconds.max(1e-9),
        settings.database_url()
    )?;
    Ok(())
}

/// The CSV file of table number `k`: `rows` measures around the reporting year `year`.
fn table_csv(k: usize, rows: usize, year: i32) -> anyhow::Result<Vec<u8>> {
    let mut rng = Rng(0x7370_6172_716c_0000 ^ (k as u64).wrapping_mul(0x1000_0000_01b3));
    let mut out = csv::Writer::from_writer(Vec::with_capacity(rows * 200));
    out.write_record(COLUMNS.iter().map(|(name, _)| *name))?;
    let stand_base = Utc
        .with_ymd_and_hms(year + 1, 1, 15, 8, 0, 0)
        .single()
        .context("invalid date")?;
    for n in 1..=rows {
        let budget_year = year - 2 + rng.below(3) as i32;
        let status = {
            let mut roll = rng.below(100);
            let mut chosen = STATUSES[0].0;
            for (name, weight) in STATUSES {
                if roll < *weight {
                    chosen = name;
                    break;
                }
                roll -= weight;
            }
            chosen
        };
        // Log-uniform between 5 000 and 5 000 000 euros, in cents.
        let budget = (5_000f64 * 1000f64.powf(rng.unit()) * 100.0).round() / 100.0;
        let spent = match status {
            "in Umsetzung" => Some(budget * (0.1 + 0.8 * rng.unit())),
            "abgeschlossen" => Some(budget * (0.85 + 0.3 * rng.unit())),
            "zurückgestellt" if rng.below(2) == 0 => Some(0.0),
            _ => None,
        };
        let funded = rng.below(100) < 35;
        let rate = [50, 60, 70, 80, 90][rng.below(5) as usize];
        let start = NaiveDate::from_ymd_opt(budget_year, 1, 1).context("invalid date")?
            + Duration::days(rng.below(365) as i64);
        let done = start + Duration::days(30 + rng.below(900) as i64);
        let stand = stand_base + Duration::seconds(rng.below(2 * 365 * 86_400) as i64);
        let name = format!(
            "{} {} {}",
            rng.pick(MEASURES),
            rng.pick(OBJECTS),
            rng.pick(STREETS)
        );
        out.write_record([
            format!("M-{budget_year}-{:03}-{n:05}", k + 1),
            name,
            rng.pick(DISTRICTS).to_owned(),
            rng.pick(PRODUCT_AREAS).to_owned(),
            status.to_owned(),
            budget_year.to_string(),
            format!("{budget:.2}"),
            spent.map_or_else(String::new, |s| format!("{s:.2}")),
            funded.to_string(),
            if funded {
                rate.to_string()
            } else {
                String::new()
            },
            start.format("%Y-%m-%d").to_string(),
            if status == "abgeschlossen" {
                done.format("%Y-%m-%d").to_string()
            } else {
                String::new()
            },
            stand.to_rfc3339_opts(SecondsFormat::Secs, true),
        ])?;
    }
    out.into_inner()
        .map_err(|e| anyhow::anyhow!("failed to write the CSV: {e}"))
}
