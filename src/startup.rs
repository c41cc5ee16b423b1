//! Building the application from its settings: database, migrations, fixtures, HTTP server. `main` and
//! the tests call the same [`Application::build`].

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use crate::catalog::{Catalog, fixtures};
use crate::config::Settings;
use crate::{db, http};

/// A built, not yet running, server.
pub struct Application {
    port: u16,
    server: Server,
    catalog: Catalog,
}

impl Application {
    /// Connects, migrates, loads the fixtures into an empty database when configured, and binds.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let connection = db::connect(settings).await?;
        db::migrate(&connection).await?;
        let catalog = Catalog::new(connection, settings.base_url());
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
        let listener = TcpListener::bind(settings.bind_addr())
            .with_context(|| format!("failed to bind {}", settings.bind_addr()))?;
        let port = listener.local_addr()?.port();
        let data = web::Data::new(catalog.clone());
        let max_body = settings.max_body_bytes;
        let server = HttpServer::new(move || {
            App::new()
                .wrap(middleware::Compress::default())
                .wrap(middleware::NormalizePath::trim())
                .wrap(TracingLogger::default())
                .app_data(data.clone())
                .configure(|cfg| http::configure(cfg, max_body))
        })
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

    /// Serves until SIGINT/SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
