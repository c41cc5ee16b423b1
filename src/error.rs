//! The API's one error envelope and the only place a domain error picks its HTTP status.
//!
//! ```json
//! { "error": { "code": "dataset_not_found", "message": "dataset `x` does not exist" } }
//! ```

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::catalog::CatalogError;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `invalid_field`.
    pub code: &'static str,
    /// Human-readable message naming the field or value.
    pub message: String,
    /// JSON path or parameter name of the offending input, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every missing field (JSON paths), when publishing is refused for incomplete metadata.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

/// Declares [`ErrorCode`]: one variant per stable code, each with its HTTP status and whether the
/// answer carries `Retry-After` (the pattern of meilisearch's `make_error_codes!`).
macro_rules! make_error_codes {
    ($($(#[$doc:meta])* $variant:ident => $status:ident, $code:literal $(, $retry:ident)?;)*) => {
        /// Every stable error code the service answers with, and what it means for HTTP: the one
        /// table of error codes and statuses.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in the order of the table.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The stable machine-readable code of the JSON body.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            /// The HTTP status answered with this code.
            pub const fn status(self) -> StatusCode {
                match self {
                    $(ErrorCode::$variant => StatusCode::$status,)*
                }
            }

            /// Whether the answer carries `Retry-After` (a 503 the client may simply repeat).
            pub const fn retry_after(self) -> bool {
                match self {
                    $(ErrorCode::$variant => make_error_codes!(@retry $($retry)?),)*
                }
            }
        }
    };
    (@retry retry) => { true };
    (@retry) => { false };
}

make_error_codes! {
    /// A query parameter is malformed or out of range.
    InvalidParameter => BAD_REQUEST, "invalid_parameter";
    /// A request header is malformed (e.g. `If-Match`).
    InvalidHeader => BAD_REQUEST, "invalid_header";
    /// The body could not be read as sent (not UTF-8, broken off).
    MalformedBody => BAD_REQUEST, "malformed_body";
    /// The body is not JSON.
    MalformedJson => BAD_REQUEST, "malformed_json";
    /// The SPARQL query does not parse.
    InvalidQuery => BAD_REQUEST, "invalid_query";
    /// The SPARQL query is nested or long beyond what the endpoint evaluates.
    QueryTooComplex => BAD_REQUEST, "query_too_complex";
    /// The SPARQL query asks for something the evaluator refuses (e.g. an unknown function).
    QueryFailed => BAD_REQUEST, "query_failed";
    /// The client closed the connection before the answer.
    ClientWentAway => BAD_REQUEST, "client_went_away";
    /// The `Authorization` header is not a bearer token of our form.
    MalformedToken => UNAUTHORIZED, "malformed_token";
    /// The bearer token is not known.
    InvalidToken => UNAUTHORIZED, "invalid_token";
    /// The bearer token was revoked.
    RevokedToken => UNAUTHORIZED, "revoked_token";
    /// The request needs a bearer token.
    MissingToken => UNAUTHORIZED, "missing_token";
    /// The token may not do this.
    Forbidden => FORBIDDEN, "forbidden";
    /// A SPARQL update was sent to the read-only endpoint.
    UpdateRefused => FORBIDDEN, "update_refused";
    /// A SPARQL query uses `SERVICE`.
    ServiceRefused => FORBIDDEN, "service_refused";
    /// Nothing at this URL.
    NotFound => NOT_FOUND, "not_found";
    /// A file extension names no format served here.
    UnknownFormat => NOT_FOUND, "unknown_format";
    /// No such dataset (or the caller may not see it).
    DatasetNotFound => NOT_FOUND, "dataset_not_found";
    /// No such distribution in the dataset.
    DistributionNotFound => NOT_FOUND, "distribution_not_found";
    /// No such publisher.
    PublisherNotFound => NOT_FOUND, "publisher_not_found";
    /// No such token.
    TokenNotFound => NOT_FOUND, "token_not_found";
    /// No such harvest source.
    HarvestSourceNotFound => NOT_FOUND, "harvest_source_not_found";
    /// No such harvest job.
    HarvestJobNotFound => NOT_FOUND, "harvest_job_not_found";
    /// The hosted table has no declared Table Schema.
    NoTableSchema => NOT_FOUND, "no_table_schema";
    /// The URL does not support the method (`Allow` lists those it does).
    MethodNotAllowed => METHOD_NOT_ALLOWED, "method_not_allowed";
    /// No representation matches `Accept`.
    NotAcceptable => NOT_ACCEPTABLE, "not_acceptable";
    /// The request body did not arrive in time.
    RequestTimeout => REQUEST_TIMEOUT, "request_timeout";
    /// The slug is used by another dataset or publisher.
    SlugTaken => CONFLICT, "slug_taken";
    /// The dataset is harvested: change it at its source.
    Harvested => CONFLICT, "harvested";
    /// A job of the harvest source is running.
    HarvestRunning => CONFLICT, "harvest_running";
    /// The dataset was withdrawn.
    DatasetWithdrawn => GONE, "dataset_withdrawn";
    /// `If-Match` does not name the current revision.
    PreconditionFailed => PRECONDITION_FAILED, "precondition_failed";
    /// The body is over the configured limit.
    PayloadTooLarge => PAYLOAD_TOO_LARGE, "payload_too_large";
    /// The body's `Content-Type` is not one this URL reads.
    UnsupportedMediaType => UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type";
    /// A field of the input is missing, malformed or outside its vocabulary.
    InvalidField => UNPROCESSABLE_ENTITY, "invalid_field";
    /// The JSON document does not have the expected shape.
    InvalidDocument => UNPROCESSABLE_ENTITY, "invalid_document";
    /// Publishing needs mandatory DCAT-AP properties that are missing.
    IncompleteForPublication => UNPROCESSABLE_ENTITY, "incomplete_for_publication";
    /// A SPARQL result is over the row or byte cap.
    ResultTooLarge => UNPROCESSABLE_ENTITY, "result_too_large";
    /// An update needs `If-Match`.
    PreconditionRequired => PRECONDITION_REQUIRED, "precondition_required";
    /// The server failed: logged with its cause, answered with a generic message.
    InternalError => INTERNAL_SERVER_ERROR, "internal_error";
    /// Every SPARQL slot is busy.
    TooManyQueries => SERVICE_UNAVAILABLE, "too_many_queries", retry;
    /// Every download slot is busy.
    TooManyDownloads => SERVICE_UNAVAILABLE, "too_many_downloads", retry;
    /// The server is shutting down.
    ShuttingDown => SERVICE_UNAVAILABLE, "shutting_down", retry;
    /// The database's write lock was not granted in time.
    DatabaseBusy => SERVICE_UNAVAILABLE, "database_busy", retry;
    /// A SPARQL query ran out of time (repeating it as is would fail again: no `Retry-After`).
    QueryTimeout => SERVICE_UNAVAILABLE, "query_timeout";
}

/// An error answered by the API.
#[derive(thiserror::Error)]
pub enum ApiError {
    /// A refusal with a known code (which knows its status) and message.
    #[error("{message}")]
    Refused {
        /// Stable code and status.
        code: ErrorCode,
        /// Message.
        message: String,
        /// Offending field.
        field: Option<String>,
    },
    /// 422: publishing needs mandatory DCAT-AP properties that are missing (JSON paths).
    #[error("cannot publish: DCAT-AP requires {}", .0.join(", "))]
    Incomplete(Vec<String>),
    /// Anything unexpected: answered as 500 with a generic message, logged with its cause chain.
    #[error("an unexpected error occurred")]
    Unexpected(#[source] anyhow::Error),
}

impl std::fmt::Debug for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{self}")?;
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            writeln!(f, "caused by: {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

impl ApiError {
    /// A refusal without a field.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Refused {
            code,
            message: message.into(),
            field: None,
        }
    }

    /// A refusal naming the offending field.
    pub fn with_field(
        code: ErrorCode,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Refused {
            code,
            message: message.into(),
            field: Some(field.into()),
        }
    }

    /// A 400 naming a query parameter.
    pub fn bad_parameter(field: &str, message: impl Into<String>) -> Self {
        Self::with_field(
            ErrorCode::InvalidParameter,
            field,
            format!("{field}: {}", message.into()),
        )
    }

    /// A 401 (`code` is one of the token codes).
    pub fn unauthorized(code: ErrorCode, message: impl Into<String>) -> Self {
        debug_assert_eq!(code.status(), StatusCode::UNAUTHORIZED);
        Self::new(code, message)
    }

    /// The error's code, from the one table.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Self::Refused { code, .. } => *code,
            Self::Incomplete(_) => ErrorCode::IncompleteForPublication,
            Self::Unexpected(_) => ErrorCode::InternalError,
        }
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }
}

impl From<CatalogError> for ApiError {
    fn from(err: CatalogError) -> Self {
        let code = match &err {
            CatalogError::Invalid { field, message } => {
                return Self::with_field(
                    ErrorCode::InvalidField,
                    field.clone(),
                    format!("{field}: {message}"),
                );
            }
            CatalogError::Incomplete(missing) => return Self::Incomplete(missing.clone()),
            CatalogError::DatasetNotFound(_) => ErrorCode::DatasetNotFound,
            CatalogError::DistributionNotFound { .. } => ErrorCode::DistributionNotFound,
            CatalogError::PublisherNotFound(_) => ErrorCode::PublisherNotFound,
            CatalogError::TokenNotFound(_) => ErrorCode::TokenNotFound,
            CatalogError::Harvested { .. } => ErrorCode::Harvested,
            CatalogError::HarvestSourceNotFound(_) => ErrorCode::HarvestSourceNotFound,
            CatalogError::HarvestJobNotFound(_) => ErrorCode::HarvestJobNotFound,
            CatalogError::HarvestRunning(_) => ErrorCode::HarvestRunning,
            CatalogError::SlugTaken(_) => ErrorCode::SlugTaken,
            CatalogError::Forbidden(_) => ErrorCode::Forbidden,
            CatalogError::StaleRevision { .. } => ErrorCode::PreconditionFailed,
            CatalogError::Database(_) | CatalogError::Internal(_) => {
                return Self::Unexpected(anyhow::Error::new(err));
            }
        };
        Self::new(code, err.to_string())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.error_code().status()
    }

    fn error_response(&self) -> HttpResponse {
        let (message, field, missing) = match self {
            Self::Refused { message, field, .. } => (message.clone(), field.clone(), Vec::new()),
            Self::Incomplete(missing) => {
                (self.to_string(), missing.first().cloned(), missing.clone())
            }
            Self::Unexpected(err) => {
                tracing::error!(error = ?err, "request failed");
                (self.to_string(), None, Vec::new())
            }
        };
        let code = self.error_code();
        let mut response = HttpResponse::build(code.status());
        if code.status() == StatusCode::UNAUTHORIZED {
            let challenge = format!(
                "Bearer realm=\"odcat\", error=\"invalid_token\", error_description=\"{}\"",
                code.as_str()
            );
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                response.insert_header((header::WWW_AUTHENTICATE, value));
            }
        }
        if code.retry_after() {
            response.insert_header((header::RETRY_AFTER, crate::http::sparql::RETRY_AFTER));
        }
        response.json(ErrorBody {
            error: ErrorDetail {
                code: code.as_str(),
                message,
                field,
                missing,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_errors_pick_their_status() {
        let cases = [
            (
                CatalogError::invalid("license", "bad"),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
            ),
            (
                CatalogError::DatasetNotFound("x".into()),
                StatusCode::NOT_FOUND,
                "dataset_not_found",
            ),
            (
                CatalogError::SlugTaken("x".into()),
                StatusCode::CONFLICT,
                "slug_taken",
            ),
            (
                CatalogError::Forbidden("no".into()),
                StatusCode::FORBIDDEN,
                "forbidden",
            ),
            (
                CatalogError::StaleRevision {
                    slug: "x".into(),
                    current: "\"a\"".into(),
                },
                StatusCode::PRECONDITION_FAILED,
                "precondition_failed",
            ),
        ];
        for (err, status, code) in cases {
            let api = ApiError::from(err);
            assert_eq!((api.status_code(), api.code()), (status, code));
        }
    }

    /// The table of codes and statuses, as clients see it: a change here breaks clients.
    #[test]
    fn every_code_has_its_status() {
        let table: Vec<(&str, u16, bool)> = ErrorCode::ALL
            .iter()
            .map(|c| (c.as_str(), c.status().as_u16(), c.retry_after()))
            .collect();
        assert_eq!(
            table,
            [
                ("invalid_parameter", 400, false),
                ("invalid_header", 400, false),
                ("malformed_body", 400, false),
                ("malformed_json", 400, false),
                ("invalid_query", 400, false),
                ("query_too_complex", 400, false),
                ("query_failed", 400, false),
                ("client_went_away", 400, false),
                ("malformed_token", 401, false),
                ("invalid_token", 401, false),
                ("revoked_token", 401, false),
                ("missing_token", 401, false),
                ("forbidden", 403, false),
                ("update_refused", 403, false),
                ("service_refused", 403, false),
                ("not_found", 404, false),
                ("unknown_format", 404, false),
                ("dataset_not_found", 404, false),
                ("distribution_not_found", 404, false),
                ("publisher_not_found", 404, false),
                ("token_not_found", 404, false),
                ("harvest_source_not_found", 404, false),
                ("harvest_job_not_found", 404, false),
                ("no_table_schema", 404, false),
                ("method_not_allowed", 405, false),
                ("not_acceptable", 406, false),
                ("request_timeout", 408, false),
                ("slug_taken", 409, false),
                ("harvested", 409, false),
                ("harvest_running", 409, false),
                ("dataset_withdrawn", 410, false),
                ("precondition_failed", 412, false),
                ("payload_too_large", 413, false),
                ("unsupported_media_type", 415, false),
                ("invalid_field", 422, false),
                ("invalid_document", 422, false),
                ("incomplete_for_publication", 422, false),
                ("result_too_large", 422, false),
                ("precondition_required", 428, false),
                ("internal_error", 500, false),
                ("too_many_queries", 503, true),
                ("too_many_downloads", 503, true),
                ("shutting_down", 503, true),
                ("database_busy", 503, true),
                ("query_timeout", 503, false),
            ]
        );
    }

    #[test]
    fn codes_are_unique_snake_case_and_only_503s_retry() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{} twice", code.as_str());
            assert!(
                code.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{}",
                code.as_str()
            );
            assert!(!code.retry_after() || code.status() == StatusCode::SERVICE_UNAVAILABLE);
        }
    }

    #[test]
    fn the_body_and_headers_come_from_the_table() {
        let res = ApiError::new(ErrorCode::DatabaseBusy, "busy").error_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(res.headers().contains_key(header::RETRY_AFTER));
        let res = ApiError::new(ErrorCode::QueryTimeout, "slow").error_response();
        assert!(!res.headers().contains_key(header::RETRY_AFTER));
        let res = ApiError::unauthorized(ErrorCode::MissingToken, "who?").error_response();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert!(res.headers().contains_key(header::WWW_AUTHENTICATE));
    }

    #[test]
    fn internal_catalog_errors_are_500s() {
        let api = ApiError::from(CatalogError::internal(std::io::Error::other("disk full")));
        assert_eq!(api.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(api.code(), "internal_error");
        assert_eq!(api.to_string(), "an unexpected error occurred");
    }

    #[test]
    fn database_errors_hide_their_cause() {
        let api = ApiError::from(CatalogError::database("secret"));
        assert_eq!(api.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(api.to_string(), "an unexpected error occurred");
    }
}
