//! actix routes only: extract, call the catalogue, map the result. This is the one route table.

pub mod ckan;
pub mod conditional;
pub mod datasets;
pub mod distributions;
pub mod downloads;
pub mod extract;
pub mod hardening;
pub mod harvest;
pub mod health;
pub mod metrics;
pub mod openapi;
pub mod portal;
pub mod publishers;
pub mod quality;
pub mod query;
pub mod rdf;
pub mod sparql;
pub mod tables;

/// Content negotiation lives outside `http` so the portal can share it.
pub use crate::negotiate;

use actix_web::{HttpResponse, web};

use crate::error::{ApiError, ErrorCode};

/// Registers every route; `max_body_bytes` bounds JSON bodies.
pub fn configure(cfg: &mut web::ServiceConfig, max_body_bytes: usize) {
    cfg.app_data(extract::BodyLimit(max_body_bytes))
        .service(
            web::resource("/healthz")
                .route(web::get().to(health::healthz))
                .default_service(allow("GET")),
        )
        .service(
            web::resource("/metrics")
                .route(web::get().to(metrics::metrics))
                .default_service(allow("GET")),
        )
        .service(
            web::resource("/readyz")
                .route(web::get().to(health::readyz))
                .default_service(allow("GET")),
        )
        .service(
            web::resource("/sparql")
                .wrap(rdf::vary_accept())
                .wrap(sparql_cors())
                .route(web::get().to(portal::sparql))
                .route(web::head().to(portal::sparql))
                .route(web::post().to(sparql::post_sparql))
                .default_service(allow("GET, HEAD, POST")),
        )
        .service(
            web::resource("/catalog")
                .wrap(rdf::vary_accept())
                .route(web::get().to(rdf::catalog_negotiated))
                .route(web::head().to(rdf::catalog_negotiated))
                .default_service(allow("GET, HEAD")),
        )
        .service(
            web::resource("/catalog.{ext}")
                .route(web::get().to(rdf::catalog_with_extension))
                .route(web::head().to(rdf::catalog_with_extension))
                .default_service(allow("GET, HEAD")),
        )
        .service(
            web::resource("/dataset/{dataset}/distribution/{id}/data.csv-metadata.json")
                .route(web::get().to(downloads::csvw_metadata))
                .route(web::head().to(downloads::csvw_metadata))
                .default_service(allow("GET, HEAD")),
        )
        .service(
            web::resource("/dataset/{dataset}/distribution/{id}/datapackage.json")
                .route(web::get().to(downloads::datapackage))
                .route(web::head().to(downloads::datapackage))
                .default_service(allow("GET, HEAD")),
        )
        .service(
            web::resource("/dataset/{dataset}/distribution/{id}/data.{ext}")
                .route(web::get().to(downloads::download_table))
                .route(web::head().to(downloads::download_table))
                .default_service(allow("GET, HEAD")),
        )
        .service(
            web::resource("/dataset/{dataset:[^/.]+}.{ext}")
                .route(web::get().to(rdf::dataset_with_extension))
                .route(web::head().to(rdf::dataset_with_extension))
                .default_service(allow("GET, HEAD")),
        )
        .service(
            web::resource("/dataset/{dataset}")
                .wrap(rdf::vary_accept())
                .wrap(crate::web::errors::html_errors())
                .route(web::get().to(portal::dataset))
                .route(web::head().to(portal::dataset))
                .default_service(allow("GET, HEAD")),
        )
        .service(
            web::scope("/api/v1")
                .service(
                    web::resource("/openapi.json")
                        .route(web::get().to(openapi::openapi_json))
                        .default_service(allow("GET")),
                )
                .service(
                    web::resource("/datasets")
                        .route(web::get().to(datasets::list_datasets))
                        .route(web::head().to(datasets::list_datasets))
                        .route(web::post().to(datasets::create_dataset))
                        .default_service(allow("GET, HEAD, POST")),
                )
                .service(
                    web::resource("/suggest")
                        .route(web::get().to(datasets::suggest))
                        .route(web::head().to(datasets::suggest))
                        .default_service(allow("GET, HEAD")),
                )
                .service(
                    web::resource("/datasets/{dataset}")
                        .route(web::get().to(datasets::get_dataset))
                        .route(web::head().to(datasets::get_dataset))
                        .route(web::put().to(datasets::replace_dataset))
                        .route(web::patch().to(datasets::patch_dataset))
                        .route(web::delete().to(datasets::withdraw_dataset))
                        .default_service(allow("GET, HEAD, PUT, PATCH, DELETE")),
                )
                .service(
                    web::resource("/datasets/{dataset}/distributions")
                        .route(web::post().to(distributions::create_distribution))
                        .default_service(allow("POST")),
                )
                .service(
                    web::resource("/datasets/{dataset}/distributions/{id}/rows")
                        .route(web::get().to(tables::get_table_rows))
                        .route(web::head().to(tables::get_table_rows))
                        .default_service(allow("GET, HEAD")),
                )
                .service(
                    web::resource("/datasets/{dataset}/distributions/{id}/schema")
                        .route(web::get().to(tables::get_table_schema))
                        .route(web::head().to(tables::get_table_schema))
                        .route(web::put().to(tables::put_table_schema))
                        .route(web::delete().to(tables::delete_table_schema))
                        .default_service(allow("GET, HEAD, PUT, DELETE")),
                )
                .service(
                    web::resource("/datasets/{dataset}/distributions/{id}/data")
                        .route(web::put().to(tables::put_table_data))
                        .default_service(allow("PUT")),
                )
                .service(
                    web::resource("/datasets/{dataset}/distributions/{id}")
                        .route(web::get().to(distributions::get_distribution))
                        .route(web::head().to(distributions::get_distribution))
                        .route(web::put().to(distributions::replace_distribution))
                        .route(web::delete().to(distributions::withdraw_distribution))
                        .default_service(allow("GET, HEAD, PUT, DELETE")),
                )
                .service(
                    web::resource("/datasets/{dataset}/quality")
                        .route(web::get().to(quality::dataset_quality))
                        .route(web::head().to(quality::dataset_quality))
                        .default_service(allow("GET, HEAD")),
                )
                .service(
                    web::resource("/quality")
                        .route(web::get().to(quality::catalog_quality))
                        .route(web::head().to(quality::catalog_quality))
                        .default_service(allow("GET, HEAD")),
                )
                .service(
                    web::resource("/publishers")
                        .route(web::get().to(publishers::list_publishers))
                        .default_service(allow("GET")),
                )
                .service(
                    web::resource("/publishers/{publisher}")
                        .route(web::get().to(publishers::get_publisher))
                        .default_service(allow("GET")),
                )
                .service(
                    web::resource("/harvest/sources")
                        .route(web::get().to(harvest::list_sources))
                        .route(web::post().to(harvest::create_source))
                        .default_service(allow("GET, POST")),
                )
                .service(
                    web::resource("/harvest/sources/{source}")
                        .route(web::get().to(harvest::get_source))
                        .route(web::put().to(harvest::replace_source))
                        .route(web::delete().to(harvest::delete_source))
                        .default_service(allow("GET, PUT, DELETE")),
                )
                .service(
                    web::resource("/harvest/sources/{source}/jobs")
                        .route(web::get().to(harvest::list_jobs))
                        .route(web::post().to(harvest::start_job))
                        .default_service(allow("GET, POST")),
                )
                .service(
                    web::resource("/harvest/jobs/{job}")
                        .route(web::get().to(harvest::get_job))
                        .default_service(allow("GET")),
                ),
        )
        // CKAN's Action API under both of CKAN's prefixes; every method (CKAN reads parameters from
        // the query string on any method, and writes need POST, which the action checks).
        .service(
            web::resource("/api/3")
                .route(web::get().to(ckan::api_version))
                .default_service(allow("GET")),
        )
        .service(web::resource("/api/3/action/{name}").route(web::route().to(ckan::action)))
        .service(web::resource("/api/action/{name}").route(web::route().to(ckan::action)))
        .configure(portal::configure)
        .configure(portal::configure_workspace)
        // Browsers get the portal's error page for unknown URLs, programs the problem body.
        .default_service(web::to(not_found).wrap(crate::web::errors::html_errors()));
}

/// CORS for `/sparql`: any origin may query (GET and POST), without credentials.
fn sparql_cors() -> actix_cors::Cors {
    actix_cors::Cors::default()
        .allow_any_origin()
        .allowed_methods(["GET", "POST"])
        .allowed_headers([
            actix_web::http::header::ACCEPT,
            actix_web::http::header::CONTENT_TYPE,
        ])
        .max_age(86_400)
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        ErrorCode::NotFound,
        "no resource at this URL",
    ))
}

/// A resource's other methods: 405 with the problem body and an `Allow` header listing `methods`
/// (RFC 9110 §15.5.6).
pub fn allow(methods: &'static str) -> actix_web::Route {
    web::to(move || async move {
        let mut response = match method_not_allowed().await {
            Ok(response) => response,
            Err(err) => actix_web::ResponseError::error_response(&err),
        };
        response.headers_mut().insert(
            actix_web::http::header::ALLOW,
            actix_web::http::header::HeaderValue::from_static(methods),
        );
        response
    })
}

/// 405 with the problem body, for every resource's other methods.
pub async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this URL does not support the method",
    ))
}
