//! `/api/v1/datasets`: list, read, create, replace, patch and withdraw datasets.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::conditional::json_with_validators;
use super::extract::{Auth, IfMatch, JsonBody, MaybeAuth};
use super::query::parse_dataset_filter;
use crate::catalog::Catalog;
use crate::catalog::document::DatasetDocument;
use crate::catalog::service::etag;
use crate::error::{ApiError, ErrorBody};
use crate::feed::cache::{Fresh, RevisionCache};
use crate::search::SearchEngine;

/// One page of datasets.
#[derive(Serialize, ToSchema)]
pub struct DatasetPage {
    /// Number of datasets matching the query (exact).
    pub total: u64,
    /// This page (1-based; with `cursor`, the page the cursor's position falls on is not known and 1
    /// is answered).
    pub page: u64,
    /// Page size.
    pub per_page: u64,
    /// Number of pages.
    pub pages: u64,
    /// The datasets of this page.
    pub items: Vec<DatasetDocument>,
    /// Pass as `cursor` to get the page after this one (any depth at the same cost); absent on the
    /// last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The list's answer as it is sent: [`DatasetPage`] with each item's document already serialised
/// (from the [`DocumentCache`] or just now); the same JSON, field for field.
#[derive(Serialize)]
struct SerialisedPage<'a> {
    total: u64,
    page: u64,
    per_page: u64,
    pages: u64,
    items: Vec<&'a serde_json::value::RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

/// A dataset's JSON document as the list serves it.
pub struct ListedDocument {
    json: Box<serde_json::value::RawValue>,
    record_modified: Option<chrono::DateTime<chrono::FixedOffset>>,
}

impl ListedDocument {
    /// The serialised [`DatasetDocument`].
    pub fn json(&self) -> &serde_json::value::RawValue {
        &self.json
    }
}

/// The listed datasets' serialised documents, by id and revision, kept in step by the change feed
/// (a write, a publisher's change or a hosted table's change evicts a document). A list page reads
/// no SQL for the documents it finds here; the search engine's hits carry each dataset's revision.
pub type DocumentCache = RevisionCache<Arc<ListedDocument>>;

/// The documents of `hits` in their order: cached ones as they are, the others loaded from SQL,
/// serialised and stored. A dataset removed since the search is left out.
pub(crate) async fn listed_documents(
    catalog: &Catalog,
    cache: Option<&DocumentCache>,
    hits: &[crate::search::Hit],
) -> Result<Vec<Arc<ListedDocument>>, ApiError> {
    let serialise = |doc: &DatasetDocument| -> Result<Arc<ListedDocument>, ApiError> {
        Ok(Arc::new(ListedDocument {
            json: serde_json::value::to_raw_value(doc)
                .map_err(|e| ApiError::Unexpected(e.into()))?,
            record_modified: doc.record_modified,
        }))
    };
    let Some(cache) = cache else {
        let ids: Vec<uuid::Uuid> = hits.iter().map(|h| h.id).collect();
        let docs = catalog.documents_in_order(&ids).await?;
        return docs.iter().map(serialise).collect();
    };
    let lookup = cache.lookup(hits.iter().map(|h| (h.id, h.revision)));
    if lookup.missing.is_empty() {
        return Ok(lookup.found.into_iter().flatten().collect());
    }
    let docs = catalog.documents_in_order(&lookup.missing).await?;
    let publishers: HashMap<uuid::Uuid, uuid::Uuid> = hits
        .iter()
        .filter_map(|h| Some((h.id, h.publisher?)))
        .collect();
    let mut loaded: HashMap<uuid::Uuid, Arc<ListedDocument>> = HashMap::new();
    let mut fresh = Vec::with_capacity(docs.len());
    for doc in &docs {
        let listed = serialise(doc)?;
        let (Some(id), Some(revision)) = (doc.id, doc.revision) else {
            continue;
        };
        // Stored under the revision read with the row (a write since the search is newer).
        if let Some(publisher) = publishers.get(&id) {
            fresh.push(Fresh {
                id,
                revision,
                publisher: *publisher,
                value: listed.clone(),
                bytes: listed.json.get().len() + std::mem::size_of::<ListedDocument>(),
            });
        }
        loaded.insert(id, listed);
    }
    cache.store(lookup.generation, fresh);
    Ok(hits
        .iter()
        .zip(lookup.found)
        .filter_map(|(hit, cached)| cached.or_else(|| loaded.remove(&hit.id)))
        .collect())
}

/// Query parameters of the dataset list.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(
    dead_code,
    reason = "documents the query string, which is parsed by hand to name bad values"
)]
pub struct DatasetListQuery {
    /// Search words, at most 200 characters, answered by the search engine (the same as the portal's
    /// search): every word must match a title, keyword, publisher, description, format or licence,
    /// in any word form (German and English stemming, ä/ö/ü/ß = ae/oe/ue/ss, parts of German
    /// compounds, typos tolerated in words the catalogue does not contain); `"a phrase"`, `a OR b`
    /// and `-word` are understood. With `q`, the default order is `relevance`.
    #[param(max_length = 200)]
    q: Option<String>,
    /// EU data-theme IRI or code (`GOVE`); repeat for any of several.
    theme: Option<Vec<String>>,
    /// Publisher slug; repeat for any of several.
    publisher: Option<Vec<String>>,
    /// DCAT-AP.de licence IRI or id (`cc-by/4.0`); repeat for any of several.
    license: Option<Vec<String>>,
    /// EU file-type IRI or code (`CSV`) of an active distribution; repeat for any of several.
    format: Option<Vec<String>>,
    /// A keyword as written (`Geodaten`); repeat for any of several.
    keyword: Option<Vec<String>>,
    /// `published` (default), `withdrawn`, `draft` or `all`; drafts need a token.
    #[param(pattern = "^(published|withdrawn|draft|all)$")]
    status: Option<String>,
    /// `relevance` (default with `q`), `-modified` (default without), `modified`, `title`, `-title`,
    /// `issued`, `-issued` or `slug`; ties are broken by id.
    #[param(pattern = "^(relevance|-?modified|-?title|-?issued|slug)$")]
    sort: Option<String>,
    /// Page, from 1; `page` × `per_page` may reach 100 000 (use `cursor` beyond).
    #[param(minimum = 1, maximum = 46_116_860_184_273_879_u64)]
    page: Option<u64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u64>,
    /// The `next_cursor` of the previous page (search-after: any depth at the cost of the first
    /// page); `page` is then ignored.
    cursor: Option<String>,
}

impl From<crate::search::SearchError> for ApiError {
    fn from(error: crate::search::SearchError) -> Self {
        use crate::search::SearchError;
        match error {
            SearchError::BadCursor => ApiError::bad_parameter("cursor", error.to_string()),
            SearchError::TooDeep => ApiError::bad_parameter("page", error.to_string()),
            other => ApiError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

/// Lists datasets: the search engine picks the page's ids, SQL loads their documents.
#[utoipa::path(get, path = "/api/v1/datasets", tag = "datasets", params(DatasetListQuery),
    security((), ("bearer" = [])),
    responses((status = 200, body = DatasetPage, headers(("Server-Timing" = String, description = "`search;dur=` the engine's time in ms, `total;dur=` the whole answer's"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list_datasets(
    req: HttpRequest,
    catalog: web::Data<Catalog>,
    search: web::Data<SearchEngine>,
    auth: MaybeAuth,
) -> Result<HttpResponse, ApiError> {
    let started = std::time::Instant::now();
    let mut query = parse_dataset_filter(&catalog, req.query_string(), auth.0.as_ref()).await?;
    // The items are the datasets' documents, by id and revision: no stored text is read.
    query.request.lean = true;
    let paged_by_cursor = query.request.cursor.is_some();
    let window = query.request.offset.saturating_add(query.request.limit);
    let results = if !paged_by_cursor && window > crate::search::MAX_WINDOW {
        // Past the window `page` may reach: an empty page when there are not that many hits,
        // else the way deeper is `cursor`.
        let mut count = query.request.clone();
        count.offset = 0;
        count.limit = 0;
        let counted = search.search(count).await?;
        if (query.request.offset as u64) < counted.total {
            return Err(crate::search::SearchError::TooDeep.into());
        }
        counted
    } else {
        search.search(query.request).await?
    };
    let cache = req.app_data::<web::Data<DocumentCache>>();
    let loading = std::time::Instant::now();
    let items = listed_documents(&catalog, cache.map(|c| c.get_ref()), &results.hits).await?;
    let documents_ms = loading.elapsed().as_secs_f64() * 1000.0;
    let last_modified = items.iter().filter_map(|d| d.record_modified).max();
    let page = SerialisedPage {
        total: results.total,
        page: if paged_by_cursor { 1 } else { query.page },
        per_page: query.per_page,
        pages: results.total.div_ceil(query.per_page),
        items: items.iter().map(|d| &*d.json).collect(),
        next_cursor: results.next_cursor,
    };
    let mut response = json_with_validators(&req, &page, None, last_modified)?;
    let timing = format!(
        "search;dur={:.3}, documents;dur={documents_ms:.3}, total;dur={:.3}",
        results.took.as_secs_f64() * 1000.0,
        started.elapsed().as_secs_f64() * 1000.0
    );
    if let Ok(value) = header::HeaderValue::from_str(&timing) {
        response
            .headers_mut()
            .insert(header::HeaderName::from_static("server-timing"), value);
    }
    Ok(response)
}

/// Query parameters of the suggestions.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// What was typed so far (the last word may be incomplete); at most 200 characters.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// `de` (default) or `en`: the language of the titles suggested.
    pub lang: Option<String>,
}

/// Completions of what was typed: keywords, then titles of published datasets (at most 10).
#[derive(Serialize, ToSchema)]
pub struct Suggestions {
    /// The completions, best first.
    pub suggestions: Vec<crate::search::Suggestion>,
}

/// Suggests keywords and dataset titles for a search box (the last word may be incomplete).
#[utoipa::path(get, path = "/api/v1/suggest", tag = "datasets", params(SuggestQuery),
    responses((status = 200, body = Suggestions), (status = 400, body = ErrorBody)))]
pub async fn suggest(
    search: web::Data<SearchEngine>,
    query: web::Query<SuggestQuery>,
) -> Result<HttpResponse, ApiError> {
    let text = query.q.as_deref().unwrap_or("").trim();
    crate::search::check_query_text(text).map_err(|m| ApiError::bad_parameter("q", m))?;
    let english = match query.lang.as_deref() {
        None | Some("") | Some("de") => false,
        Some("en") => true,
        Some(other) => {
            return Err(ApiError::bad_parameter(
                "lang",
                format!("`{other}` is not one of de, en"),
            ));
        }
    };
    let suggestions = search.suggest(text, english).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(Suggestions { suggestions }))
}

/// What the (maybe anonymous) caller may read.
pub fn visibility_of(auth: &MaybeAuth) -> crate::catalog::repo::Visibility {
    auth.0
        .as_ref()
        .map_or(crate::catalog::repo::Visibility::Public, |a| a.visibility())
}

/// Answers a dataset document with its strong ETag.
pub fn dataset_response(
    req: &HttpRequest,
    doc: &DatasetDocument,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, ApiError> {
    let tag = doc.id.zip(doc.revision).map(|(id, rev)| etag(id, rev));
    if status == actix_web::http::StatusCode::OK {
        return json_with_validators(req, doc, tag, doc.record_modified);
    }
    let mut response = HttpResponse::build(status);
    if let Some(tag) = tag {
        response.insert_header((header::ETAG, tag));
    }
    if let Some(id) = doc.id {
        response.insert_header((header::LOCATION, format!("/api/v1/datasets/{id}")));
    }
    Ok(response.json(doc))
}

/// Reads one dataset by id or slug.
#[utoipa::path(get, path = "/api/v1/datasets/{dataset}", tag = "datasets",
    params(("dataset" = String, Path, description = "dataset id or slug")),
    security((), ("bearer" = [])),
    responses((status = 200, body = DatasetDocument, headers(("ETag" = String), ("Last-Modified" = String))),
        (status = 304), (status = 404, body = ErrorBody)))]
pub async fn get_dataset(
    req: HttpRequest,
    catalog: web::Data<Catalog>,
    auth: MaybeAuth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let doc = catalog.get_dataset(&path, visibility_of(&auth)).await?;
    dataset_response(&req, &doc, actix_web::http::StatusCode::OK)
}

/// Creates a dataset with its distributions.
#[utoipa::path(post, path = "/api/v1/datasets", tag = "datasets", request_body = DatasetDocument,
    security(("bearer" = [])),
    responses((status = 201, body = DatasetDocument), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_dataset(
    req: HttpRequest,
    catalog: web::Data<Catalog>,
    auth: Auth,
    body: JsonBody<DatasetDocument>,
) -> Result<HttpResponse, ApiError> {
    let doc = catalog.create_dataset(&auth.0, &body.0).await?;
    tracing::info!(dataset.id = ?doc.id, dataset.slug = %doc.slug, "dataset created");
    dataset_response(&req, &doc, actix_web::http::StatusCode::CREATED)
}

/// Replaces a dataset with the document sent; read-only fields are ignored.
#[utoipa::path(put, path = "/api/v1/datasets/{dataset}", tag = "datasets", request_body = DatasetDocument,
    params(("dataset" = String, Path, description = "dataset id or slug"),
        ("If-Match" = String, Header, description = "ETag of the current revision")),
    security(("bearer" = [])),
    responses((status = 200, body = DatasetDocument), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "the slug, or a distribution id, belongs to another dataset"), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 428, body = ErrorBody)))]
pub async fn replace_dataset(
    req: HttpRequest,
    catalog: web::Data<Catalog>,
    auth: Auth,
    if_match: IfMatch,
    path: web::Path<String>,
    body: JsonBody<DatasetDocument>,
) -> Result<HttpResponse, ApiError> {
    let doc = catalog
        .replace_dataset(&auth.0, &path, &if_match.0, &body.0)
        .await?;
    tracing::info!(dataset.id = ?doc.id, dataset.slug = %doc.slug, "dataset replaced");
    dataset_response(&req, &doc, actix_web::http::StatusCode::OK)
}

/// Changes a dataset with a JSON Merge Patch (RFC 7396) of its document.
#[utoipa::path(patch, path = "/api/v1/datasets/{dataset}", tag = "datasets",
    request_body(content = Object, content_type = "application/merge-patch+json", description = "a JSON Merge Patch: an object whose members replace, or with `null` remove, the document's"),
    params(("dataset" = String, Path, description = "dataset id or slug"),
        ("If-Match" = String, Header, description = "ETag of the current revision")),
    security(("bearer" = [])),
    responses((status = 200, body = DatasetDocument), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "the slug, or a distribution id, belongs to another dataset"), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 428, body = ErrorBody)))]
pub async fn patch_dataset(
    req: HttpRequest,
    catalog: web::Data<Catalog>,
    auth: Auth,
    if_match: IfMatch,
    path: web::Path<String>,
    body: JsonBody<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let doc = catalog
        .patch_dataset(&auth.0, &path, &if_match.0, &body.0)
        .await?;
    tracing::info!(dataset.id = ?doc.id, dataset.slug = %doc.slug, "dataset patched");
    dataset_response(&req, &doc, actix_web::http::StatusCode::OK)
}

/// Withdraws a dataset; it stays readable with status `withdrawn`.
#[utoipa::path(delete, path = "/api/v1/datasets/{dataset}", tag = "datasets",
    params(("dataset" = String, Path, description = "dataset id or slug"),
        ("If-Match" = String, Header, description = "ETag of the current revision")),
    security(("bearer" = [])),
    responses((status = 200, body = DatasetDocument), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 428, body = ErrorBody)))]
pub async fn withdraw_dataset(
    req: HttpRequest,
    catalog: web::Data<Catalog>,
    auth: Auth,
    if_match: IfMatch,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let doc = catalog
        .withdraw_dataset(&auth.0, &path, &if_match.0)
        .await?;
    tracing::info!(dataset.id = ?doc.id, dataset.slug = %doc.slug, "dataset withdrawn");
    dataset_response(&req, &doc, actix_web::http::StatusCode::OK)
}
