//! Generates a large synthetic catalogue for `bench/catalog`: the Wuppertal catalogue row and
//! publishers from `fixtures/catalog.json`, then `DATASETS` published datasets with a contact point
//! and two external-link distributions (CSV and JSON) each, plus the `change_log` rows the service
//! would have written.
//!
//! Rows are built directly from a small spec per dataset and inserted with multi-row `INSERT`s,
//! 1000 datasets per transaction, which is far faster than the one-by-one service path. A sample of
//! datasets (every combination of topic, district and year offset, then every 100th) is also written
//! as the JSON document the API takes, validated with the domain's own `NewDataset::try_from`, and
//! turned into rows as `service::write_dataset` does; those rows must equal the directly built ones,
//! so the generated record is one the API would have accepted.
//!
//! ```sh
//! ODCAT_DATA_DIR=/tmp/bench/data cargo run --release --example bench_catalog_gen -- 100000
//! ```
//!
//! The database must be empty (no publisher yet); the generator refuses to add to an existing one.
//! Output is deterministic for a given count: ids and sizes come from a seeded generator.

#[path = "support/rng.rs"]
mod rng;

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use entities::{catalog, change_log, contact_point, dataset, dataset_theme, distribution};
use odcat::catalog::change::{self, EntityKind, Operation};
use odcat::catalog::dataset::NewDataset;
use odcat::catalog::document::{DatasetDocument, PublisherDocument};
use odcat::catalog::service;
use odcat::config::Settings;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait, TransactionTrait,
};
use serde_json::{Value, json};
use uuid::Uuid;

use rng::Rng;

/// Datasets written per SQL transaction.
const PER_TRANSACTION: usize = 1000;
/// Datasets per multi-row `INSERT` (keeps every statement well below SQLite's 32766 parameters).
const PER_STATEMENT: usize = 200;
/// Minutes between two datasets' first publication (distinct, increasing `published_at`).
const MINUTES_APART: i64 = 7;

const FIXTURES: &str = include_str!("../fixtures/catalog.json");
const THEME: &str = "http://publications.europa.eu/resource/authority/data-theme/";
const FREQUENCY: &str = "http://publications.europa.eu/resource/authority/frequency/";
const FILE_TYPE: &str = "http://publications.europa.eu/resource/authority/file-type/";
const MEDIA_TYPE: &str = "https://www.iana.org/assignments/media-types/";
const LICENSE: &str = "http://dcat-ap.de/def/licenses/dl-by-de/2.0";
const ACCESS_RIGHTS: &str = "http://publications.europa.eu/resource/authority/access-right/PUBLIC";
const GERMAN: &str = "http://publications.europa.eu/resource/authority/language/DEU";
const SPATIAL: &str = "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05124000";
const LEVEL: &str = "http://dcat-ap.de/def/politicalGeocoding/Level/municipality";
const PORTAL: &str = "https://www.offenedaten-wuppertal.de";

/// One subject area: German and English title, slug stem, EU themes, keywords, description,
/// update frequency.
struct Topic {
    de: &'static str,
    en: &'static str,
    slug: &'static str,
    themes: &'static [&'static str],
    keywords_de: &'static [&'static str],
    keywords_en: &'static [&'static str],
    about_de: &'static str,
    about_en: &'static str,
    frequency: &'static str,
}

const TOPICS: &[Topic] = &[
    Topic {
        de: "Verkehrszählungen",
        en: "Traffic counts",
        slug: "verkehrszaehlungen",
        themes: &["TRAN"],
        keywords_de: &["Verkehr", "Zählstellen", "Kfz", "Radverkehr"],
        keywords_en: &["traffic", "counting stations", "vehicles", "cycling"],
        about_de: "Stündliche Zählwerte der automatischen Dauerzählstellen für Kraftfahrzeuge und Fahrräder",
        about_en: "Hourly counts of the permanent automatic counting stations for motor vehicles and bicycles",
        frequency: "DAILY",
    },
    Topic {
        de: "Luftqualitätsmessungen",
        en: "Air quality measurements",
        slug: "luftqualitaet",
        themes: &["ENVI", "HEAL"],
        keywords_de: &["Luftqualität", "Stickstoffdioxid", "Feinstaub", "Umwelt"],
        keywords_en: &[
            "air quality",
            "nitrogen dioxide",
            "particulate matter",
            "environment",
        ],
        about_de: "Messwerte für Stickstoffdioxid und Feinstaub (PM10, PM2,5) an den Messstellen der Stadt",
        about_en: "Readings of nitrogen dioxide and particulate matter (PM10, PM2.5) at the city's stations",
        frequency: "DAILY",
    },
    Topic {
        de: "Bevölkerungsstand nach Quartieren",
        en: "Population by quarter",
        slug: "bevoelkerung-quartiere",
        themes: &["SOCI", "REGI"],
        keywords_de: &["Bevölkerung", "Einwohner", "Statistik", "Quartiere"],
        keywords_en: &["population", "residents", "statistics", "quarters"],
        about_de: "Einwohnerinnen und Einwohner mit Hauptwohnsitz nach Quartier, Alter und Geschlecht zum Stichtag 31.12.",
        about_en: "Residents with their main residence by quarter, age and sex on 31 December",
        frequency: "ANNUAL",
    },
    Topic {
        de: "Haushaltsplan",
        en: "Municipal budget",
        slug: "haushaltsplan",
        themes: &["GOVE", "ECON"],
        keywords_de: &["Haushalt", "Finanzen", "Produkte", "Verwaltung"],
        keywords_en: &["budget", "finance", "products", "administration"],
        about_de: "Erträge und Aufwendungen des Ergebnisplans nach Produktbereichen und Teilplänen",
        about_en: "Income and expenses of the budget plan by product area and sub-plan",
        frequency: "ANNUAL",
    },
    Topic {
        de: "Kindertageseinrichtungen",
        en: "Day-care centres",
        slug: "kitas",
        themes: &["EDUC", "SOCI"],
        keywords_de: &["Kita", "Kinderbetreuung", "Betreuungsplätze", "Familie"],
        keywords_en: &["day care", "childcare", "places", "family"],
        about_de: "Standorte, Träger und Zahl der Betreuungsplätze der Kindertageseinrichtungen",
        about_en: "Locations, operators and number of places of the day-care centres",
        frequency: "QUARTERLY",
    },
    Topic {
        de: "Schulstandorte",
        en: "School locations",
        slug: "schulstandorte",
        themes: &["EDUC"],
        keywords_de: &["Schulen", "Bildung", "Standorte", "Schulform"],
        keywords_en: &["schools", "education", "locations", "school type"],
        about_de: "Öffentliche und private Schulen mit Schulform, Adresse und Schülerzahl",
        about_en: "Public and private schools with type, address and number of pupils",
        frequency: "ANNUAL",
    },
    Topic {
        de: "Baustellen im Straßennetz",
        en: "Road works",
        slug: "baustellen",
        themes: &["TRAN", "GOVE"],
        keywords_de: &["Baustellen", "Straßen", "Sperrungen", "Umleitungen"],
        keywords_en: &["road works", "streets", "closures", "diversions"],
        about_de: "Aktuelle und geplante Baustellen mit Zeitraum, Art der Verkehrsbeschränkung und Umleitung",
        about_en: "Current and planned road works with period, type of restriction and diversion",
        frequency: "WEEKLY",
    },
    Topic {
        de: "Parkhausbelegung",
        en: "Car park occupancy",
        slug: "parkhausbelegung",
        themes: &["TRAN"],
        keywords_de: &["Parken", "Parkhaus", "Belegung", "Innenstadt"],
        keywords_en: &["parking", "car park", "occupancy", "city centre"],
        about_de: "Freie und belegte Stellplätze der Parkhäuser im Parkleitsystem",
        about_en: "Free and occupied spaces of the car parks in the parking guidance system",
        frequency: "CONT",
    },
    Topic {
        de: "Wahlergebnisse",
        en: "Election results",
        slug: "wahlergebnisse",
        themes: &["GOVE", "JUST"],
        keywords_de: &["Wahlen", "Stimmbezirke", "Wahlbeteiligung", "Kommunalwahl"],
        keywords_en: &[
            "elections",
            "polling districts",
            "turnout",
            "local election",
        ],
        about_de: "Stimmen je Partei und Wahlbeteiligung nach Stimmbezirk",
        about_en: "Votes per party and turnout by polling district",
        frequency: "IRREG",
    },
    Topic {
        de: "Bebauungspläne",
        en: "Development plans",
        slug: "bebauungsplaene",
        themes: &["REGI", "GOVE"],
        keywords_de: &[
            "Bauleitplanung",
            "Bebauungsplan",
            "Stadtplanung",
            "Geodaten",
        ],
        keywords_en: &[
            "land-use planning",
            "development plan",
            "urban planning",
            "geodata",
        ],
        about_de: "Geltungsbereiche und Rechtsstand der Bebauungspläne",
        about_en: "Areas and legal status of the development plans",
        frequency: "MONTHLY",
    },
    Topic {
        de: "Straßenbäume",
        en: "Street trees",
        slug: "strassenbaeume",
        themes: &["ENVI", "AGRI"],
        keywords_de: &["Bäume", "Baumkataster", "Stadtgrün", "Umwelt"],
        keywords_en: &["trees", "tree register", "urban green", "environment"],
        about_de: "Baumkataster mit Baumart, Pflanzjahr, Stammumfang und Standort",
        about_en: "Tree register with species, planting year, trunk girth and location",
        frequency: "ANNUAL",
    },
    Topic {
        de: "Energieverbrauch städtischer Gebäude",
        en: "Energy consumption of municipal buildings",
        slug: "energieverbrauch-gebaeude",
        themes: &["ENER", "GOVE"],
        keywords_de: &["Energie", "Strom", "Wärme", "Gebäudemanagement"],
        keywords_en: &["energy", "electricity", "heating", "facility management"],
        about_de: "Strom-, Wärme- und Wasserverbrauch der Liegenschaften des Gebäudemanagements",
        about_en: "Electricity, heat and water consumption of the properties run by facility management",
        frequency: "MONTHLY",
    },
    Topic {
        de: "Gewerbean- und -abmeldungen",
        en: "Business registrations",
        slug: "gewerbemeldungen",
        themes: &["ECON"],
        keywords_de: &["Gewerbe", "Wirtschaft", "Anmeldungen", "Branchen"],
        keywords_en: &["trade", "economy", "registrations", "sectors"],
        about_de: "Gewerbeanmeldungen, -ummeldungen und -abmeldungen nach Wirtschaftszweig",
        about_en: "Business registrations, changes and deregistrations by economic sector",
        frequency: "MONTHLY",
    },
    Topic {
        de: "Rettungsdiensteinsätze",
        en: "Ambulance call-outs",
        slug: "rettungsdienst",
        themes: &["HEAL", "JUST"],
        keywords_de: &["Rettungsdienst", "Feuerwehr", "Einsätze", "Hilfsfristen"],
        keywords_en: &[
            "ambulance service",
            "fire brigade",
            "call-outs",
            "response times",
        ],
        about_de: "Einsätze von Rettungsdienst und Feuerwehr nach Einsatzart und Hilfsfrist",
        about_en: "Call-outs of the ambulance service and fire brigade by type and response time",
        frequency: "MONTHLY",
    },
    Topic {
        de: "Online-Dienstleistungen",
        en: "Online services",
        slug: "online-dienstleistungen",
        themes: &["GOVE", "TECH"],
        keywords_de: &[
            "Onlinezugangsgesetz",
            "Digitalisierung",
            "Verwaltung",
            "Dienstleistungen",
        ],
        keywords_en: &[
            "Online Access Act",
            "digitalisation",
            "administration",
            "services",
        ],
        about_de: "Online verfügbare Verwaltungsleistungen mit Reifegrad und Nutzungszahlen",
        about_en: "Administrative services available online with maturity level and usage figures",
        frequency: "QUARTERLY",
    },
    Topic {
        de: "Hochwassermessstellen der Wupper",
        en: "Wupper flood gauges",
        slug: "pegel-wupper",
        themes: &["ENVI"],
        keywords_de: &["Hochwasser", "Pegel", "Wupper", "Gewässer"],
        keywords_en: &["flood", "gauge", "Wupper", "waters"],
        about_de: "Wasserstände und Abflüsse der Pegel an der Wupper und ihren Nebenbächen",
        about_en: "Water levels and discharges of the gauges on the Wupper and its tributaries",
        frequency: "CONT",
    },
    Topic {
        de: "Schwebebahn-Fahrgastzahlen",
        en: "Suspension railway ridership",
        slug: "schwebebahn-fahrgaeste",
        themes: &["TRAN", "ECON"],
        keywords_de: &["Schwebebahn", "ÖPNV", "Fahrgäste", "Haltestellen"],
        keywords_en: &[
            "suspension railway",
            "public transport",
            "passengers",
            "stops",
        ],
        about_de: "Ein- und Aussteiger je Station der Schwebebahn nach Wochentag und Stunde",
        about_en: "Boardings and alightings per suspension railway station by weekday and hour",
        frequency: "MONTHLY",
    },
    Topic {
        de: "Denkmalliste",
        en: "Listed monuments",
        slug: "denkmalliste",
        themes: &["EDUC", "REGI"],
        keywords_de: &["Denkmalschutz", "Baudenkmäler", "Kultur", "Stadtgeschichte"],
        keywords_en: &[
            "heritage protection",
            "listed buildings",
            "culture",
            "city history",
        ],
        about_de: "Eingetragene Bau- und Bodendenkmäler mit Adresse und Eintragungsdatum",
        about_en: "Registered architectural and archaeological monuments with address and date",
        frequency: "IRREG",
    },
];

/// Wuppertal's ten city districts (Stadtbezirke).
const DISTRICTS: &[(&str, &str)] = &[
    ("Elberfeld", "elberfeld"),
    ("Elberfeld-West", "elberfeld-west"),
    ("Uellendahl-Katernberg", "uellendahl-katernberg"),
    ("Vohwinkel", "vohwinkel"),
    ("Cronenberg", "cronenberg"),
    ("Barmen", "barmen"),
    ("Oberbarmen", "oberbarmen"),
    ("Heckinghausen", "heckinghausen"),
    ("Langerfeld-Beyenburg", "langerfeld-beyenburg"),
    ("Ronsdorf", "ronsdorf"),
];

/// What this generator draws beyond the shared SplitMix64 core.
impl Rng {
    fn uuid(&mut self) -> Uuid {
        let bytes = ((u128::from(self.next()) << 64) | u128::from(self.next())).to_be_bytes();
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

/// The rows of one dataset.
#[derive(Debug, PartialEq)]
struct Rows {
    dataset: dataset::ActiveModel,
    themes: Vec<dataset_theme::ActiveModel>,
    contact: Option<contact_point::ActiveModel>,
    distributions: Vec<distribution::ActiveModel>,
    change: change_log::ActiveModel,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let count: usize = match std::env::args()
        .nth(1)
        .or_else(|| std::env::var("DATASETS").ok())
    {
        Some(n) => n
            .parse()
            .with_context(|| format!("`{n}` is not a number of datasets"))?,
        None => 100_000,
    };
    let data_dir = std::env::var_os("ODCAT_DATA_DIR")
        .map(PathBuf::from)
        .context("set ODCAT_DATA_DIR to the directory of the benchmark database")?;
    let settings = Settings::for_tests(data_dir, std::env::var("DATABASE_URL").ok());
    let db = odcat::db::connect(&settings, odcat::db::Access::Batch).await?;
    odcat::db::migrate(&db).await?;
    if entities::publisher::Entity::find().count(&db).await? > 0 {
        bail!(
            "the database {} is not empty; the generator only fills a fresh one",
            settings.database_url()
        );
    }

    let started = Instant::now();
    let publishers = write_catalog(&db).await?;
    let start = Utc
        .with_ymd_and_hms(2016, 1, 4, 7, 30, 0)
        .single()
        .context("invalid start date")?
        .fixed_offset();
    // Building and validating rows runs on its own thread, one batch ahead of the SQL writes.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<anyhow::Result<Vec<Rows>>>(2);
    let producer = std::thread::spawn(move || {
        let mut rng = Rng(0x6f64_6361_7462_656e);
        let mut done = 0;
        while done < count {
            let n = PER_TRANSACTION.min(count - done);
            let logged_at = Utc::now().fixed_offset();
            let rows = (done..done + n)
                .map(|i| dataset_rows(i, start, &publishers, logged_at, &mut rng))
                .collect::<anyhow::Result<Vec<_>>>();
            let failed = rows.is_err();
            if tx.blocking_send(rows).is_err() || failed {
                return;
            }
            done += n;
        }
    });
    while let Some(rows) = rx.recv().await {
        write_batch(&db, rows?).await?;
    }
    producer
        .join()
        .map_err(|_| anyhow::anyhow!("the row generator thread panicked"))?;
    let seconds = started.elapsed().as_secs_f64();
    writeln!(
        std::io::stdout(),
        "generated {count} published datasets with {} distributions in {seconds:.2} s ({:.0} datasets/s) into {}",
        2 * count,
        count as f64 / seconds.max(1e-9),
        settings.database_url()
    )?;
    Ok(())
}

/// Writes the fixtures' publishers and the catalogue row (as `odcat load-fixtures` does, with
/// their `change_log` rows); returns the publishers' ids and slugs.
async fn write_catalog(db: &DatabaseConnection) -> anyhow::Result<Vec<(Uuid, String)>> {
    let fixtures: Value = serde_json::from_str(FIXTURES).context("fixtures/catalog.json")?;
    let docs: Vec<PublisherDocument> =
        serde_json::from_value(fixtures["publishers"].clone()).context("fixture publishers")?;
    let txn = db.begin().await?;
    let mut publishers = Vec::new();
    for doc in &docs {
        let id = service::create_publisher(&txn, doc)
            .await
            .with_context(|| format!("publisher `{}`", doc.slug))?;
        publishers.push((id, doc.slug.clone()));
    }
    let c = &fixtures["catalog"];
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let owner = publishers
        .iter()
        .find(|(_, slug)| Some(slug.as_str()) == c["publisher"].as_str())
        .map(|(id, _)| *id)
        .context("the catalogue's publisher is not among the fixture publishers")?;
    let now = Utc::now().fixed_offset();
    catalog::Entity::insert(catalog::ActiveModel {
        id: Set(1),
        title_de: Set(text(&c["title"]["de"]).context("catalog.title.de")?),
        title_en: Set(text(&c["title"]["en"])),
        description_de: Set(text(&c["description"]["de"]).context("catalog.description.de")?),
        description_en: Set(text(&c["description"]["en"])),
        homepage: Set(text(&c["homepage"])),
        publisher_id: Set(owner),
        languages: Set(json!([
            GERMAN,
            "http://publications.europa.eu/resource/authority/language/ENG"
        ])),
        spatial: Set(text(&c["spatial"])),
        license: Set(text(&c["license"])),
        issued: Set(now),
        modified: Set(now),
    })
    .exec_without_returning(&txn)
    .await?;
    change::record(&txn, EntityKind::Catalog, owner, Operation::Create, None).await?;
    txn.commit().await?;
    Ok(publishers)
}

/// Everything that varies between two generated datasets.
struct Spec {
    id: Uuid,
    contact_id: Uuid,
    publisher_id: Uuid,
    publisher_slug: String,
    slug: String,
    title: (String, String),
    description: (String, String),
    keywords: (Vec<String>, Vec<String>),
    themes: Vec<String>,
    frequency: String,
    year: i32,
    published_at: DateTime<FixedOffset>,
    updated_at: DateTime<FixedOffset>,
    landing_page: String,
    distributions: Vec<DistributionSpec>,
}

/// One distribution of a [`Spec`].
struct DistributionSpec {
    id: Uuid,
    title: (String, String),
    description: (String, String),
    format: String,
    media_type: String,
    download_url: String,
    byte_size: i64,
}

const ATTRIBUTION: &str = "Stadt Wuppertal";
const CONTACT_NAME: &str = "Stadt Wuppertal, Amt für Informationstechnik und Digitalisierung (402)";
const CONTACT_EMAIL: &str = "offenedaten@stadt.wuppertal.de";
const CONTACT_URL: &str = "https://www.wuppertal.de/vv/oe/402.php";

/// Dataset number `i`: a topic in one of the city districts for one reporting year.
fn spec(
    i: usize,
    start: DateTime<FixedOffset>,
    publishers: &[(Uuid, String)],
    rng: &mut Rng,
) -> Spec {
    let topic = &TOPICS[i % TOPICS.len()];
    let (district, district_slug) = DISTRICTS[(i / TOPICS.len()) % DISTRICTS.len()];
    let (publisher_id, publisher_slug) = &publishers[i % publishers.len()];
    let published_at = start + Duration::minutes(MINUTES_APART * i as i64);
    // Reporting years one to six years before publication.
    let year = published_at.year() - 1 - (i / (TOPICS.len() * DISTRICTS.len()) % 6) as i32;
    let slug = format!("{}-{district_slug}-{year}-{i}", topic.slug);
    let landing_page = format!("{PORTAL}/dataset/{slug}");
    let id = rng.uuid();
    let contact_id = rng.uuid();
    let updated_at = published_at + Duration::days(rng.below(400) as i64);
    let words = |list: &[&str]| -> Vec<String> {
        list.iter()
            .copied()
            .chain([district])
            .map(str::to_owned)
            .collect()
    };
    let distributions = [
        ("CSV", "text/csv", "csv"),
        ("JSON", "application/json", "json"),
    ]
    .into_iter()
    .enumerate()
    .map(|(n, (format, media, ext))| DistributionSpec {
        id: rng.uuid(),
        title: (
            format!("{} {district} {year} ({format})", topic.de),
            format!("{} {district} {year} ({format})", topic.en),
        ),
        description: (
            format!("Die Daten als {format}-Datei."),
            format!("The data as a {format} file."),
        ),
        format: format!("{FILE_TYPE}{format}"),
        media_type: format!("{MEDIA_TYPE}{media}"),
        download_url: format!("{PORTAL}/sites/default/files/{slug}.{ext}"),
        byte_size: (10_000 * (n as u64 + 1) + rng.below(5_000_000 * (n as u64 + 1))) as i64,
    })
    .collect();
    Spec {
        id,
        contact_id,
        publisher_id: *publisher_id,
        publisher_slug: publisher_slug.clone(),
        title: (
            format!("{} {district} {year}", topic.de),
            format!("{} {district} {year}", topic.en),
        ),
        description: (
            format!(
                "{} im Stadtbezirk {district}, Berichtsjahr {year}. Die Daten werden von der Stadt \
                 Wuppertal erhoben und unter der Datenlizenz Deutschland – Namensnennung – Version \
                 2.0 bereitgestellt.",
                topic.about_de
            ),
            format!(
                "{} in the {district} district, reporting year {year}. The data are collected by \
                 the City of Wuppertal and published under the Data Licence Germany – Attribution \
                 – Version 2.0.",
                topic.about_en
            ),
        ),
        keywords: (words(topic.keywords_de), words(topic.keywords_en)),
        themes: topic.themes.iter().map(|t| format!("{THEME}{t}")).collect(),
        frequency: format!("{FREQUENCY}{}", topic.frequency),
        year,
        published_at,
        updated_at,
        landing_page,
        distributions,
        slug,
    }
}

/// The dataset as the JSON API would receive it.
fn document(s: &Spec) -> Value {
    let distributions: Vec<Value> = s
        .distributions
        .iter()
        .map(|d| {
            json!({
                "title": {"de": d.title.0, "en": d.title.1},
                "description": {"de": d.description.0, "en": d.description.1},
                "format": d.format,
                "media_type": d.media_type,
                "access_url": s.landing_page,
                "download_url": d.download_url,
                "byte_size": d.byte_size,
                "license": LICENSE,
                "issued": s.published_at,
                "kind": "external_link",
                "status": "active",
            })
        })
        .collect();
    json!({
        "slug": s.slug,
        "publisher": s.publisher_slug,
        "status": "published",
        "title": {"de": s.title.0, "en": s.title.1},
        "description": {"de": s.description.0, "en": s.description.1},
        "keywords": {"de": s.keywords.0, "en": s.keywords.1},
        "themes": s.themes,
        "languages": [GERMAN],
        "license": LICENSE,
        "license_attribution": ATTRIBUTION,
        "access_rights": ACCESS_RIGHTS,
        "accrual_periodicity": s.frequency,
        "spatial": SPATIAL,
        "geocoding_level": LEVEL,
        "temporal": {"start": NaiveDate::from_ymd_opt(s.year, 1, 1),
                     "end": NaiveDate::from_ymd_opt(s.year, 12, 31)},
        "issued": s.published_at,
        "landing_page": s.landing_page,
        "version": s.year.to_string(),
        "contact_point": {"name": CONTACT_NAME, "email": CONTACT_EMAIL, "url": CONTACT_URL},
        "distributions": distributions,
    })
}

/// Whether dataset `i` goes through the domain's validation: every combination of topic,
/// district and reporting-year offset once, then every 100th dataset.
fn checked(i: usize) -> bool {
    i < TOPICS.len() * DISTRICTS.len() * 6 || i.is_multiple_of(100)
}

/// The rows of dataset number `i`. For a sample of datasets ([`checked`]) the rows are also
/// derived from the validated `NewDataset` (as `service::write_dataset` does) and must be equal,
/// which proves that the fast path writes what the API would accept.
fn dataset_rows(
    i: usize,
    start: DateTime<FixedOffset>,
    publishers: &[(Uuid, String)],
    logged_at: DateTime<FixedOffset>,
    rng: &mut Rng,
) -> anyhow::Result<Rows> {
    let s = spec(i, start, publishers, rng);
    let rows = spec_rows(&s, logged_at);
    if checked(i) {
        let doc: DatasetDocument = serde_json::from_value(document(&s))
            .with_context(|| format!("dataset `{}`: document", s.slug))?;
        let new = NewDataset::try_from(&doc).with_context(|| format!("dataset `{}`", s.slug))?;
        // What publishing requires beyond a valid document (DCAT-AP: description, licence,
        // access URL).
        if new.description.de.is_empty()
            || new.license.is_empty()
            || new.distributions.iter().any(|d| d.access_url.is_none())
        {
            bail!("dataset `{}` lacks a property publishing requires", s.slug);
        }
        if validated_rows(&s, &new, logged_at)? != rows {
            bail!(
                "dataset `{}`: the generated rows differ from the validated document's",
                s.slug
            );
        }
    }
    Ok(rows)
}

/// The rows of a spec, built directly.
fn spec_rows(s: &Spec, logged_at: DateTime<FixedOffset>) -> Rows {
    let (keywords_de, keywords_en) = &s.keywords;
    let dataset = dataset::ActiveModel {
        id: Set(s.id),
        slug: Set(s.slug.clone()),
        publisher_id: Set(s.publisher_id),
        title_de: Set(s.title.0.clone()),
        title_en: Set(Some(s.title.1.clone())),
        description_de: Set(s.description.0.clone()),
        description_en: Set(Some(s.description.1.clone())),
        keywords: Set(json!({"de": keywords_de, "en": keywords_en})),
        themes: Set(json!(s.themes)),
        languages: Set(json!([GERMAN])),
        license: Set(LICENSE.to_owned()),
        license_attribution: Set(Some(ATTRIBUTION.to_owned())),
        access_rights: Set(ACCESS_RIGHTS.to_owned()),
        accrual_periodicity: Set(Some(s.frequency.clone())),
        spatial: Set(Some(SPATIAL.to_owned())),
        geocoding_level: Set(Some(LEVEL.to_owned())),
        temporal_start: Set(NaiveDate::from_ymd_opt(s.year, 1, 1)),
        temporal_end: Set(NaiveDate::from_ymd_opt(s.year, 12, 31)),
        issued: Set(Some(s.published_at)),
        modified: Set(s.updated_at),
        landing_page: Set(Some(s.landing_page.clone())),
        conforms_to: Set(json!([])),
        version: Set(Some(s.year.to_string())),
        contributor_id: Set(None),
        status: Set("published".to_owned()),
        revision: Set(1),
        published_at: Set(Some(s.published_at)),
        created_at: Set(s.published_at),
        updated_at: Set(s.updated_at),
        // Assigned at the next start of odcat (`Catalog::assign_identifiers`).
        identifier: Set(None),
        issued_text: Set(None),
        data_modified: Set(None),
        availability: Set(None),
    };
    let distributions = s
        .distributions
        .iter()
        .zip(0..)
        .map(|(d, position)| distribution::ActiveModel {
            id: Set(d.id),
            dataset_id: Set(s.id),
            position: Set(position),
            title_de: Set(d.title.0.clone()),
            title_en: Set(Some(d.title.1.clone())),
            description_de: Set(Some(d.description.0.clone())),
            description_en: Set(Some(d.description.1.clone())),
            format: Set(d.format.clone()),
            media_type: Set(Some(d.media_type.clone())),
            access_url: Set(s.landing_page.clone()),
            download_url: Set(Some(d.download_url.clone())),
            byte_size: Set(Some(d.byte_size)),
            checksum_algorithm: Set(None),
            checksum_value: Set(None),
            license: Set(Some(LICENSE.to_owned())),
            issued: Set(Some(s.published_at)),
            modified: Set(s.updated_at),
            kind: Set("external_link".to_owned()),
            status: Set("active".to_owned()),
            table_schema: Set(None),
            created_at: Set(s.published_at),
            updated_at: Set(s.updated_at),
            issued_text: Set(None),
            availability: Set(None),
            rights_de: Set(None),
            rights_en: Set(None),
        })
        .collect();
    Rows {
        dataset,
        themes: s
            .themes
            .iter()
            .map(|t| dataset_theme::ActiveModel {
                dataset_id: Set(s.id),
                theme: Set(t.clone()),
            })
            .collect(),
        contact: Some(contact_point::ActiveModel {
            id: Set(s.contact_id),
            dataset_id: Set(s.id),
            name: Set(CONTACT_NAME.to_owned()),
            email: Set(Some(CONTACT_EMAIL.to_owned())),
            url: Set(Some(CONTACT_URL.to_owned())),
            telephone: Set(None),
        }),
        distributions,
        change: change_row(s.id, logged_at),
    }
}

/// The `change_log` row of a created dataset.
fn change_row(id: Uuid, logged_at: DateTime<FixedOffset>) -> change_log::ActiveModel {
    change_log::ActiveModel {
        seq: NotSet,
        entity_kind: Set(EntityKind::Dataset.as_str().to_owned()),
        entity_id: Set(id),
        operation: Set(Operation::Create.as_str().to_owned()),
        created_at: Set(logged_at),
        actor_token_id: Set(None),
        channel: Set(Some(
            odcat::catalog::change::Channel::Cli.as_str().to_owned(),
        )),
    }
}

/// The rows `service::write_dataset` writes for a new published dataset, from the validated input.
fn validated_rows(
    s: &Spec,
    new: &NewDataset,
    logged_at: DateTime<FixedOffset>,
) -> anyhow::Result<Rows> {
    let id = s.id;
    let dataset = dataset::ActiveModel {
        id: Set(id),
        slug: Set(new.slug.to_string()),
        publisher_id: Set(s.publisher_id),
        title_de: Set(new.title.de.clone()),
        title_en: Set(new.title.en.clone()),
        description_de: Set(new.description.de.clone()),
        description_en: Set(new.description.en.clone()),
        keywords: Set(serde_json::to_value(&new.keywords)?),
        themes: Set(serde_json::to_value(&new.themes)?),
        languages: Set(serde_json::to_value(&new.languages)?),
        license: Set(new.license.clone()),
        license_attribution: Set(new.license_attribution.clone()),
        access_rights: Set(new.access_rights.clone()),
        accrual_periodicity: Set(new.accrual_periodicity.clone()),
        spatial: Set(new.spatial.clone()),
        geocoding_level: Set(new.geocoding_level.clone()),
        temporal_start: Set(new.temporal_start),
        temporal_end: Set(new.temporal_end),
        issued: Set(new.issued.map(|i| i.instant()).or(Some(s.published_at))),
        modified: Set(s.updated_at),
        landing_page: Set(new.landing_page.clone()),
        conforms_to: Set(serde_json::to_value(&new.conforms_to)?),
        version: Set(new.version.clone()),
        contributor_id: Set(new.contributor_id.clone()),
        status: Set(new
            .status
            .context("the document has no status")?
            .as_str()
            .to_owned()),
        revision: Set(1),
        published_at: Set(Some(s.published_at)),
        created_at: Set(s.published_at),
        updated_at: Set(s.updated_at),
        // Assigned at the next start of odcat (`Catalog::assign_identifiers`).
        identifier: Set(None),
        issued_text: Set(None),
        data_modified: Set(None),
        availability: Set(None),
    };
    let themes = new
        .themes
        .iter()
        .map(|t| dataset_theme::ActiveModel {
            dataset_id: Set(id),
            theme: Set(t.clone()),
        })
        .collect();
    let contact = new
        .contact_point
        .as_ref()
        .map(|c| contact_point::ActiveModel {
            id: Set(s.contact_id),
            dataset_id: Set(id),
            name: Set(c.name.clone()),
            email: Set(c.email.clone()),
            url: Set(c.url.clone()),
            telephone: Set(c.telephone.clone()),
        });
    let distributions = new
        .distributions
        .iter()
        .zip(&s.distributions)
        .zip(0..)
        .map(|((d, spec), position)| distribution::ActiveModel {
            id: Set(spec.id),
            dataset_id: Set(id),
            position: Set(position),
            title_de: Set(d.title.de.clone()),
            title_en: Set(d.title.en.clone()),
            description_de: Set(d.description.as_ref().map(|t| t.de.clone())),
            description_en: Set(d.description.as_ref().and_then(|t| t.en.clone())),
            format: Set(d.format.clone()),
            media_type: Set(d.media_type.clone()),
            access_url: Set(d.access_url.clone().unwrap_or_default()),
            download_url: Set(d.download_url.clone()),
            byte_size: Set(d.byte_size),
            checksum_algorithm: Set(d.checksum.as_ref().map(|c| c.0.clone())),
            checksum_value: Set(d.checksum.as_ref().map(|c| c.1.clone())),
            license: Set(d.license.clone()),
            issued: Set(d.issued.map(|i| i.instant()).or(Some(s.published_at))),
            modified: Set(s.updated_at),
            kind: Set(d.kind.as_str().to_owned()),
            status: Set(d.status.as_str().to_owned()),
            table_schema: Set(None),
            created_at: Set(s.published_at),
            updated_at: Set(s.updated_at),
            issued_text: Set(None),
            availability: Set(None),
            rights_de: Set(None),
            rights_en: Set(None),
        })
        .collect();
    Ok(Rows {
        dataset,
        themes,
        contact,
        distributions,
        change: change_row(id, logged_at),
    })
}

/// Inserts one batch of datasets in one transaction, `PER_STATEMENT` datasets per `INSERT`.
async fn write_batch(db: &DatabaseConnection, rows: Vec<Rows>) -> anyhow::Result<()> {
    let txn = db.begin().await?;
    if txn.get_database_backend() == DbBackend::Sqlite {
        // A page cache that holds the whole batch, so SQLite does not spill to the WAL mid-way
        // (`temp_store` cannot change inside a transaction: SQLite refuses it).
        txn.execute_unprepared("PRAGMA cache_size = -262144")
            .await?;
    }
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Rows> = rows.by_ref().take(PER_STATEMENT).collect();
        let mut datasets = Vec::with_capacity(chunk.len());
        let mut themes = Vec::new();
        let mut contacts = Vec::with_capacity(chunk.len());
        let mut distributions = Vec::with_capacity(2 * chunk.len());
        let mut changes = Vec::with_capacity(chunk.len());
        for r in chunk {
            datasets.push(r.dataset);
            themes.extend(r.themes);
            contacts.extend(r.contact);
            distributions.extend(r.distributions);
            changes.push(r.change);
        }
        dataset::Entity::insert_many(datasets)
            .exec_without_returning(&txn)
            .await
            .context("failed to insert datasets")?;
        dataset_theme::Entity::insert_many(themes)
            .exec_without_returning(&txn)
            .await
            .context("failed to insert dataset themes")?;
        contact_point::Entity::insert_many(contacts)
            .exec_without_returning(&txn)
            .await
            .context("failed to insert contact points")?;
        distribution::Entity::insert_many(distributions)
            .exec_without_returning(&txn)
            .await
            .context("failed to insert distributions")?;
        change_log::Entity::insert_many(changes)
            .exec_without_returning(&txn)
            .await
            .context("failed to insert change_log rows")?;
    }
    txn.commit().await?;
    Ok(())
}
