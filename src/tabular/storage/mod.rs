//! The tabular storage module: the SQL of hosted tables' rows as downloads, row pages and previews
//! read them. [`query`] turns a request's `fields`, filters, `q` and `sort` into one SQL condition
//! and order; [`sqlite_export`] streams an SQLite table through a read-only connection of its own;
//! the functions here run a [`TableQuery`] on the record. (Loading and swapping tables in is the
//! catalogue's, in [`crate::catalog::table`].) Ingest, export and describe call these and hold no
//! SQL themselves.

pub mod query;
pub mod sqlite_export;

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};

use crate::catalog::table::{Cell, PhysicalColumn, ROW, StoredTable};
use crate::catalog::{CatalogError, Db};
use query::TableQuery;

/// A row: its number (from 1, in file order) and one cell per column.
pub type Row = (i64, Vec<Option<Cell>>);

/// Up to `limit` rows of `table` that `query` selects, in its order: after the keyset `after` (a
/// download continuing where its last batch ended), or skipping `offset` rows.
pub async fn fetch_rows(
    db: &Db,
    table: &StoredTable,
    query: &TableQuery,
    after: Option<&Row>,
    offset: u64,
    limit: u64,
) -> Result<Vec<Row>, CatalogError> {
    let statement = query.select(table, db.get_database_backend(), after, offset, limit);
    table.fetch(db, &statement).await
}

/// The number of rows of `table` that `query` selects (its row count when nothing filters).
pub async fn count_rows(
    db: &Db,
    table: &StoredTable,
    query: &TableQuery,
) -> Result<u64, CatalogError> {
    if query.filters.is_empty() && query.words.is_empty() {
        return Ok(u64::try_from(table.row_count).unwrap_or(0));
    }
    table
        .count(db, query.condition(table, db.get_database_backend()))
        .await
}

/// One value of a text column: its rows, its rows with an amount, and their sum.
pub struct Group {
    /// The value.
    pub key: String,
    /// Rows with it.
    pub rows: i64,
    /// Of those, rows with an amount.
    pub with_amount: i64,
    /// The sum of their amounts.
    pub sum: Option<f64>,
}

/// Up to `limit` values of text column `category` of `table`, most rows first, with the count and
/// sum of `measure` per value.
pub async fn value_groups(
    db: &Db,
    table: &StoredTable,
    category: &PhysicalColumn,
    measure: Option<&PhysicalColumn>,
    limit: usize,
) -> Result<Vec<Group>, CatalogError> {
    let mut query = Query::select();
    query
        .expr_as(Expr::col(Alias::new(&category.column)), Alias::new("k"))
        .expr_as(Expr::col(Alias::new(ROW)).count(), Alias::new("n"))
        .from(Alias::new(&table.table_name))
        .and_where(Expr::col(Alias::new(&category.column)).is_not_null())
        .group_by_col(Alias::new(&category.column))
        .order_by_expr(Expr::col(Alias::new(ROW)).count(), Order::Desc)
        .limit(limit as u64);
    if let Some(m) = measure {
        query
            .expr_as(Expr::col(Alias::new(&m.column)).count(), Alias::new("nm"))
            .expr_as(
                Expr::col(Alias::new(&m.column))
                    .sum()
                    .cast_as(Alias::new("DOUBLE PRECISION")),
                Alias::new("s"),
            );
    }
    let mut out = Vec::new();
    for row in db.query_all(&query).await? {
        let rows = row.try_get::<i64>("", "n")?;
        let (with_amount, sum) = match measure {
            Some(_) => (
                row.try_get::<i64>("", "nm")?,
                row.try_get::<Option<f64>>("", "s")?,
            ),
            None => (0, None),
        };
        out.push(Group {
            key: row.try_get("", "k")?,
            rows,
            with_amount,
            sum,
        });
    }
    Ok(out)
}
