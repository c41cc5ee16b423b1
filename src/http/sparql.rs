//! `/sparql`: the SPARQL 1.1 Protocol query operation (`GET ?query=`, `POST` form-encoded, `POST
//! application/sparql-query`), the service description or an HTML query form for `GET` without a
//! query, and the refusals (updates, `SERVICE`). Evaluation lives in [`crate::sparql`].

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;

use super::extract::{BodyLimit, content_type_essence, declared_length, read_body};
use super::negotiate;
use crate::error::ApiError;
use crate::rdf::Format;
use crate::rdf::format::TripleWriter;
use crate::sparql::description::service_description;
use crate::sparql::examples::EXAMPLES;
use crate::sparql::{Answer, QueryRequest, ResultFormat, SparqlError, SparqlService};

/// `GET /sparql`: a query, or without one the service description (RDF) or the HTML form.
pub async fn get_sparql(
    req: HttpRequest,
    service: web::Data<SparqlService>,
) -> Result<HttpResponse, ApiError> {
    let params = Params::parse(req.query_string())?;
    if params.update {
        return Err(SparqlError::UpdateRefused.into());
    }
    match params.query.clone() {
        Some(query) => {
            let format = params.format.clone();
            run(&req, &service, params.into_request(query), format).await
        }
        None => describe(&req, &service),
    }
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
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "malformed_body",
                    "the form body is not UTF-8",
                )
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
            run(&req, &service, params.into_request(query), format).await
        }
        "application/sparql-query" => {
            let body = read_body(&mut payload.into_inner(), declared_length(&req), limit).await?;
            let query = String::from_utf8(body.to_vec()).map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "malformed_body",
                    "the query is not UTF-8",
                )
            })?;
            let params = Params::parse(req.query_string())?;
            if params.query.is_some() {
                return Err(ApiError::bad_parameter(
                    "query",
                    "send the query either in the body or in the URL, not both",
                ));
            }
            let format = params.format.clone();
            run(&req, &service, params.into_request(query), format).await
        }
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
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
                _ => {}
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
) -> Result<HttpResponse, ApiError> {
    let query = service.check(&request)?;
    let form = query.form();
    let format = match format {
        Some(name) => ResultFormat::from_name(&name, form).ok_or_else(|| {
            ApiError::bad_parameter(
                "format",
                format!(
                    "`{name}` is not a format for this query; use one of {}",
                    ResultFormat::names(form)
                ),
            )
        })?,
        None => negotiate::best(req, ResultFormat::candidates(form)).ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_ACCEPTABLE,
                "not_acceptable",
                format!(
                    "no acceptable result format; this query can be answered as {}",
                    ResultFormat::names(form)
                ),
            )
        })?,
    };
    let mut response = HttpResponse::Ok();
    response
        .content_type(format.content_type())
        .insert_header((header::CACHE_CONTROL, "no-store"));
    Ok(match service.execute(query, format).await? {
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

fn describe(req: &HttpRequest, service: &SparqlService) -> Result<HttpResponse, ApiError> {
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
        Some(Description::Html) => Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(form_page(service))),
        Some(Description::Rdf(format)) => {
            let mut out = TripleWriter::new(format, service.base(), Vec::new());
            for triple in service_description(service.base()) {
                out.write(&triple)
                    .map_err(|e| ApiError::Unexpected(e.into()))?;
            }
            let body = out.finish().map_err(|e| ApiError::Unexpected(e.into()))?;
            Ok(HttpResponse::Ok()
                .content_type(format.media_type())
                .body(body))
        }
        None => Err(ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "not_acceptable",
            "the service description is available as text/turtle, application/rdf+xml, \
             application/ld+json, application/n-triples and text/html",
        )),
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A plain HTML query form with the example queries (no script: each example is a link that runs it).
fn form_page(service: &SparqlService) -> String {
    let endpoint = format!("{}/sparql", service.base());
    let mut examples = String::new();
    for (title, query) in EXAMPLES {
        let link = format!(
            "{endpoint}?{}",
            serde_urlencoded::to_string([("query", query)]).unwrap_or_default()
        );
        examples.push_str(&format!(
            "<li><details><summary>{}</summary><pre><code>{}</code></pre>\
             <p><a href=\"{}\">Ausführen / run (JSON)</a> · <a href=\"{}&amp;format=csv\">CSV</a></p>\
             </details></li>\n",
            escape(title),
            escape(query),
            escape(&link),
            escape(&link)
        ));
    }
    let limits = service.limits();
    format!(
        r#"<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SPARQL – odcat</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 1rem auto; padding: 0 1rem; line-height: 1.5; color: #1a1a1a; }}
textarea {{ width: 100%; font-family: ui-monospace, monospace; font-size: 0.95rem; }}
pre {{ background: #f3f3f3; padding: 0.5rem; overflow-x: auto; }}
label {{ font-weight: 600; }}
:focus {{ outline: 3px solid #005fcc; outline-offset: 2px; }}
button {{ font-size: 1rem; padding: 0.4rem 1rem; }}
</style>
</head>
<body>
<main>
<h1>SPARQL-Abfrage / SPARQL query</h1>
<p>Endpunkt / endpoint: <code>{endpoint}</code> (SPARQL 1.1 Protocol, nur lesend / read-only).
Der Standardgraph ist die Vereinigung aller Graphen: Metadaten und Tabellenzeilen in einer Abfrage.
The default graph is the union of all graphs. Zeitlimit / timeout {timeout} s, höchstens / at most {rows} Zeilen / rows.</p>
<form method="get" action="{endpoint}">
<p><label for="query">Abfrage / query</label><br>
<textarea id="query" name="query" rows="14">{default_query}</textarea></p>
<p><label for="format">Format</label>
<select id="format" name="format">
<option value="json">SPARQL JSON</option>
<option value="xml">SPARQL XML</option>
<option value="csv">CSV</option>
<option value="tsv">TSV</option>
<option value="ttl">Turtle (CONSTRUCT/DESCRIBE)</option>
<option value="jsonld">JSON-LD (CONSTRUCT/DESCRIBE)</option>
</select>
<button type="submit">Ausführen / run</button></p>
</form>
<h2>Beispiele / examples</h2>
<ul>
{examples}</ul>
</main>
</body>
</html>
"#,
        endpoint = escape(&endpoint),
        timeout = limits.timeout.as_secs(),
        rows = limits.max_rows,
        default_query = escape(EXAMPLES[0].1),
    )
}

impl From<SparqlError> for ApiError {
    fn from(error: SparqlError) -> Self {
        let message = error.to_string();
        let (status, code) = match &error {
            SparqlError::Syntax(_) => (StatusCode::BAD_REQUEST, "invalid_query"),
            SparqlError::UpdateRefused => (StatusCode::FORBIDDEN, "update_refused"),
            SparqlError::ServiceRefused(_) => (StatusCode::FORBIDDEN, "service_refused"),
            SparqlError::BadGraph { parameter, .. } => {
                return ApiError::bad_parameter(parameter, message);
            }
            SparqlError::Busy => (StatusCode::SERVICE_UNAVAILABLE, "too_many_queries"),
            SparqlError::Timeout(_) => (StatusCode::SERVICE_UNAVAILABLE, "query_timeout"),
            SparqlError::TooManyRows(_) | SparqlError::TooManyBytes(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "result_too_large")
            }
            SparqlError::Evaluation(_) => (StatusCode::BAD_REQUEST, "query_failed"),
            SparqlError::Disconnected => (StatusCode::BAD_REQUEST, "client_went_away"),
            SparqlError::Internal(_) => return ApiError::Unexpected(anyhow::Error::new(error)),
        };
        ApiError::new(status, code, message)
    }
}

/// `Retry-After` for a busy endpoint, in seconds.
pub const RETRY_AFTER: HeaderValue = HeaderValue::from_static("2");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
