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

/// The distinct combinations of the query's columns among the rows it selects, each as the first
/// row holding it (its number, and the query's columns; other cells empty), in the query's order
/// (every sort key must be one of its columns) and then by that first row, skipping `offset`, at most
/// `limit`. `Err` names a sort key that is not among the columns.
pub async fn fetch_distinct(
    db: &Db,
    table: &StoredTable,
    query: &TableQuery,
    offset: u64,
    limit: u64,
) -> Result<Result<Vec<Row>, String>, CatalogError> {
    if let Some(key) = query
        .sort
        .iter()
        .find(|k| !query.columns.contains(&k.column))
    {
        return Ok(Err(table.columns[key.column].name.clone()));
    }
    let mut select = Query::select();
    select.expr_as(Expr::col(Alias::new(ROW)).min(), Alias::new(ROW));
    for i in &query.columns {
        select.column(Alias::new(&table.columns[*i].column));
    }
    select
        .from(Alias::new(&table.table_name))
        .cond_where(query.condition(table, db.get_database_backend()));
    for i in &query.columns {
        select.group_by_col(Alias::new(&table.columns[*i].column));
    }
    for key in &query.sort {
        select.order_by_with_nulls(
            Alias::new(&table.columns[key.column].column),
            if key.descending {
                Order::Desc
            } else {
                Order::Asc
            },
            sea_orm::sea_query::NullOrdering::Last,
        );
    }
    select
        .order_by_expr(Expr::col(Alias::new(ROW)).min(), Order::Asc)
        .limit(limit)
        .offset(offset);
    Ok(Ok(table.fetch_columns(db, &select, &query.columns).await?))
}

/// The number of distinct combinations of the query's columns among the rows it selects.
pub async fn count_distinct(
    db: &Db,
    table: &StoredTable,
    query: &TableQuery,
) -> Result<u64, CatalogError> {
    let mut groups = Query::select();
    groups
        .expr(Expr::val(1))
        .from(Alias::new(&table.table_name))
        .cond_where(query.condition(table, db.get_database_backend()));
    for i in &query.columns {
        groups.group_by_col(Alias::new(&table.columns[*i].column));
    }
    let count = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from_subquery(groups, Alias::new("g"))
        .to_owned();
    let row = db.query_one(&count).await?;
    let n = row.map(|r| r.try_get::<i64>("", "n")).transpose()?;
    Ok(n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
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
