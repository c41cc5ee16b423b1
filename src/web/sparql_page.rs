//! The SPARQL page: a query form with the example queries, and a query's result as an HTML table.
//! The query runs through the same [`SparqlService`] as the protocol endpoint (read-only, timeout,
//! caps); the page reads its TSV (or, for graphs, N-Triples) answer line by line and stops after
//! [`SHOWN_ROWS`] rows, which also stops the evaluation.

use std::str::FromStr;
use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use futures_util::StreamExt;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::Term;
use oxigraph::sparql::results::QueryResultsFormat;

use super::i18n::{self, Lang};
use super::{Chrome, Portal, html};
use crate::error::{ApiError, ErrorCode};
use crate::sparql::examples::EXAMPLES;
use crate::sparql::output::ResultFormat;
use crate::sparql::query::QueryForm;
use crate::sparql::{Answer, QueryRequest, SparqlError, SparqlService};

/// Rows shown on the page; the downloads have the rest.
pub const SHOWN_ROWS: usize = 500;

/// A result cell.
pub struct ResultCell {
    /// Text.
    pub text: String,
    /// Link for IRIs.
    pub href: Option<String>,
    /// Language tag or datatype.
    pub note: Option<String>,
}

/// A result as the page shows it.
pub struct ResultView {
    /// `ASK`'s answer.
    pub boolean: Option<bool>,
    /// Column names.
    pub variables: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<ResultCell>>,
    /// More rows than shown.
    pub truncated: bool,
    /// "12 rows".
    pub count_text: String,
    /// The same query in other formats.
    pub downloads: Vec<(&'static str, String)>,
}

/// A refused or failed query as the page explains it.
pub struct ErrorView {
    /// What happened and what to do, in the page's language.
    pub text: String,
    /// The parser's or evaluator's own message (English), where it helps to find the mistake.
    pub detail: Option<String>,
}

/// Explains a SPARQL error in `lang`, by its stable code; the technical message stays as detail
/// where it points at the mistake in the query (or where no explanation is known).
pub fn error_view(api: &ApiError, timeout: u64, lang: Lang) -> ErrorView {
    let de = lang == Lang::De;
    let pick = |german: &str, english: &str| {
        if de {
            german.to_owned()
        } else {
            english.to_owned()
        }
    };
    let message = api.to_string();
    let (text, detail) = match api.error_code() {
        ErrorCode::InvalidQuery => (
            pick(
                "Die Abfrage ist kein gültiges SPARQL. Die Meldung des Parsers:",
                "The query is not valid SPARQL. The parser says:",
            ),
            true,
        ),
        ErrorCode::QueryFailed => (
            pick(
                "Die Abfrage konnte nicht ausgewertet werden. Die Meldung:",
                "The query could not be evaluated. The message:",
            ),
            true,
        ),
        ErrorCode::InvalidParameter => (
            pick(
                "Ein Parameter der Abfrage ist ungültig:",
                "A parameter of the query is invalid:",
            ),
            true,
        ),
        ErrorCode::UpdateRefused => (
            pick(
                "Dieser Endpunkt ist nur lesend: SPARQL-Updates werden abgelehnt.",
                "This endpoint is read-only: SPARQL updates are refused.",
            ),
            false,
        ),
        ErrorCode::ServiceRefused => (
            pick(
                "Föderierte Abfragen (SERVICE) werden abgelehnt: Dieser Endpunkt ruft keine anderen Dienste auf.",
                "Federated queries (SERVICE) are refused: this endpoint does not call other services.",
            ),
            false,
        ),
        ErrorCode::TooManyQueries => (
            pick(
                "Gerade laufen zu viele Abfragen. Bitte versuchen Sie es in einigen Sekunden erneut.",
                "Too many queries are running. Please try again in a few seconds.",
            ),
            false,
        ),
        ErrorCode::QueryTimeout => (
            if de {
                format!(
                    "Die Abfrage war nach {timeout} Sekunden nicht fertig und wurde abgebrochen. Grenzen Sie sie ein oder setzen Sie ein LIMIT."
                )
            } else {
                format!(
                    "The query did not finish within {timeout} seconds and was stopped. Narrow it down or add a LIMIT."
                )
            },
            false,
        ),
        ErrorCode::ResultTooLarge => (
            pick(
                "Das Ergebnis ist zu groß. Setzen Sie ein LIMIT oder grenzen Sie die Abfrage ein.",
                "The result is too large. Add a LIMIT or narrow the query down.",
            ),
            false,
        ),
        ErrorCode::QueryTooComplex => (
            pick(
                "Die Abfrage ist zu tief verschachtelt oder zu umfangreich. Bitte vereinfachen Sie sie.",
                "The query is nested too deeply or too large. Please simplify it.",
            ),
            false,
        ),
        ErrorCode::InternalError => (
            pick(
                "Bei der Ausführung ist ein interner Fehler aufgetreten. Bitte versuchen Sie es später erneut.",
                "An internal error occurred while running the query. Please try again later.",
            ),
            false,
        ),
        _ => (
            pick(
                "Die Abfrage wurde abgelehnt. Die Meldung:",
                "The query was refused. The message:",
            ),
            true,
        ),
    };
    ErrorView {
        text,
        detail: detail.then_some(message),
    }
}

/// An example with the link that runs it.
pub struct ExampleView {
    /// Title.
    pub title: String,
    /// Query text.
    pub query: &'static str,
    /// `/sparql?query=…`.
    pub href: String,
}

/// `/sparql` for browsers.
#[derive(Template)]
#[template(path = "sparql.html", config = "src/web/askama.toml")]
pub struct SparqlPage {
    c: Chrome,
    endpoint: String,
    timeout: u64,
    max_rows: u64,
    query: String,
    error: Option<ErrorView>,
    results: Option<ResultView>,
    examples: Vec<ExampleView>,
}

/// `text` with a capital first letter (the examples' English titles are written in lower case).
fn sentence_case(text: &str) -> String {
    let mut chars = text.trim().chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn query_href(query: &str, format: Option<&str>) -> String {
    let mut pairs = vec![("query", query)];
    if let Some(f) = format {
        pairs.push(("format", f));
    }
    format!(
        "/sparql?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

/// Renders the page; with `request`, runs it and shows the result (or the error, with status 400
/// for a bad query and 503 for a timeout or a busy endpoint).
pub async fn page(
    req: &HttpRequest,
    portal: &Portal,
    service: &SparqlService,
    request: Option<QueryRequest>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let negotiated = i18n::negotiate(req);
    let lang = negotiated.lang;
    let t = lang.texts();
    let snapshot = portal.index.snapshot().await?;
    let c = Chrome::new(req, lang, portal, &snapshot, "sparql", t.sparql_heading);
    let mut status = StatusCode::OK;
    let mut error = None;
    let mut results = None;
    let query = request
        .as_ref()
        .map_or_else(|| EXAMPLES[0].1.to_owned(), |r| r.query.clone());
    if let Some(request) = request {
        match run(service, request, lang).await {
            Ok(view) => results = Some(view),
            Err(e) => {
                let api = ApiError::from(e);
                status = actix_web::ResponseError::status_code(&api);
                if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
                    tracing::warn!(error = ?api, "the SPARQL page's query failed");
                }
                error = Some(error_view(&api, service.limits().timeout.as_secs(), lang));
            }
        }
    }
    let page = SparqlPage {
        endpoint: format!("{}/sparql", service.base()),
        timeout: service.limits().timeout.as_secs(),
        max_rows: service.limits().max_rows,
        query,
        error,
        results,
        examples: EXAMPLES
            .iter()
            .map(|(title, query)| ExampleView {
                // The titles read "Deutsch / English".
                title: sentence_case(match (title.split_once(" / "), lang) {
                    (Some((de, _)), Lang::De) => de,
                    (Some((_, en)), Lang::En) => en,
                    (None, _) => title,
                }),
                query,
                href: query_href(query, None),
            })
            .collect(),
        c,
    };
    html(status, negotiated, started, &page)
}

async fn run(
    service: &SparqlService,
    request: QueryRequest,
    lang: Lang,
) -> Result<ResultView, SparqlError> {
    let text = request.query.clone();
    let checked = service.check(request).await?;
    let form = checked.form();
    let graph = form == QueryForm::Graph;
    let format = if graph {
        ResultFormat::Rdf(RdfFormat::NTriples)
    } else {
        ResultFormat::Results(QueryResultsFormat::Tsv)
    };
    let answer = service.execute(checked, format.into()).await?;
    // Lines, up to one more than shown; dropping the stream stops the evaluation.
    let mut lines: Vec<String> = Vec::new();
    let mut pending = Vec::new();
    let wanted = SHOWN_ROWS + 2;
    match answer {
        Answer::Whole(bytes) => pending.extend_from_slice(&bytes),
        Answer::Stream(mut stream) => {
            while let Some(chunk) = stream.next().await {
                pending.extend_from_slice(&chunk?);
                if bytecount_newlines(&pending) >= wanted {
                    break;
                }
            }
        }
    }
    for line in String::from_utf8_lossy(&pending).lines().take(wanted) {
        lines.push(line.to_owned());
    }
    let t = lang.texts();
    let mut view = ResultView {
        boolean: None,
        variables: Vec::new(),
        rows: Vec::new(),
        truncated: false,
        count_text: String::new(),
        downloads: Vec::new(),
    };
    if graph {
        view.variables = vec!["subject".into(), "predicate".into(), "object".into()];
        for line in lines.iter().filter(|l| !l.trim().is_empty()) {
            if view.rows.len() == SHOWN_ROWS {
                view.truncated = true;
                break;
            }
            let parsed = RdfParser::from_format(RdfFormat::NTriples)
                .for_slice(line.as_bytes())
                .next();
            if let Some(Ok(triple)) = parsed {
                view.rows.push(vec![
                    term_cell(&Term::from(triple.subject)),
                    term_cell(&Term::from(triple.predicate)),
                    term_cell(&triple.object),
                ]);
            }
        }
        view.downloads = vec![
            ("Turtle", query_href(&text, Some("ttl"))),
            ("JSON-LD", query_href(&text, Some("jsonld"))),
        ];
    } else if form == QueryForm::Ask {
        view.boolean = Some(lines.first().is_some_and(|l| l.trim() == "true"));
    } else {
        let mut lines = lines.into_iter();
        view.variables = lines
            .next()
            .map(|h| {
                h.split('\t')
                    .filter(|v| !v.is_empty())
                    .map(|v| v.trim_start_matches('?').to_owned())
                    .collect()
            })
            .unwrap_or_default();
        for line in lines {
            if view.rows.len() == SHOWN_ROWS {
                view.truncated = true;
                break;
            }
            view.rows
                .push(line.split('\t').map(tsv_cell).collect::<Vec<_>>());
        }
        view.downloads = vec![
            ("CSV", query_href(&text, Some("csv"))),
            ("JSON", query_href(&text, Some("json"))),
            ("XML", query_href(&text, Some("xml"))),
        ];
    }
    let shown = super::chart::number_text(view.rows.len() as f64, lang);
    view.count_text = if view.truncated {
        format!("{shown}+ {}", t.sparql_results_count)
    } else {
        format!("{shown} {}", t.sparql_results_count)
    };
    Ok(view)
}

fn bytecount_newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| **b == b'\n').count()
}

const PREFIXES: [(&str, &str); 14] = [
    ("dcat:", "http://www.w3.org/ns/dcat#"),
    ("dct:", "http://purl.org/dc/terms/"),
    ("dcatde:", "http://dcat-ap.de/def/dcatde/"),
    ("foaf:", "http://xmlns.com/foaf/0.1/"),
    ("rdf:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rdfs:", "http://www.w3.org/2000/01/rdf-schema#"),
    ("xsd:", "http://www.w3.org/2001/XMLSchema#"),
    ("vcard:", "http://www.w3.org/2006/vcard/ns#"),
    ("adms:", "http://www.w3.org/ns/adms#"),
    ("skos:", "http://www.w3.org/2004/02/skos/core#"),
    ("spdx:", "http://spdx.org/rdf/terms#"),
    ("csvw:", "http://www.w3.org/ns/csvw#"),
    ("hydra:", "http://www.w3.org/ns/hydra/core#"),
    ("schema:", "https://schema.org/"),
];

/// `dcat:Dataset` for well-known namespaces, the IRI otherwise.
fn compact(iri: &str) -> String {
    for (prefix, namespace) in PREFIXES {
        if let Some(local) = iri.strip_prefix(namespace)
            && !local.is_empty()
            && !local.contains(['/', '#'])
        {
            return format!("{prefix}{local}");
        }
    }
    iri.to_owned()
}

fn term_cell(term: &Term) -> ResultCell {
    match term {
        Term::NamedNode(n) => ResultCell {
            text: compact(n.as_str()),
            href: (n.as_str().starts_with("http://") || n.as_str().starts_with("https://"))
                .then(|| n.as_str().to_owned()),
            note: None,
        },
        Term::BlankNode(b) => ResultCell {
            text: format!("_:{}", b.as_str()),
            href: None,
            note: None,
        },
        Term::Literal(l) => ResultCell {
            text: l.value().to_owned(),
            href: None,
            note: match l.language() {
                Some(tag) => Some(format!("@{tag}")),
                None => {
                    let datatype = l.datatype().as_str();
                    (datatype != "http://www.w3.org/2001/XMLSchema#string")
                        .then(|| compact(datatype))
                }
            },
        },
        #[allow(unreachable_patterns)]
        other => ResultCell {
            text: other.to_string(),
            href: None,
            note: None,
        },
    }
}

/// One TSV cell (an RDF term in Turtle-like syntax, or empty when unbound).
fn tsv_cell(raw: &str) -> ResultCell {
    if raw.is_empty() {
        return ResultCell {
            text: String::new(),
            href: None,
            note: None,
        };
    }
    if let Ok(term) = Term::from_str(raw) {
        return term_cell(&term);
    }
    // Bare numbers and booleans (Turtle shorthand).
    let note = if raw == "true" || raw == "false" {
        Some("xsd:boolean")
    } else if raw.parse::<i64>().is_ok() {
        Some("xsd:integer")
    } else if raw.contains(['e', 'E']) && raw.parse::<f64>().is_ok() {
        Some("xsd:double")
    } else if raw.parse::<f64>().is_ok() {
        Some("xsd:decimal")
    } else {
        None
    };
    ResultCell {
        text: raw.to_owned(),
        href: None,
        note: note.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_explained_in_the_page_language() {
        let timeout = ApiError::from(SparqlError::Timeout(30));
        let de = error_view(&timeout, 30, Lang::De);
        assert!(
            de.text.starts_with("Die Abfrage war nach 30 Sekunden"),
            "{}",
            de.text
        );
        assert!(de.detail.is_none());
        let busy = ApiError::from(SparqlError::Busy);
        assert!(
            error_view(&busy, 30, Lang::En)
                .text
                .starts_with("Too many queries")
        );
        let syntax = ApiError::from(SparqlError::Syntax("error at 1:1: expected SELECT".into()));
        let view = error_view(&syntax, 30, Lang::De);
        assert!(
            view.text
                .starts_with("Die Abfrage ist kein gültiges SPARQL")
        );
        assert_eq!(
            view.detail.as_deref(),
            Some("error at 1:1: expected SELECT")
        );
        let update = ApiError::from(SparqlError::UpdateRefused);
        assert!(
            error_view(&update, 30, Lang::De)
                .text
                .contains("nur lesend")
        );
    }

    #[test]
    fn tsv_terms_become_cells() {
        let iri = tsv_cell("<http://www.w3.org/ns/dcat#Dataset>");
        assert_eq!(iri.text, "dcat:Dataset");
        assert_eq!(
            iri.href.as_deref(),
            Some("http://www.w3.org/ns/dcat#Dataset")
        );
        let tagged = tsv_cell("\"Offene Daten\"@de");
        assert_eq!(tagged.text, "Offene Daten");
        assert_eq!(tagged.note.as_deref(), Some("@de"));
        let typed = tsv_cell("\"2026-01-01\"^^<http://www.w3.org/2001/XMLSchema#date>");
        assert_eq!(
            (typed.text.as_str(), typed.note.as_deref()),
            ("2026-01-01", Some("xsd:date"))
        );
        let number = tsv_cell("42");
        assert_eq!(
            (number.text.as_str(), number.note.as_deref()),
            ("42", Some("xsd:integer"))
        );
        assert!(tsv_cell("").text.is_empty());
    }
}
