//! Parsing of the dataset-list query string into a search-engine request, with a 400 naming each
//! bad parameter.

use crate::catalog::Catalog;
use crate::catalog::repo::Visibility;
use crate::catalog::service::Actor;
use crate::catalog::vocab::Vocabulary;
use crate::error::{ApiError, ErrorCode};
use crate::search::{Facet, Request, SortOrder};

const PER_PAGE_DEFAULT: u64 = 20;
const PER_PAGE_MAX: u64 = 100;
/// The last page a client may ask for, whatever `per_page` is. A fixed bound, so the OpenAPI
/// document can state it; the engine pages with `page` through its first 100 000 hits (deeper with
/// `cursor`).
pub const PAGE_MAX: u64 = (i64::MAX as u64 / 2) / PER_PAGE_MAX;

/// Accepts a full IRI of `vocabulary` or its short code (`GOVE`, `CSV`, `cc-by/4.0`) and answers
/// the code the index holds.
fn vocabulary_code(param: &str, value: &str, vocabulary: Vocabulary) -> Result<String, ApiError> {
    let iri = if value.contains("://") {
        value.to_owned()
    } else {
        format!("{}{}", vocabulary.namespace(), value)
    };
    if vocabulary.contains(&iri) {
        Ok(crate::search::schema::code(&iri, vocabulary.namespace()))
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

/// A parsed dataset-list query.
#[derive(Clone, Debug)]
pub struct ListQuery {
    /// The engine request (offset and limit set from `page` and `per_page`).
    pub request: Request,
    /// 1-based page.
    pub page: u64,
    /// Items per page.
    pub per_page: u64,
}

/// The order named by a `sort` value.
fn sort_order(value: &str) -> Option<SortOrder> {
    Some(match value {
        "relevance" => SortOrder::Relevance,
        "-modified" => SortOrder::Modified { desc: true },
        "modified" => SortOrder::Modified { desc: false },
        "title" => SortOrder::Title {
            english: false,
            desc: false,
        },
        "-title" => SortOrder::Title {
            english: false,
            desc: true,
        },
        "-issued" => SortOrder::Issued { desc: true },
        "issued" => SortOrder::Issued { desc: false },
        "slug" => SortOrder::Slug { desc: false },
        _ => return None,
    })
}

/// Parses `q`, `theme`, `publisher`, `license`, `format`, `keyword`, `status`, `sort`, `page`,
/// `per_page` and `cursor`.
pub async fn parse_dataset_filter(
    catalog: &Catalog,
    query: &str,
    actor: Option<&Actor>,
) -> Result<ListQuery, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|e| ApiError::bad_parameter("query", e.to_string()))?;
    let mut request = Request {
        text: String::new(),
        filters: Default::default(),
        statuses: vec!["published".to_owned()],
        visibility: actor.map_or(Visibility::Public, Actor::visibility),
        order: SortOrder::Modified { desc: true },
        offset: 0,
        limit: PER_PAGE_DEFAULT as usize,
        cursor: None,
        facets: false,
        clauses: Vec::new(),
        lean: false,
    };
    let mut sort = None;
    let mut page = 1;
    let mut per_page = PER_PAGE_DEFAULT;
    let mut publishers = Vec::new();
    for (key, value) in &pairs {
        let value = value.trim();
        // PostgreSQL refuses NUL in text: the client's 400, not a failed query.
        if value.contains('\0') {
            return Err(ApiError::bad_parameter(
                key,
                "must not contain NUL characters",
            ));
        }
        let mut filter = |facet: Facet, code: String| request.filters[facet.position()].push(code);
        match key.as_str() {
            "q" => {
                crate::search::check_query_text(value)
                    .map_err(|m| ApiError::bad_parameter("q", m))?;
                request.text = value.to_owned();
            }
            "theme" => filter(
                Facet::Theme,
                vocabulary_code("theme", value, Vocabulary::DataTheme)?,
            ),
            "license" => filter(
                Facet::License,
                vocabulary_code("license", value, Vocabulary::License)?,
            ),
            "format" => filter(
                Facet::Format,
                vocabulary_code("format", value, Vocabulary::FileType)?,
            ),
            "keyword" if !value.is_empty() => filter(Facet::Keyword, value.to_owned()),
            "keyword" => {}
            "publisher" => publishers.push(value.to_owned()),
            "status" => {
                request.statuses = match value {
                    "published" | "withdrawn" | "draft" => vec![value.to_owned()],
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
                sort = Some(sort_order(value).ok_or_else(|| {
                    ApiError::bad_parameter("sort", format!("`{value}` is not one of relevance, -modified, modified, title, -title, issued, -issued, slug"))
                })?);
            }
            "page" => {
                page = positive("page", value)?;
                if page > PAGE_MAX {
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
                per_page = n;
            }
            "cursor" if !value.is_empty() => request.cursor = Some(value.to_owned()),
            "cursor" => {}
            other => {
                return Err(ApiError::bad_parameter(
                    other,
                    "is not a known parameter (q, theme, publisher, license, format, keyword, status, sort, page, per_page, cursor)",
                ));
            }
        }
    }
    if !publishers.is_empty() {
        let ids = catalog.publisher_ids(&publishers).await?;
        for (key, id) in publishers.iter().zip(ids) {
            let id = id.ok_or_else(|| {
                ApiError::bad_parameter("publisher", format!("publisher `{key}` does not exist"))
            })?;
            request.filters[Facet::Publisher.position()].push(id.to_string());
        }
    }
    // Words rank by relevance unless another order is asked for.
    request.order = sort.unwrap_or(if request.text.trim().is_empty() {
        SortOrder::Modified { desc: true }
    } else {
        SortOrder::Relevance
    });
    let offset = (page - 1).saturating_mul(per_page);
    request.offset = usize::try_from(offset).unwrap_or(usize::MAX);
    request.limit = per_page as usize;
    Ok(ListQuery {
        request,
        page,
        per_page,
    })
}
