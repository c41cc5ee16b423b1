//! The formats a query is answered in, and the writer that streams the serialised result to the
//! HTTP response in chunks while enforcing the byte cap.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use oxigraph::io::{JsonLdProfileSet, RdfFormat};
use oxigraph::model::Term;
use oxigraph::sparql::results::QueryResultsFormat;
use tokio::sync::mpsc;

use super::SparqlError;
use super::query::QueryForm;
use crate::tabular::export::{CsvOptions, csv_text_cell};

/// A serialisation of a query result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultFormat {
    /// SPARQL results (JSON, XML, CSV, TSV) for `SELECT` and `ASK`.
    Results(QueryResultsFormat),
    /// An RDF serialisation for `CONSTRUCT` and `DESCRIBE`.
    Rdf(RdfFormat),
}

/// How a result is written: its format, and for SPARQL CSV the options table downloads take too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Output {
    /// The serialisation.
    pub format: ResultFormat,
    /// Delimiter, BOM and formula escaping of `SELECT` results in CSV.
    pub csv: CsvOptions,
}

impl From<ResultFormat> for Output {
    fn from(format: ResultFormat) -> Self {
        Self {
            format,
            csv: CsvOptions::default(),
        }
    }
}

/// A term as a SPARQL 1.1 CSV field (IRIs and literals by their text, blank nodes as `_:id`), with the
/// table downloads' options: a decimal comma with `;`, formula escaping of text.
pub fn csv_term(term: &Term, options: CsvOptions) -> String {
    match term {
        Term::NamedNode(node) => node.as_str().to_owned(),
        Term::BlankNode(node) => format!("_:{}", node.as_str()),
        Term::Literal(literal) => {
            let datatype = literal.datatype();
            let numeric = datatype.as_str().strip_prefix(XSD).is_some_and(|local| {
                matches!(
                    local,
                    "integer"
                        | "decimal"
                        | "double"
                        | "float"
                        | "int"
                        | "long"
                        | "short"
                        | "byte"
                        | "nonNegativeInteger"
                        | "positiveInteger"
                        | "nonPositiveInteger"
                        | "negativeInteger"
                        | "unsignedInt"
                        | "unsignedLong"
                        | "unsignedShort"
                        | "unsignedByte"
                )
            });
            let fractional = matches!(
                datatype.as_str().strip_prefix(XSD),
                Some("decimal" | "double" | "float")
            );
            if fractional && options.delimiter == b';' {
                literal.value().replace('.', ",")
            } else if numeric {
                literal.value().to_owned()
            } else {
                csv_text_cell(literal.value(), options)
            }
        }
    }
}

const XSD: &str = "http://www.w3.org/2001/XMLSchema#";

const JSON_LD: RdfFormat = RdfFormat::JsonLd {
    profile: JsonLdProfileSet::empty(),
};

/// The formats for `SELECT`/`ASK`, in the server's order of preference, with the media types that
/// select them.
pub const RESULT_FORMATS: [(ResultFormat, &[&str]); 4] = [
    (
        ResultFormat::Results(QueryResultsFormat::Json),
        &["application/sparql-results+json", "application/json"],
    ),
    (
        ResultFormat::Results(QueryResultsFormat::Xml),
        &[
            "application/sparql-results+xml",
            "application/xml",
            "text/xml",
        ],
    ),
    (
        ResultFormat::Results(QueryResultsFormat::Csv),
        &["text/csv"],
    ),
    (
        ResultFormat::Results(QueryResultsFormat::Tsv),
        &["text/tab-separated-values"],
    ),
];

/// The formats for `CONSTRUCT`/`DESCRIBE`, in the server's order of preference.
pub const GRAPH_FORMATS: [(ResultFormat, &[&str]); 4] = [
    (
        ResultFormat::Rdf(RdfFormat::Turtle),
        &["text/turtle", "application/x-turtle"],
    ),
    (
        ResultFormat::Rdf(RdfFormat::NTriples),
        &["application/n-triples", "text/plain"],
    ),
    (
        ResultFormat::Rdf(RdfFormat::RdfXml),
        &["application/rdf+xml", "application/xml", "text/xml"],
    ),
    (
        ResultFormat::Rdf(JSON_LD),
        &["application/ld+json", "application/json"],
    ),
];

impl ResultFormat {
    /// The formats a query form can be answered in, best first.
    pub fn candidates(form: QueryForm) -> &'static [(Self, &'static [&'static str])] {
        match form {
            QueryForm::Select | QueryForm::Ask => &RESULT_FORMATS,
            QueryForm::Graph => &GRAPH_FORMATS,
        }
    }

    /// The format named by a `format` parameter: a short name (`json`, `xml`, `csv`, `tsv`, `ttl`,
    /// `turtle`, `nt`, `ntriples`, `rdf`, `rdfxml`, `jsonld`) or a media type. `json` and `xml` mean
    /// JSON-LD and RDF/XML for graph results.
    pub fn from_name(name: &str, form: QueryForm) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        let short = match name.as_str() {
            "json" => Some(0),
            "xml" => Some(1),
            _ => None,
        };
        let candidates = Self::candidates(form);
        if let Some(i) = short {
            return Some(match form {
                QueryForm::Graph => candidates[[3, 2][i]].0,
                _ => candidates[i].0,
            });
        }
        let named = match name.as_str() {
            "csv" => Some(Self::Results(QueryResultsFormat::Csv)),
            "tsv" => Some(Self::Results(QueryResultsFormat::Tsv)),
            "ttl" | "turtle" => Some(Self::Rdf(RdfFormat::Turtle)),
            "nt" | "ntriples" | "n-triples" => Some(Self::Rdf(RdfFormat::NTriples)),
            "rdf" | "rdfxml" | "rdf/xml" => Some(Self::Rdf(RdfFormat::RdfXml)),
            "jsonld" | "json-ld" => Some(Self::Rdf(JSON_LD)),
            _ => None,
        };
        let by_media_type = || {
            let essence = name.split(';').next().unwrap_or("").trim();
            candidates
                .iter()
                .find(|(_, types)| types.contains(&essence))
                .map(|(f, _)| *f)
        };
        named
            .filter(|f| candidates.iter().any(|(c, _)| c == f))
            .or_else(by_media_type)
    }

    /// The `Content-Type` answered.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Results(QueryResultsFormat::Json) => "application/sparql-results+json",
            Self::Results(QueryResultsFormat::Xml) => "application/sparql-results+xml",
            Self::Results(QueryResultsFormat::Csv) => "text/csv; charset=utf-8",
            Self::Results(QueryResultsFormat::Tsv) => "text/tab-separated-values; charset=utf-8",
            Self::Results(_) => "application/octet-stream",
            Self::Rdf(RdfFormat::Turtle) => "text/turtle; charset=utf-8",
            Self::Rdf(RdfFormat::NTriples) => "application/n-triples",
            Self::Rdf(RdfFormat::RdfXml) => "application/rdf+xml",
            Self::Rdf(format) => format.media_type(),
        }
    }

    /// Every media type that can be asked for, for error messages.
    pub fn names(form: QueryForm) -> String {
        Self::candidates(form)
            .iter()
            .map(|(_, types)| types[0])
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A piece of a serialised result.
#[derive(Debug)]
pub struct Chunk {
    /// The bytes.
    pub bytes: Bytes,
    /// Whether the result ends with it.
    pub last: bool,
}

/// Bytes buffered before a chunk goes to the response (the serialisers write through a `BufWriter`
/// of this size, so the sender sees whole chunks only).
pub const CHUNK: usize = 64 * 1024;

/// A `Write` that hands the serialised result to the HTTP response in chunks through a bounded
/// channel (so a slow client slows the evaluation down instead of filling memory) and stops the
/// evaluation when the client goes away or the byte cap is reached. It holds one chunk back, so the
/// last one goes out marked as last: a result of one chunk is answered whole.
pub struct ChunkSender {
    tx: mpsc::Sender<Result<Chunk, SparqlError>>,
    pending: Option<Bytes>,
    written: u64,
    max_bytes: u64,
    deadline: Instant,
    /// Why writing stopped, when it did.
    pub stopped: Option<SparqlError>,
}

impl ChunkSender {
    /// A writer sending to `tx`, refusing to write more than `max_bytes` in all, and giving up when a
    /// client has not taken a chunk by `deadline` (a client that stops reading must not hold an
    /// evaluation slot beyond the query's timeout).
    pub fn new(
        tx: mpsc::Sender<Result<Chunk, SparqlError>>,
        max_bytes: u64,
        deadline: Instant,
    ) -> Self {
        Self {
            tx,
            pending: None,
            written: 0,
            max_bytes,
            deadline,
            stopped: None,
        }
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    fn send(&mut self, bytes: Bytes, last: bool) -> io::Result<()> {
        let chunk = Chunk { bytes, last };
        let sent = match tokio::runtime::Handle::try_current() {
            Ok(runtime) => runtime.block_on(async {
                tokio::time::timeout_at(self.deadline.into(), self.tx.send(Ok(chunk))).await
            }),
            Err(_) => Ok(self.tx.blocking_send(Ok(chunk))),
        };
        match sent {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => {
                self.stopped = Some(SparqlError::Disconnected);
                Err(io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "the client went away",
                ))
            }
            Err(_) => {
                self.stopped = Some(SparqlError::Disconnected);
                Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the client stopped reading",
                ))
            }
        }
    }

    /// Sends the chunk held back as the end of a complete result.
    pub fn finish(&mut self) -> Result<(), SparqlError> {
        let last = self.pending.take().unwrap_or_default();
        self.send(last, true).map_err(|_| SparqlError::Disconnected)
    }

    /// Sends an error in place of the rest of the result; gives up after a second when the client
    /// does not read (the response then ends in an error all the same, see `SparqlService::execute`).
    pub fn fail(&self, error: SparqlError) {
        let send = self.tx.send(Err(error));
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let _ = runtime.block_on(tokio::time::timeout(Duration::from_secs(1), send));
            }
            Err(_) => {
                let _ = futures_util::FutureExt::now_or_never(send);
            }
        }
    }
}

impl Write for ChunkSender {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.written += buf.len() as u64;
        if self.written > self.max_bytes {
            self.stopped = Some(SparqlError::TooManyBytes(self.max_bytes));
            return Err(io::Error::other("the result is larger than the byte cap"));
        }
        if let Some(previous) = self.pending.replace(Bytes::copy_from_slice(buf)) {
            self.send(previous, false)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn format_names_pick_the_form_specific_format() {
        use QueryForm::{Graph, Select};
        let f = |name, form| ResultFormat::from_name(name, form);
        assert_eq!(f("json", Select), Some(RESULT_FORMATS[0].0));
        assert_eq!(f("json", Graph), Some(ResultFormat::Rdf(JSON_LD)));
        assert_eq!(f("xml", Graph), Some(ResultFormat::Rdf(RdfFormat::RdfXml)));
        assert_eq!(f("TSV", Select), Some(RESULT_FORMATS[3].0));
        assert_eq!(
            f("application/sparql-results+xml", Select),
            Some(RESULT_FORMATS[1].0)
        );
        assert_eq!(
            f("text/turtle; charset=utf-8", Graph),
            Some(GRAPH_FORMATS[0].0)
        );
        assert_eq!(f("ttl", Select), None);
        assert_eq!(f("csv", Graph), None);
        assert_eq!(f("yaml", Select), None);
    }

    #[test]
    fn the_sender_marks_the_last_chunk_and_enforces_the_byte_cap() {
        let (tx, mut rx) = mpsc::channel(16);
        let mut out = ChunkSender::new(tx, 200_000, Instant::now() + Duration::from_secs(5));
        out.write_all(&[b'a'; 70_000]).unwrap();
        assert!(rx.try_recv().is_err(), "the first chunk is held back");
        out.write_all(&[b'b'; 70_000]).unwrap();
        let chunk = rx.try_recv().unwrap().unwrap();
        assert_eq!((chunk.bytes.len(), chunk.last), (70_000, false));
        out.finish().unwrap();
        let chunk = rx.try_recv().unwrap().unwrap();
        assert_eq!((chunk.bytes[0], chunk.last), (b'b', true));
        assert!(out.write_all(&[b'c'; 70_000]).is_err());
        assert!(matches!(
            out.stopped,
            Some(SparqlError::TooManyBytes(200_000))
        ));
    }
}
