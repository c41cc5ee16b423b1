//! Building the application from its settings: database, migrations, fixtures, HTTP server. `main` and
//! the tests call the same [`Application::build`].

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use crate::catalog::{Catalog, fixtures};
use crate::config::Settings;
use crate::feed::{Consumer, Feed};
use crate::http::tables::Uploads;
use crate::rdf::listing::CatalogPageSize;
use crate::rdf::{Mapping, Projector};
use crate::sparql::SparqlService;
use crate::{db, http};

/// A built, not yet running, server.
pub struct Application {
    port: u16,
    server: Server,
    catalog: Catalog,
    projector: Projector,
    feed: Feed,
    sparql: SparqlService,
    scorer: crate::quality::Scorer,
}

impl Application {
    /// Connects, migrates, loads the fixtures into an empty database when configured, and binds.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let connection = db::connect(settings, db::Access::Serving).await?;
        db::migrate(&connection).await?;
        let catalog = Catalog::new(connection, settings.base_url());
        catalog.assign_identifiers().await?;
        if settings.fixtures && fixtures::is_empty(&catalog).await? {
            let report = fixtures::load(&catalog)
                .await
                .context("failed to load the fixtures")?;
            tracing::info!(
                fixtures.publishers = report.publishers,
                fixtures.datasets = report.datasets,
                fixtures.rows = report.rows,
                "loaded the Wuppertal fixtures into the empty database"
            );
        }
        let spool = settings.data_dir.join("uploads");
        match crate::tabular::ingest::remove_unheld_spools(&spool) {
            Ok(0) => {}
            Ok(n) => tracing::info!(files = n, "removed spool files left by interrupted uploads"),
            Err(error) => tracing::warn!(error = %error, "could not clean the upload spool"),
        }
        let sqlite = db::sqlite_file(catalog.db()).await?;
        match crate::catalog::table::remove_orphan_tables(catalog.db(), sqlite.as_deref()).await {
            Ok(dropped) if dropped.is_empty() => {}
            Ok(dropped) => tracing::info!(
                tables = dropped.len(),
                "dropped hosted tables left by interrupted uploads"
            ),
            Err(error) => tracing::warn!(error = %error, "could not look for orphan hosted tables"),
        }
        // Read before the in-memory store takes its share.
        let available = http::health::available_memory(settings.rdf_memory_limit);
        let projector = open_projection(settings, &catalog).await?;
        let page_cache = crate::rdf::PageCache::new(
            catalog.clone(),
            projector.mapping().clone(),
            settings.catalog_cache_bytes(),
        );
        // One change feed for the process: every consumer is brought up to the record before the
        // server binds, then follows it.
        let search = open_search(settings, &catalog)?;
        let documents = http::datasets::DocumentCache::new(
            "dataset-documents",
            catalog.clone(),
            settings.document_cache_bytes(),
        );
        let scorer = crate::quality::Scorer::open(
            catalog.clone(),
            projector.mapping().clone(),
            settings.quality_worker,
        )
        .await?;
        let mut consumers: Vec<std::sync::Arc<dyn Consumer>> = vec![
            std::sync::Arc::new(projector.clone()),
            std::sync::Arc::new(search.clone()),
            std::sync::Arc::new(documents.clone()),
        ];
        consumers.extend(
            page_cache
                .consumers()
                .into_iter()
                .map(|c| std::sync::Arc::new(c) as std::sync::Arc<dyn Consumer>),
        );
        if scorer.has_worker() {
            // Queues written datasets for the quality worker (it never holds the feed up).
            consumers.push(std::sync::Arc::new(scorer.clone()));
        }
        let feed = Feed::new(catalog.clone(), consumers);
        search.attach(feed.clone());
        feed.start().await.with_context(|| {
            format!(
                "failed to bring the RDF store (with feature rocksdb under {}) and the search index up to date",
                settings.data_dir.join("rdf").display()
            )
        })?;
        tokio::spawn(feed.clone().run());
        scorer.start_worker();
        let quads = (!projector.store().on_disk()).then(|| projector.rebuilt_quads().unwrap_or(0));
        let rdf_memory = http::health::RdfMemory::assess(quads, available);
        rdf_memory.log();
        let rdf_memory = web::Data::new(rdf_memory);
        let page_cache = web::Data::new(page_cache);
        let documents = web::Data::new(documents);
        let listener = TcpListener::bind(settings.bind_addr())
            .with_context(|| format!("failed to bind {}", settings.bind_addr()))?;
        let port = listener.local_addr()?.port();
        let data = web::Data::new(catalog.clone());
        let search_data = web::Data::new(search.clone());
        let rdf = web::Data::new(projector.clone());
        let feed_data = web::Data::new(feed.clone());
        let sparql = SparqlService::new(
            projector.store().clone(),
            settings.base_url(),
            settings.sparql_limits(),
        );
        let sparql_data = web::Data::new(sparql.clone());
        let uploads = web::Data::new(Uploads {
            dir: spool,
            max_bytes: settings.max_upload_bytes,
        });
        let table_files = web::Data::new(crate::http::downloads::TableFiles {
            sqlite: crate::db::sqlite_file(catalog.db()).await?,
            slots: std::sync::Arc::new(tokio::sync::Semaphore::new(
                settings.download_concurrency.max(1),
            )),
            stall: std::time::Duration::from_secs(settings.download_stall_secs.max(1)),
        });
        let page_size = web::Data::new(CatalogPageSize(u64::from(
            settings.catalog_page_size.max(1),
        )));
        let portal = web::Data::new(crate::web::Portal {
            index: crate::web::index::PortalIndex::new(catalog.clone(), search.clone()),
            search: search.clone(),
            base: settings.base_url().to_owned(),
            texts: std::sync::Arc::new(
                crate::web::text::PageTexts::load(settings.pages_dir.as_deref())
                    .context("failed to read the portal's texts (ODCAT_PAGES_DIR)")?,
            ),
        });
        let epoch = web::Data::new(
            crate::rdf::listing::PublicationEpoch::load(
                catalog.db(),
                &publication_fingerprint(settings),
            )
            .await
            .context("failed to read the publication settings")?,
        );
        let hardening = web::Data::new(http::hardening::Hardening {
            https: settings.base_url().starts_with("https://"),
            body_timeout: std::time::Duration::from_secs(settings.body_timeout.max(1)),
            body_min_rate: settings.body_min_rate.max(1),
        });
        // Fill the portal's index before the first visitor.
        portal.index.snapshot().await?;
        // Harvest jobs: those whose process stopped are reported as interrupted; scheduled runs.
        let harvest_settings = web::Data::new(settings.harvest());
        catalog.interrupt_stale_harvest_jobs().await?;
        tokio::spawn(crate::harvest::run::schedule(
            catalog.clone(),
            settings.harvest(),
            settings.harvest_interval,
        ));
        // Link checks, in the background: a write or a page never waits for a remote host.
        if settings.linkcheck {
            let checker = crate::quality::links::LinkChecker::new(
                catalog.clone(),
                scorer.clone(),
                settings.linkcheck(),
            )?;
            tokio::spawn(checker.run());
        }
        let scorer_data = web::Data::new(scorer.clone());
        let staging = web::Data::new(crate::web::manage::upload::Staging::default());
        let oidc = web::Data::new(crate::web::manage::oidc::Oidc::new(
            settings.oidc(),
            settings.base_url(),
        )?);
        let workspace = web::Data::new(crate::web::manage::WorkspaceSettings {
            session_lifetime: chrono::Duration::from_std(settings.session_lifetime)
                .unwrap_or(chrono::Duration::hours(8)),
        });
        let max_body = settings.max_body_bytes;
        let server = HttpServer::new(move || {
            App::new()
                .wrap(middleware::from_fn(http::hardening::body_deadline))
                .wrap(middleware::Compress::default())
                .wrap(middleware::from_fn(http::conditional::encoding_validators))
                .wrap(middleware::from_fn(http::hardening::security_headers))
                .wrap(middleware::NormalizePath::trim())
                .wrap(TracingLogger::default())
                .app_data(epoch.clone())
                .app_data(hardening.clone())
                .app_data(data.clone())
                .app_data(search_data.clone())
                .app_data(rdf.clone())
                .app_data(feed_data.clone())
                .app_data(sparql_data.clone())
                .app_data(uploads.clone())
                .app_data(table_files.clone())
                .app_data(page_size.clone())
                .app_data(page_cache.clone())
                .app_data(documents.clone())
                .app_data(rdf_memory.clone())
                .app_data(portal.clone())
                .app_data(harvest_settings.clone())
                .app_data(scorer_data.clone())
                .app_data(workspace.clone())
                .app_data(staging.clone())
                .app_data(oidc.clone())
                .configure(|cfg| http::configure(cfg, max_body))
        })
        // Small answers (a SPARQL result's last chunk) must not wait for the client's delayed ACK.
        .tcp_nodelay(true)
        // SIGTERM/SIGINT are handled in `run_until_stopped`, which first cancels running queries.
        .disable_signals()
        .shutdown_timeout(SHUTDOWN_GRACE_SECS)
        .listen(listener)?
        .run();
        tracing::info!(
            http.addr = %format!("{}:{port}", settings.bind_addr().rsplit_once(':').map_or("", |(h, _)| h)),
            http.port = port,
            base_url = settings.base_url(),
            "odcat is listening"
        );
        Ok(Self {
            port,
            server,
            catalog,
            projector,
            feed,
            sparql,
            scorer,
        })
    }

    /// The bound port (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The catalogue behind the server.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The RDF projection behind the DCAT-AP endpoints.
    pub fn projector(&self) -> &Projector {
        &self.projector
    }

    /// The change feed that keeps the projections in step with the record.
    pub fn feed(&self) -> &Feed {
        &self.feed
    }

    /// The quality scorer (its worker assesses written datasets in the background).
    pub fn scorer(&self) -> &crate::quality::Scorer {
        &self.scorer
    }

    /// The SPARQL service behind `/sparql`.
    pub fn sparql(&self) -> &SparqlService {
        &self.sparql
    }

    /// A handle that stops the server (its workers drop their share of the stores when they stop).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM. On a signal, running SPARQL evaluations are cancelled at once and
    /// requests in flight get [`SHUTDOWN_GRACE_SECS`] to finish.
    ///
    /// Once the server has stopped, the on-disk RDF store writes what it holds in memory to its
    /// files: the next start then has no write-ahead log to replay (at 1 000 000 datasets that replay
    /// made a start after a few thousand writes take 17–38 s instead of 4 s).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let server = self.server;
        tokio::pin!(server);
        let result = 'serve: {
            tokio::select! {
                result = &mut server => break 'serve result,
                signal = stop_signal() => {
                    signal?;
                    tracing::info!("stopping: cancelling running SPARQL queries, finishing requests");
                }
            }
            self.sparql.stop();
            // The server future carries the stop out, so it is polled while the stop is awaited.
            let (_, result) = tokio::join!(handle.stop(true), server);
            result
        };
        let store = self.projector.store().clone();
        match tokio::task::spawn_blocking(move || store.flush()).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(%error, "could not flush the RDF store"),
            Err(error) => tracing::warn!(%error, "could not flush the RDF store"),
        }
        result
    }
}

/// Seconds requests in flight get to finish after a stop signal.
pub const SHUTDOWN_GRACE_SECS: u64 = 3;

/// Waits for SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn stop_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}

/// Opens the RDF store of this build (resuming from its recorded position, or empty at position
/// `-1`); a [`Feed`] brings it up to date.
pub async fn open_projection(settings: &Settings, catalog: &Catalog) -> anyhow::Result<Projector> {
    Projector::open(catalog.db().clone(), &settings.data_dir, mapping(settings)?)
        .await
        .with_context(|| {
            format!(
                "failed to open the RDF store (with feature rocksdb under {})",
                settings.data_dir.join("rdf").display()
            )
        })
}

/// Opens the search index under `$ODCAT_DATA_DIR/search` (a [`Feed`] brings it up to the record,
/// rebuilding it when missing or of another version).
pub fn open_search(
    settings: &Settings,
    catalog: &Catalog,
) -> anyhow::Result<crate::search::SearchEngine> {
    let dir = settings.data_dir.join("search");
    crate::search::SearchEngine::open_threaded(
        catalog.clone(),
        Some(&dir),
        settings.search_threads(),
    )
    .with_context(|| format!("failed to open the search index in {}", dir.display()))
}

/// What shapes the published DCAT-AP documents besides the record: when it changes, their
/// `Last-Modified` moves (see [`crate::rdf::publish::PublicationEpoch`]).
pub fn publication_fingerprint(settings: &Settings) -> String {
    format!(
        "odcat {} | mapping {} | base {} | contributor {:?} | page size {} | row cap {:?}",
        env!("CARGO_PKG_VERSION"),
        crate::rdf::store::MAPPING,
        settings.base_url(),
        settings.contributor_id,
        settings.catalog_page_size,
        settings.row_cap(),
    )
}

/// The DCAT-AP mapping configured by `settings`.
pub fn mapping(settings: &Settings) -> anyhow::Result<Mapping> {
    if let Some(contributor) = &settings.contributor_id {
        oxigraph::model::NamedNode::new(contributor.as_str())
            .with_context(|| format!("ODCAT_CONTRIBUTOR_ID `{contributor}` is not an IRI"))?;
        if !crate::catalog::vocab::Vocabulary::Contributor.contains(contributor) {
            anyhow::bail!(
                "ODCAT_CONTRIBUTOR_ID `{contributor}` is not in the DCAT-AP.de contributor list \
                 (http://dcat-ap.de/def/contributors/…)"
            );
        }
    }
    Ok(
        Mapping::new(settings.base_url(), settings.contributor_id.clone())
            .with_row_cap(settings.row_cap()),
    )
}
