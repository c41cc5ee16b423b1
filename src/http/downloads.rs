//! `/dataset/{dataset}/distribution/{id}/data.{csv,json,ndjson}`: a hosted table's rows, streamed;
//! `…/data.csv-metadata.json` and `…/datapackage.json`: their CSVW and Frictionless descriptions.

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};

use super::conditional::Validators;
use super::distributions::parse_id;
use crate::catalog::repo::{self, tables};
use crate::catalog::table::StoredTable;
use crate::catalog::{Catalog, CatalogError};
use crate::error::{ApiError, ErrorCode};
use crate::rdf::Projector;
use crate::tabular::describe::{self, TableContext};
use crate::tabular::export::{self, CsvOptions, DownloadFormat, Selection};
use crate::tabular::query::{ParameterError, TableQuery};
use crate::tabular::sqlite_export;

/// Streams a hosted table. Parameters: `fields` (comma-separated column names, in the order wanted),
/// filters `col=value` and `col__eq|gt|gte|lt|lte|contains|in=…`, `q` (words, each in some text
/// column), `sort=col,-col`, `limit`, `offset`; for CSV `sep` (`,` `;` `tab` `|`), `bom` and
/// `escape_formulas` (`true`/`false`).
pub async fn download_table(
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    catalog: web::Data<Catalog>,
    files: web::Data<TableFiles>,
) -> Result<HttpResponse, ApiError> {
    let (key, id, extension) = path.into_inner();
    let format = DownloadFormat::from_extension(&extension).ok_or_else(|| {
        ApiError::new(
            ErrorCode::UnknownFormat,
            format!("`.{extension}` is not a download format; use .csv, .json or .ndjson"),
        )
    })?;
    let id = parse_id(&key, &id)?;
    let public = tables::public_table(catalog.db(), &key, id).await?;
    let table = public.table;
    let (selection, csv) = parameters(req.query_string(), &table, format)?;
    let digest = Sha256::digest(req.query_string().as_bytes());
    let etag = format!(
        "\"{}-{}-{}\"",
        table.table_name,
        extension,
        hex::encode(&digest[..8])
    );
    let validators = Validators::new(&req, etag, Some(public.updated_at));
    if let Some(not_modified) = validators.not_modified() {
        return Ok(not_modified);
    }
    let mut response = validators.ok();
    let filename = format!("{}.{}", public.dataset_slug, format.extension());
    if format == DownloadFormat::Csv {
        // CSVW §5.2: point CSV clients at the table's metadata.
        response.insert_header((
            actix_web::http::header::LINK,
            "<data.csv-metadata.json>; rel=\"describedby\"; type=\"application/csvm+json\"",
        ));
    }
    response
        .content_type(format.content_type())
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(filename)],
        });
    let chunks: std::pin::Pin<Box<dyn Stream<Item = Result<Bytes, CatalogError>>>> =
        match &files.sqlite {
            Some(file) => {
                let permit = files.slots.clone().try_acquire_owned().map_err(|_| {
                    ApiError::new(
                        ErrorCode::TooManyDownloads,
                        "the server is streaming as many tables as it may; try again shortly",
                    )
                })?;
                let source = sqlite_export::Source {
                    file: file.clone(),
                    stall: files.stall,
                };
                let mut chunks = Box::pin(sqlite_export::stream(
                    source, table, selection, format, csv, permit,
                ));
                // The first chunk tells whether the query started; until then an error has a status.
                match chunks.next().await {
                    Some(Err(error)) => return Err(error.into()),
                    Some(Ok(first)) => {
                        Box::pin(futures_util::stream::once(async { Ok(first) }).chain(chunks))
                    }
                    None => Box::pin(futures_util::stream::empty()),
                }
            }
            None => Box::pin(export::stream(
                catalog.db().clone(),
                table,
                selection,
                format,
                csv,
            )),
        };
    let body = chunks.map(|chunk| {
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
    let count = |name: &str, value: &str| {
        value.parse::<u64>().map_err(|_| {
            ApiError::bad_parameter(name, format!("`{value}` is not a non-negative integer"))
        })
    };
    for (name, value) in pairs {
        match name.as_str() {
            "limit" => selection.limit = Some(count("limit", &value)?),
            "offset" => selection.offset = count("offset", &value)?,
            _ if format == DownloadFormat::Csv => {
                csv_option(&mut csv, &name, &value)?;
            }
            _ => {}
        }
    }
    Ok((selection, csv))
}

/// The CSV parameters of table downloads and SPARQL results, `sep` (`,` `;` `tab` `|`), `bom` and
/// `escape_formulas` (`true`/`false`): sets the option `name` names and says whether it was one.
pub fn csv_option(csv: &mut CsvOptions, name: &str, value: &str) -> Result<bool, ApiError> {
    let flag = |value: &str| match value {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(ApiError::bad_parameter(
            name,
            format!("`{value}` is not true or false"),
        )),
    };
    match name {
        "sep" => {
            csv.delimiter = match value {
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
        "bom" => csv.bom = flag(value)?,
        "escape_formulas" => csv.escape_formulas = flag(value)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// A refused table parameter as a 400 naming it.
pub fn refused(error: ParameterError) -> ApiError {
    ApiError::bad_parameter(&error.parameter, error.message)
}

/// Where downloads read from (app data): the SQLite file of the record, read through connections of
/// their own, or `None` to read through the pool (PostgreSQL).
#[derive(Clone, Debug)]
pub struct TableFiles {
    /// The SQLite database file.
    pub sqlite: Option<std::path::PathBuf>,
    /// Downloads that may stream at once (each holds a reader thread).
    pub slots: std::sync::Arc<tokio::sync::Semaphore>,
    /// How long a download waits for a client that does not read.
    pub stall: std::time::Duration,
}

/// Which description of a hosted table.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Description {
    Csvw,
    DataPackage,
}

/// `…/data.csv-metadata.json`: W3C CSV on the Web metadata of the CSV download.
pub async fn csvw_metadata(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    catalog: web::Data<Catalog>,
    projector: web::Data<Projector>,
) -> Result<HttpResponse, ApiError> {
    describe(req, path, catalog, projector, Description::Csvw).await
}

/// `…/datapackage.json`: a Frictionless Tabular Data Package of the CSV download.
pub async fn datapackage(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    catalog: web::Data<Catalog>,
    projector: web::Data<Projector>,
) -> Result<HttpResponse, ApiError> {
    describe(req, path, catalog, projector, Description::DataPackage).await
}

async fn describe(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    catalog: web::Data<Catalog>,
    projector: web::Data<Projector>,
    which: Description,
) -> Result<HttpResponse, ApiError> {
    let (key, id) = path.into_inner();
    let id = parse_id(&key, &id)?;
    let public = tables::public_table(catalog.db(), &key, id).await?;
    let mapping = projector.mapping();
    let csv_url = repo::hosted_download_url(mapping.base(), &public.dataset_slug, id);
    let dataset_url = mapping.dataset_iri(public.dataset_id).into_string();
    let etag = format!(
        "\"{}-{}-{}\"",
        public.table.table_name,
        public.dataset_revision,
        if which == Description::Csvw {
            "csvw"
        } else {
            "datapackage"
        }
    );
    let validators = Validators::new(&req, etag, Some(public.updated_at));
    if let Some(not_modified) = validators.not_modified() {
        return Ok(not_modified);
    }
    let context = TableContext {
        table: &public,
        csv_url: &csv_url,
        dataset_url: &dataset_url,
    };
    let (document, media_type) = match which {
        Description::Csvw => (describe::csvw(&context), "application/csvm+json"),
        Description::DataPackage => (describe::datapackage(&context), "application/json"),
    };
    Ok(validators
        .ok()
        .content_type(media_type)
        .body(serde_json::to_vec_pretty(&document).unwrap_or_default()))
}
