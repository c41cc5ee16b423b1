//! CKAN's DataStore actions on odcat's hosted tables: `datastore_search` and `datastore_info`, read
//! through the tabular storage module's query (the same filters, words, columns and order as the
//! downloads and `/rows`).
//!
//! `datastore_search_sql` is not offered (CKAN's answer to an action it does not have): a hosted
//! table is one of many typed SQL tables in the record's database, and SQL sent by anyone cannot be
//! confined to the public tables' rows on SQLite without a second, read-only copy of them.

use serde_json::{Value, json};
use uuid::Uuid;

use super::{CkanError, Ctx};
use crate::catalog::repo::tables;
use crate::catalog::table::{ColumnType, StoredTable};
use crate::tabular::export::{CsvOptions, csv_cell, json_cell};
use crate::tabular::storage;
use crate::tabular::storage::query::TableQuery;

/// CKAN's `ckan.datastore.search.rows_max`.
const ROWS_MAX: u64 = 32_000;
/// CKAN's default `limit`.
const ROWS_DEFAULT: u64 = 100;

/// CKAN's name of a column type.
fn ckan_type(column_type: ColumnType) -> &'static str {
    match column_type {
        ColumnType::Text => "text",
        ColumnType::Integer => "int",
        ColumnType::Decimal => "numeric",
        ColumnType::Boolean => "bool",
        ColumnType::Date => "date",
        ColumnType::Datetime => "timestamp",
    }
}

/// The public hosted table of resource `key`.
async fn public_table(ctx: &Ctx<'_>, param: &str) -> Result<StoredTable, CkanError> {
    let key = ctx
        .params
        .text(param)?
        .ok_or_else(|| CkanError::field(param, "Missing value"))?;
    let not_found = || CkanError::NotFound(format!("Resource \"{key}\" was not found."));
    let id = Uuid::parse_str(key.trim()).map_err(|_| not_found())?;
    let dataset = ctx
        .catalog
        .dataset_of_distribution(id)
        .await?
        .ok_or_else(not_found)?;
    match tables::public_table(ctx.catalog.db(), &dataset.to_string(), id).await {
        Ok(public) => Ok(public.table),
        Err(
            crate::catalog::CatalogError::DatasetNotFound(_)
            | crate::catalog::CatalogError::DistributionNotFound { .. },
        ) => Err(not_found()),
        Err(other) => Err(other.into()),
    }
}

/// A JSON value of `filters` or `q` as the text the table query parses.
fn filter_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

/// An object parameter sent as JSON or as JSON text in the query string.
fn object_param(
    ctx: &Ctx<'_>,
    name: &str,
) -> Result<Option<serde_json::Map<String, Value>>, CkanError> {
    match ctx.params.get(name) {
        None => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map.clone())),
        Some(Value::String(text)) if text.trim_start().starts_with('{') => {
            match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) => Ok(Some(map)),
                _ => Err(CkanError::field(name, "Not a JSON object")),
            }
        }
        Some(_) => Ok(None),
    }
}

/// The table query of `filters`, `q`, `full_text`, `fields` and `sort`, in the table query's own
/// parameters (so every value is checked against its column's type in one place).
fn table_query(ctx: &Ctx<'_>, table: &StoredTable) -> Result<TableQuery, CkanError> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    if let Some(filters) = object_param(ctx, "filters")? {
        for (column, value) in filters {
            match value {
                Value::Array(values) => {
                    let texts: Option<Vec<String>> = values.iter().map(filter_text).collect();
                    let texts = texts.ok_or_else(|| {
                        CkanError::field("filters", format!("`{column}`: values must be scalars"))
                    })?;
                    pairs.push((format!("{column}__in"), texts.join(",")));
                }
                value => {
                    let text = filter_text(&value).ok_or_else(|| {
                        CkanError::field(
                            "filters",
                            format!("`{column}`: a value must be a scalar or a list"),
                        )
                    })?;
                    pairs.push((column, text));
                }
            }
        }
    } else if ctx.params.get("filters").is_some() {
        return Err(CkanError::field("filters", "Not a JSON object"));
    }
    let mut words = Vec::new();
    if let Some(per_column) = object_param(ctx, "q")? {
        for (column, value) in per_column {
            let text = filter_text(&value)
                .ok_or_else(|| CkanError::field("q", format!("`{column}`: must be text")))?;
            pairs.push((format!("{column}__contains"), text));
        }
    } else if let Some(q) = ctx.params.text("q")? {
        words.push(q);
    }
    if let Some(full_text) = ctx.params.text("full_text")? {
        words.push(full_text);
    }
    let words = words.join(" ");
    if !words.trim().is_empty() {
        pairs.push(("q".to_owned(), words));
    }
    let fields = ctx
        .params
        .texts("fields")?
        .iter()
        .flat_map(|f| f.split(','))
        .map(str::trim)
        .filter(|f| !f.is_empty() && *f != "_id")
        .collect::<Vec<_>>()
        .join(",");
    if !fields.is_empty() {
        pairs.push(("fields".to_owned(), fields));
    }
    if let Some(sort) = ctx.params.text("sort")? {
        let keys: Vec<String> = sort
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .filter_map(|key| {
                let lower = key.to_ascii_lowercase();
                let (column, desc) = if lower.ends_with(" desc") {
                    (&key[..key.len() - 5], true)
                } else if lower.ends_with(" asc") {
                    (&key[..key.len() - 4], false)
                } else {
                    (key, false)
                };
                let column = column.trim().trim_matches('"');
                // `_id` is the file order, which is the order without keys.
                (column != "_id").then(|| format!("{}{column}", if desc { "-" } else { "" }))
            })
            .collect();
        if !keys.is_empty() {
            pairs.push(("sort".to_owned(), keys.join(",")));
        }
    }
    let (query, _) = TableQuery::parse(table, pairs, &[])
        .map_err(|e| CkanError::field(e.parameter, e.message))?;
    Ok(query)
}

/// The `fields` member: `_id`, then the columns asked for.
fn fields(table: &StoredTable, query: &TableQuery) -> Vec<Value> {
    std::iter::once(json!({"id": "_id", "type": "int"}))
        .chain(query.columns.iter().map(|i| {
            let column = &table.columns[*i];
            json!({"id": column.name, "type": ckan_type(column.column_type)})
        }))
        .collect()
}

/// `datastore_search`.
pub async fn datastore_search(ctx: &Ctx<'_>) -> Result<Value, CkanError> {
    let param = if ctx.params.get("resource_id").is_none() && ctx.params.get("id").is_some() {
        "id"
    } else {
        "resource_id"
    };
    let table = public_table(ctx, param).await?;
    let resource_id = table.distribution_id;
    let distinct = ctx.params.flag("distinct")?;
    let query = table_query(ctx, &table)?;
    let limit = ctx
        .params
        .natural("limit")?
        .unwrap_or(ROWS_DEFAULT)
        .min(ROWS_MAX);
    let offset = ctx.params.natural("offset")?.unwrap_or(0);
    if offset > i64::MAX as u64 / 2 {
        return Err(CkanError::field(
            "offset",
            "Must be at most 4611686018427387903",
        ));
    }
    let include_total = match ctx.params.get("include_total") {
        None => true,
        Some(_) => ctx.params.flag("include_total")?,
    };
    let format = ctx
        .params
        .text("records_format")?
        .unwrap_or_else(|| "objects".to_owned());
    let db = ctx.catalog.db();
    // `distinct`: each combination of the columns asked for once, as its first row (`_id`).
    let rows = if distinct {
        storage::fetch_distinct(db, &table, &query, offset, limit)
            .await?
            .map_err(|column| {
                CkanError::field(
                    "sort",
                    format!(
                        "with `distinct`, sort only by the fields asked for; `{column}` is not one"
                    ),
                )
            })?
    } else {
        storage::fetch_rows(db, &table, &query, None, offset, limit).await?
    };
    let records = match format.as_str() {
        "objects" => Value::Array(
            rows.iter()
                .map(|(number, cells)| {
                    let mut record = serde_json::Map::new();
                    record.insert("_id".to_owned(), json!(number));
                    for i in &query.columns {
                        record.insert(
                            table.columns[*i].name.clone(),
                            json_cell(cells[*i].as_ref()),
                        );
                    }
                    Value::Object(record)
                })
                .collect(),
        ),
        "lists" => Value::Array(
            rows.iter()
                .map(|(number, cells)| {
                    Value::Array(
                        std::iter::once(json!(number))
                            .chain(query.columns.iter().map(|i| json_cell(cells[*i].as_ref())))
                            .collect(),
                    )
                })
                .collect(),
        ),
        "csv" | "tsv" => {
            let delimiter = if format == "csv" { b',' } else { b'\t' };
            let options = CsvOptions {
                delimiter,
                ..CsvOptions::default()
            };
            let mut writer = csv::WriterBuilder::new()
                .delimiter(delimiter)
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::new());
            for (number, cells) in &rows {
                let mut record = vec![number.to_string()];
                record.extend(
                    query
                        .columns
                        .iter()
                        .map(|i| csv_cell(cells[*i].as_ref(), table.columns[*i].scale, options)),
                );
                writer
                    .write_record(&record)
                    .map_err(|e| CkanError::Internal(e.into()))?;
            }
            let bytes = writer
                .into_inner()
                .map_err(|e| CkanError::Internal(anyhow::anyhow!("{e}")))?;
            Value::String(String::from_utf8_lossy(&bytes).into_owned())
        }
        other => {
            return Err(CkanError::field(
                "records_format",
                format!("`{other}` is not one of objects, lists, csv, tsv"),
            ));
        }
    };
    let mut link = format!("/api/3/action/datastore_search?resource_id={resource_id}");
    if limit != ROWS_DEFAULT {
        link.push_str(&format!("&limit={limit}"));
    }
    let mut result = json!({
        "resource_id": resource_id,
        "fields": fields(&table, &query),
        "records": records,
        "records_format": format,
        "limit": limit,
        "offset": offset,
        "include_total": include_total,
        "distinct": distinct,
        "_links": {
            "start": link,
            "next": format!("{link}&offset={}", offset + limit),
        },
    });
    if include_total {
        let total = if distinct {
            storage::count_distinct(db, &table, &query).await?
        } else {
            storage::count_rows(db, &table, &query).await?
        };
        result["total"] = json!(total);
        result["total_was_estimated"] = json!(false);
    }
    if let Some(q) = ctx.params.get("q") {
        result["q"] = q.clone();
    }
    if let Some(filters) = object_param(ctx, "filters")? {
        result["filters"] = Value::Object(filters);
    }
    if let Some(sort) = ctx.params.text("sort")? {
        result["sort"] = json!(sort);
    }
    Ok(result)
}

/// `datastore_info`: the columns and row count of a hosted table.
pub async fn datastore_info(ctx: &Ctx<'_>) -> Result<Value, CkanError> {
    let param = if ctx.params.get("id").is_some() {
        "id"
    } else {
        "resource_id"
    };
    let table = public_table(ctx, param).await?;
    let schema: serde_json::Map<String, Value> = table
        .columns
        .iter()
        .map(|c| (c.name.clone(), json!(ckan_type(c.column_type))))
        .collect();
    Ok(json!({
        "meta": {
            "id": table.distribution_id,
            "count": table.row_count,
            "table_type": "BASE TABLE",
            "aliases": [],
        },
        "schema": schema,
        "fields": table.columns.iter().map(|c| json!({
            "id": c.name,
            "type": ckan_type(c.column_type),
            "schema": {"native_type": ckan_type(c.column_type), "notnull": false, "is_index": false},
        })).collect::<Vec<_>>(),
    }))
}
