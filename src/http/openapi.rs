//! The OpenAPI 3.1 description of the JSON API, generated from the handlers' annotations.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{datasets, distributions, health, publishers, tables};
use crate::catalog::document::{
    ChecksumDocument, ColumnDocument, ContactPointDocument, DataTableDocument, DatasetDocument,
    DistributionDocument, Keywords, LangText, PublisherDocument, Temporal,
};
use crate::catalog::values::{DatasetStatus, DistributionKind, DistributionStatus};
use crate::error::{ErrorBody, ErrorDetail};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("odcat_<64 hex digits>")
                    .build(),
            ),
        );
    }
}

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "odcat JSON API", description = "Read and publish the datasets of an odcat open-data catalogue. Reads are public; writes need a bearer token scoped to a publisher and `If-Match` with the current ETag."),
    paths(
        datasets::list_datasets, datasets::get_dataset, datasets::create_dataset,
        datasets::replace_dataset, datasets::patch_dataset, datasets::withdraw_dataset,
        distributions::get_distribution, distributions::create_distribution,
        distributions::replace_distribution, distributions::withdraw_distribution,
        tables::put_table_data, tables::get_table_rows, tables::get_table_schema, tables::put_table_schema,
        tables::delete_table_schema,
        publishers::list_publishers, publishers::get_publisher,
        health::healthz, health::readyz,
    ),
    components(schemas(
        DatasetDocument, DistributionDocument, PublisherDocument, LangText, Keywords, Temporal,
        ContactPointDocument, ChecksumDocument, DataTableDocument, ColumnDocument, DatasetStatus,
        DistributionKind, DistributionStatus, ErrorBody, ErrorDetail, datasets::DatasetPage,
        tables::TableLoaded, tables::LoadedColumn, tables::RowsPage,
    )),
    modifiers(&BearerAuth),
    tags((name = "datasets"), (name = "distributions"), (name = "publishers"), (name = "operations")),
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`.
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
