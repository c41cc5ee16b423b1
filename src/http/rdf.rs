//! The DCAT-AP endpoints: `/catalog` and `/dataset/{id}` with content negotiation, and their
//! `.ttl`/`.rdf`/`.xml`/`.jsonld`/`.nt` forms. Content negotiation for RDF lives here only.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};

use super::conditional::bytes_with_validators;
use super::negotiate;
use super::query::positive;
use crate::error::{ApiError, ErrorCode};
use crate::feed::Feed;
use crate::rdf::listing::{ListingTotals, PublicationEpoch};
use crate::rdf::publish::{self, DatasetDocument, PageRequest};
use crate::rdf::{Format, PageCache, Projector};

pub use crate::rdf::listing::CatalogPageSize;

fn supported_types() -> String {
    Format::ALL
        .iter()
        .map(|f| f.media_type())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The media types of each format, for [`negotiate::best`].
const FORMAT_TYPES: [(Format, &[&str]); 4] = [
    (Format::ALL[0], Format::ALL[0].accepted_media_types()),
    (Format::ALL[1], Format::ALL[1].accepted_media_types()),
    (Format::ALL[2], Format::ALL[2].accepted_media_types()),
    (Format::ALL[3], Format::ALL[3].accepted_media_types()),
];

/// Picks the RDF format for `Accept`. A range (`application/*`, `text/*`) selects a format by the
/// media type it is served as; the other names of a format (`application/x-turtle`, `text/xml`)
/// select it only when named exactly.
pub fn negotiate(req: &HttpRequest) -> Option<Format> {
    negotiate::best_served(req, &FORMAT_TYPES)
}

fn not_acceptable() -> ApiError {
    ApiError::new(
        ErrorCode::NotAcceptable,
        format!(
            "no acceptable representation; this resource is available as {}",
            supported_types()
        ),
    )
}

fn unknown_extension(extension: &str) -> ApiError {
    ApiError::new(
        ErrorCode::UnknownFormat,
        format!("`.{extension}` is not a served format; use .ttl, .rdf, .xml, .jsonld or .nt"),
    )
}

/// The one place a rendering error of the DCAT-AP endpoints picks its status: the request was
/// validated before rendering, so each is the server's fault (500, logged with its cause).
impl From<publish::PublishError> for ApiError {
    fn from(error: publish::PublishError) -> Self {
        match error {
            publish::PublishError::Database(_) | publish::PublishError::Render(_) => {
                ApiError::Unexpected(anyhow::Error::new(error))
            }
        }
    }
}

/// Parses `modified_since`: an ISO 8601 date (midnight UTC), or a date-time with or without a zone
/// (without one it is UTC).
fn parse_modified_since(value: &str) -> Result<DateTime<Utc>, ApiError> {
    let value = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    for pattern in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(value, pattern) {
            return Ok(t.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        && let Some(t) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(t.and_utc());
    }
    Err(ApiError::bad_parameter(
        "modified_since",
        format!(
            "`{value}` is not an ISO 8601 date or date-time (e.g. 2026-01-31 or 2026-01-31T12:00:00Z)"
        ),
    ))
}

fn page_request(
    req: &HttpRequest,
    per_page: u64,
    format: Format,
    by_extension: bool,
) -> Result<PageRequest, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|e| ApiError::bad_parameter("query", e.to_string()))?;
    let mut page = None;
    let mut modified_since = None;
    for (key, value) in pairs {
        let slot_taken = match key.as_str() {
            "page" => page.replace(positive("page", &value)?).is_some(),
            "modified_since" => modified_since
                .replace(parse_modified_since(&value)?)
                .is_some(),
            other => {
                return Err(ApiError::bad_parameter(
                    other,
                    "unknown parameter; /catalog takes `page` and `modified_since`",
                ));
            }
        };
        if slot_taken {
            return Err(ApiError::bad_parameter(&key, "is given more than once"));
        }
    }
    let page = page.unwrap_or(1);
    if page > PageRequest::max_page(per_page) {
        return Err(ApiError::bad_parameter(
            "page",
            format!(
                "`{page}` is too large; pages go up to {}",
                PageRequest::max_page(per_page)
            ),
        ));
    }
    Ok(PageRequest {
        page,
        per_page,
        modified_since,
        format,
        by_extension,
    })
}

async fn catalogue(
    req: &HttpRequest,
    projector: &Projector,
    per_page: u64,
    format: Format,
    by_extension: bool,
) -> Result<HttpResponse, ApiError> {
    let page = page_request(req, per_page, format, by_extension)?;
    let cache = req
        .app_data::<web::Data<PageCache>>()
        .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("the page cache is not set up")))?;
    // The cache must have seen every write committed before this request (a changed publisher
    // or hosted table changes graphs without changing the datasets' revisions).
    // Its position is the record's the page states (what is read after it is at least as new).
    let seq = match req.app_data::<web::Data<Feed>>() {
        Some(feed) => feed.sync().await.map_err(ApiError::Unexpected)?,
        None => ListingTotals::record_position(projector.db())
            .await
            .map_err(ApiError::Unexpected)?,
    };
    let rendered = publish::catalogue_page(
        projector.db(),
        projector.mapping(),
        projector.totals(),
        cache,
        &page,
        seq,
    )
    .await?;
    let mut response = bytes_with_validators(
        req,
        rendered.body,
        format.media_type(),
        rendered.etag,
        since_epoch(req, rendered.last_modified),
    );
    if let Ok(value) = header::HeaderValue::from_str(&rendered.timing) {
        response
            .headers_mut()
            .insert(header::HeaderName::from_static("server-timing"), value);
    }
    Ok(response)
}

/// `last_modified`, but never before the settings that shape the documents took effect.
fn since_epoch(
    req: &HttpRequest,
    last_modified: Option<DateTime<FixedOffset>>,
) -> Option<DateTime<FixedOffset>> {
    let epoch = req.app_data::<web::Data<PublicationEpoch>>().map(|e| e.0);
    last_modified.into_iter().chain(epoch).max()
}

/// `GET /catalog`: one page of the DCAT-AP catalogue, in the negotiated format.
pub async fn catalog_negotiated(
    req: HttpRequest,
    projector: web::Data<Projector>,
    size: web::Data<CatalogPageSize>,
) -> Result<HttpResponse, ApiError> {
    let format = negotiate(&req).ok_or_else(not_acceptable)?;
    catalogue(&req, &projector, size.0, format, false).await
}

/// `GET /catalog.{ext}`: one page of the DCAT-AP catalogue in the format of the extension.
pub async fn catalog_with_extension(
    req: HttpRequest,
    path: web::Path<String>,
    projector: web::Data<Projector>,
    size: web::Data<CatalogPageSize>,
) -> Result<HttpResponse, ApiError> {
    let extension = path.into_inner();
    let format = Format::from_extension(&extension).ok_or_else(|| unknown_extension(&extension))?;
    catalogue(&req, &projector, size.0, format, true).await
}

async fn dataset(
    req: &HttpRequest,
    projector: &Projector,
    id: &str,
    format: Format,
) -> Result<HttpResponse, ApiError> {
    if !req.query_string().is_empty() {
        return Err(ApiError::bad_parameter(
            "query",
            "a dataset document takes no parameters",
        ));
    }
    match publish::dataset_document(projector.db(), projector.mapping(), id, format).await? {
        DatasetDocument::Published(rendered) => Ok(bytes_with_validators(
            req,
            rendered.body,
            format.media_type(),
            rendered.etag,
            since_epoch(req, rendered.last_modified),
        )),
        DatasetDocument::Withdrawn(slug) => Err(ApiError::new(
            ErrorCode::DatasetWithdrawn,
            format!("dataset `{slug}` was withdrawn and is no longer published"),
        )),
        DatasetDocument::NotFound => Err(ApiError::new(
            ErrorCode::DatasetNotFound,
            format!("no published dataset `{id}`"),
        )),
    }
}

/// `GET /dataset/{id-or-slug}` with an RDF `Accept`: the dataset's DCAT-AP document.
pub async fn dataset_negotiated(
    req: HttpRequest,
    path: web::Path<String>,
    projector: web::Data<Projector>,
) -> Result<HttpResponse, ApiError> {
    let format = negotiate(&req).ok_or_else(not_acceptable)?;
    dataset(&req, &projector, &path.into_inner(), format).await
}

/// `GET /dataset/{id-or-slug}.{ext}`.
pub async fn dataset_with_extension(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    projector: web::Data<Projector>,
) -> Result<HttpResponse, ApiError> {
    let (id, extension) = path.into_inner();
    let format = Format::from_extension(&extension).ok_or_else(|| unknown_extension(&extension))?;
    dataset(&req, &projector, &id, format).await
}

/// Adds `Vary: Accept` to every answer of the negotiated resources, errors included.
pub fn vary_accept() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new().add((header::VARY, "Accept"))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn pick(accept: Option<&str>) -> Option<Format> {
        let mut req = TestRequest::default();
        if let Some(accept) = accept {
            req = req.insert_header((header::ACCEPT, accept));
        }
        negotiate(&req.to_http_request())
    }

    #[test]
    fn negotiation_honours_q_values_and_specificity() {
        assert_eq!(pick(None), Some(Format::Turtle));
        assert_eq!(pick(Some("*/*")), Some(Format::Turtle));
        assert_eq!(pick(Some("application/rdf+xml")), Some(Format::RdfXml));
        assert_eq!(
            pick(Some("text/turtle;q=0.5, application/ld+json")),
            Some(Format::JsonLd)
        );
        assert_eq!(
            pick(Some("application/n-triples;q=0.9, */*;q=0.1")),
            Some(Format::NTriples)
        );
        assert_eq!(pick(Some("text/*")), Some(Format::Turtle));
        assert_eq!(pick(Some("text/turtle;q=0, */*")), Some(Format::RdfXml));
        assert_eq!(pick(Some("text/html")), None);
        assert_eq!(pick(Some("application/json")), None);
        assert_eq!(pick(Some("text/turtle;q=0")), None);
    }

    #[test]
    fn a_media_range_picks_a_format_served_in_it() {
        // RFC 9110 §12.5.1: `application/*` asks for a representation of an `application/` type;
        // Turtle is served as `text/turtle`, so RDF/XML (first of the server's order) answers.
        assert_eq!(pick(Some("application/*")), Some(Format::RdfXml));
        assert_eq!(
            pick(Some("application/*, application/rdf+xml;q=0.5")),
            Some(Format::JsonLd)
        );
        assert_eq!(pick(Some("text/*")), Some(Format::Turtle));
        assert_eq!(pick(Some("application/x-turtle")), Some(Format::Turtle));
        assert_eq!(pick(Some("text/xml")), Some(Format::RdfXml));
    }

    #[test]
    fn modified_since_takes_dates_and_date_times() -> Result<(), ApiError> {
        let utc = |s: &str| -> DateTime<Utc> {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default()
        };
        assert_eq!(
            parse_modified_since("2026-03-01")?,
            utc("2026-03-01T00:00:00Z")
        );
        assert_eq!(
            parse_modified_since("2026-03-01T10:30:00")?,
            utc("2026-03-01T10:30:00Z")
        );
        assert_eq!(
            parse_modified_since("2026-03-01T10:30:00+02:00")?,
            utc("2026-03-01T08:30:00Z")
        );
        assert!(parse_modified_since("yesterday").is_err());
        assert!(parse_modified_since("2026-13-01").is_err());
        Ok(())
    }
}
