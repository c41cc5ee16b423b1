//! `/dataset/{dataset}/distribution/{id}/data.{csv,json,ndjson}`: a hosted table's rows, streamed.

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use super::conditional::Validators;
use super::distributions::parse_id;
use crate::catalog::Catalog;
use crate::catalog::table::StoredTable;
use crate::error::ApiError;
use crate::tabular::export::{self, CsvOptions, DownloadFormat, Selection};
use crate::tabular::query::{ParameterError, TableQuery};

/// Streams a hosted table. Parameters: `fields` (comma-separated column names, in the order wanted),
/// filters `col=value` and `col__eq|gt|gte|lt|lte|contains|in=…`, `q` (words, each in some text
/// column), `sort=col,-col`, `limit`, `offset`; for CSV `sep` (`,` `;` `tab` `|`), `bom` and
/// `escape_formulas` (`true`/`false`).
pub async fn download_table(
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, ApiError> {
    let (key, id, extension) = path.into_inner();
    let format = DownloadFormat::from_extension(&extension).ok_or_else(|| {
        ApiError::new(
            actix_web::http::StatusCode::NOT_FOUND,
            "unknown_format",
            format!("`.{extension}` is not a download format; use .csv, .json or .ndjson"),
        )
    })?;
    let id = parse_id(&key, &id)?;
    let (dataset, model) = export::public_table(catalog.db(), &key, id).await?;
    let table = StoredTable::from_model(&model)?;
    let (selection, csv) = parameters(req.query_string(), &table, format)?;
    let digest = Sha256::digest(req.query_string().as_bytes());
    let etag = format!(
        "\"{}-{}-{}\"",
        model.table_name,
        extension,
        hex::encode(&digest[..8])
    );
    let validators = Validators::new(&req, etag, Some(model.updated_at));
    if let Some(not_modified) = validators.not_modified() {
        return Ok(not_modified);
    }
    let mut response = validators.ok();
    let filename = format!("{}.{}", dataset.slug, format.extension());
    response
        .content_type(format.content_type())
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(filename)],
        });
    let body = export::stream(catalog.db().clone(), table, selection, format, csv).map(|chunk| {
        chunk.map_err(|error| {
            tracing::warn!(error = %error, "a download was cut off");
            actix_web::Error::from(ApiError::from(error))
        })
    });
    Ok(response.streaming(body))
}

fn parameters(
    query: &str,
    table: &StoredTable,
    format: DownloadFormat,
) -> Result<(Selection, CsvOptions), ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|e| ApiError::bad_parameter("query", e.to_string()))?;
    let own: &[&str] = if format == DownloadFormat::Csv {
        &["limit", "offset", "sep", "bom", "escape_formulas"]
    } else {
        &["limit", "offset"]
    };
    let (query, pairs) = TableQuery::parse(table, pairs, own).map_err(refused)?;
    let mut selection = Selection {
        query,
        offset: 0,
        limit: None,
    };
    let mut csv = CsvOptions::default();
    let flag = |name: &str, value: &str| match value {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(ApiError::bad_parameter(
            name,
            format!("`{value}` is not true or false"),
        )),
    };
    let count = |name: &str, value: &str| {
        value.parse::<u64>().map_err(|_| {
            ApiError::bad_parameter(name, format!("`{value}` is not a non-negative integer"))
        })
    };
    for (name, value) in pairs {
        match name.as_str() {
            "limit" => selection.limit = Some(count("limit", &value)?),
            "offset" => selection.offset = count("offset", &value)?,
            "sep" if format == DownloadFormat::Csv => {
                csv.delimiter = match value.as_str() {
                    "," => b',',
                    ";" => b';',
                    "tab" | "\t" => b'\t',
                    "|" => b'|',
                    _ => {
                        return Err(ApiError::bad_parameter(
                            "sep",
                            format!("`{value}` is not one of `,` `;` `tab` `|`"),
                        ));
                    }
                }
            }
            "bom" if format == DownloadFormat::Csv => csv.bom = flag("bom", &value)?,
            "escape_formulas" if format == DownloadFormat::Csv => {
                csv.escape_formulas = flag("escape_formulas", &value)?;
            }
            _ => {}
        }
    }
    Ok((selection, csv))
}

/// A refused table parameter as a 400 naming it.
pub fn refused(error: ParameterError) -> ApiError {
    ApiError::bad_parameter(&error.parameter, error.message)
}
