//! `/api/v1/publishers`: the publishing organisations.

use actix_web::{HttpRequest, HttpResponse, web};

use super::conditional::json_with_validators;
use crate::catalog::document::PublisherDocument;
use crate::catalog::{Catalog, CatalogError, repo};
use crate::error::{ApiError, ErrorBody};

/// Lists publishers by slug with their number of published datasets.
#[utoipa::path(get, path = "/api/v1/publishers", tag = "publishers",
    responses((status = 200, body = Vec<PublisherDocument>)))]
pub async fn list_publishers(
    req: HttpRequest,
    catalog: web::Data<Catalog>,
) -> Result<HttpResponse, ApiError> {
    let publishers: Vec<PublisherDocument> = repo::list_publishers(catalog.db())
        .await
        .map_err(CatalogError::from)?
        .iter()
        .map(|(p, n)| repo::publisher_document(p, Some(*n)))
        .collect();
    json_with_validators(&req, &publishers, None, None)
}

/// Reads one publisher by slug or id.
#[utoipa::path(get, path = "/api/v1/publishers/{publisher}", tag = "publishers",
    params(("publisher" = String, Path, description = "publisher slug or id")),
    responses((status = 200, body = PublisherDocument), (status = 404, body = ErrorBody)))]
pub async fn get_publisher(
    req: HttpRequest,
    catalog: web::Data<Catalog>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (publisher, count) = repo::publisher_with_count(catalog.db(), &path)
        .await
        .map_err(CatalogError::from)?
        .ok_or_else(|| CatalogError::PublisherNotFound(path.to_string()))?;
    let doc = repo::publisher_document(&publisher, Some(count));
    json_with_validators(&req, &doc, None, Some(publisher.updated_at))
}
