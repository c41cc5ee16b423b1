//! `PUT /api/v1/datasets/{dataset}/distributions/{id}/data` replaces a hosted table's rows with a CSV
//! file streamed in the body (spooled to disk, never held in memory); `GET …/rows` pages through them.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use uuid::Uuid;

use super::datasets::visibility_of;
use super::distributions::parse_id;
use super::downloads::refused;
use super::extract::{Auth, JsonBody, MaybeAuth, content_type_essence, optional_if_match};
use super::query::positive;
use crate::catalog::Catalog;
use crate::catalog::CatalogError;
use crate::catalog::repo::tables;
use crate::catalog::table::ColumnType;
use crate::catalog::values::DistributionKind;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::tabular::export;
use crate::tabular::ingest::{self, SpoolError};
use crate::tabular::query::TableQuery;
use crate::tabular::schema::TableSchema;
use crate::tabular::storage;

pub use crate::tabular::ingest::Uploads;

/// The answer to a table upload.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TableLoaded {
    /// The distribution.
    pub distribution: Uuid,
    /// Data rows loaded.
    pub rows: u64,
    /// Size of the file in bytes.
    pub byte_size: u64,
    /// SHA-256 of the file.
    pub sha256: String,
    /// The encoding found.
    pub encoding: String,
    /// The delimiter found.
    pub delimiter: String,
    /// The columns, named as in the header, with their inferred types.
    pub columns: Vec<LoadedColumn>,
}

/// One column of a loaded table.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoadedColumn {
    /// The header as written.
    pub name: String,
    /// The type.
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub column_type: ColumnType,
    /// A decimal column's fraction digits, when every value was written with the same number of
    /// them: downloads write each value with that many.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale: Option<u16>,
    /// Why the column is text though its values looked numeric.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
}

/// Replaces the rows of a hosted table with the CSV body (UTF-8 with or without BOM, or
/// Windows-1252; `,` `;` tab or `|`; a header row; types inferred over the whole file). Readers see the
/// old rows until the new ones are committed; a bad file leaves them in place. `If-Match` with the
/// dataset's ETag is checked when given.
#[utoipa::path(put, path = "/api/v1/datasets/{dataset}/distributions/{id}/data", tag = "distributions",
    request_body(content = String, content_type = "text/csv"),
    params(("dataset" = String, Path, description = "dataset id or slug"), ("id" = Uuid, Path, description = "distribution id (a hosted table)"),
        ("If-Match" = Option<String>, Header, description = "ETag of the dataset's current revision (optional: without it the change applies to any revision)")),
    security(("bearer" = [])),
    responses((status = 200, body = TableLoaded), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody, description = "over the upload limit, refused by `Content-Length` before the body is read"), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "the file cannot be read: the message names the line and column"),
        (status = 503, body = ErrorBody, description = "the database's write lock was not granted in time (`database_busy`); the old rows stay")))]
pub async fn put_table_data(
    req: HttpRequest,
    Auth(actor): Auth,
    path: web::Path<(String, String)>,
    body: web::Payload,
    catalog: web::Data<Catalog>,
    uploads: web::Data<Uploads>,
) -> Result<HttpResponse, ApiError> {
    let (key, id) = path.into_inner();
    let id = parse_id(&key, &id)?;
    let essence = content_type_essence(&req);
    if !matches!(essence.as_deref(), Some("text/csv" | "application/csv")) {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the table as `Content-Type: text/csv`",
        ));
    }
    let precondition = optional_if_match(&req)?;
    // A declared size over the limit is refused before a byte is read or spooled.
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(length) = declared.filter(|l| *l > uploads.max_bytes) {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "the file has {length} bytes (Content-Length); the limit is {} bytes",
                uploads.max_bytes
            ),
        ));
    }
    let spooled = ingest::spool_stream(body, uploads.dir.clone(), uploads.max_bytes)
        .await
        .map_err(|e| match e {
            SpoolError::TooLarge(_) => ApiError::new(ErrorCode::PayloadTooLarge, e.to_string()),
            SpoolError::Broken(_) => ApiError::new(ErrorCode::MalformedBody, e.to_string()),
            SpoolError::Catalog(e) => ApiError::from(e),
        })?;
    let report = ingest::replace_data(
        &catalog,
        &actor,
        &key,
        id,
        &precondition,
        &spooled,
        ingest::SchemaChoice::Stored,
        None,
    )
    .await
    .map_err(busy)?;
    let analysis = report.analysis;
    Ok(HttpResponse::Ok().json(TableLoaded {
        distribution: id,
        rows: analysis.rows,
        byte_size: spooled.facts.bytes,
        sha256: spooled.facts.sha256.clone(),
        encoding: analysis.encoding.to_string(),
        delimiter: match analysis.delimiter {
            b'\t' => "\\t".to_owned(),
            d => char::from(d).to_string(),
        },
        columns: analysis
            .columns
            .into_iter()
            .map(|(name, inferred)| LoadedColumn {
                name,
                column_type: inferred.column_type,
                scale: inferred.scale,
                note: inferred.note,
            })
            .collect(),
    }))
}

/// A load that did not get the database's lock in time as 503 (the old rows stay; the client may
/// send the file again), any other error as it maps.
fn busy(error: CatalogError) -> ApiError {
    if crate::catalog::table::is_busy(&error) {
        tracing::warn!(error = %error, "a table upload timed out waiting for the database");
        return ApiError::new(
            ErrorCode::DatabaseBusy,
            "the database is busy with other writes; the old rows stay, send the file again shortly",
        );
    }
    ApiError::from(error)
}

/// One page of a hosted table's rows, for previews (the role of CKAN's `datastore_search`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RowsPage {
    /// Rows in the table that match the filters and `q`.
    pub total: u64,
    /// The page (1-based).
    pub page: u64,
    /// Rows per page.
    pub per_page: u64,
    /// The columns, named as in the header, with their types.
    pub columns: Vec<LoadedColumn>,
    /// The rows of this page: objects keyed by column name in column order, typed.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<export::JsonRow>,
}

/// One page of the rows of a published dataset's hosted table, with the total and the column types.
/// Besides the parameters listed, any column name filters: `col=value` (empty: empty cells) and
/// `col__eq|gt|gte|lt|lte|contains|in=…`; `total` counts the matching rows.
#[utoipa::path(get, path = "/api/v1/datasets/{dataset}/distributions/{id}/rows", tag = "distributions",
    params(("dataset" = String, Path, description = "dataset id or slug"), ("id" = Uuid, Path, description = "distribution id (a hosted table)"),
        ("page" = Option<u64>, Query, minimum = 1, maximum = 4_611_686_018_427_387_u64, description = "page, 1-based (default 1), at most 4611686018427387"), ("per_page" = Option<u64>, Query, minimum = 1, maximum = 1000, description = "rows per page, 1–1000 (default 50)"),
        ("fields" = Option<String>, Query, description = "columns wanted, comma-separated, as named in the header"),
        ("q" = Option<String>, Query, description = "words that must each occur in some text column"),
        ("sort" = Option<String>, Query, description = "`col,-col`: columns to sort by, `-` for descending; empty cells last")),
    responses((status = 200, body = RowsPage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_table_rows(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, ApiError> {
    let (key, id) = path.into_inner();
    let id = parse_id(&key, &id)?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|e| ApiError::bad_parameter("query", e.to_string()))?;
    let table = tables::public_table(catalog.db(), &key, id).await?.table;
    let (query, pairs) =
        TableQuery::parse(&table, pairs, &["page", "per_page"]).map_err(refused)?;
    let (mut page, mut per_page) = (1, 50);
    for (name, value) in pairs {
        match name.as_str() {
            "page" => page = positive("page", &value)?,
            _ => per_page = positive("per_page", &value)?,
        }
    }
    if per_page > 1000 {
        return Err(ApiError::bad_parameter(
            "per_page",
            format!("`{per_page}` is more than 1000"),
        ));
    }
    if page > ROWS_PAGE_MAX {
        return Err(ApiError::bad_parameter(
            "page",
            format!("`{page}` is more than {ROWS_PAGE_MAX}"),
        ));
    }
    let total = storage::count_rows(catalog.db(), &table, &query).await?;
    let offset = (page - 1).saturating_mul(per_page);
    let rows = storage::fetch_rows(catalog.db(), &table, &query, None, offset, per_page).await?;
    Ok(HttpResponse::Ok().json(RowsPage {
        total,
        page,
        per_page,
        columns: query
            .columns
            .iter()
            .map(|i| LoadedColumn {
                name: table.columns[*i].name.clone(),
                column_type: table.columns[*i].column_type,
                scale: table.columns[*i].scale,
                note: None,
            })
            .collect(),
        rows: rows
            .iter()
            .map(|(_, cells)| export::json_fields(&table, &query.columns, cells))
            .collect(),
    }))
}

/// The last page of rows a client may ask for, whatever `per_page` is: offsets then stay below 2⁶²,
/// which every database accepts, and the OpenAPI document can state the bound.
pub const ROWS_PAGE_MAX: u64 = (i64::MAX as u64 / 2) / 1000;

/// Declares the Frictionless Table Schema of a hosted table: later uploads are read with its column
/// names and types instead of inferring them, and a cell that does not fit is refused with its line
/// and column. The rows already loaded stay as they are.
#[utoipa::path(put, path = "/api/v1/datasets/{dataset}/distributions/{id}/schema", tag = "distributions",
    request_body(content = Object, content_type = "application/json",
        description = "a Table Schema: `{\"fields\": [{\"name\": \"Stadtbezirk\", \"type\": \"string\"}, …]}` with types string, integer, number, boolean, date, datetime"),
    params(("dataset" = String, Path, description = "dataset id or slug"), ("id" = Uuid, Path, description = "distribution id (a hosted table)"),
        ("If-Match" = Option<String>, Header, description = "ETag of the dataset's current revision (optional: without it the change applies to any revision)")),
    security(("bearer" = [])),
    responses((status = 200, body = Object, description = "the schema as stored"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_table_schema(
    req: HttpRequest,
    Auth(actor): Auth,
    path: web::Path<(String, String)>,
    body: JsonBody<serde_json::Value>,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, ApiError> {
    let (key, id) = path.into_inner();
    let id = parse_id(&key, &id)?;
    let precondition = optional_if_match(&req)?;
    let schema = TableSchema::from_json(&body.0)?;
    ingest::set_schema(&catalog, &actor, &key, id, &precondition, Some(&schema)).await?;
    Ok(HttpResponse::Ok().json(schema.to_json()))
}

/// Removes the declared Table Schema: later uploads infer their types again.
#[utoipa::path(delete, path = "/api/v1/datasets/{dataset}/distributions/{id}/schema", tag = "distributions",
    params(("dataset" = String, Path, description = "dataset id or slug"), ("id" = Uuid, Path, description = "distribution id (a hosted table)"),
        ("If-Match" = Option<String>, Header, description = "ETag of the dataset's current revision (optional: without it the change applies to any revision)")),
    security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 412, body = ErrorBody)))]
pub async fn delete_table_schema(
    req: HttpRequest,
    Auth(actor): Auth,
    path: web::Path<(String, String)>,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, ApiError> {
    let (key, id) = path.into_inner();
    let id = parse_id(&key, &id)?;
    let precondition = optional_if_match(&req)?;
    ingest::set_schema(&catalog, &actor, &key, id, &precondition, None).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The Table Schema declared for a hosted table, as stored.
#[utoipa::path(get, path = "/api/v1/datasets/{dataset}/distributions/{id}/schema", tag = "distributions",
    params(("dataset" = String, Path, description = "dataset id or slug"), ("id" = Uuid, Path, description = "distribution id (a hosted table)")),
    security((), ("bearer" = [])),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody, description = "no such distribution, or no schema declared (`no_table_schema`)")))]
pub async fn get_table_schema(
    path: web::Path<(String, String)>,
    auth: MaybeAuth,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, ApiError> {
    let (key, id) = path.into_inner();
    let id = parse_id(&key, &id)?;
    let doc = catalog.get_dataset(&key, visibility_of(&auth)).await?;
    if !doc
        .distributions
        .iter()
        .any(|d| d.id == Some(id) && d.kind == DistributionKind::HostedTable)
    {
        return Err(ApiError::from(CatalogError::DistributionNotFound {
            dataset: key,
            id: id.to_string(),
        }));
    }
    let schema = ingest::stored_schema(catalog.db(), id).await?;
    match schema {
        Some(schema) => Ok(HttpResponse::Ok().json(schema.to_json())),
        None => Err(ApiError::new(
            ErrorCode::NoTableSchema,
            "no Table Schema is declared for this table: its column types are inferred from each upload",
        )),
    }
}
