//! `/api/v1/datasets/{dataset}/distributions`: read, add, replace and withdraw one distribution.
//! Distributions are part of their dataset: writes need the dataset's ETag and answer the new dataset.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use uuid::Uuid;

use super::conditional::json_with_validators;
use super::datasets::{dataset_response, visibility_of};
use super::extract::{Auth, IfMatch, JsonBody, MaybeAuth};
use crate::catalog::document::{DatasetDocument, DistributionDocument};
use crate::catalog::service::etag;
use crate::catalog::{Catalog, CatalogError};
use crate::error::{ApiError, ErrorBody};

pub(super) fn parse_id(dataset: &str, id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| {
        CatalogError::DistributionNotFound {
            dataset: dataset.to_owned(),
            id: id.to_owned(),
        }
        .into()
    })
}

/// Reads one distribution.
#[utoipa::path(get, path = "/api/v1/datasets/{dataset}/distributions/{id}", tag = "distributions",
    params(("dataset" = String, Path, description = "dataset id or slug"), ("id" = Uuid, Path, description = "distribution id")),
    security((), ("bearer" = [])),
    responses((status = 200, body = DistributionDocument), (status = 404, body = ErrorBody)))]
pub async fn get_distribution(
    req: HttpRequest,
    catalog: web::Data<Catalog>,
    auth: MaybeAuth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (dataset, id) = path.into_inner();
    let id = parse_id(&dataset, &id)?;
    let doc = catalog.get_dataset(&dataset, visibility_of(&auth)).await?;
    let tag = doc.id.zip(doc.revision).map(|(d, r)| etag(d, r));
    let dist = doc
        .distributions
        .into_iter()
        .find(|d| d.id == Some(id))
        .ok_or_else(|| CatalogError::DistributionNotFound {
            dataset,
            id: id.to_string(),
        })?;
    json_with_validators(&req, &dist, tag, dist.modified)
}

/// Adds a distribution to a dataset.
#[utoipa::path(post, path = "/api/v1/datasets/{dataset}/distributions", tag = "distributions",
    request_body = DistributionDocument,
    params(("dataset" = String, Path, description = "dataset id or slug")),
    security(("bearer" = [])),
    responses((status = 201, body = DatasetDocument), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "the slug, or a distribution id, belongs to another dataset"), (status = 422, body = ErrorBody)))]
pub async fn create_distribution(
    req: HttpRequest,
    catalog: web::Data<Catalog>,
    auth: Auth,
    path: web::Path<String>,
    body: JsonBody<DistributionDocument>,
) -> Result<HttpResponse, ApiError> {
    let (doc, id) = catalog.add_distribution(&auth.0, &path, &body.0).await?;
    tracing::info!(dataset.slug = %doc.slug, distribution.id = %id, "distribution added");
    let mut response = dataset_response(&req, &doc, StatusCode::CREATED)?;
    if let Ok(location) = actix_web::http::header::HeaderValue::from_str(&format!(
        "/api/v1/datasets/{}/distributions/{id}",
        doc.id.map(|i| i.to_string()).unwrap_or_default()
    )) {
        response
            .headers_mut()
            .insert(actix_web::http::header::LOCATION, location);
    }
    Ok(response)
}

/// Replaces one distribution.
#[utoipa::path(put, path = "/api/v1/datasets/{dataset}/distributions/{id}", tag = "distributions",
    request_body = DistributionDocument,
    params(("dataset" = String, Path, description = "dataset id or slug"), ("id" = Uuid, Path, description = "distribution id"),
        ("If-Match" = String, Header, description = "ETag of the dataset's current revision")),
    security(("bearer" = [])),
    responses((status = 200, body = DatasetDocument), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "the slug, or a distribution id, belongs to another dataset"), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 428, body = ErrorBody)))]
pub async fn replace_distribution(
    req: HttpRequest,
    catalog: web::Data<Catalog>,
    auth: Auth,
    if_match: IfMatch,
    path: web::Path<(String, String)>,
    body: JsonBody<DistributionDocument>,
) -> Result<HttpResponse, ApiError> {
    let (dataset, id) = path.into_inner();
    let id = parse_id(&dataset, &id)?;
    let doc = catalog
        .replace_distribution(&auth.0, &dataset, id, &if_match.0, &body.0)
        .await?;
    tracing::info!(dataset.slug = %doc.slug, distribution.id = %id, "distribution replaced");
    dataset_response(&req, &doc, StatusCode::OK)
}

/// Withdraws one distribution; it stays readable with status `withdrawn`.
#[utoipa::path(delete, path = "/api/v1/datasets/{dataset}/distributions/{id}", tag = "distributions",
    params(("dataset" = String, Path, description = "dataset id or slug"), ("id" = Uuid, Path, description = "distribution id"),
        ("If-Match" = String, Header, description = "ETag of the dataset's current revision")),
    security(("bearer" = [])),
    responses((status = 200, body = DatasetDocument), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 428, body = ErrorBody)))]
pub async fn withdraw_distribution(
    req: HttpRequest,
    catalog: web::Data<Catalog>,
    auth: Auth,
    if_match: IfMatch,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (dataset, id) = path.into_inner();
    let id = parse_id(&dataset, &id)?;
    let doc = catalog
        .withdraw_distribution(&auth.0, &dataset, id, &if_match.0)
        .await?;
    tracing::info!(dataset.slug = %doc.slug, distribution.id = %id, "distribution withdrawn");
    dataset_response(&req, &doc, StatusCode::OK)
}
