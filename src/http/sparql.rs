//! `/sparql`: the SPARQL 1.1 Protocol query operation (`GET ?query=`, `POST` form-encoded, `POST
//! application/sparql-query`), the service description or an HTML query form for `GET` without a
//! query, and the refusals (updates, `SERVICE`). Evaluation lives in [`crate::sparql`].

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;

use super::downloads::csv_option;
use super::extract::{BodyLimit, content_type_essence, declared_length, read_body};
use super::negotiate;
use crate::error::{ApiError, ErrorCode};
use crate::rdf::Format;
use crate::rdf::format::TripleWriter;
use crate::sparql::description::service_description;
use crate::sparql::output::{GRAPH_FORMATS, RESULT_FORMATS};
use crate::sparql::{
    Answer, Output, QueryForm, QueryRequest, ResultFormat, SparqlError, SparqlService,
};
use crate::tabular::export::CsvOptions;

/// What `GET /sparql` answers: a response, or the portal's SPARQL page (the form, with the result
/// of `query` as a table when there is one), which the route table renders
/// ([`super::portal::sparql`]).
pub enum SparqlAnswer {
    /// The result or the service description.
    Response(HttpResponse),
    /// The HTML page.
    Page(Option<QueryRequest>),
}

/// `GET /sparql`: a query, or without one the service description (RDF) or the HTML form.
pub async fn get_sparql(
    req: &HttpRequest,
    service: &SparqlService,
) -> Result<SparqlAnswer, ApiError> {
    let params = Params::parse(req.query_string())?;
    if params.update {
        return Err(SparqlError::UpdateRefused.into());
    }
    match params.query.clone() {
        Some(query) => {
            let format = params.format.clone();
            // A browser (or `format=html`) gets the result as a table on the SPARQL page.
            let page = match format.as_deref() {
                Some("html") => true,
                Some(_) => false,
                None => negotiate::wants_html(req, &result_media_types(), false) == Some(true),
            };
            let csv = params.csv;
            let request = params.into_request(query);
            if page {
                return Ok(SparqlAnswer::Page(Some(request)));
            }
            run(req, service, request, format, csv)
                .await
                .map(SparqlAnswer::Response)
        }
        None => describe(req, service),
    }
}

/// Every media type a query result can be asked for with.
fn result_media_types() -> Vec<&'static str> {
    RESULT_FORMATS
        .iter()
        .chain(GRAPH_FORMATS.iter())
        .flat_map(|(_, types)| types.iter().copied())
        .collect()
}

/// `POST /sparql`: a form-encoded query (`query=`) or a direct one (`application/sparql-query`).
pub async fn post_sparql(
    req: HttpRequest,
    payload: web::Payload,
    service: web::Data<SparqlService>,
) -> Result<HttpResponse, ApiError> {
    let limit = req.app_data::<BodyLimit>().map_or(1_048_576, |l| l.0);
    let essence = content_type_essence(&req).unwrap_or_default();
    match essence.as_str() {
        "application/sparql-update" => Err(SparqlError::UpdateRefused.into()),
        "application/x-www-form-urlencoded" => {
            let body = read_body(&mut payload.into_inner(), declared_length(&req), limit).await?;
            let body = std::str::from_utf8(&body).map_err(|_| {
                ApiError::new(ErrorCode::MalformedBody, "the form body is not UTF-8")
            })?;
            let params = Params::parse(body)?;
            if params.update {
                return Err(SparqlError::UpdateRefused.into());
            }
            let Some(query) = params.query.clone() else {
                return Err(ApiError::bad_parameter(
                    "query",
                    "the form has no `query` field",
                ));
            };
            let format = params.format.clone();
            let csv = params.csv;
            run(&req, &service, params.into_request(query), format, csv).await
        }
        "application/sparql-query" => {
            let body = read_body(&mut payload.into_inner(), declared_length(&req), limit).await?;
            let query = String::from_utf8(body.to_vec())
                .map_err(|_| ApiError::new(ErrorCode::MalformedBody, "the query is not UTF-8"))?;
            let params = Params::parse(req.query_string())?;
            if params.query.is_some() {
                return Err(ApiError::bad_parameter(
                    "query",
                    "send the query either in the body or in the URL, not both",
                ));
            }
            let format = params.format.clone();
            let csv = params.csv;
            run(&req, &service, params.into_request(query), format, csv).await
        }
        _ => Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the query as `application/sparql-query` or as an \
             `application/x-www-form-urlencoded` form with a `query` field",
        )),
    }
}

/// The protocol's parameters, from a URL query string or a form body.
#[derive(Default)]
struct Params {
    query: Option<String>,
    update: bool,
    default_graphs: Vec<String>,
    named_graphs: Vec<String>,
    format: Option<String>,
    csv: CsvOptions,
}

impl Params {
    fn parse(encoded: &str) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(encoded)
            .map_err(|e| ApiError::bad_parameter("query", e.to_string()))?;
        let mut params = Self::default();
        for (key, value) in pairs {
            match key.as_str() {
                "query" if params.query.is_some() => {
                    return Err(ApiError::bad_parameter(
                        "query",
                        "give exactly one `query` parameter",
                    ));
                }
                "query" => params.query = Some(value),
                "update" => params.update = true,
                "default-graph-uri" => params.default_graphs.push(value),
                "named-graph-uri" => params.named_graphs.push(value),
                "format" | "output" => params.format = Some(value),
                other => {
                    csv_option(&mut params.csv, other, &value)?;
                }
            }
        }
        Ok(params)
    }

    fn into_request(self, query: String) -> QueryRequest {
        QueryRequest {
            query,
            default_graphs: self.default_graphs,
            named_graphs: self.named_graphs,
        }
    }
}

async fn run(
    req: &HttpRequest,
    service: &SparqlService,
    request: QueryRequest,
    format: Option<String>,
    csv: CsvOptions,
) -> Result<HttpResponse, ApiError> {
    // The format for each form is decided here, and picked on the query thread between parsing and
    // evaluating, so a query visits a query thread once.
    let choose_for = |form| -> Result<ResultFormat, ApiError> {
        match &format {
            Some(name) => ResultFormat::from_name(name, form).ok_or_else(|| {
                ApiError::bad_parameter(
                    "format",
                    format!(
                        "`{name}` is not a format for this query; use one of {}",
                        ResultFormat::names(form)
                    ),
                )
            }),
            None => negotiate::best(req, ResultFormat::candidates(form)).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NotAcceptable,
                    format!(
                        "no acceptable result format; this query can be answered as {}",
                        ResultFormat::names(form)
                    ),
                )
            }),
        }
    };
    let (select, ask, graph) = (
        choose_for(QueryForm::Select),
        choose_for(QueryForm::Ask),
        choose_for(QueryForm::Graph),
    );
    let choose = move |form| -> Result<Output, ApiError> {
        let format = match form {
            QueryForm::Select => select,
            QueryForm::Ask => ask,
            QueryForm::Graph => graph,
        }?;
        Ok(Output { format, csv })
    };
    let (format, answer) = service.answer(request, choose).await??;
    let mut response = HttpResponse::Ok();
    response
        .content_type(format.content_type())
        .insert_header((header::CACHE_CONTROL, "no-store"));
    Ok(match answer {
        Answer::Whole(bytes) => response.body(bytes),
        Answer::Stream(stream) => response.streaming(stream.map(|chunk| {
            chunk.map_err(|error| {
                tracing::warn!(error = %error, "a SPARQL result was cut off after it had started");
                actix_web::Error::from(ApiError::from(error))
            })
        })),
    })
}

#[derive(Clone, Copy)]
enum Description {
    Html,
    Rdf(Format),
}

fn describe(req: &HttpRequest, service: &SparqlService) -> Result<SparqlAnswer, ApiError> {
    let candidates: [(Description, &[&str]); 5] = [
        (
            Description::Rdf(Format::Turtle),
            Format::Turtle.accepted_media_types(),
        ),
        (Description::Html, &["text/html", "application/xhtml+xml"]),
        (
            Description::Rdf(Format::RdfXml),
            Format::RdfXml.accepted_media_types(),
        ),
        (
            Description::Rdf(Format::JsonLd),
            Format::JsonLd.accepted_media_types(),
        ),
        (
            Description::Rdf(Format::NTriples),
            Format::NTriples.accepted_media_types(),
        ),
    ];
    match negotiate::best(req, &candidates) {
        Some(Description::Html) => Ok(SparqlAnswer::Page(None)),
        Some(Description::Rdf(format)) => {
            let mut out = TripleWriter::new(format, service.base(), Vec::new());
            for triple in service_description(service.base()) {
                out.write(&triple)
                    .map_err(|e| ApiError::Unexpected(e.into()))?;
            }
            let body = out.finish().map_err(|e| ApiError::Unexpected(e.into()))?;
            Ok(SparqlAnswer::Response(
                HttpResponse::Ok()
                    .content_type(format.media_type())
                    .body(body),
            ))
        }
        None => Err(ApiError::new(
            ErrorCode::NotAcceptable,
            "the service description is available as text/turtle, application/rdf+xml, \
             application/ld+json, application/n-triples and text/html",
        )),
    }
}

/// The one place a SPARQL error picks its code (and so its status): the client's faults are 4xx,
/// the server's 5xx.
impl From<SparqlError> for ApiError {
    fn from(error: SparqlError) -> Self {
        let message = error.to_string();
        let code = match &error {
            SparqlError::Syntax(_) => ErrorCode::InvalidQuery,
            SparqlError::TooComplex(_) => ErrorCode::QueryTooComplex,
            SparqlError::UpdateRefused => ErrorCode::UpdateRefused,
            SparqlError::ServiceRefused(_) => ErrorCode::ServiceRefused,
            SparqlError::BadGraph { parameter, .. } => {
                return ApiError::bad_parameter(parameter, message);
            }
            SparqlError::Busy => ErrorCode::TooManyQueries,
            SparqlError::ShuttingDown => ErrorCode::ShuttingDown,
            SparqlError::Timeout(_) => ErrorCode::QueryTimeout,
            SparqlError::TooManyRows(_) | SparqlError::TooManyBytes(_) => ErrorCode::ResultTooLarge,
            SparqlError::Evaluation(_) => ErrorCode::QueryFailed,
            SparqlError::Disconnected => ErrorCode::ClientWentAway,
            SparqlError::Internal(_) => return ApiError::Unexpected(anyhow::Error::new(error)),
        };
        ApiError::new(code, message)
    }
}

/// `Retry-After` for a busy endpoint, in seconds.
pub const RETRY_AFTER: HeaderValue = HeaderValue::from_static("2");
