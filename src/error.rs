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

/// An error answered by the API.
#[derive(thiserror::Error)]
pub enum ApiError {
    /// A refusal with a known status, code and message.
    #[error("{message}")]
    Refused {
        /// HTTP status.
        status: StatusCode,
        /// Stable code.
        code: &'static str,
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
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self::Refused {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    /// A 400 naming a query parameter.
    pub fn bad_parameter(field: &str, message: impl Into<String>) -> Self {
        Self::Refused {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_parameter",
            message: format!("{field}: {}", message.into()),
            field: Some(field.to_owned()),
        }
    }

    /// A 401.
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Refused { code, .. } => code,
            Self::Incomplete(_) => "incomplete_for_publication",
            Self::Unexpected(_) => "internal_error",
        }
    }
}

impl From<CatalogError> for ApiError {
    fn from(err: CatalogError) -> Self {
        let (status, code) = match &err {
            CatalogError::Invalid { field, message } => {
                return Self::Refused {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    code: "invalid_field",
                    message: format!("{field}: {message}"),
                    field: Some(field.clone()),
                };
            }
            CatalogError::Incomplete(missing) => return Self::Incomplete(missing.clone()),
            CatalogError::DatasetNotFound(_) => (StatusCode::NOT_FOUND, "dataset_not_found"),
            CatalogError::DistributionNotFound { .. } => {
                (StatusCode::NOT_FOUND, "distribution_not_found")
            }
            CatalogError::PublisherNotFound(_) => (StatusCode::NOT_FOUND, "publisher_not_found"),
            CatalogError::TokenNotFound(_) => (StatusCode::NOT_FOUND, "token_not_found"),
            CatalogError::SlugTaken(_) => (StatusCode::CONFLICT, "slug_taken"),
            CatalogError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            CatalogError::StaleRevision { .. } => {
                (StatusCode::PRECONDITION_FAILED, "precondition_failed")
            }
            CatalogError::Database(_) => return Self::Unexpected(anyhow::Error::new(err)),
        };
        Self::new(status, code, err.to_string())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Refused { status, .. } => *status,
            Self::Incomplete(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
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
        let mut response = HttpResponse::build(self.status_code());
        if self.status_code() == StatusCode::UNAUTHORIZED {
            let challenge = format!(
                "Bearer realm=\"odcat\", error=\"invalid_token\", error_description=\"{}\"",
                self.code()
            );
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                response.insert_header((header::WWW_AUTHENTICATE, value));
            }
        }
        if matches!(
            self.code(),
            "too_many_queries" | "too_many_downloads" | "shutting_down" | "database_busy"
        ) {
            response.insert_header((header::RETRY_AFTER, crate::http::sparql::RETRY_AFTER));
        }
        response.json(ErrorBody {
            error: ErrorDetail {
                code: self.code(),
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

    #[test]
    fn database_errors_hide_their_cause() {
        let api = ApiError::from(CatalogError::Database(sea_orm::DbErr::Custom(
            "secret".into(),
        )));
        assert_eq!(api.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(api.to_string(), "an unexpected error occurred");
    }
}
