//! `/api/v1/datasets`: list, read, create, replace, patch and withdraw datasets.

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

/// One page of datasets.
#[derive(Serialize, ToSchema)]
pub struct DatasetPage {
    /// Number of datasets matching the query.
    pub total: u64,
    /// This page (1-based).
    pub page: u64,
    /// Page size.
    pub per_page: u64,
    /// Number of pages.
    pub pages: u64,
    /// The datasets of this page.
    pub items: Vec<DatasetDocument>,
}

/// Query parameters of the dataset list.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(
    dead_code,
    reason = "documents the query string, which is parsed by hand to name bad values"
)]
pub struct DatasetListQuery {
    /// Words that must all occur in the title, description or keywords (case-insensitive); at most
    /// 200 characters.
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
    /// `published` (default), `withdrawn`, `draft` or `all`; drafts need a token.
    #[param(pattern = "^(published|withdrawn|draft|all)$")]
    status: Option<String>,
    /// `-modified` (default), `modified`, `title`, `-title`, `issued`, `-issued` or `slug`.
    #[param(pattern = "^(-?modified|-?title|-?issued|slug)$")]
    sort: Option<String>,
    /// Page, from 1 to 46116860184273879.
    #[param(minimum = 1, maximum = 46_116_860_184_273_879_u64)]
    page: Option<u64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u64>,
}

/// Lists datasets.
#[utoipa::path(get, path = "/api/v1/datasets", tag = "datasets", params(DatasetListQuery),
    security((), ("bearer" = [])),
    responses((status = 200, body = DatasetPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list_datasets(
    req: HttpRequest,
    catalog: web::Data<Catalog>,
    auth: MaybeAuth,
) -> Result<HttpResponse, ApiError> {
    let filter = parse_dataset_filter(catalog.db(), req.query_string(), auth.0.as_ref()).await?;
    let (items, total) = catalog.list_datasets(&filter).await?;
    let last_modified = items.iter().filter_map(|d| d.record_modified).max();
    let page = DatasetPage {
        total,
        page: filter.page,
        per_page: filter.per_page,
        pages: total.div_ceil(filter.per_page),
        items,
    };
    json_with_validators(&req, &page, None, last_modified)
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
