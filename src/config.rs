//! Settings. Every setting has an `ODCAT_…` environment variable and an equal command-line flag; the
//! defaults serve the embedded set-up with no configuration at all.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// Log output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable, one line per event.
    Compact,
    /// JSON lines, for production log collectors.
    Json,
}

/// Settings shared by every subcommand.
#[derive(Clone, Debug, Args)]
pub struct Settings {
    /// Directory holding `odcat.db` (SQLite) and, with feature `rocksdb`, `rdf/`.
    #[arg(long, env = "ODCAT_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// Any SeaORM database URL; default `sqlite://$ODCAT_DATA_DIR/odcat.db?mode=rwc`.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Listen address; `:0` picks a free port on 127.0.0.1 and logs it.
    #[arg(
        long,
        env = "ODCAT_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: String,
    /// Public base URL for every IRI and link.
    #[arg(
        long,
        env = "ODCAT_BASE_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub base_url: String,
    /// Load `fixtures/` when the database is empty.
    #[arg(
        long,
        env = "ODCAT_FIXTURES",
        default_value_t = true,
        action = clap::ArgAction::Set,
        value_parser = clap::builder::BoolishValueParser::new(),
        global = true
    )]
    pub fixtures: bool,
    /// Log format.
    #[arg(
        long,
        env = "ODCAT_LOG_FORMAT",
        value_enum,
        default_value = "compact",
        global = true
    )]
    pub log_format: LogFormat,
    /// Datasets per `/catalog` page.
    #[arg(
        long,
        env = "ODCAT_CATALOG_PAGE_SIZE",
        default_value_t = 100,
        global = true
    )]
    pub catalog_page_size: u32,
    /// Seconds before a SPARQL query is stopped.
    #[arg(
        long,
        env = "ODCAT_SPARQL_TIMEOUT",
        default_value_t = 30,
        global = true
    )]
    pub sparql_timeout: u64,
    /// Most solutions (or triples) in one SPARQL result.
    #[arg(
        long,
        env = "ODCAT_SPARQL_MAX_ROWS",
        default_value_t = 1_000_000,
        global = true
    )]
    pub sparql_max_rows: u64,
    /// Most bytes in one serialised SPARQL result.
    #[arg(
        long,
        env = "ODCAT_SPARQL_MAX_BYTES",
        default_value_t = 268_435_456,
        global = true
    )]
    pub sparql_max_bytes: u64,
    /// Table downloads streaming at once from an SQLite record (each holds a reader thread); more are
    /// answered 503 with `Retry-After`.
    #[arg(
        long,
        env = "ODCAT_DOWNLOAD_CONCURRENCY",
        default_value_t = 64,
        global = true
    )]
    pub download_concurrency: usize,
    /// Seconds a table download waits for a client that does not read before it gives up.
    #[arg(
        long,
        env = "ODCAT_DOWNLOAD_STALL_SECS",
        default_value_t = 60,
        global = true
    )]
    pub download_stall_secs: u64,
    /// SPARQL evaluations running at once; default twice the CPU count, at least 4.
    #[arg(long, env = "ODCAT_SPARQL_CONCURRENCY", global = true)]
    pub sparql_concurrency: Option<usize>,
    /// Milliseconds a SPARQL query waits for a free evaluation slot before it is answered 503.
    #[arg(
        long,
        env = "ODCAT_SPARQL_QUEUE_WAIT_MS",
        default_value_t = 2000,
        global = true
    )]
    pub sparql_queue_wait_ms: u64,
    /// Hosted tables with more rows are not projected row by row into the in-memory RDF store (the
    /// on-disk store of feature `rocksdb` projects every table). A projected row costs about
    /// (columns + 2) × 0.4 KB of memory: 100 000 rows of 8 columns about 380 MB.
    #[arg(
        long,
        env = "ODCAT_SPARQL_ROW_CAP",
        default_value_t = 200_000,
        global = true
    )]
    pub sparql_row_cap: u64,
    /// `dcatde:contributorID` IRI emitted for every dataset.
    #[arg(long, env = "ODCAT_CONTRIBUTOR_ID", global = true)]
    pub contributor_id: Option<String>,
    /// Largest accepted JSON request body in bytes.
    #[arg(
        long,
        env = "ODCAT_MAX_BODY_BYTES",
        default_value_t = 1_048_576,
        global = true
    )]
    pub max_body_bytes: usize,
    /// Largest accepted table upload (CSV) in bytes.
    #[arg(
        long,
        env = "ODCAT_MAX_UPLOAD_BYTES",
        default_value_t = 1_073_741_824,
        global = true
    )]
    pub max_upload_bytes: u64,
    /// Directory with the portal's imprint and accessibility statement as Markdown
    /// (`impressum.de.md`, `impressum.en.md`, `barrierefreiheit.de.md`, `barrierefreiheit.en.md`);
    /// built-in texts filled from the catalogue record otherwise.
    #[arg(long, env = "ODCAT_PAGES_DIR", global = true)]
    pub pages_dir: Option<PathBuf>,
    /// Seconds a request body may take to arrive, plus one second per `ODCAT_BODY_MIN_RATE` bytes
    /// received; a slower body is answered 408 and its connection closed.
    #[arg(long, env = "ODCAT_BODY_TIMEOUT", default_value_t = 20, global = true)]
    pub body_timeout: u64,
    /// Bytes per second of request body that extend its read deadline by one second.
    #[arg(
        long,
        env = "ODCAT_BODY_MIN_RATE",
        default_value_t = 500,
        global = true
    )]
    pub body_min_rate: u64,
    /// Memory budget, in MiB, of the `/catalog` page cache (each dataset's serialised part of a page
    /// per format, a quarter of the budget each; a Turtle part is about 6 KB); 0 turns the cache off.
    #[arg(
        long,
        env = "ODCAT_CATALOG_CACHE_MB",
        default_value_t = 512,
        global = true
    )]
    pub catalog_cache_mb: u64,
    /// Memory budget, in MiB, of the cache of the JSON documents `/api/v1/datasets` lists (each
    /// dataset's serialised document, about 2 KB, keyed by id and revision); 0 turns it off.
    #[arg(
        long,
        env = "ODCAT_DOCUMENT_CACHE_MB",
        default_value_t = 128,
        global = true
    )]
    pub document_cache_mb: u64,
    /// Threads one search spreads over the search index's segments (0: one per core, at most 4;
    /// 1: the request's own thread only; never more than one per core). Lowers a large
    /// catalogue's search latency while the server is not busy; under full load it changes little.
    #[arg(long, env = "ODCAT_SEARCH_THREADS", default_value_t = 0, global = true)]
    pub search_threads: usize,
    /// MiB of an SQLite record a server reads through a memory map, per connection (0: none). Every
    /// pooled connection maps the file on its own, and the kernel counts a page into the resident set
    /// once per mapping that touched it: with the default pool of 16 connections a map can make the
    /// resident set many times the database's size. Without one, reads are copied into each
    /// connection's own small page cache.
    #[arg(long, env = "ODCAT_SQLITE_MMAP_MB", default_value_t = 0, global = true)]
    pub sqlite_mmap_mb: u64,
    /// The memory, in bytes, the in-memory RDF store may use before start-up and `/readyz` advise the
    /// on-disk store; default the machine's available memory (cgroup limit or `MemAvailable`).
    #[arg(long, env = "ODCAT_RDF_MEMORY_LIMIT", global = true)]
    pub rdf_memory_limit: Option<u64>,
    /// Minutes between scheduled runs of every harvest source without its own interval; none when
    /// unset (sources with `interval_minutes` run on theirs).
    #[arg(long, env = "ODCAT_HARVEST_INTERVAL", global = true)]
    pub harvest_interval: Option<u32>,
    /// Seconds a harvest request may take, from connecting to the last byte.
    #[arg(
        long,
        env = "ODCAT_HARVEST_TIMEOUT",
        default_value_t = 60,
        global = true
    )]
    pub harvest_timeout: u64,
    /// Largest page (or dump file, decompressed) a harvest reads, in MiB; one page is held in
    /// memory while it is parsed.
    #[arg(
        long,
        env = "ODCAT_HARVEST_MAX_PAGE_MB",
        default_value_t = 64,
        global = true
    )]
    pub harvest_max_page_mb: u64,
    /// Most pages one harvest job reads.
    #[arg(
        long,
        env = "ODCAT_HARVEST_MAX_PAGES",
        default_value_t = 100_000,
        global = true
    )]
    pub harvest_max_pages: usize,
    /// Seconds one harvest job may run; a job that reaches it stops as incomplete (withdrawing
    /// nothing).
    #[arg(
        long,
        env = "ODCAT_HARVEST_TIME_LIMIT",
        default_value_t = 21_600,
        global = true
    )]
    pub harvest_time_limit: u64,
    /// Retries of a harvest request after a 429, a 5xx or a failed connection.
    #[arg(
        long,
        env = "ODCAT_HARVEST_RETRIES",
        default_value_t = 3,
        global = true
    )]
    pub harvest_retries: u32,
    /// Check the access and download URLs of external distributions in the background (the
    /// quality score's accessibility metrics).
    #[arg(
        long,
        env = "ODCAT_LINKCHECK",
        default_value_t = true,
        action = clap::ArgAction::Set,
        value_parser = clap::builder::BoolishValueParser::new(),
        global = true
    )]
    pub linkcheck: bool,
    /// Assess datasets' quality in the background in this process (every written dataset, and every
    /// dataset at the first start: about an hour of one core per million datasets). `false` on all
    /// replicas but one, or for a benchmark; a dataset's quality report is still assessed on request
    /// when its stored assessment is missing or stale.
    #[arg(
        long,
        env = "ODCAT_QUALITY_WORKER",
        default_value_t = true,
        action = clap::ArgAction::Set,
        value_parser = clap::builder::BoolishValueParser::new(),
        global = true
    )]
    pub quality_worker: bool,
    /// Time between two checks of a reachable URL: seconds, or a number with `s`, `m`, `h` or `d`
    /// (an unreachable URL is checked again after a day at most).
    #[arg(
        long,
        env = "ODCAT_LINKCHECK_INTERVAL",
        default_value = "7d",
        value_parser = parse_duration,
        global = true
    )]
    pub linkcheck_interval: std::time::Duration,
    /// Seconds one link check may take.
    #[arg(
        long,
        env = "ODCAT_LINKCHECK_TIMEOUT",
        default_value_t = 20,
        global = true
    )]
    pub linkcheck_timeout: u64,
    /// How long a workspace session lasts at most after signing in (`30m`, `8h`, `1d`).
    #[arg(
        long,
        env = "ODCAT_SESSION_LIFETIME",
        default_value = "8h",
        value_parser = parse_duration,
        global = true
    )]
    pub session_lifetime: std::time::Duration,
    /// OpenID Connect issuer of the city's identity provider (Keycloak realm, ADFS); unset: no
    /// single sign-on in the workspace.
    #[arg(long, env = "ODCAT_OIDC_ISSUER", global = true)]
    pub oidc_issuer: Option<String>,
    /// The workspace's client id at the identity provider.
    #[arg(long, env = "ODCAT_OIDC_CLIENT_ID", global = true)]
    pub oidc_client_id: Option<String>,
    /// Its client secret.
    #[arg(
        long,
        env = "ODCAT_OIDC_CLIENT_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub oidc_client_secret: Option<String>,
    /// The ID-token claim naming the publisher a person edits for (a slug, or a list of them of
    /// which the first known one counts).
    #[arg(
        long,
        env = "ODCAT_OIDC_PUBLISHER_CLAIM",
        default_value = "odcat_publisher",
        global = true
    )]
    pub oidc_publisher_claim: String,
    /// The claim value that makes a person an administrator (unset: nobody is one by sign-on).
    #[arg(long, env = "ODCAT_OIDC_ADMIN_VALUE", global = true)]
    pub oidc_admin_value: Option<String>,
    /// What the sign-in button calls the identity provider.
    #[arg(
        long,
        env = "ODCAT_OIDC_NAME",
        default_value = "Single Sign-On",
        global = true
    )]
    pub oidc_name: String,
    /// Hosts checked at once (one request at a time per host).
    #[arg(
        long,
        env = "ODCAT_LINKCHECK_CONCURRENCY",
        default_value_t = 8,
        global = true
    )]
    pub linkcheck_concurrency: usize,
    /// Whether the link checker may request private, loopback and link-local addresses (an admin's
    /// choice for a city network; off by default).
    #[arg(
        long,
        env = "ODCAT_LINKCHECK_ALLOW_PRIVATE",
        default_value_t = false,
        action = clap::ArgAction::Set,
        value_parser = clap::builder::BoolishValueParser::new(),
        global = true
    )]
    pub linkcheck_allow_private: bool,
}

/// A duration: seconds, or a number followed by `s`, `m`, `h` or `d`.
pub fn parse_duration(value: &str) -> Result<std::time::Duration, String> {
    let value = value.trim();
    let (number, unit) = match value.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => value.split_at(at),
        None => (value, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{value}` is not a duration (e.g. 3600, 90m, 12h, 7d)"))?;
    let seconds = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "`{value}` is not a duration (e.g. 3600, 90m, 12h, 7d)"
            ));
        }
    };
    if n == 0 {
        return Err("the duration must be more than 0".to_owned());
    }
    Ok(std::time::Duration::from_secs(n.saturating_mul(seconds)))
}

impl Settings {
    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}/odcat.db?mode=rwc", self.data_dir.display()))
    }

    /// How harvest jobs run.
    pub fn harvest(&self) -> crate::harvest::run::RunSettings {
        use std::time::Duration;
        crate::harvest::run::RunSettings {
            policy: crate::harvest::fetch::FetchPolicy {
                timeout: Duration::from_secs(self.harvest_timeout.max(1)),
                max_bytes: self.harvest_max_page_mb.max(1).saturating_mul(1024 * 1024),
                retries: self.harvest_retries,
                backoff: Duration::from_secs(2),
                allow_private: false,
            },
            max_pages: self.harvest_max_pages.max(1),
            time_limit: Duration::from_secs(self.harvest_time_limit.max(1)),
        }
    }

    /// How the link checker runs.
    pub fn linkcheck(&self) -> crate::quality::links::LinkSettings {
        crate::quality::links::LinkSettings {
            interval: self.linkcheck_interval,
            timeout: std::time::Duration::from_secs(self.linkcheck_timeout.max(1)),
            concurrency: self.linkcheck_concurrency.max(1),
            allow_private: self.linkcheck_allow_private,
            ..Default::default()
        }
    }

    /// The workspace's single sign-on, when the issuer, client id and secret are set.
    pub fn oidc(&self) -> Option<crate::web::manage::oidc::OidcSettings> {
        Some(crate::web::manage::oidc::OidcSettings {
            issuer: self.oidc_issuer.clone().filter(|s| !s.trim().is_empty())?,
            client_id: self
                .oidc_client_id
                .clone()
                .filter(|s| !s.trim().is_empty())?,
            client_secret: self.oidc_client_secret.clone()?,
            publisher_claim: self.oidc_publisher_claim.clone(),
            admin_value: self.oidc_admin_value.clone(),
            name: self.oidc_name.clone(),
        })
    }

    /// The base URL without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }

    /// The listen address, with `:PORT` meaning `127.0.0.1:PORT`.
    pub fn bind_addr(&self) -> String {
        if self.bind.starts_with(':') {
            format!("127.0.0.1{}", self.bind)
        } else {
            self.bind.clone()
        }
    }

    /// The SPARQL endpoint's limits.
    pub fn sparql_limits(&self) -> crate::sparql::Limits {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        crate::sparql::Limits {
            timeout: std::time::Duration::from_secs(self.sparql_timeout.max(1)),
            max_rows: self.sparql_max_rows,
            max_bytes: self.sparql_max_bytes,
            concurrency: self.sparql_concurrency.unwrap_or((2 * cores).max(4)).max(1),
            queue_wait: std::time::Duration::from_millis(self.sparql_queue_wait_ms),
        }
    }

    /// The row cap of the RDF projection of hosted tables: none with the on-disk store.
    pub fn row_cap(&self) -> Option<u64> {
        (!cfg!(feature = "rocksdb")).then_some(self.sparql_row_cap)
    }

    /// The `/catalog` page cache's budget in bytes.
    pub fn catalog_cache_bytes(&self) -> usize {
        usize::try_from(self.catalog_cache_mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX)
    }

    /// Threads one search uses (see [`Settings::search_threads`]).
    pub fn search_threads(&self) -> usize {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        match self.search_threads {
            0 => cores.min(4),
            // More threads than cores only wait for each other.
            n => n.min(cores),
        }
    }

    /// The JSON document cache's budget in bytes.
    pub fn document_cache_bytes(&self) -> usize {
        usize::try_from(self.document_cache_mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX)
    }

    /// Settings for a test or embedded use: the given data directory and database, port 0, no fixtures.
    pub fn for_tests(data_dir: PathBuf, database_url: Option<String>) -> Self {
        Self {
            data_dir,
            database_url,
            bind: "127.0.0.1:0".into(),
            base_url: "http://odcat.test".into(),
            fixtures: false,
            log_format: LogFormat::Compact,
            catalog_page_size: 100,
            sparql_timeout: 30,
            sparql_max_rows: 1_000_000,
            sparql_max_bytes: 268_435_456,
            sparql_concurrency: Some(4),
            download_concurrency: 64,
            download_stall_secs: 60,
            sparql_queue_wait_ms: 2000,
            sparql_row_cap: 200_000,
            contributor_id: None,
            max_body_bytes: 1_048_576,
            max_upload_bytes: 1_073_741_824,
            pages_dir: None,
            body_timeout: 20,
            body_min_rate: 500,
            catalog_cache_mb: 512,
            document_cache_mb: 128,
            search_threads: 1,
            sqlite_mmap_mb: 0,
            rdf_memory_limit: None,
            harvest_interval: None,
            harvest_timeout: 10,
            harvest_max_page_mb: 64,
            harvest_max_pages: 100_000,
            harvest_time_limit: 600,
            harvest_retries: 1,
            linkcheck: false,
            quality_worker: true,
            linkcheck_interval: std::time::Duration::from_secs(7 * 86_400),
            linkcheck_timeout: 5,
            session_lifetime: std::time::Duration::from_secs(8 * 3600),
            oidc_issuer: None,
            oidc_client_id: None,
            oidc_client_secret: None,
            oidc_publisher_claim: "odcat_publisher".to_owned(),
            oidc_admin_value: None,
            oidc_name: "Single Sign-On".to_owned(),
            linkcheck_concurrency: 4,
            linkcheck_allow_private: false,
        }
    }
}
