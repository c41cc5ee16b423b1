//! Parsing of the dataset-list query string, with a 400 naming each bad parameter.

use sea_orm::DatabaseConnection;

use crate::catalog::repo::{self, DatasetFilter, DatasetSort, Visibility};
use crate::catalog::service::Actor;
use crate::catalog::values::DatasetStatus;
use crate::catalog::vocab::Vocabulary;
use crate::error::{ApiError, ErrorCode};

const PER_PAGE_DEFAULT: u64 = 20;
const PER_PAGE_MAX: u64 = 100;
/// The last page a client may ask for, whatever `per_page` is: offsets then stay below 2⁶², which
/// every database accepts. A fixed bound, so the OpenAPI document can state it.
pub const PAGE_MAX: u64 = (i64::MAX as u64 / 2) / PER_PAGE_MAX;

/// Accepts a full IRI of `vocabulary` or its short code (`GOVE`, `CSV`, `cc-by/4.0`).
fn vocabulary_value(param: &str, value: &str, vocabulary: Vocabulary) -> Result<String, ApiError> {
    let iri = if value.contains("://") {
        value.to_owned()
    } else {
        format!("{}{}", vocabulary.namespace(), value)
    };
    if vocabulary.contains(&iri) {
        Ok(iri)
    } else {
        Err(ApiError::bad_parameter(
            param,
            format!("`{value}` is not a known {}", vocabulary.name()),
        ))
    }
}

pub(crate) fn positive(param: &str, value: &str) -> Result<u64, ApiError> {
    match value.parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(ApiError::bad_parameter(
            param,
            format!("`{value}` is not a positive integer"),
        )),
    }
}

/// Parses `q`, `theme`, `publisher`, `license`, `format`, `status`, `sort`, `page` and `per_page`.
pub async fn parse_dataset_filter(
    db: &DatabaseConnection,
    query: &str,
    actor: Option<&Actor>,
) -> Result<DatasetFilter, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|e| ApiError::bad_parameter("query", e.to_string()))?;
    let mut filter = DatasetFilter {
        q: None,
        themes: vec![],
        publishers: vec![],
        licenses: vec![],
        formats: vec![],
        statuses: vec![DatasetStatus::Published],
        visibility: actor.map_or(Visibility::Public, Actor::visibility),
        sort: DatasetSort::ModifiedDesc,
        page: 1,
        per_page: PER_PAGE_DEFAULT,
    };
    for (key, value) in &pairs {
        let value = value.trim();
        // PostgreSQL refuses NUL in text: the client's 400, not a failed query.
        if value.contains('\0') {
            return Err(ApiError::bad_parameter(
                key,
                "must not contain NUL characters",
            ));
        }
        match key.as_str() {
            "q" => {
                if value.chars().count() > 200 {
                    return Err(ApiError::bad_parameter(
                        "q",
                        "is longer than 200 characters",
                    ));
                }
                filter.q = (!value.is_empty()).then(|| value.to_owned());
            }
            "theme" => filter
                .themes
                .push(vocabulary_value("theme", value, Vocabulary::DataTheme)?),
            "license" => {
                filter
                    .licenses
                    .push(vocabulary_value("license", value, Vocabulary::License)?)
            }
            "format" => {
                filter
                    .formats
                    .push(vocabulary_value("format", value, Vocabulary::FileType)?)
            }
            "publisher" => {
                let publisher = repo::find_publisher(db, value)
                    .await
                    .map_err(|e| ApiError::Unexpected(e.into()))?
                    .ok_or_else(|| {
                        ApiError::bad_parameter(
                            "publisher",
                            format!("publisher `{value}` does not exist"),
                        )
                    })?;
                filter.publishers.push(publisher.id);
            }
            "status" => {
                filter.statuses = match value {
                    "published" => vec![DatasetStatus::Published],
                    "withdrawn" => vec![DatasetStatus::Withdrawn],
                    "draft" => vec![DatasetStatus::Draft],
                    "all" => vec![],
                    _ => {
                        return Err(ApiError::bad_parameter(
                            "status",
                            format!("`{value}` is not one of published, withdrawn, draft, all"),
                        ));
                    }
                };
                if matches!(value, "draft" | "all") && actor.is_none() {
                    return Err(ApiError::unauthorized(
                        ErrorCode::MissingToken,
                        "listing drafts needs an `Authorization: Bearer <token>` header",
                    ));
                }
            }
            "sort" => {
                filter.sort = DatasetSort::parse(value).ok_or_else(|| {
                    ApiError::bad_parameter("sort", format!("`{value}` is not one of -modified, modified, title, -title, issued, -issued, slug"))
                })?;
            }
            "page" => {
                filter.page = positive("page", value)?;
                if filter.page > PAGE_MAX {
                    return Err(ApiError::bad_parameter(
                        "page",
                        format!("`{value}` is more than {PAGE_MAX}"),
                    ));
                }
            }
            "per_page" => {
                let n = positive("per_page", value)?;
                if n > PER_PAGE_MAX {
                    return Err(ApiError::bad_parameter(
                        "per_page",
                        format!("`{value}` is more than {PER_PAGE_MAX}"),
                    ));
                }
                filter.per_page = n;
            }
            other => {
                return Err(ApiError::bad_parameter(
                    other,
                    "is not a known parameter (q, theme, publisher, license, format, status, sort, page, per_page)",
                ));
            }
        }
    }
    // Keep offsets in a range every database accepts.
    if filter.page.saturating_mul(filter.per_page) > i64::MAX as u64 / 2 {
        return Err(ApiError::bad_parameter("page", "is too large"));
    }
    Ok(filter)
}
