//! `/api/v1/datasets/{dataset}/quality` and `/api/v1/quality`: the MQA score of a dataset with the
//! fix for every lost point, and the catalogue's overview. A dataset's quality is readable by whoever
//! may read the dataset (a draft's by its publisher's tokens).

use actix_web::{HttpResponse, web};

use super::datasets::visibility_of;
use super::extract::MaybeAuth;
use crate::error::{ApiError, ErrorBody};
use crate::feed::Feed;
use crate::quality::Scorer;
use crate::quality::report::{CatalogQuality, QualityReport};

/// A dataset's quality: score, band, per-metric points and the fixes.
#[utoipa::path(get, path = "/api/v1/datasets/{dataset}/quality", tag = "quality",
    params(("dataset" = String, Path, description = "dataset id or slug")),
    security((), ("bearer" = [])),
    responses((status = 200, body = QualityReport), (status = 404, body = ErrorBody)))]
pub async fn dataset_quality(
    scorer: web::Data<Scorer>,
    feed: web::Data<Feed>,
    auth: MaybeAuth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    // Every write committed before the request is assessed (or is assessed now).
    feed.sync().await.map_err(ApiError::Unexpected)?;
    let report = scorer.report(&path, visibility_of(&auth)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-cache"))
        .json(report))
}

/// The catalogue's quality: datasets per band, the mean and median, and the ten fixes that gain
/// the catalogue most points.
#[utoipa::path(get, path = "/api/v1/quality", tag = "quality",
    responses((status = 200, body = CatalogQuality)))]
pub async fn catalog_quality(
    scorer: web::Data<Scorer>,
    feed: web::Data<Feed>,
) -> Result<HttpResponse, ApiError> {
    feed.sync().await.map_err(ApiError::Unexpected)?;
    // Counts what the worker has assessed by now (at most 10 s of waiting for it).
    scorer.settle(std::time::Duration::from_secs(10)).await;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-cache"))
        .json(scorer.overview().await?))
}
