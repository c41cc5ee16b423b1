//! The CKAN API's errors: CKAN's classes (`__type`), statuses and body shapes, and the mapping of the
//! domain's errors onto them.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use serde_json::{Value, json};

use crate::catalog::CatalogError;
use crate::error::ApiError;

/// An error answered in CKAN's envelope.
#[derive(Debug)]
pub enum CkanError {
    /// 400 with a bare JSON string (`"Bad request - …"`), as CKAN answers an unknown action or an
    /// unreadable body.
    BadRequest(String),
    /// 404 `Not Found Error`.
    NotFound(String),
    /// 403 `Authorization Error`.
    Authorization(String),
    /// 409 `Validation Error`: messages per field.
    Validation(BTreeMap<String, Vec<String>>),
    /// 400 `Search Query Error`.
    SearchQuery(String),
    /// 500 `Internal Server Error` (the cause is logged, not answered).
    Internal(anyhow::Error),
}

impl CkanError {
    /// A validation error of one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(BTreeMap::from([(field.into(), vec![message.into()])]))
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) | Self::SearchQuery(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Authorization(_) => StatusCode::FORBIDDEN,
            Self::Validation(_) => StatusCode::CONFLICT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `error` member of the envelope, or (for [`CkanError::BadRequest`]) the whole body.
    pub fn body(&self) -> Value {
        match self {
            Self::BadRequest(message) => Value::String(format!("Bad request - {message}")),
            Self::NotFound(message) => json!({"__type": "Not Found Error", "message": message}),
            Self::Authorization(message) => {
                json!({"__type": "Authorization Error", "message": format!("Access denied: {message}")})
            }
            Self::Validation(fields) => {
                let mut error = serde_json::Map::new();
                for (field, messages) in fields {
                    error.insert(field.clone(), json!(messages));
                }
                error.insert("__type".into(), json!("Validation Error"));
                Value::Object(error)
            }
            Self::SearchQuery(message) => json!({
                "__type": "Search Query Error",
                "message": format!("Search Query is invalid: {message}"),
            }),
            Self::Internal(cause) => {
                tracing::error!(error = ?cause, "CKAN action failed");
                json!({"__type": "Internal Server Error", "message": "an unexpected error occurred"})
            }
        }
    }
}

impl From<CatalogError> for CkanError {
    fn from(error: CatalogError) -> Self {
        match error {
            CatalogError::DatasetNotFound(_)
            | CatalogError::DistributionNotFound { .. }
            | CatalogError::PublisherNotFound(_)
            | CatalogError::TokenNotFound(_)
            | CatalogError::HarvestSourceNotFound(_)
            | CatalogError::HarvestJobNotFound(_) => Self::NotFound(format!("Not found: {error}")),
            CatalogError::Harvested { .. } | CatalogError::HarvestRunning(_) => {
                Self::field("name", error.to_string())
            }
            CatalogError::Forbidden(ref message) => Self::Authorization(message.clone()),
            CatalogError::Invalid { field, message } => Self::field(field, message),
            CatalogError::Incomplete(missing) => Self::Validation(
                missing
                    .into_iter()
                    .map(|field| {
                        (
                            field,
                            vec!["Missing value (DCAT-AP requires it for publication)".to_owned()],
                        )
                    })
                    .collect(),
            ),
            CatalogError::SlugTaken(_) => Self::field("name", "That URL is already in use."),
            CatalogError::StaleRevision { .. } => Self::field(
                "revision",
                "the dataset was changed meanwhile; read it again and repeat the change",
            ),
            other @ (CatalogError::Database(_) | CatalogError::Internal(_)) => {
                Self::Internal(anyhow::Error::new(other))
            }
        }
    }
}

impl From<ApiError> for CkanError {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Unexpected(cause) => Self::Internal(cause),
            ApiError::Incomplete(missing) => CatalogError::Incomplete(missing).into(),
            ApiError::Refused {
                code,
                message,
                field,
            } => match code.status() {
                StatusCode::NOT_FOUND => Self::NotFound(format!("Not found: {message}")),
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Self::Authorization(message),
                StatusCode::BAD_REQUEST => match field {
                    Some(field) => Self::field(field, message),
                    None => Self::BadRequest(message),
                },
                _ => Self::field(field.unwrap_or_else(|| "__all__".to_owned()), message),
            },
        }
    }
}

impl From<crate::search::SearchError> for CkanError {
    fn from(error: crate::search::SearchError) -> Self {
        use crate::search::SearchError;
        match error {
            SearchError::TooDeep => Self::SearchQuery(format!(
                "`start` + `rows` goes past the first {} results; narrow the search with `fq` (e.g. \
                 `metadata_modified:[… TO *]`)",
                crate::search::MAX_WINDOW
            )),
            SearchError::BadCursor => Self::SearchQuery(error.to_string()),
            other => Self::Internal(anyhow::Error::new(other)),
        }
    }
}
