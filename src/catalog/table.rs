//! Hosted tables: rows of a distribution stored in a typed SQL table of their own (like CKAN's
//! DataStore). Column names stay as the publisher wrote them in `data_table.columns`; the physical
//! columns are `c1`, `c2`, … so any header is safe. A load replaces the rows atomically: it creates a
//! new physical table and swaps it in within one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use entities::{data_table, dataset, distribution};
use sea_orm::sea_query::{Alias, ColumnDef, Expr, ExprTrait, Query, SimpleExpr, Table, Value};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::change::{self, EntityKind, Operation};
use super::error::CatalogError;
use super::values::DistributionKind;

const BATCH_ROWS: usize = 500;

/// The type of a hosted-table column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// Free text.
    Text,
    /// 64-bit integer.
    Integer,
    /// Decimal number (stored as double precision).
    Decimal,
    /// `true`/`false`.
    Boolean,
    /// ISO date.
    Date,
    /// RFC 3339 date and time.
    Datetime,
}

/// One column: the name users see and its type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnSpec {
    /// The header as written.
    pub name: String,
    /// The type.
    #[serde(rename = "type")]
    pub column_type: ColumnType,
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
        let columns = serde_json::from_value(model.columns.clone()).map_err(|e| {
            CatalogError::invalid(
                "columns",
                format!(
                    "the stored schema of `{}` is unreadable: {e}",
                    model.table_name
                ),
            )
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
        let mut query = Query::select();
        query.column(Alias::new("_row"));
        for c in &self.columns {
            query.column(Alias::new(&c.column));
        }
        query
            .from(Alias::new(&self.table_name))
            .and_where(Expr::col(Alias::new("_row")).gt(after))
            .order_by(Alias::new("_row"), sea_orm::sea_query::Order::Asc)
            .limit(limit);
        let rows = db.query_all(&query).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let number: i64 = row.try_get("", "_row")?;
            let mut cells = Vec::with_capacity(self.columns.len());
            for c in &self.columns {
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
}

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
}

fn physical(i: usize) -> String {
    format!("c{}", i + 1)
}

fn cell_value(column: &ColumnSpec, raw: &str, line: u64) -> Result<Value, CatalogError> {
    let raw = raw.trim();
    let bad = |what: &str| {
        CatalogError::invalid(
            format!("line {line}, column `{}`", column.name),
            format!("`{raw}` is not {what}"),
        )
    };
    if raw.is_empty() {
        return Ok(match column.column_type {
            ColumnType::Text => Value::String(None),
            ColumnType::Integer => Value::BigInt(None),
            ColumnType::Decimal => Value::Double(None),
            ColumnType::Boolean => Value::Bool(None),
            ColumnType::Date => Value::ChronoDate(None),
            ColumnType::Datetime => Value::ChronoDateTimeUtc(None),
        });
    }
    Ok(match column.column_type {
        ColumnType::Text => Value::String(Some(raw.to_owned())),
        ColumnType::Integer => Value::BigInt(Some(raw.parse().map_err(|_| bad("an integer"))?)),
        ColumnType::Decimal => {
            Value::Double(Some(raw.parse().map_err(|_| bad("a decimal number"))?))
        }
        ColumnType::Boolean => Value::Bool(Some(match raw {
            "true" => true,
            "false" => false,
            _ => return Err(bad("true or false")),
        })),
        ColumnType::Date => Value::ChronoDate(Some(
            NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| bad("a date (YYYY-MM-DD)"))?,
        )),
        ColumnType::Datetime => Value::ChronoDateTimeUtc(Some(
            DateTime::parse_from_rfc3339(raw)
                .map_err(|_| bad("an RFC 3339 date-time"))?
                .with_timezone(&Utc),
        )),
    })
}

/// Replaces the rows of hosted-table distribution `distribution_id` with a UTF-8 CSV file whose header
/// must equal `columns`. Runs inside `txn`, so a failed load leaves the old rows in place.
pub async fn replace_rows(
    txn: &DatabaseTransaction,
    distribution_id: Uuid,
    columns: &[ColumnSpec],
    csv_bytes: &[u8],
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
    let mut reader = csv::ReaderBuilder::new().from_reader(csv_bytes);
    let header = reader
        .headers()
        .map_err(|e| CatalogError::invalid("line 1", e.to_string()))?
        .clone();
    let names: Vec<&str> = header.iter().collect();
    let expected: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    if names != expected {
        return Err(CatalogError::invalid(
            "line 1",
            format!("header {names:?} does not match the columns {expected:?}"),
        ));
    }

    let table_name = format!("dt_{}", Uuid::new_v4().simple());
    let table = Alias::new(&table_name);
    let mut create = Table::create();
    create.table(table.clone()).col(
        ColumnDef::new(Alias::new("_row"))
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
    txn.execute(&create).await?;

    let mut names_sql = vec![Alias::new("_row")];
    names_sql.extend((0..columns.len()).map(|i| Alias::new(physical(i))));
    let mut batch: Vec<Vec<SimpleExpr>> = Vec::with_capacity(BATCH_ROWS);
    let mut rows: i64 = 0;
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            CatalogError::invalid(format!("line {line}"), e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line());
        rows += 1;
        let mut values: Vec<SimpleExpr> = vec![Value::BigInt(Some(rows)).into()];
        for (column, raw) in columns.iter().zip(record.iter()) {
            values.push(cell_value(column, raw, line)?.into());
        }
        batch.push(values);
        if batch.len() == BATCH_ROWS {
            insert_batch(txn, &table, &names_sql, std::mem::take(&mut batch)).await?;
        }
    }
    if !batch.is_empty() {
        insert_batch(txn, &table, &names_sql, batch).await?;
    }

    let now = Utc::now().fixed_offset();
    let stored: Vec<StoredColumn<'_>> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| StoredColumn {
            name: &c.name,
            column: physical(i),
            column_type: c.column_type,
        })
        .collect();
    let stored = serde_json::to_value(&stored)
        .map_err(|e| CatalogError::invalid("columns", e.to_string()))?;
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
        byte_size: Set(i64::try_from(csv_bytes.len()).ok()),
        checksum_algorithm: Set(Some("sha256".into())),
        checksum_value: Set(Some(hex::encode(Sha256::digest(csv_bytes)))),
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
        .filter(dataset::Column::Id.eq(dist.dataset_id))
        .exec(txn)
        .await?;
    change::record(txn, EntityKind::Dataset, dist.dataset_id, Operation::Update).await?;
    let operation = if old.is_some() {
        Operation::Update
    } else {
        Operation::Create
    };
    change::record(txn, EntityKind::DataTable, distribution_id, operation).await?;
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
        insert
            .values(row)
            .map_err(|e| CatalogError::invalid("row", e.to_string()))?;
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
        .expr_as(Expr::col(Alias::new("_row")).count(), Alias::new("n"))
        .from(Alias::new(&table.table_name))
        .to_owned();
    let row = db.query_one(&query).await?;
    Ok(row.map(|r| r.try_get::<i64>("", "n")).transpose()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(t: ColumnType) -> ColumnSpec {
        ColumnSpec {
            name: "Spalte".into(),
            column_type: t,
        }
    }

    #[test]
    fn cells_parse_by_type_and_blank_is_null() {
        assert_eq!(
            cell_value(&col(ColumnType::Integer), "42", 2).ok(),
            Some(Value::BigInt(Some(42)))
        );
        assert_eq!(
            cell_value(&col(ColumnType::Decimal), "2.5", 2).ok(),
            Some(Value::Double(Some(2.5)))
        );
        assert_eq!(
            cell_value(&col(ColumnType::Boolean), "true", 2).ok(),
            Some(Value::Bool(Some(true)))
        );
        assert_eq!(
            cell_value(&col(ColumnType::Integer), " ", 2).ok(),
            Some(Value::BigInt(None))
        );
    }

    #[test]
    fn bad_cells_name_line_and_column() {
        let err = cell_value(&col(ColumnType::Date), "31.12.2021", 7).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 7, column `Spalte`: `31.12.2021` is not a date (YYYY-MM-DD)"
        );
    }
}
