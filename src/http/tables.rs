//! `PUT /api/v1/datasets/{dataset}/distributions/{id}/data`: replaces a hosted table's rows with a CSV
//! file streamed in the body (spooled to disk, never held in memory).

use std::path::PathBuf;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use uuid::Uuid;

use super::distributions::parse_id;
use super::extract::{Auth, content_type_essence, optional_if_match};
use crate::catalog::Catalog;
use crate::catalog::table::ColumnType;
use crate::error::{ApiError, ErrorBody};
use crate::tabular::ingest::{self, SpoolError};

/// Where uploads are spooled and how large they may be (app data).
#[derive(Clone, Debug)]
pub struct Uploads {
    /// Spool directory.
    pub dir: PathBuf,
    /// Largest upload in bytes.
    pub max_bytes: u64,
}

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
}

/// Replaces the rows of a hosted table with the CSV body (UTF-8 with or without BOM, or
/// Windows-1252; `,` `;` tab or `|`; a header row; types inferred over the whole file). Readers see the
/// old rows until the new ones are committed; a bad file leaves them in place. `If-Match` with the
/// dataset's ETag is checked when given.
#[utoipa::path(put, path = "/api/v1/datasets/{dataset}/distributions/{id}/data", tag = "distributions",
    request_body(content = String, content_type = "text/csv"),
    params(("dataset" = String, Path, description = "dataset id or slug"), ("id" = Uuid, Path, description = "distribution id (a hosted table)")),
    security(("bearer" = [])),
    responses((status = 200, body = TableLoaded), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "the file cannot be read: the message names the line and column")))]
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
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the table as `Content-Type: text/csv`",
        ));
    }
    let precondition = optional_if_match(&req)?;
    let spooled = ingest::spool_stream(body, uploads.dir.clone(), uploads.max_bytes)
        .await
        .map_err(|e| match e {
            SpoolError::TooLarge(_) => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                e.to_string(),
            ),
            SpoolError::Broken(_) => {
                ApiError::new(StatusCode::BAD_REQUEST, "malformed_body", e.to_string())
            }
            SpoolError::Catalog(e) => ApiError::from(e),
        })?;
    let report =
        ingest::replace_data(&catalog, &actor, &key, id, &precondition, &spooled, None).await?;
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
            })
            .collect(),
    }))
}
