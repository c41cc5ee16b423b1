//! The OpenAPI 3.1 description of the JSON API, generated from the handlers' annotations.

use actix_web::HttpResponse;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, HeaderBuilder, Ref, RefOr, ResponseBuilder, Schema};
use utoipa::{Modify, OpenApi};

use super::{datasets, distributions, harvest, health, publishers, quality, tables};
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

/// A dataset's slug or id in a path: 2 to 100 characters a-z, 0-9 and single hyphens inside, or a
/// UUID.
pub const DATASET_KEY_PATTERN: &str = "^(?:[a-z0-9]+(?:-[a-z0-9]+)*|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})$";

/// `If-Match`: `*`, or a comma-separated list of quoted strong entity tags (RFC 9110 §13.1.1); weak
/// tags (`W/"…"`) and commas inside a tag are refused with `400 invalid_header`.
pub const IF_MATCH_PATTERN: &str =
    r#"^[ \t]*(?:\*|"[!#-+\--~]*"(?:[ \t]*,[ \t]*"[!#-+\--~]*")*)[ \t]*$"#;

/// Adds to every operation the statuses that the shared extractors and the route table answer, so
/// that each handler's annotation lists only what is its own:
/// - every operation: `405` with `Allow` (another method on the same path);
/// - a bearer token accepted: `401` (malformed, unknown or revoked token), and `403` when the token
///   is required (it may not write for this publisher);
/// - a request body: `400` (not JSON, or broken off), `408` (`request_timeout`: the body did not
///   arrive in time), `413` (over the limit), `415` (wrong `Content-Type`);
/// - an `If-Match` header: `400` (`invalid_header`), `412` (not the current ETag), and `428` when
///   it is required;
///
/// and gives the `dataset` and `publisher` path parameters and `If-Match` their pattern, and a CSV
/// body its minimum length (an empty file is refused).
struct Behaviour;

impl Modify for Behaviour {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
            ]
            .into_iter()
            .flatten()
            {
                complete_operation(op);
            }
        }
    }
}

fn complete_operation(op: &mut Operation) {
    let mut add: Vec<(&str, &str)> = vec![(
        "405",
        "another method on this path: `Allow` lists the methods it has",
    )];
    let security = op.security.as_deref().unwrap_or_default();
    let bearer = !security.is_empty();
    let token_required = bearer
        && !security
            .iter()
            .any(|s| s == &utoipa::openapi::security::SecurityRequirement::default());
    if bearer {
        add.push((
            "401",
            "the `Authorization` header is malformed, or its token is unknown or revoked \
             (`missing_token` when a token is needed and none was sent)",
        ));
    }
    if token_required {
        add.push(("403", "the token may not change this publisher's datasets"));
    }
    if op.request_body.is_some() {
        add.extend([
            (
                "400",
                "the body is malformed, or a parameter or header is invalid",
            ),
            ("408", "the body did not arrive in time (`request_timeout`)"),
            (
                "413",
                "the body is larger than the limit (`payload_too_large`)",
            ),
            ("415", "the `Content-Type` is not one this operation reads"),
        ]);
    }
    if let Some(body) = op.request_body.as_mut()
        && let Some(csv) = body.content.get_mut("text/csv")
    {
        csv.schema = Some(RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .description(Some(
                    "the CSV file: a header row naming the columns, then the rows",
                ))
                .build(),
        )));
    }
    let mut if_match = None;
    for param in op.parameters.iter_mut().flatten() {
        complete_parameter(param);
        if param.parameter_in == ParameterIn::Header && param.name.eq_ignore_ascii_case("If-Match")
        {
            if_match = Some(param.required == utoipa::openapi::Required::True);
        }
    }
    if let Some(required) = if_match {
        add.push((
            "400",
            "`If-Match` is not `*` or a list of quoted strong ETags (`invalid_header`)",
        ));
        add.push(("412", "`If-Match` does not name the current revision"));
        if required {
            add.push(("428", "the `If-Match` header is missing"));
        }
    }
    let mut merged: Vec<(&str, String)> = Vec::new();
    for (status, description) in add {
        match merged.iter_mut().find(|(s, _)| *s == status) {
            Some((_, text)) => {
                text.push_str("; or ");
                text.push_str(description);
            }
            None => merged.push((status, description.to_owned())),
        }
    }
    for (status, description) in merged {
        if let Some(RefOr::T(existing)) = op.responses.responses.get_mut(status) {
            if existing.description.is_empty() {
                existing.description = description;
            }
            continue;
        }
        let mut response = ResponseBuilder::new().description(description).content(
            "application/json",
            Content::new(Some(RefOr::Ref(Ref::from_schema_name("ErrorBody")))),
        );
        if status == "405" {
            response = response.header(
                "Allow",
                HeaderBuilder::new()
                    .schema(ObjectBuilder::new().schema_type(Type::String))
                    .description(Some("the methods this path supports"))
                    .build(),
            );
        }
        op.responses
            .responses
            .insert(status.to_owned(), RefOr::T(response.build()));
    }
}

fn complete_parameter(param: &mut Parameter) {
    if param.parameter_in == ParameterIn::Header && param.name.eq_ignore_ascii_case("If-Match") {
        param.schema = Some(RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(IF_MATCH_PATTERN))
                .build(),
        )));
        return;
    }
    if param.parameter_in != ParameterIn::Path
        || !matches!(param.name.as_str(), "dataset" | "publisher")
    {
        return;
    }
    param.schema = Some(RefOr::T(Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(2))
            .max_length(Some(100))
            .pattern(Some(DATASET_KEY_PATTERN))
            .build(),
    )));
}

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "odcat JSON API", description = "Read and publish the datasets of an odcat open-data catalogue. Reads are public; writes need a bearer token scoped to a publisher and `If-Match` with the current ETag."),
    paths(
        datasets::list_datasets, datasets::get_dataset, datasets::create_dataset,
        datasets::replace_dataset, datasets::patch_dataset, datasets::withdraw_dataset, datasets::suggest,
        distributions::get_distribution, distributions::create_distribution,
        distributions::replace_distribution, distributions::withdraw_distribution,
        tables::put_table_data, tables::get_table_rows, tables::get_table_schema, tables::put_table_schema,
        tables::delete_table_schema,
        publishers::list_publishers, publishers::get_publisher,
        harvest::list_sources, harvest::create_source, harvest::get_source, harvest::replace_source,
        harvest::delete_source, harvest::list_jobs, harvest::start_job, harvest::get_job,
        quality::dataset_quality, quality::catalog_quality,
        health::healthz, health::readyz,
    ),
    components(schemas(
        DatasetDocument, DistributionDocument, PublisherDocument, LangText, Keywords, Temporal,
        ContactPointDocument, ChecksumDocument, DataTableDocument, ColumnDocument, DatasetStatus,
        DistributionKind, DistributionStatus, ErrorBody, ErrorDetail, datasets::DatasetPage, datasets::Suggestions, crate::search::Suggestion,
        tables::TableLoaded, tables::LoadedColumn, tables::RowsPage,
        crate::catalog::harvest::SourceInput, crate::catalog::harvest::SourceDocument,
        crate::catalog::harvest::SourceKind, crate::catalog::harvest::JobDocument,
        crate::catalog::harvest::JobStatus, crate::catalog::harvest::JobCounts,
        crate::catalog::harvest::JobReport, crate::catalog::harvest::DatasetError,
        crate::catalog::harvest::WithdrawnDataset, crate::catalog::harvest::HarvestProvenance,
        crate::quality::report::QualityReport, crate::quality::report::CatalogQuality,
        crate::quality::report::MetricReport, crate::quality::report::DimensionReport,
        crate::quality::report::Fix, crate::quality::report::CatalogFix,
        crate::quality::report::BandCount, crate::quality::report::Texts,
        crate::quality::report::Publication, crate::quality::metrics::Metric,
        crate::quality::metrics::Dimension, crate::quality::metrics::Band,
        crate::quality::score::DistributionResult, crate::quality::score::Violation,
    )),
    modifiers(&BearerAuth, &Behaviour),
    tags((name = "datasets"), (name = "distributions"), (name = "publishers"), (name = "harvest"), (name = "quality"), (name = "operations")),
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`.
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
