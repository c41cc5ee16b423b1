//! Opening and migrating the record database.

use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

use crate::config::Settings;

/// How a process reads an SQLite record, which decides whether reads may go through a memory map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// A server: many small random reads (a catalogue page reads ~500 rows scattered over the file).
    /// `ODCAT_SQLITE_MMAP_MB` (default 0) maps that much of the file per connection. Mapped pages are
    /// the OS page cache, shared by all connections, but they count towards the process's resident set
    /// once per connection that touched them.
    Serving,
    /// A command that walks the record once (dump, rebuild, migrate): a memory map gains nothing
    /// there, so none is used and the resident set stays the process's own memory.
    Batch,
}

/// Connects to the configured database, creating the SQLite data directory when needed.
pub async fn connect(settings: &Settings, access: Access) -> anyhow::Result<DatabaseConnection> {
    let url = settings.database_url();
    if url.starts_with("sqlite:") && settings.database_url.is_none() {
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!(
                "failed to create data directory {}",
                settings.data_dir.display()
            )
        })?;
    }
    let mmap_bytes = settings.sqlite_mmap_mb.saturating_mul(1 << 20);
    let sqlite = url.starts_with("sqlite:");
    let mut options = ConnectOptions::new(url);
    options
        // A command walks the record with one task: a few connections, each with its own page
        // and statement cache, are all it uses.
        .max_connections(match access {
            Access::Serving => 16,
            Access::Batch => 4,
        })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false)
        // WAL lets readers proceed during a write; foreign keys are off by default in SQLite; writers
        // queue in-process (see `Catalog`), the busy timeout covers other processes.
        .map_sqlx_sqlite_opts(move |o| {
            let o = o
                // Statements with IN lists of every length are cached apart: keep few of them.
                .statement_cache_capacity(match access {
                    Access::Serving => 100,
                    Access::Batch => 24,
                })
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(15));
            match access {
                Access::Serving if mmap_bytes > 0 => o.pragma("mmap_size", mmap_bytes.to_string()),
                Access::Serving | Access::Batch => o,
            }
        });
    if sqlite {
        // An SQLite connection lives in this process and cannot be dropped by a server: pinging it
        // before every query (SeaORM's default) is only a round trip to its worker thread. A
        // PostgreSQL connection is still pinged at every checkout, so one the server closed (a
        // restart) is replaced instead of failing a request.
        options.test_before_acquire_if_idle_for(Duration::from_secs(30));
    }
    Database::connect(options)
        .await
        .context("failed to connect to the database")
}

/// A migrated private in-memory SQLite database (one connection), for unit tests and tools.
pub async fn connect_memory() -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new("sqlite::memory:");
    options
        .max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    let db = Database::connect(options)
        .await
        .context("failed to open an in-memory database")?;
    migrate(&db).await?;
    Ok(db)
}

/// Applies pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("failed to migrate the database")
}

/// The SQLite database file behind `db`, if it is one (not in memory): uploads and downloads open
/// their own connections to it.
pub async fn sqlite_file(db: &DatabaseConnection) -> Result<Option<std::path::PathBuf>, DbErr> {
    use sea_orm::ConnectionTrait;
    if db.get_database_backend() != sea_orm::DatabaseBackend::Sqlite {
        return Ok(None);
    }
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Sqlite,
            "SELECT file FROM pragma_database_list WHERE name = 'main'",
        ))
        .await?;
    let file: Option<String> = row.map(|r| r.try_get("", "file")).transpose()?;
    Ok(file.filter(|f| !f.is_empty()).map(std::path::PathBuf::from))
}
