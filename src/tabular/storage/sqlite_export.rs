//! Downloads from an SQLite record, read on a blocking thread through a read-only connection of their
//! own: one statement (one snapshot) streams the rows, CSV is written straight from SQLite's values,
//! and chunks reach the response through a bounded channel, so memory stays flat. This skips the
//! async driver's per-row hand-over between threads, which made downloads several times slower than
//! `sqlite3 -csv`, and it does not use the serving pool's memory map.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, OpenFlags};
use sea_orm::DatabaseBackend;
use sea_orm::sea_query::{SqliteQueryBuilder, Value};
use tokio::sync::mpsc;

use crate::catalog::CatalogError;
use crate::catalog::table::{Cell, ColumnType, StoredTable, write_decimal};
use crate::tabular::export::{CsvOptions, DownloadFormat, Selection, head, json_fields, tail};

/// Bytes gathered before a chunk is handed to the response.
const CHUNK: usize = 128 * 1024;

fn failed(error: impl std::fmt::Display) -> CatalogError {
    CatalogError::database(format!("download: {error}"))
}

/// Where a download reads from and how patient it is with its client.
#[derive(Clone, Debug)]
pub struct Source {
    /// The SQLite database file.
    pub file: PathBuf,
    /// How long a chunk may wait for the client to take it; then the download ends (and frees its
    /// thread and its read snapshot).
    pub stall: Duration,
}

/// The download as a stream of chunks. The first item is an error when the query cannot start (so
/// the caller can still answer with an error status); later errors cut the response off. `permit` is
/// held until the reader thread ends.
pub fn stream(
    source: Source,
    table: StoredTable,
    selection: Selection,
    format: DownloadFormat,
    csv: CsvOptions,
    permit: tokio::sync::OwnedSemaphorePermit,
) -> impl Stream<Item = Result<Bytes, CatalogError>> {
    let (tx, rx) = mpsc::channel::<Result<Bytes, CatalogError>>(4);
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        // A client that stops reading ends the download after `stall`; one that goes away at once.
        let send = |item: Result<Bytes, CatalogError>| {
            matches!(
                runtime.block_on(tokio::time::timeout(source.stall, tx.send(item))),
                Ok(Ok(()))
            )
        };
        if let Err(error) = produce(&source.file, &table, &selection, format, csv, &send) {
            send(Err(error));
        }
    });
    futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
}

/// A sea-query value as SQLite stores it through the record's driver (dates `%F`, date-times RFC 3339
/// as `sqlx` writes them, booleans 0/1).
fn bind(value: Value) -> Result<SqlValue, CatalogError> {
    use chrono::SecondsFormat;
    Ok(match value {
        Value::Bool(v) => v.map_or(SqlValue::Null, |b| SqlValue::Integer(i64::from(b))),
        Value::BigInt(v) => v.map_or(SqlValue::Null, SqlValue::Integer),
        Value::Int(v) => v.map_or(SqlValue::Null, |n| SqlValue::Integer(i64::from(n))),
        Value::BigUnsigned(v) => v.map_or(SqlValue::Null, |n| {
            SqlValue::Integer(i64::try_from(n).unwrap_or(i64::MAX))
        }),
        Value::Unsigned(v) => v.map_or(SqlValue::Null, |n| SqlValue::Integer(i64::from(n))),
        Value::Double(v) => v.map_or(SqlValue::Null, SqlValue::Real),
        Value::String(v) => v.map_or(SqlValue::Null, SqlValue::Text),
        Value::ChronoDate(v) => v.map_or(SqlValue::Null, |d| {
            SqlValue::Text(d.format("%F").to_string())
        }),
        Value::ChronoDateTimeUtc(v) => v.map_or(SqlValue::Null, |t| {
            SqlValue::Text(t.to_rfc3339_opts(SecondsFormat::AutoSi, false))
        }),
        other => return Err(failed(format!("unexpected parameter {other:?}"))),
    })
}

fn produce(
    file: &Path,
    table: &StoredTable,
    selection: &Selection,
    format: DownloadFormat,
    csv: CsvOptions,
    send: &dyn Fn(Result<Bytes, CatalogError>) -> bool,
) -> Result<(), CatalogError> {
    let connection = Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(failed)?;
    connection
        .busy_timeout(Duration::from_secs(15))
        .map_err(failed)?;
    let limit = selection
        .limit
        .unwrap_or(u64::try_from(i64::MAX).unwrap_or(u64::MAX));
    let query = selection.query.select(
        table,
        DatabaseBackend::Sqlite,
        None,
        selection.offset,
        limit,
    );
    let (sql, values) = query.build(SqliteQueryBuilder);
    let parameters = values
        .0
        .into_iter()
        .map(bind)
        .collect::<Result<Vec<_>, _>>()?;
    let mut statement = connection.prepare(&sql).map_err(failed)?;
    let mut rows = statement
        .query(rusqlite::params_from_iter(parameters))
        .map_err(failed)?;
    let send = |chunk: Bytes| send(Ok(chunk));
    if !send(head(table, selection, format, csv)) {
        return Ok(());
    }
    let columns: Vec<(usize, ColumnType, Option<u16>)> = selection
        .query
        .columns
        .iter()
        .map(|i| (*i, table.columns[*i].column_type, table.columns[*i].scale))
        .collect();
    let new_writer = || {
        csv::WriterBuilder::new()
            .delimiter(csv.delimiter)
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::with_capacity(CHUNK + 16 * 1024))
    };
    let mut writer = new_writer();
    let mut out: Vec<u8> = Vec::with_capacity(CHUNK + 4096);
    let mut written: u64 = 0;
    let mut number = itoa::Buffer::new();
    let mut decimal = String::with_capacity(32);
    while let Some(row) = rows.next().map_err(failed)? {
        match format {
            DownloadFormat::Csv => {
                for (i, column_type, scale) in &columns {
                    // Column 0 is the row number.
                    let value = row.get_ref(i + 1).map_err(failed)?;
                    let buffers = Buffers {
                        number: &mut number,
                        decimal: &mut decimal,
                    };
                    write_csv_value(&mut writer, (*column_type, *scale), value, csv, buffers)
                        .map_err(failed)?;
                }
                writer.write_record(None::<&[u8]>).map_err(failed)?;
                if writer.get_ref().len() >= CHUNK {
                    let full = std::mem::replace(&mut writer, new_writer());
                    let chunk = full.into_inner().map_err(|e| failed(e.error()))?;
                    if !send(Bytes::from(chunk)) {
                        return Ok(());
                    }
                }
            }
            DownloadFormat::Json | DownloadFormat::Ndjson => {
                let mut cells = vec![None; table.columns.len()];
                for (i, column_type, _) in &columns {
                    cells[*i] = cell(*column_type, row.get_ref(i + 1).map_err(failed)?)?;
                }
                if format == DownloadFormat::Json && written > 0 {
                    out.push(b',');
                }
                let object = json_fields(table, &selection.query.columns, &cells);
                serde_json::to_writer(&mut out, &object).map_err(failed)?;
                if format == DownloadFormat::Ndjson {
                    out.push(b'\n');
                }
                if out.len() >= CHUNK && !send(Bytes::from(std::mem::take(&mut out))) {
                    return Ok(());
                }
            }
        }
        written += 1;
    }
    let rest = writer.into_inner().map_err(|e| failed(e.error()))?;
    out.extend_from_slice(&rest);
    out.extend_from_slice(&tail(format));
    if !out.is_empty() {
        send(Bytes::from(out));
    }
    Ok(())
}

/// Buffers reused for every cell, so writing numbers allocates nothing.
struct Buffers<'a> {
    number: &'a mut itoa::Buffer,
    decimal: &'a mut String,
}

/// Writes one stored value of a column (its type and decimal scale) as a CSV field.
fn write_csv_value(
    writer: &mut csv::Writer<Vec<u8>>,
    (column_type, scale): (ColumnType, Option<u16>),
    value: ValueRef<'_>,
    options: CsvOptions,
    buffers: Buffers<'_>,
) -> csv::Result<()> {
    let comma = options.delimiter == b';';
    let mut decimal = |writer: &mut csv::Writer<Vec<u8>>, x: f64| {
        buffers.decimal.clear();
        write_decimal(buffers.decimal, x, scale, comma);
        writer.write_field(buffers.decimal.as_bytes())
    };
    match (column_type, value) {
        (_, ValueRef::Null) => writer.write_field(b""),
        (ColumnType::Boolean, ValueRef::Integer(b)) => {
            writer.write_field(if b != 0 { "true" } else { "false" })
        }
        // An integer in a decimal column (SQLite's column affinity lets one in) is the double it
        // stands for.
        (ColumnType::Decimal, ValueRef::Integer(n)) => decimal(writer, n as f64),
        (_, ValueRef::Integer(n)) => writer.write_field(buffers.number.format(n)),
        (_, ValueRef::Real(x)) => decimal(writer, x),
        (ColumnType::Text, ValueRef::Text(text)) => {
            let risky = options.escape_formulas
                && text
                    .first()
                    .is_some_and(|c| matches!(c, b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'));
            if risky {
                let mut escaped = Vec::with_capacity(text.len() + 1);
                escaped.push(b'\'');
                escaped.extend_from_slice(text);
                writer.write_field(escaped)
            } else {
                writer.write_field(text)
            }
        }
        // Dates and date-times are stored in the form the downloads write (`%F`, RFC 3339).
        (_, ValueRef::Text(text) | ValueRef::Blob(text)) => writer.write_field(text),
    }
}

/// A stored value as a typed cell.
fn cell(column_type: ColumnType, value: ValueRef<'_>) -> Result<Option<Cell>, CatalogError> {
    let text = |bytes: &[u8]| {
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(failed)
    };
    Ok(match (column_type, value) {
        (_, ValueRef::Null) => None,
        (ColumnType::Boolean, ValueRef::Integer(b)) => Some(Cell::Boolean(b != 0)),
        (ColumnType::Decimal, ValueRef::Integer(n)) => Some(Cell::Decimal(n as f64)),
        (_, ValueRef::Integer(n)) => Some(Cell::Integer(n)),
        (_, ValueRef::Real(x)) => Some(Cell::Decimal(x)),
        (ColumnType::Date, ValueRef::Text(t)) => Some(Cell::Date(
            chrono::NaiveDate::parse_from_str(&text(t)?, "%F").map_err(failed)?,
        )),
        (ColumnType::Datetime, ValueRef::Text(t)) => Some(Cell::Datetime(
            chrono::DateTime::parse_from_rfc3339(&text(t)?)
                .map_err(failed)?
                .to_utc(),
        )),
        (_, ValueRef::Text(t) | ValueRef::Blob(t)) => Some(Cell::Text(text(t)?)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::table::PhysicalColumn;
    use crate::tabular::query::TableQuery;
    use futures_util::StreamExt;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_client_that_stops_reading_frees_the_slot_after_the_stall() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("record.db");
        let mut connection = Connection::open(&file).unwrap();
        let txn = connection.transaction().unwrap();
        txn.execute_batch("CREATE TABLE dt_x (_row INTEGER PRIMARY KEY, c1 TEXT)")
            .unwrap();
        for n in 1..=50_000_i64 {
            txn.execute(
                "INSERT INTO dt_x VALUES (?1, ?2)",
                rusqlite::params![n, format!("Zeile {n} mit etwas Text, damit es mehr wird")],
            )
            .unwrap();
        }
        txn.commit().unwrap();
        let table = StoredTable {
            distribution_id: uuid::Uuid::nil(),
            table_name: "dt_x".into(),
            columns: vec![PhysicalColumn {
                name: "Text".into(),
                column: "c1".into(),
                column_type: ColumnType::Text,
                scale: None,
            }],
            row_count: 50_000,
        };
        let selection = Selection {
            query: TableQuery::all(&table),
            offset: 0,
            limit: None,
        };
        let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(1));
        let permit = slots.clone().try_acquire_owned().unwrap();
        let source = Source {
            file,
            stall: Duration::from_millis(300),
        };
        let mut chunks = Box::pin(stream(
            source,
            table,
            selection,
            DownloadFormat::Csv,
            CsvOptions::default(),
            permit,
        ));
        let first = chunks.next().await.unwrap().unwrap();
        assert!(first.starts_with(b"Text\r\n"));
        assert_eq!(slots.available_permits(), 0, "the download holds its slot");
        // The client stops reading: the reader fills the channel, waits out the stall and ends.
        let freed = async {
            while slots.available_permits() == 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), freed)
            .await
            .expect("the stalled download gave its slot back");
        drop(chunks);
    }
}
