//! The RDF serialisations odcat answers, and writing triples in them with Oxigraph's serialisers.

use std::collections::HashSet;
use std::io::{self, Write};

use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfSerializer, WriterQuadSerializer};
use oxigraph::model::{LiteralRef, NamedOrBlankNodeRef, TermRef, Triple, TripleRef};

use super::vocab::{PREFIXES, dcat, xsd};

/// A serialisation of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Turtle, `.ttl`.
    Turtle,
    /// RDF/XML, `.rdf` and `.xml`.
    RdfXml,
    /// JSON-LD, `.jsonld`.
    JsonLd,
    /// N-Triples, `.nt`.
    NTriples,
}

impl Format {
    /// Every format, in the server's order of preference for content negotiation.
    pub const ALL: [Self; 4] = [Self::Turtle, Self::RdfXml, Self::JsonLd, Self::NTriples];

    /// The format of a URL extension.
    pub fn from_extension(extension: &str) -> Option<Self> {
        match extension {
            "ttl" => Some(Self::Turtle),
            "rdf" | "xml" => Some(Self::RdfXml),
            "jsonld" => Some(Self::JsonLd),
            "nt" => Some(Self::NTriples),
            _ => None,
        }
    }

    /// The canonical extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Turtle => "ttl",
            Self::RdfXml => "rdf",
            Self::JsonLd => "jsonld",
            Self::NTriples => "nt",
        }
    }

    /// The format's name for people (`Turtle`, `RDF/XML`, `JSON-LD`, `N-Triples`).
    pub fn label(self) -> &'static str {
        match self {
            Self::Turtle => "Turtle",
            Self::RdfXml => "RDF/XML",
            Self::JsonLd => "JSON-LD",
            Self::NTriples => "N-Triples",
        }
    }

    /// The media type answered.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Turtle => "text/turtle",
            Self::RdfXml => "application/rdf+xml",
            Self::JsonLd => "application/ld+json",
            Self::NTriples => "application/n-triples",
        }
    }

    /// Media types a client may ask for to get this format (`type/subtype`, lower case).
    pub const fn accepted_media_types(self) -> &'static [&'static str] {
        match self {
            Self::Turtle => &["text/turtle", "application/x-turtle"],
            Self::RdfXml => &["application/rdf+xml", "application/xml", "text/xml"],
            Self::JsonLd => &["application/ld+json"],
            Self::NTriples => &["application/n-triples"],
        }
    }

    fn oxigraph(self) -> RdfFormat {
        match self {
            Self::Turtle => RdfFormat::Turtle,
            Self::RdfXml => RdfFormat::RdfXml,
            Self::JsonLd => RdfFormat::JsonLd {
                profile: JsonLdProfileSet::empty(),
            },
            Self::NTriples => RdfFormat::NTriples,
        }
    }
}

/// Writes triples in one format. Triples about resources outside the catalogue (the classes of
/// vocabulary IRIs, which every dataset graph repeats) are written once while they recur; everything
/// else is streamed. The set of triples already written is bounded, so memory stays flat however
/// large the catalogue: once full it starts afresh, and a triple may then be written again, which
/// changes nothing in the graph (a graph is a set) and little in the size.
pub struct TripleWriter<W: Write> {
    inner: WriterQuadSerializer<W>,
    local: String,
    seen: HashSet<Triple>,
}

/// Distinct non-local triples remembered for deduplication (each dataset has a few unique ones, such
/// as its landing page's class; the recurring vocabulary ones number in the hundreds).
const SEEN_CAPACITY: usize = 16 * 1024;

impl<W: Write> TripleWriter<W> {
    /// Starts a document; `base` is the public base URL (IRIs under it are the catalogue's own).
    pub fn new(format: Format, base: &str, writer: W) -> Self {
        let mut serializer = RdfSerializer::from_format(format.oxigraph());
        for (prefix, iri) in PREFIXES {
            serializer = match serializer.clone().with_prefix(*prefix, *iri) {
                Ok(s) => s,
                Err(_) => serializer,
            };
        }
        Self {
            inner: serializer.for_writer(writer),
            local: format!("{base}/"),
            seen: HashSet::new(),
        }
    }

    /// Writes one triple.
    pub fn write<'a>(&mut self, triple: impl Into<TripleRef<'a>>) -> io::Result<()> {
        let triple = triple.into();
        let local = match triple.subject {
            NamedOrBlankNodeRef::NamedNode(n) => n.as_str().starts_with(&self.local),
            NamedOrBlankNodeRef::BlankNode(_) => true,
        };
        if !local {
            if self.seen.len() >= SEEN_CAPACITY {
                self.seen.clear();
            }
            if !self.seen.insert(triple.into_owned()) {
                return Ok(());
            }
        }
        // Oxigraph stores every integer type as `xsd:integer`; DCAT-AP requires the byte size as
        // `xsd:nonNegativeInteger`, so its datatype is restored on the way out.
        if triple.predicate == dcat::BYTE_SIZE
            && let TermRef::Literal(size) = triple.object
            && size.datatype() == xsd::INTEGER
        {
            let size = LiteralRef::new_typed_literal(size.value(), xsd::NON_NEGATIVE_INTEGER);
            return self.inner.serialize_triple(TripleRef::new(
                triple.subject,
                triple.predicate,
                size,
            ));
        }
        self.inner.serialize_triple(triple)
    }

    /// Ends the document and returns the writer.
    pub fn finish(self) -> io::Result<W> {
        self.inner.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_extension_round_trips() {
        for format in Format::ALL {
            assert_eq!(Format::from_extension(format.extension()), Some(format));
        }
        assert_eq!(Format::from_extension("xml"), Some(Format::RdfXml));
        assert_eq!(Format::from_extension("json"), None);
    }

    #[test]
    fn repeated_vocabulary_triples_are_written_once_and_the_memory_of_them_is_bounded() {
        use oxigraph::model::NamedNode;
        let class = NamedNode::new_unchecked("http://purl.org/dc/terms/LicenseDocument");
        let licence = NamedNode::new_unchecked("http://dcat-ap.de/def/licenses/dl-by-de/2.0");
        let mut out = TripleWriter::new(Format::NTriples, "http://odcat.test", Vec::new());
        let n = SEEN_CAPACITY + 10;
        for i in 0..n {
            let page = NamedNode::new_unchecked(format!("https://example.org/page/{i}"));
            out.write(&Triple::new(
                licence.clone(),
                super::super::vocab::rdf::TYPE,
                class.clone(),
            ))
            .unwrap();
            out.write(&Triple::new(
                page,
                super::super::vocab::rdf::TYPE,
                class.clone(),
            ))
            .unwrap();
            assert!(out.seen.len() <= SEEN_CAPACITY);
        }
        let text = String::from_utf8(out.finish().unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let licence_lines = lines
            .iter()
            .filter(|l| l.starts_with("<http://dcat-ap.de"))
            .count();
        // Every distinct triple is there; the recurring one again only after the set started afresh.
        assert_eq!(lines.len() - licence_lines, n);
        assert_eq!(licence_lines, 2);
    }
}
