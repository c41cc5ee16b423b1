//! The portal's routes (part of the one route table, [`super::configure`]): `web` renders the pages,
//! and the URLs that answer HTML or RDF/JSON by `Accept` are dispatched here, so `web` never calls
//! into `http`.

use actix_web::{HttpRequest, HttpResponse, web};

use actix_web::middleware::DefaultHeaders;

use super::allow;
use super::sparql::SparqlAnswer;
use crate::error::ApiError;
use crate::rdf::Projector;
use crate::sparql::SparqlService;
use crate::web::manage::{Area, Place, edit, pages, tokens, upload};
use crate::web::{Portal, wants_html};

/// Registers the portal's routes (before the API's catch-all).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/")
            .wrap(super::rdf::vary_accept())
            .wrap(crate::web::errors::html_errors())
            .route(web::get().to(home))
            .route(web::head().to(home))
            .default_service(allow("GET, HEAD")),
    )
    .service(
        web::resource("/datasets")
            .wrap(super::rdf::vary_accept())
            .wrap(crate::web::errors::html_errors())
            .route(web::get().to(search))
            .route(web::head().to(search))
            .default_service(allow("GET, HEAD")),
    )
    .service(
        web::resource("/organization/{slug}")
            .wrap(super::rdf::vary_accept())
            .wrap(crate::web::errors::html_errors())
            .route(web::get().to(publisher))
            .route(web::head().to(publisher))
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
        web::resource("/qualitaet")
            .wrap(crate::web::errors::html_errors())
            .route(web::get().to(crate::web::quality::overview))
            .route(web::head().to(crate::web::quality::overview))
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
    .route(
        "/static/upload.js",
        web::get().to(crate::web::upload_script),
    )
    .route("/favicon.ico", web::get().to(crate::web::favicon));
}

/// `GET /`: the home page for browsers, the catalogue's first page for an RDF `Accept`.
pub async fn home(
    req: HttpRequest,
    portal: web::Data<Portal>,
    projector: web::Data<Projector>,
    size: web::Data<crate::rdf::listing::CatalogPageSize>,
) -> Result<HttpResponse, ApiError> {
    if wants_html(&req, &crate::web::pages::rdf_types(), true) != Some(true) {
        return super::rdf::catalog_negotiated(req, projector, size).await;
    }
    crate::web::pages::home(req, portal).await
}

/// `GET /datasets`: the search page for browsers, the catalogue for an RDF `Accept`.
pub async fn search(
    req: HttpRequest,
    portal: web::Data<Portal>,
    projector: web::Data<Projector>,
    size: web::Data<crate::rdf::listing::CatalogPageSize>,
) -> Result<HttpResponse, ApiError> {
    if wants_html(&req, &crate::web::pages::rdf_types(), true) != Some(true) {
        return super::rdf::catalog_negotiated(req, projector, size).await;
    }
    crate::web::pages::search(req, portal).await
}

/// `GET /organization/{slug}`: the publisher page for browsers, its JSON document for
/// `application/json`.
pub async fn publisher(
    req: HttpRequest,
    path: web::Path<String>,
    portal: web::Data<Portal>,
    catalog: web::Data<crate::catalog::Catalog>,
) -> Result<HttpResponse, ApiError> {
    match wants_html(&req, &["application/json"], true) {
        Some(true) => crate::web::pages::publisher(req, path, portal).await,
        Some(false) => super::publishers::get_publisher(req, catalog, path).await,
        None => Err(ApiError::new(
            crate::error::ErrorCode::NotAcceptable,
            "a publisher is available as text/html and application/json",
        )),
    }
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

/// The workspace's single sign-on (one callback address, registered at the identity provider).
fn configure_oidc(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/verwaltung/oidc/start")
            .wrap(DefaultHeaders::new().add(("Cache-Control", "no-store")))
            .route(web::get().to(crate::web::manage::oidc::start))
            .default_service(allow("GET")),
    )
    .service(
        web::resource("/verwaltung/oidc")
            .wrap(DefaultHeaders::new().add(("Cache-Control", "no-store")))
            .route(web::get().to(crate::web::manage::oidc::callback))
            .default_service(allow("GET")),
    );
}

/// The publisher workspace's routes: the same handlers under `/verwaltung` (German addresses) and
/// `/manage` (English addresses).
pub fn configure_workspace(cfg: &mut web::ServiceConfig) {
    // Before the workspace's scope, which would take every address under it.
    configure_oidc(cfg);
    for area in Area::ALL {
        let seg = |place| area.segment(place);
        cfg.service(
            web::scope(area.root())
                // Redirects and refusals are never stored by a cache either.
                .wrap(actix_web::middleware::from_fn(
                    crate::web::manage::require_session,
                ))
                .wrap(DefaultHeaders::new().add(("Cache-Control", "no-store")))
                // A dataset's form carries long descriptions.
                .app_data(web::FormConfig::default().limit(1 << 20))
                .wrap(crate::web::errors::html_errors())
                .service(
                    web::resource("")
                        .route(web::get().to(pages::list))
                        .route(web::head().to(pages::list))
                        .default_service(allow("GET, HEAD")),
                )
                .service(
                    web::resource(format!("/{}", seg(Place::SignIn)))
                        .route(web::get().to(pages::sign_in_page))
                        .route(web::head().to(pages::sign_in_page))
                        .route(web::post().to(pages::sign_in))
                        .default_service(allow("GET, HEAD, POST")),
                )
                .service(
                    web::resource(format!("/{}", seg(Place::SignOut)))
                        .route(web::post().to(pages::sign_out))
                        .default_service(allow("POST")),
                )
                .service(
                    web::resource(format!("/{}/{{code}}", seg(Place::Link)))
                        .route(web::get().to(pages::link_page))
                        .route(web::head().to(pages::link_page))
                        .route(web::post().to(pages::link_sign_in))
                        .default_service(allow("GET, HEAD, POST")),
                )
                .service(
                    web::resource(edit::new_path(area).trim_start_matches(area.root()))
                        .route(web::get().to(edit::new_form))
                        .route(web::head().to(edit::new_form))
                        .route(web::post().to(edit::create))
                        .default_service(allow("GET, HEAD, POST")),
                )
                .service(
                    web::resource(format!(
                        "/{}/{{id}}/{}",
                        seg(Place::Datasets),
                        edit::edit_segment(area)
                    ))
                    .route(web::get().to(edit::edit_form))
                    .route(web::head().to(edit::edit_form))
                    .route(web::post().to(edit::update))
                    .default_service(allow("GET, HEAD, POST")),
                )
                .service(
                    web::resource(format!(
                        "/{}/{{id}}/{}/{{dist}}",
                        seg(Place::Datasets),
                        upload::table_segment(area)
                    ))
                    .route(web::get().to(upload::form))
                    .route(web::head().to(upload::form))
                    .route(web::post().to(upload::upload))
                    .default_service(allow("GET, HEAD, POST")),
                )
                .service(
                    web::resource(format!(
                        "/{}/{{id}}/{}/{{dist}}/{}",
                        seg(Place::Datasets),
                        upload::table_segment(area),
                        upload::load_segment(area)
                    ))
                    .route(web::post().to(upload::load))
                    .default_service(allow("POST")),
                )
                .service(
                    web::resource(format!(
                        "/{}/{{id}}/{}/{{dist}}/{}/{{job}}",
                        seg(Place::Datasets),
                        upload::table_segment(area),
                        upload::progress_segment(area)
                    ))
                    .route(web::get().to(upload::progress))
                    .route(web::head().to(upload::progress))
                    .default_service(allow("GET, HEAD")),
                )
                .service(
                    web::resource(format!("/{}/{{id}}/{{action}}", seg(Place::Datasets)))
                        .route(web::get().to(pages::confirm))
                        .route(web::head().to(pages::confirm))
                        .route(web::post().to(pages::act))
                        .default_service(allow("GET, HEAD, POST")),
                )
                .service(
                    web::resource(format!("/{}", seg(Place::Tokens)))
                        .route(web::get().to(tokens::list))
                        .route(web::head().to(tokens::list))
                        .route(web::post().to(tokens::create))
                        .default_service(allow("GET, HEAD, POST")),
                )
                .service(
                    web::resource(format!(
                        "/{}/{{id}}/{}",
                        seg(Place::Tokens),
                        seg(Place::Revoke)
                    ))
                    .route(web::get().to(tokens::confirm_revoke))
                    .route(web::head().to(tokens::confirm_revoke))
                    .route(web::post().to(tokens::revoke))
                    .default_service(allow("GET, HEAD, POST")),
                )
                .service(
                    web::resource(format!(
                        "/{}/{{id}}/{}",
                        seg(Place::Tokens),
                        seg(Place::Label)
                    ))
                    .route(web::post().to(tokens::relabel))
                    .default_service(allow("POST")),
                ),
        );
    }
}
