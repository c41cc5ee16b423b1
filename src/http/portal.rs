//! The portal's routes (part of the one route table, [`super::configure`]): `web` renders the pages,
//! and the URLs that answer HTML or RDF/JSON by `Accept` are dispatched here, so `web` never calls
//! into `http`.

use actix_web::{HttpRequest, HttpResponse, web};

use super::allow;
use super::sparql::SparqlAnswer;
use crate::error::ApiError;
use crate::rdf::Projector;
use crate::sparql::SparqlService;
use crate::web::{Portal, wants_html};

/// Registers the portal's routes (before the API's catch-all).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/")
            .wrap(super::rdf::vary_accept())
            .wrap(crate::web::errors::html_errors())
            .route(web::get().to(crate::web::pages::home))
            .route(web::head().to(crate::web::pages::home))
            .default_service(allow("GET, HEAD")),
    )
    .service(
        web::resource("/datasets")
            .wrap(super::rdf::vary_accept())
            .wrap(crate::web::errors::html_errors())
            .route(web::get().to(crate::web::pages::search))
            .route(web::head().to(crate::web::pages::search))
            .default_service(allow("GET, HEAD")),
    )
    .service(
        web::resource("/organization/{slug}")
            .wrap(super::rdf::vary_accept())
            .wrap(crate::web::errors::html_errors())
            .route(web::get().to(crate::web::pages::publisher))
            .route(web::head().to(crate::web::pages::publisher))
            .default_service(allow("GET, HEAD")),
    )
    .service(
        web::resource("/api")
            .wrap(crate::web::errors::html_errors())
            .route(web::get().to(crate::web::pages::api))
            .route(web::head().to(crate::web::pages::api))
            .default_service(allow("GET, HEAD")),
    )
    .service(
        web::resource("/impressum")
            .wrap(crate::web::errors::html_errors())
            .route(web::get().to(crate::web::pages::imprint))
            .route(web::head().to(crate::web::pages::imprint))
            .default_service(allow("GET, HEAD")),
    )
    .service(
        web::resource("/barrierefreiheit")
            .wrap(crate::web::errors::html_errors())
            .route(web::get().to(crate::web::pages::accessibility))
            .route(web::head().to(crate::web::pages::accessibility))
            .default_service(allow("GET, HEAD")),
    )
    .service(
        web::resource("/sitemap.xml")
            .wrap(crate::web::errors::html_errors())
            .route(web::get().to(crate::web::feeds::sitemap))
            .route(web::head().to(crate::web::feeds::sitemap))
            .default_service(allow("GET, HEAD")),
    )
    .service(
        web::resource("/feed.atom")
            .wrap(crate::web::errors::html_errors())
            .route(web::get().to(crate::web::feeds::atom))
            .route(web::head().to(crate::web::feeds::atom))
            .default_service(allow("GET, HEAD")),
    )
    .route("/static/odcat.css", web::get().to(crate::web::stylesheet))
    .route("/static/favicon.svg", web::get().to(crate::web::favicon))
    .route(
        "/static/search.js",
        web::get().to(crate::web::search_script),
    )
    .route("/favicon.ico", web::get().to(crate::web::favicon));
}

/// `GET /dataset/{slug}`: the page for browsers, the DCAT-AP document (Turtle first) for others.
pub async fn dataset(
    req: HttpRequest,
    path: web::Path<String>,
    portal: web::Data<Portal>,
    projector: web::Data<Projector>,
) -> Result<HttpResponse, ApiError> {
    if wants_html(&req, &crate::web::pages::rdf_types(), false) != Some(true) {
        return super::rdf::dataset_negotiated(req, path, projector).await;
    }
    crate::web::dataset::dataset(req, path, portal, projector).await
}

/// `GET /sparql`: the SPARQL endpoint, or the portal's SPARQL page for browsers.
pub async fn sparql(
    req: HttpRequest,
    service: web::Data<SparqlService>,
    portal: web::Data<Portal>,
) -> Result<HttpResponse, ApiError> {
    match super::sparql::get_sparql(&req, &service).await? {
        SparqlAnswer::Response(response) => Ok(response),
        SparqlAnswer::Page(request) => {
            crate::web::sparql_page::page(&req, &portal, &service, request).await
        }
    }
}
