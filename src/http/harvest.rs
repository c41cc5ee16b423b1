//! `/api/v1/harvest/…`: harvest sources, their jobs and the jobs' reports. Every route needs an
//! admin token (a source's URL may name a host inside the city's network).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{Auth, JsonBody};
use crate::catalog::Catalog;
use crate::catalog::harvest::{JobDocument, SourceDocument, SourceInput};
use crate::catalog::values::Role;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::harvest::run::{self, RunSettings};

/// The one value of query parameter `name`, parsed; `None` when absent. Any other parameter, a
/// repeated one or a value that does not parse is the client's 400 naming it.
fn query_value<T: std::str::FromStr>(
    req: &HttpRequest,
    name: &str,
    expected: &str,
) -> Result<Option<T>, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|e| ApiError::bad_parameter("query", e.to_string()))?;
    let mut found = None;
    for (key, value) in pairs {
        if key != name {
            return Err(ApiError::bad_parameter(
                &key,
                format!("is not a parameter here (only `{name}`)"),
            ));
        }
        if found.is_some() {
            return Err(ApiError::bad_parameter(&key, "is given more than once"));
        }
        found =
            Some(value.parse::<T>().map_err(|_| {
                ApiError::bad_parameter(&key, format!("`{value}` is not {expected}"))
            })?);
    }
    Ok(found)
}

fn admin(auth: &Auth) -> Result<(), ApiError> {
    if auth.0.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::Forbidden,
            "harvest sources are managed with an admin token",
        ))
    }
}

/// Lists the harvest sources with their last job.
#[utoipa::path(get, path = "/api/v1/harvest/sources", tag = "harvest",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<SourceDocument>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_sources(
    catalog: web::Data<Catalog>,
    auth: Auth,
) -> Result<HttpResponse, ApiError> {
    admin(&auth)?;
    Ok(HttpResponse::Ok().json(catalog.harvest_sources().await?))
}

/// Adds a harvest source.
#[utoipa::path(post, path = "/api/v1/harvest/sources", tag = "harvest", request_body = SourceInput,
    security(("bearer" = [])),
    responses((status = 201, body = SourceDocument), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_source(
    catalog: web::Data<Catalog>,
    auth: Auth,
    body: JsonBody<SourceInput>,
) -> Result<HttpResponse, ApiError> {
    admin(&auth)?;
    let source = catalog.create_harvest_source(&body.0).await?;
    tracing::info!(harvest.source = %source.id, harvest.kind = source.kind.as_str(), "harvest source added");
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/harvest/sources/{}", source.id),
        ))
        .json(source))
}

/// Reads a harvest source.
#[utoipa::path(get, path = "/api/v1/harvest/sources/{source}", tag = "harvest",
    params(("source" = uuid::Uuid, Path, description = "the source's id")),
    security(("bearer" = [])),
    responses((status = 200, body = SourceDocument), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_source(
    catalog: web::Data<Catalog>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    admin(&auth)?;
    Ok(HttpResponse::Ok().json(catalog.harvest_source(&path).await?))
}

/// Replaces a harvest source's settings; its datasets and jobs stay.
#[utoipa::path(put, path = "/api/v1/harvest/sources/{source}", tag = "harvest", request_body = SourceInput,
    params(("source" = uuid::Uuid, Path, description = "the source's id")),
    security(("bearer" = [])),
    responses((status = 200, body = SourceDocument), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn replace_source(
    catalog: web::Data<Catalog>,
    auth: Auth,
    path: web::Path<String>,
    body: JsonBody<SourceInput>,
) -> Result<HttpResponse, ApiError> {
    admin(&auth)?;
    Ok(HttpResponse::Ok().json(catalog.update_harvest_source(&path, &body.0).await?))
}

/// Deletes a harvest source and its jobs. Its datasets stay, as local datasets that editors may
/// change; refused while a job runs.
#[utoipa::path(delete, path = "/api/v1/harvest/sources/{source}", tag = "harvest",
    params(("source" = uuid::Uuid, Path, description = "the source's id")),
    security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_source(
    catalog: web::Data<Catalog>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    admin(&auth)?;
    catalog.delete_harvest_source(&path).await?;
    tracing::info!(harvest.source = %path, "harvest source deleted");
    Ok(HttpResponse::NoContent().finish())
}

/// How many jobs to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobsQuery {
    /// At most this many, newest first (default 20, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
}

/// Lists a source's jobs, newest first.
#[utoipa::path(get, path = "/api/v1/harvest/sources/{source}/jobs", tag = "harvest",
    params(("source" = uuid::Uuid, Path, description = "the source's id"), JobsQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<JobDocument>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_jobs(
    req: HttpRequest,
    catalog: web::Data<Catalog>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    admin(&auth)?;
    let limit = query_value::<u64>(&req, "limit", "a whole number")?.unwrap_or(20);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_parameter(
            "limit",
            "must be between 1 and 1000",
        ));
    }
    Ok(HttpResponse::Ok().json(catalog.harvest_jobs(&path, limit).await?))
}

/// Whether a job may withdraw more than the source's share.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StartQuery {
    /// Withdraw the datasets that vanished from the source even when they are more than its
    /// `max_withdraw_percent`.
    pub allow_mass_delete: Option<bool>,
}

/// Starts a job of the source in the server; its report is at the `Location` answered.
#[utoipa::path(post, path = "/api/v1/harvest/sources/{source}/jobs", tag = "harvest",
    params(("source" = uuid::Uuid, Path, description = "the source's id"), StartQuery),
    security(("bearer" = [])),
    responses((status = 202, body = JobDocument), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "a job of the source is running")))]
pub async fn start_job(
    req: HttpRequest,
    catalog: web::Data<Catalog>,
    settings: web::Data<RunSettings>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    admin(&auth)?;
    let allow_mass_delete =
        query_value::<bool>(&req, "allow_mass_delete", "true or false")?.unwrap_or(false);
    let (source, job) = catalog.start_harvest_job(&path, allow_mass_delete).await?;
    tracing::info!(harvest.source = %source.id, harvest.job = %job.id, "harvest job started");
    run::spawn(
        catalog.get_ref().clone(),
        source,
        job.clone(),
        settings.get_ref().clone(),
    );
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, format!("/api/v1/harvest/jobs/{}", job.id)))
        .json(job))
}

/// Reads a job's report: status, counts, errors and the datasets withdrawn.
#[utoipa::path(get, path = "/api/v1/harvest/jobs/{job}", tag = "harvest",
    params(("job" = uuid::Uuid, Path, description = "the job's id")),
    security(("bearer" = [])),
    responses((status = 200, body = JobDocument), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_job(
    catalog: web::Data<Catalog>,
    auth: Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    admin(&auth)?;
    Ok(HttpResponse::Ok().json(catalog.harvest_job(&path).await?))
}
