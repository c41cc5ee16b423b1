//! Hosted tables: rows of a distribution stored in a typed SQL table of their own (like CKAN's
//! DataStore). Column names stay as the publisher wrote them in `data_table.columns`; the physical
//! columns are `c1`, `c2`, … so any header is safe. A load replaces the rows atomically: it creates a
//! new physical table and swaps it in within one transaction.
//!
//! A load that fills its table outside the swapping transaction (SQLite through a connection of its
//! own, PostgreSQL with `COPY`) holds a [`LoadClaim`] on the table's name until the swap is committed
//! or the table dropped: a lock file beside the SQLite database, a PostgreSQL advisory lock. At start-
//! up [`remove_orphan_tables`] drops every `dt_…` table that no `data_table` row names and no claim
//! holds: the tables of loads a crash or a kill cut off, and never one that a load on another process
//! or replica is still filling or swapping in.

use chrono::{DateTime, NaiveDate, Utc};
use entities::{data_table, dataset, distribution};
use sea_orm::sea_query::{
    Alias, ColumnDef, Condition, Expr, ExprTrait, Query, SelectStatement, SimpleExpr, Table,
    TableCreateStatement, Value,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::change::{self, EntityKind, Operation};
use super::error::CatalogError;
use super::service::Actor;
use super::values::DistributionKind;

/// The type of a hosted-table column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// Free text.
    Text,
    /// 64-bit integer.
    Integer,
    /// Decimal number (stored as double precision; its column's `scale` keeps how it was written).
    Decimal,
    /// `true`/`false`.
    Boolean,
    /// ISO date.
    Date,
    /// RFC 3339 date and time.
    Datetime,
}

impl ColumnType {
    /// The name used in JSON and messages (`text`, `integer`, `decimal`, `boolean`, `date`,
    /// `datetime`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Integer => "integer",
            Self::Decimal => "decimal",
            Self::Boolean => "boolean",
            Self::Date => "date",
            Self::Datetime => "datetime",
        }
    }
}

/// One column: the name users see and its type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnSpec {
    /// The header as written.
    pub name: String,
    /// The type.
    #[serde(rename = "type")]
    pub column_type: ColumnType,
    /// For a decimal column whose values were all written with the same number of fraction digits:
    /// that number, so every value is written back with it (`0.250`, not `0.25`). `None`: the
    /// shortest form (the values had no trailing zeros to keep, or the table was loaded before
    /// scales were kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<u16>,
}

/// One column as stored in `data_table.columns`: the header as written, the physical SQL column and
/// the type.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PhysicalColumn {
    /// The header as written.
    pub name: String,
    /// The SQL column (`c1`, `c2`, …).
    pub column: String,
    /// The type.
    #[serde(rename = "type")]
    pub column_type: ColumnType,
    /// A decimal column's fraction digits as written (see [`ColumnSpec::scale`]); missing in tables
    /// stored before scales were kept, which are written in the shortest form.
    #[serde(default)]
    pub scale: Option<u16>,
}

/// A hosted table as stored: where its rows are and what its columns are.
#[derive(Clone, Debug)]
pub struct StoredTable {
    /// The distribution.
    pub distribution_id: Uuid,
    /// The physical SQL table.
    pub table_name: String,
    /// The columns in order.
    pub columns: Vec<PhysicalColumn>,
    /// Number of rows.
    pub row_count: i64,
}

impl StoredTable {
    /// Reads the stored column schema of a `data_table` row.
    pub fn from_model(model: &data_table::Model) -> Result<Self, CatalogError> {
        // A stored schema we cannot read is our data's fault, never the client's: a 500.
        let columns = serde_json::from_value(model.columns.clone()).map_err(|e| {
            CatalogError::internal(anyhow::Error::new(e).context(format!(
                "the stored schema of `{}` is unreadable",
                model.table_name
            )))
        })?;
        Ok(Self {
            distribution_id: model.distribution_id,
            table_name: model.table_name.clone(),
            columns,
            row_count: model.row_count,
        })
    }

    /// Reads up to `limit` rows after row number `after` (rows are numbered from 1), in order: the row
    /// number and one cell per column (`None` for NULL).
    pub async fn rows_after(
        &self,
        db: &impl ConnectionTrait,
        after: i64,
        limit: u64,
    ) -> Result<Vec<(i64, Vec<Option<Cell>>)>, CatalogError> {
        let mut query = self.select();
        query
            .and_where(Expr::col(Alias::new(ROW)).gt(after))
            .order_by(Alias::new(ROW), sea_orm::sea_query::Order::Asc)
            .limit(limit);
        self.fetch(db, &query).await
    }

    /// `SELECT _row, c1, …, cn FROM` the table, for callers to add conditions, order and limits.
    pub fn select(&self) -> SelectStatement {
        let mut query = Query::select();
        query.column(Alias::new(ROW));
        for c in &self.columns {
            query.column(Alias::new(&c.column));
        }
        query.from(Alias::new(&self.table_name));
        query
    }

    /// Runs a [`StoredTable::select`] query: the row number and one typed cell per column of each row.
    pub async fn fetch(
        &self,
        db: &impl ConnectionTrait,
        query: &SelectStatement,
    ) -> Result<Vec<(i64, Vec<Option<Cell>>)>, CatalogError> {
        let all: Vec<usize> = (0..self.columns.len()).collect();
        self.fetch_columns(db, query, &all).await
    }

    /// Runs a query that selects the row number and only the columns `wanted` (indices): the others'
    /// cells are empty.
    pub async fn fetch_columns(
        &self,
        db: &impl ConnectionTrait,
        query: &SelectStatement,
        wanted: &[usize],
    ) -> Result<Vec<(i64, Vec<Option<Cell>>)>, CatalogError> {
        let rows = db.query_all(query).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let number: i64 = row.try_get("", ROW)?;
            let mut cells = Vec::with_capacity(self.columns.len());
            for (i, c) in self.columns.iter().enumerate() {
                if !wanted.contains(&i) {
                    cells.push(None);
                    continue;
                }
                let name = c.column.as_str();
                cells.push(match c.column_type {
                    ColumnType::Text => row.try_get::<Option<String>>("", name)?.map(Cell::Text),
                    ColumnType::Integer => row.try_get::<Option<i64>>("", name)?.map(Cell::Integer),
                    ColumnType::Decimal => row.try_get::<Option<f64>>("", name)?.map(Cell::Decimal),
                    ColumnType::Boolean => {
                        row.try_get::<Option<bool>>("", name)?.map(Cell::Boolean)
                    }
                    ColumnType::Date => row.try_get::<Option<NaiveDate>>("", name)?.map(Cell::Date),
                    ColumnType::Datetime => row
                        .try_get::<Option<DateTime<Utc>>>("", name)?
                        .map(Cell::Datetime),
                });
            }
            out.push((number, cells));
        }
        Ok(out)
    }

    /// Counts the rows matching `condition`.
    pub async fn count(
        &self,
        db: &impl ConnectionTrait,
        condition: Condition,
    ) -> Result<u64, CatalogError> {
        let query = Query::select()
            .expr_as(Expr::col(Alias::new(ROW)).count(), Alias::new("n"))
            .from(Alias::new(&self.table_name))
            .cond_where(condition)
            .to_owned();
        let row = db.query_one(&query).await?;
        let n = row.map(|r| r.try_get::<i64>("", "n")).transpose()?;
        Ok(n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
    }
}

/// The physical column numbering the rows from 1, in file order.
pub const ROW: &str = "_row";

/// One typed cell of a hosted table.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// Integer.
    Integer(i64),
    /// Decimal number.
    Decimal(f64),
    /// Boolean.
    Boolean(bool),
    /// Date.
    Date(NaiveDate),
    /// Date and time.
    Datetime(DateTime<Utc>),
}

#[derive(Serialize)]
struct StoredColumn<'a> {
    name: &'a str,
    column: String,
    #[serde(rename = "type")]
    column_type: ColumnType,
    #[serde(skip_serializing_if = "Option::is_none")]
    scale: Option<u16>,
}

/// Appends decimal `x` to `out` as its column wrote it: with `scale` fraction digits (`0.250`), or in
/// the shortest form that reads back as the same number when the column has no scale; with a decimal
/// comma when `comma`. A value stored with a scale has at most 15 digits at that scale (inference
/// sees to it), which a double keeps exactly, so rounding it to the scale gives back what was written.
pub fn write_decimal(out: &mut String, x: f64, scale: Option<u16>, comma: bool) {
    use std::fmt::Write;
    let start = out.len();
    // Writing to a `String` cannot fail.
    let _ = match scale {
        Some(scale) => write!(out, "{x:.*}", usize::from(scale)),
        None => write!(out, "{x}"),
    };
    if comma && let Some(point) = out[start..].find('.') {
        out.replace_range(start + point..=start + point, ",");
    }
}

fn physical(i: usize) -> String {
    format!("c{}", i + 1)
}

/// Facts about a loaded file, recorded on its distribution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileFacts {
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256, lower-case hex.
    pub sha256: String,
}

impl FileFacts {
    /// The facts of an in-memory file.
    pub fn of(bytes: &[u8]) -> Self {
        Self {
            bytes: bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(bytes)),
        }
    }
}

/// Typed rows arriving in batches; an `Err` stops the load (and its transaction with it).
pub type RowBatches = tokio::sync::mpsc::Receiver<Result<Vec<Vec<Option<Cell>>>, CatalogError>>;

/// Rows per `INSERT`: SQLite binds at most 32 766 values per statement.
fn rows_per_insert(columns: usize) -> usize {
    (30_000 / (columns + 1)).clamp(1, 1000)
}

/// A cell as an SQL value of its column's type (a typed NULL for an empty cell).
pub fn sql_value(column_type: ColumnType, cell: Option<Cell>) -> Value {
    match (column_type, cell) {
        (_, Some(Cell::Text(t))) => Value::String(Some(t)),
        (_, Some(Cell::Integer(n))) => Value::BigInt(Some(n)),
        (_, Some(Cell::Decimal(x))) => Value::Double(Some(x)),
        (_, Some(Cell::Boolean(b))) => Value::Bool(Some(b)),
        (_, Some(Cell::Date(d))) => Value::ChronoDate(Some(d)),
        (_, Some(Cell::Datetime(t))) => Value::ChronoDateTimeUtc(Some(t)),
        (ColumnType::Text, None) => Value::String(None),
        (ColumnType::Integer, None) => Value::BigInt(None),
        (ColumnType::Decimal, None) => Value::Double(None),
        (ColumnType::Boolean, None) => Value::Bool(None),
        (ColumnType::Date, None) => Value::ChronoDate(None),
        (ColumnType::Datetime, None) => Value::ChronoDateTimeUtc(None),
    }
}

/// Replaces the rows of hosted-table distribution `distribution_id` with typed rows arriving in
/// `batches`, in a new physical table swapped in within `txn`: readers see the old rows until the
/// transaction commits, and a failed load (an `Err` batch, a database error) leaves them in place.
/// Updates the column schema, row count, the distribution's byte size, checksum and modification
/// date, the dataset's revision, and logs the change.
///
/// With `bulk` (the pool the transaction came from) on PostgreSQL, the rows are streamed with `COPY`
/// into the new table, created on a connection of its own; only the swap runs in `txn`. The new table
/// is dropped again when the load fails; `claim` receives the claim on it, to be held until `txn` is
/// committed. Elsewhere the rows go in as multi-row `INSERT`s within `txn`.
#[expect(
    clippy::too_many_arguments,
    reason = "the transaction, who writes, and the table's parts, each used once"
)]
pub async fn replace_table(
    txn: &DatabaseTransaction,
    actor: &Actor,
    bulk: Option<&DatabaseConnection>,
    distribution_id: Uuid,
    columns: &[ColumnSpec],
    batches: &mut RowBatches,
    file: &FileFacts,
    claim: &mut Option<LoadClaim>,
) -> Result<i64, CatalogError> {
    let dist = distribution::Entity::find_by_id(distribution_id)
        .one(txn)
        .await?
        .ok_or_else(|| CatalogError::DistributionNotFound {
            dataset: "?".into(),
            id: distribution_id.to_string(),
        })?;
    if DistributionKind::from_db(&dist.kind) != DistributionKind::HostedTable {
        return Err(CatalogError::invalid(
            "kind",
            format!("distribution `{distribution_id}` is not a hosted_table"),
        ));
    }
    let table_name = new_table_name();
    let table = Alias::new(&table_name);
    let create = create_statement(&table_name, columns);
    let copy_into = bulk.filter(|db| db.get_database_backend() == DatabaseBackend::Postgres);
    let rows = match copy_into {
        Some(db) => {
            *claim = claim_postgres(db, &table_name).await?;
            db.execute(&create).await?;
            match copy_rows(db, &table_name, columns, batches).await {
                Ok(rows) => {
                    failpoint_before_swap();
                    rows
                }
                Err(error) => {
                    drop_when_free(db.clone(), table_name, claim.take());
                    return Err(error);
                }
            }
        }
        None => {
            txn.execute(&create).await?;
            insert_rows(txn, &table, columns, batches).await?
        }
    };
    let swapped = swap_in(
        txn,
        actor,
        distribution_id,
        dist.dataset_id,
        &table_name,
        columns,
        rows,
        file,
    )
    .await;
    if let (Err(_), Some(db)) = (&swapped, copy_into) {
        drop_when_free(db.clone(), table_name, claim.take());
    }
    swapped
}

/// Multi-row `INSERT`s within `txn`, each under SQLite's bound-value limit; returns the rows.
async fn insert_rows(
    txn: &DatabaseTransaction,
    table: &Alias,
    columns: &[ColumnSpec],
    batches: &mut RowBatches,
) -> Result<i64, CatalogError> {
    let mut names_sql = vec![Alias::new(ROW)];
    names_sql.extend((0..columns.len()).map(|i| Alias::new(physical(i))));
    let per_insert = rows_per_insert(columns.len());
    let mut rows: i64 = 0;
    while let Some(batch) = batches.recv().await {
        let mut pending: Vec<Vec<SimpleExpr>> = Vec::with_capacity(per_insert);
        for cells in batch? {
            rows += 1;
            let mut values: Vec<SimpleExpr> = Vec::with_capacity(columns.len() + 1);
            values.push(Value::BigInt(Some(rows)).into());
            for (column, cell) in columns.iter().zip(cells) {
                values.push(sql_value(column.column_type, cell).into());
            }
            pending.push(values);
            if pending.len() == per_insert {
                insert_batch(txn, table, &names_sql, std::mem::take(&mut pending)).await?;
            }
        }
        if !pending.is_empty() {
            insert_batch(txn, table, &names_sql, pending).await?;
        }
    }
    Ok(rows)
}

/// `"_row"`, `"c1"`, …, `"cn"`: the physical columns of a table of `columns` columns, quoted for SQL.
fn quoted_names(columns: usize) -> Vec<String> {
    std::iter::once(ROW.to_owned())
        .chain((0..columns).map(physical))
        .map(|name| format!("\"{name}\""))
        .collect()
}

fn new_table_name() -> String {
    format!("dt_{}", Uuid::new_v4().simple())
}

/// With `ODCAT_FAILPOINT=upload-before-swap` the process aborts after a load filled its new table
/// and before it is swapped in (the crash tests use it to leave an orphan table behind).
pub const FAILPOINT_BEFORE_SWAP: &str = "upload-before-swap";

fn failpoint_before_swap() {
    if std::env::var(crate::rdf::projector::FAILPOINT_ENV).as_deref() == Ok(FAILPOINT_BEFORE_SWAP) {
        tracing::error!("failpoint {FAILPOINT_BEFORE_SWAP}: aborting");
        std::process::abort();
    }
}

/// The first key of the PostgreSQL advisory locks claiming hosted tables (`odat`).
const ADVISORY_CLASS: i32 = 0x6f64_6174;

/// A claim on the name of a hosted table being loaded outside the transaction that swaps it in:
/// while it is held, [`remove_orphan_tables`] leaves the table alone. Dropping it releases it.
pub struct LoadClaim {
    file: Option<(std::fs::File, std::path::PathBuf)>,
    pg: Option<sea_orm::sqlx::Transaction<'static, sea_orm::sqlx::Postgres>>,
}

impl std::fmt::Debug for LoadClaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadClaim")
            .field("file", &self.file.as_ref().map(|(_, p)| p))
            .field("pg", &self.pg.is_some())
            .finish()
    }
}

impl Drop for LoadClaim {
    fn drop(&mut self) {
        if let Some((_, path)) = self.file.take() {
            // The lock goes with the file handle; a cleaner that opened the file meanwhile finds the
            // table named by a `data_table` row or already dropped.
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Where the lock files of loads into the SQLite database `file` live.
fn claims_dir(file: &std::path::Path) -> std::path::PathBuf {
    file.parent()
        .unwrap_or_else(|| std::path::Path::new("."))
        .join("loads")
}

/// Claims `table_name` through a lock file beside the SQLite database `file`; `None` when another
/// process holds it.
fn claim_sqlite(file: &std::path::Path, table_name: &str) -> std::io::Result<Option<LoadClaim>> {
    let dir = claims_dir(file);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{table_name}.lock"));
    let handle = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)?;
    match handle.try_lock() {
        Ok(()) => Ok(Some(LoadClaim {
            file: Some((handle, path)),
            pg: None,
        })),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// Claims `table_name` with a transaction-scoped advisory lock on a connection of its own; `None`
/// when another session holds it. The lock ends with the session, so a killed replica leaves none.
async fn claim_postgres(
    db: &DatabaseConnection,
    table_name: &str,
) -> Result<Option<LoadClaim>, CatalogError> {
    let failed =
        |e: sea_orm::sqlx::Error| CatalogError::Database(DbErr::Custom(format!("claim: {e}")));
    let mut txn = db
        .get_postgres_connection_pool()
        .begin()
        .await
        .map_err(failed)?;
    let held: bool =
        sea_orm::sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1, hashtext($2))")
            .bind(ADVISORY_CLASS)
            .bind(table_name)
            .fetch_one(&mut *txn)
            .await
            .map_err(failed)?;
    Ok(held.then_some(LoadClaim {
        file: None,
        pg: Some(txn),
    }))
}

async fn claim(
    db: &DatabaseConnection,
    sqlite_file: Option<&std::path::Path>,
    table_name: &str,
) -> Result<Option<LoadClaim>, CatalogError> {
    Ok(match (db.get_database_backend(), sqlite_file) {
        (DatabaseBackend::Postgres, _) => claim_postgres(db, table_name).await?,
        (_, Some(file)) => claim_sqlite(file, table_name).map_err(claim_failed)?,
        // An in-memory database lives in this process only: nothing else loads into it.
        (_, None) => Some(LoadClaim {
            file: None,
            pg: None,
        }),
    })
}

/// Claims the hosted table `table_name` of `db` as a load does (`None`: someone else holds it).
pub async fn claim_table(
    db: &DatabaseConnection,
    table_name: &str,
) -> Result<Option<LoadClaim>, CatalogError> {
    let file = crate::db::sqlite_file(db).await?;
    claim(db, file.as_deref(), table_name).await
}

fn claim_failed(e: std::io::Error) -> CatalogError {
    CatalogError::Database(DbErr::Custom(format!("claim: {e}")))
}

/// Drops every hosted table (`dt_…`) that no `data_table` row names and no load claims: what loads
/// cut off by a crash left behind. `sqlite_file` is the SQLite database behind `db`, if any. Returns
/// the tables dropped.
pub async fn remove_orphan_tables(
    db: &DatabaseConnection,
    sqlite_file: Option<&std::path::Path>,
) -> Result<Vec<String>, CatalogError> {
    let backend = db.get_database_backend();
    let list = match backend {
        DatabaseBackend::Postgres => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() \
             AND tablename LIKE 'dt\\_%' ESCAPE '\\'"
        }
        _ => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'dt\\_%' ESCAPE '\\'"
        }
    };
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(backend, list.to_owned()))
        .await?;
    let mut dropped = Vec::new();
    for row in rows {
        let name: String = row.try_get("", "name")?;
        if named(db, &name).await? {
            continue;
        }
        let Some(claim) = claim(db, sqlite_file, &name).await? else {
            continue; // a load in progress
        };
        // Named now? Then its load committed between the listing and the claim.
        if !named(db, &name).await? {
            let statement = Table::drop()
                .table(Alias::new(&name))
                .if_exists()
                .to_owned();
            db.execute(&statement).await?;
            dropped.push(name);
        }
        drop(claim);
    }
    if let Some(file) = sqlite_file {
        remove_unheld_claims(&claims_dir(file));
    }
    Ok(dropped)
}

/// Whether a `data_table` row names `table_name`.
async fn named(db: &impl ConnectionTrait, table_name: &str) -> Result<bool, CatalogError> {
    Ok(data_table::Entity::find()
        .filter(data_table::Column::TableName.eq(table_name))
        .one(db)
        .await?
        .is_some())
}

/// Removes the lock files no load holds (left by a kill).
fn remove_unheld_claims(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(file) = std::fs::File::open(&path) else {
            continue;
        };
        if file.try_lock().is_ok() {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Whether a database error means a lock was not granted in time (SQLite busy, PostgreSQL lock
/// timeout) or no connection was free: a reason to answer 503, not a fault.
pub fn is_busy(error: &CatalogError) -> bool {
    let CatalogError::Database(error) = error else {
        return false;
    };
    if matches!(error, DbErr::ConnectionAcquire(_)) {
        return true;
    }
    let text = error.to_string();
    [
        "database is locked",
        "database table is locked",
        "lock timeout",
        "55P03",
    ]
    .iter()
    .any(|needle| text.contains(needle))
}

/// Drops a loaded table that was not swapped in, retrying while the database is busy (a lock
/// timeout may be why the swap failed), for up to a few minutes; `claim` is held until the table is
/// gone, so no cleaner takes it for an orphan meanwhile. Runs in the background.
pub fn drop_when_free(db: DatabaseConnection, table_name: String, claim: Option<LoadClaim>) {
    tokio::spawn(async move {
        let statement = Table::drop()
            .table(Alias::new(&table_name))
            .if_exists()
            .to_owned();
        let mut wait = std::time::Duration::from_millis(200);
        for attempt in 1.. {
            match db.execute(&statement).await {
                Ok(_) => break,
                Err(error) if attempt < 12 => {
                    tracing::debug!(error = %error, table = %table_name, "waiting to drop a failed load's table");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(std::time::Duration::from_secs(30));
                }
                Err(error) => {
                    tracing::warn!(error = %error, table = %table_name, "could not drop a failed load's table; the next start-up will");
                    break;
                }
            }
        }
        drop(claim);
    });
}

/// `CREATE TABLE` of a hosted table: `_row` as its key, then one typed column per column.
fn create_statement(table_name: &str, columns: &[ColumnSpec]) -> TableCreateStatement {
    let mut create = Table::create();
    create.table(Alias::new(table_name)).col(
        ColumnDef::new(Alias::new(ROW))
            .big_integer()
            .not_null()
            .primary_key(),
    );
    for (i, c) in columns.iter().enumerate() {
        let mut def = ColumnDef::new(Alias::new(physical(i)));
        match c.column_type {
            ColumnType::Text => def.text(),
            ColumnType::Integer => def.big_integer(),
            ColumnType::Decimal => def.double(),
            ColumnType::Boolean => def.boolean(),
            ColumnType::Date => def.date(),
            ColumnType::Datetime => def.timestamp_with_time_zone(),
        };
        create.col(def);
    }
    create
}

/// A cell as SQLite stores it through the record's driver: dates `%F`, date-times RFC 3339 (as
/// `sqlx` writes them), booleans 0/1.
pub fn sqlite_value(cell: Option<Cell>) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match cell {
        None => V::Null,
        Some(Cell::Text(t)) => V::Text(t),
        Some(Cell::Integer(n)) => V::Integer(n),
        Some(Cell::Decimal(x)) => V::Real(x),
        Some(Cell::Boolean(b)) => V::Integer(i64::from(b)),
        Some(Cell::Date(d)) => V::Text(d.format("%F").to_string()),
        Some(Cell::Datetime(t)) => V::Text(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)),
    }
}

/// Creates a new hosted table in the SQLite database `file` and fills it with the rows arriving in
/// `batches`, in one SQLite transaction on a connection of its own with one prepared `INSERT`, on a
/// blocking thread. Returns the table's name, its rows and the claim on it; a failed load leaves
/// nothing behind. The caller swaps the table in ([`swap_in`]), holding the claim until that is
/// committed, and drops it ([`drop_when_free`]) when that fails.
pub async fn fill_sqlite_table(
    file: std::path::PathBuf,
    columns: Vec<ColumnSpec>,
    mut batches: RowBatches,
) -> Result<(String, i64, LoadClaim), CatalogError> {
    let failed = |e: rusqlite::Error| CatalogError::Database(DbErr::Custom(format!("load: {e}")));
    tokio::task::spawn_blocking(move || {
        let table_name = new_table_name();
        let claim = claim_sqlite(&file, &table_name)
            .map_err(claim_failed)?
            .ok_or_else(|| claim_failed(std::io::Error::other("a fresh table name is claimed")))?;
        let mut connection = rusqlite::Connection::open(&file).map_err(failed)?;
        // As long as the serving pool waits for SQLite's lock.
        connection
            .busy_timeout(std::time::Duration::from_secs(15))
            .map_err(failed)?;
        let txn = connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(failed)?;
        txn.execute_batch(
            &create_statement(&table_name, &columns).build(sea_orm::sea_query::SqliteQueryBuilder),
        )
        .map_err(failed)?;
        let names = quoted_names(columns.len());
        let insert = format!(
            "INSERT INTO \"{table_name}\" ({}) VALUES ({})",
            names.join(", "),
            vec!["?"; names.len()].join(", ")
        );
        let mut rows: i64 = 0;
        {
            let mut statement = txn.prepare(&insert).map_err(failed)?;
            while let Some(batch) = batches.blocking_recv() {
                for cells in batch? {
                    rows += 1;
                    statement.raw_bind_parameter(1, rows).map_err(failed)?;
                    for (i, cell) in cells.into_iter().enumerate() {
                        statement
                            .raw_bind_parameter(i + 2, sqlite_value(cell))
                            .map_err(failed)?;
                    }
                    statement.raw_execute().map_err(failed)?;
                }
            }
        }
        txn.commit().map_err(failed)?;
        failpoint_before_swap();
        Ok((table_name, rows, claim))
    })
    .await
    .map_err(|e| CatalogError::internal(anyhow::Error::new(e).context("the loader failed")))?
}

/// Streams the rows into `table_name` with PostgreSQL's `COPY … FROM STDIN (FORMAT csv)`.
async fn copy_rows(
    db: &DatabaseConnection,
    table_name: &str,
    columns: &[ColumnSpec],
    batches: &mut RowBatches,
) -> Result<i64, CatalogError> {
    use sea_orm::sqlx::postgres::PgPoolCopyExt;
    let failed =
        |e: sea_orm::sqlx::Error| CatalogError::Database(DbErr::Custom(format!("COPY: {e}")));
    let names = quoted_names(columns.len());
    let statement = format!(
        "COPY \"{table_name}\" ({}) FROM STDIN WITH (FORMAT csv)",
        names.join(", ")
    );
    let mut copy = db
        .get_postgres_connection_pool()
        .copy_in_raw(&statement)
        .await
        .map_err(failed)?;
    let mut rows: i64 = 0;
    let mut buffer: Vec<u8> = Vec::with_capacity(1 << 20);
    while let Some(batch) = batches.recv().await {
        let batch = match batch {
            Ok(batch) => batch,
            Err(error) => {
                let _ = copy.abort("the file could not be read").await;
                return Err(error);
            }
        };
        for cells in batch {
            rows += 1;
            copy_line(&mut buffer, rows, cells);
        }
        if buffer.len() >= 1 << 20 {
            copy.send(std::mem::take(&mut buffer))
                .await
                .map_err(failed)?;
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer).await.map_err(failed)?;
    }
    copy.finish().await.map_err(failed)?;
    Ok(rows)
}

/// One row in `COPY`'s CSV format: an unquoted empty field is NULL, text is always quoted.
fn copy_line(out: &mut Vec<u8>, row: i64, cells: Vec<Option<Cell>>) {
    use std::io::Write;
    let _ = write!(out, "{row}");
    for cell in cells {
        out.push(b',');
        let _ = match cell {
            None => Ok(()),
            Some(Cell::Text(text)) => {
                out.push(b'"');
                for byte in text.bytes() {
                    if byte == b'"' {
                        out.push(b'"');
                    }
                    out.push(byte);
                }
                out.push(b'"');
                Ok(())
            }
            Some(Cell::Integer(n)) => write!(out, "{n}"),
            Some(Cell::Decimal(x)) => write!(out, "{x}"),
            Some(Cell::Boolean(b)) => out.write_all(if b { b"t" } else { b"f" }),
            Some(Cell::Date(d)) => write!(out, "{}", d.format("%Y-%m-%d")),
            Some(Cell::Datetime(t)) => write!(out, "{}", t.to_rfc3339()),
        };
    }
    out.push(b'\n');
}

/// Points the distribution's `data_table` at the loaded `table_name` (dropping the old table), and
/// records the file's facts, the dataset's new revision and the change, all within `txn`.
#[expect(
    clippy::too_many_arguments,
    reason = "the transaction, who writes, and the table's parts, each used once"
)]
pub async fn swap_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    distribution_id: Uuid,
    dataset_id: Uuid,
    table_name: &str,
    columns: &[ColumnSpec],
    rows: i64,
    file: &FileFacts,
) -> Result<i64, CatalogError> {
    let table_name = table_name.to_owned();

    let now = Utc::now().fixed_offset();
    let stored: Vec<StoredColumn<'_>> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| StoredColumn {
            name: &c.name,
            column: physical(i),
            column_type: c.column_type,
            scale: c.scale.filter(|_| c.column_type == ColumnType::Decimal),
        })
        .collect();
    let stored = serde_json::to_value(&stored).map_err(|e| {
        CatalogError::internal(anyhow::Error::new(e).context("storing the columns"))
    })?;
    let old = data_table::Entity::find()
        .filter(data_table::Column::DistributionId.eq(distribution_id))
        .one(txn)
        .await?;
    match &old {
        Some(old) => {
            data_table::Entity::update(data_table::ActiveModel {
                id: Set(old.id),
                table_name: Set(table_name.clone()),
                columns: Set(stored),
                row_count: Set(rows),
                updated_at: Set(now),
                ..Default::default()
            })
            .exec(txn)
            .await?;
            txn.execute(&Table::drop().table(Alias::new(&old.table_name)).to_owned())
                .await?;
        }
        None => {
            data_table::Entity::insert(data_table::ActiveModel {
                id: Set(Uuid::new_v4()),
                distribution_id: Set(distribution_id),
                table_name: Set(table_name.clone()),
                columns: Set(stored),
                row_count: Set(rows),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec_without_returning(txn)
            .await?;
        }
    }
    distribution::Entity::update(distribution::ActiveModel {
        id: Set(distribution_id),
        byte_size: Set(i64::try_from(file.bytes).ok()),
        checksum_algorithm: Set(Some("sha256".into())),
        checksum_value: Set(Some(file.sha256.clone())),
        modified: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(txn)
    .await?;
    // The dataset's metadata changed with its distribution: new revision (hence ETag), same outbox.
    dataset::Entity::update_many()
        .col_expr(
            dataset::Column::Revision,
            Expr::col(dataset::Column::Revision).add(1),
        )
        .col_expr(dataset::Column::Modified, Expr::value(now))
        .col_expr(dataset::Column::UpdatedAt, Expr::value(now))
        .filter(dataset::Column::Id.eq(dataset_id))
        .exec(txn)
        .await?;
    change::record(
        txn,
        EntityKind::Dataset,
        dataset_id,
        Operation::Update,
        Some(actor),
    )
    .await?;
    super::repo::stamp_listing(txn, dataset_id, false, false).await?;
    let operation = if old.is_some() {
        Operation::Update
    } else {
        Operation::Create
    };
    change::record(
        txn,
        EntityKind::DataTable,
        distribution_id,
        operation,
        Some(actor),
    )
    .await?;
    Ok(rows)
}

async fn insert_batch(
    txn: &DatabaseTransaction,
    table: &Alias,
    columns: &[Alias],
    rows: Vec<Vec<SimpleExpr>>,
) -> Result<(), CatalogError> {
    let mut insert = Query::insert();
    insert.into_table(table.clone()).columns(columns.to_vec());
    for row in rows {
        insert.values(row).map_err(|e| {
            CatalogError::internal(anyhow::Error::new(e).context("building a row insert"))
        })?;
    }
    txn.execute(&insert).await?;
    Ok(())
}

/// Counts the rows physically stored for a distribution (used by checks and tests).
pub async fn stored_rows(
    db: &impl ConnectionTrait,
    distribution_id: Uuid,
) -> Result<Option<i64>, CatalogError> {
    let Some(table) = data_table::Entity::find()
        .filter(data_table::Column::DistributionId.eq(distribution_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let query = Query::select()
        .expr_as(Expr::col(Alias::new(ROW)).count(), Alias::new("n"))
        .from(Alias::new(&table.table_name))
        .to_owned();
    let row = db.query_one(&query).await?;
    Ok(row.map(|r| r.try_get::<i64>("", "n")).transpose()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_stored_schema_is_the_servers_fault() {
        let now = chrono::Utc::now().fixed_offset();
        let model = data_table::Model {
            id: Uuid::nil(),
            distribution_id: Uuid::nil(),
            table_name: "dt_x".into(),
            columns: serde_json::json!({"not": "a list"}),
            row_count: 0,
            created_at: now,
            updated_at: now,
        };
        let error = StoredTable::from_model(&model).err();
        assert!(
            matches!(error, Some(CatalogError::Internal(_))),
            "{error:?}"
        );
    }

    #[test]
    fn inserts_stay_under_sqlites_bound_values() {
        for columns in [1, 10, 100, 2000] {
            assert!(
                rows_per_insert(columns) * (columns + 1) <= 32_766 || rows_per_insert(columns) == 1
            );
        }
        assert_eq!(
            sql_value(ColumnType::Date, None),
            Value::ChronoDate(None),
            "an empty cell is a typed NULL"
        );
    }

    #[test]
    fn copy_lines_quote_text_and_leave_nulls_unquoted() {
        let mut out = Vec::new();
        copy_line(
            &mut out,
            7,
            vec![
                Some(Cell::Text("Sanierung \"Alte Feuerwache\", 2.\nBA".into())),
                None,
                Some(Cell::Integer(-5)),
                Some(Cell::Decimal(1234.5)),
                Some(Cell::Boolean(false)),
                Some(Cell::Date(NaiveDate::from_ymd_opt(2026, 1, 31).unwrap())),
                Some(Cell::Datetime(
                    DateTime::parse_from_rfc3339("2026-01-31T07:30:00Z")
                        .unwrap()
                        .to_utc(),
                )),
                Some(Cell::Text("\\.".into())),
            ],
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "7,\"Sanierung \"\"Alte Feuerwache\"\", 2.\nBA\",,-5,1234.5,f,2026-01-31,\
             2026-01-31T07:30:00+00:00,\"\\.\"\n"
        );
    }

    #[test]
    fn schemas_stored_before_scales_read_as_the_shortest_form() {
        let old: Vec<PhysicalColumn> = serde_json::from_value(serde_json::json!([
            {"name": "Betrag", "column": "c1", "type": "decimal"}
        ]))
        .unwrap();
        assert_eq!(old[0].scale, None);
        let stored = serde_json::to_value([StoredColumn {
            name: "Betrag",
            column: physical(0),
            column_type: ColumnType::Decimal,
            scale: Some(2),
        }])
        .unwrap();
        let new: Vec<PhysicalColumn> = serde_json::from_value(stored).unwrap();
        assert_eq!(new[0].scale, Some(2));
    }

    #[test]
    fn decimals_are_written_with_their_columns_scale() {
        let written = |x: f64, scale, comma| {
            let mut out = String::from("|");
            write_decimal(&mut out, x, scale, comma);
            out
        };
        assert_eq!(written(0.25, Some(3), false), "|0.250");
        assert_eq!(written(1234.5, Some(2), true), "|1234,50");
        assert_eq!(written(0.005, Some(3), true), "|0,005");
        assert_eq!(written(12.1, Some(2), false), "|12.10");
        assert_eq!(written(-0.5, Some(1), true), "|-0,5");
        assert_eq!(written(0.25, None, false), "|0.25");
        assert_eq!(written(1e23, None, true), "|100000000000000000000000");
        // The largest 15-digit values at their scale come back digit for digit.
        assert_eq!(
            written(9_999_999_999_999.99, Some(2), false),
            "|9999999999999.99"
        );
        assert_eq!(
            written(0.000_000_000_123_450, Some(15), false),
            "|0.000000000123450"
        );
    }
}
