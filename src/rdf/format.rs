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

    /// The format's place in [`Format::ALL`], for tables with one entry per format.
    pub fn slot(self) -> usize {
        Self::ALL
            .iter()
            .position(|f| *f == self)
            .unwrap_or_default()
    }

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
        // The prefixes are parsed once per format; a page's cache misses start a writer for every
        // group of shared triples.
        static SERIALIZERS: [std::sync::OnceLock<RdfSerializer>; Format::ALL.len()] =
            [const { std::sync::OnceLock::new() }; Format::ALL.len()];
        let serializer = SERIALIZERS[format.slot()].get_or_init(|| {
            let mut serializer = RdfSerializer::from_format(format.oxigraph());
            for (prefix, iri) in PREFIXES {
                serializer = match serializer.clone().with_prefix(*prefix, *iri) {
                    Ok(s) => s,
                    Err(_) => serializer,
                };
            }
            serializer
        });
        Self {
            inner: serializer.clone().for_writer(writer),
            local: format!("{base}/"),
            seen: HashSet::new(),
        }
    }

    /// Whether `subject` is one of the catalogue's own resources (under the base URL, or a blank
    /// node): triples about it are always written, the others once while they recur.
    pub fn is_local(&self, subject: NamedOrBlankNodeRef<'_>) -> bool {
        is_local(&self.local, subject)
    }

    /// Writes one triple.
    pub fn write<'a>(&mut self, triple: impl Into<TripleRef<'a>>) -> io::Result<()> {
        let triple = triple.into();
        if !self.is_local(triple.subject) {
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

/// Whether `subject` is under `local` (the base URL and a slash) or a blank node.
pub fn is_local(local: &str, subject: NamedOrBlankNodeRef<'_>) -> bool {
    match subject {
        NamedOrBlankNodeRef::NamedNode(n) => n.as_str().starts_with(local),
        NamedOrBlankNodeRef::BlankNode(_) => true,
    }
}

/// What Oxigraph's serialiser of one format writes around the descriptions of a document: before
/// the first (the XML declaration and root element, the JSON-LD context, Turtle's `@prefix` lines),
/// between two (JSON-LD's comma) and after the last. A document's body, the bytes between its
/// prelude and epilogue, can then be cut out and joined with others' bodies into one document of
/// the same graphs: the `/catalog` page cache keeps each dataset's body.
///
/// The frame is found by serialising probe triples once per format, and checked: two probes written
/// together must give the first's body, the separator and the second's body between the prelude and
/// the epilogue. Where that does not hold (another serialiser's layout) there is no frame, and
/// documents are serialised whole.
#[derive(Debug)]
pub struct Frame {
    prelude: Vec<u8>,
    separator: &'static [u8],
    epilogue: Vec<u8>,
}

impl Frame {
    /// The frame of `format`'s documents (the same for every base URL: no serialiser is given one).
    pub fn of(format: Format) -> Option<&'static Self> {
        static FRAMES: [std::sync::OnceLock<Option<Frame>>; Format::ALL.len()] =
            [const { std::sync::OnceLock::new() }; Format::ALL.len()];
        FRAMES[format.slot()]
            .get_or_init(|| Self::probe(format))
            .as_ref()
    }

    fn probe(format: Format) -> Option<Self> {
        use oxigraph::model::{Literal, NamedNode};
        let render = |triples: &[Triple]| -> Option<Vec<u8>> {
            let mut out = TripleWriter::new(format, "urn:odcat:frame", Vec::new());
            for t in triples {
                out.write(t).ok()?;
            }
            out.finish().ok()
        };
        let probe = |subject: &str| {
            Triple::new(
                NamedNode::new_unchecked(subject),
                NamedNode::new_unchecked("http://purl.org/dc/terms/title"),
                Literal::new_simple_literal("probe"),
            )
        };
        let (p, q) = (probe("urn:odcat:frame/p"), probe("urn:odcat:frame/q"));
        let one = render(std::slice::from_ref(&p))?;
        let (prelude, separator, epilogue): (Vec<u8>, &'static [u8], Vec<u8>) = match format {
            // Statements follow the `@prefix` lines (written with the first triple) and end with
            // their own ` .` and newline.
            Format::Turtle | Format::NTriples => {
                let start = find(&one, b"<urn:odcat:frame/p>")?;
                (one[..start].to_vec(), b"", Vec::new())
            }
            // Descriptions sit in `<rdf:RDF …>` … `</rdf:RDF>`, each on its own lines.
            Format::RdfXml => {
                let empty = render(&[])?;
                let end = find(&empty, b"</rdf:RDF>")?;
                (empty[..end].to_vec(), b"", empty[end..].to_vec())
            }
            // Node objects sit in the top array (or the `@graph` array after a context),
            // separated by commas.
            Format::JsonLd => {
                let empty = render(&[])?;
                let end = empty.iter().rposition(|b| *b == b'[')? + 1;
                (empty[..end].to_vec(), b",", empty[end..].to_vec())
            }
        };
        let frame = Self {
            prelude,
            separator,
            epilogue,
        };
        let (p_body, q_body) = (
            frame.body(&one)?.to_vec(),
            frame.body(&render(std::slice::from_ref(&q))?)?.to_vec(),
        );
        let mut joined = Vec::new();
        frame.join(&mut joined, [&p_body[..], &q_body[..]]);
        (!p_body.is_empty() && joined == render(&[p, q])?).then_some(frame)
    }

    /// The body of a whole document written in this frame's format.
    pub fn body<'a>(&self, document: &'a [u8]) -> Option<&'a [u8]> {
        document
            .strip_prefix(&self.prelude[..])?
            .strip_suffix(&self.epilogue[..])
    }

    /// Writes one document of `bodies` (empty ones are left out) to `out`.
    pub fn join<'a>(&self, out: &mut Vec<u8>, bodies: impl IntoIterator<Item = &'a [u8]>) {
        out.extend_from_slice(&self.prelude);
        let mut first = true;
        for body in bodies {
            if body.is_empty() {
                continue;
            }
            if !first {
                out.extend_from_slice(self.separator);
            }
            first = false;
            out.extend_from_slice(body);
        }
        out.extend_from_slice(&self.epilogue);
    }

    /// The bytes a document of bodies of `len` bytes in all takes, `count` of them.
    pub fn joined_len(&self, len: usize, count: usize) -> usize {
        self.prelude.len() + len + self.separator.len() * count + self.epilogue.len()
    }
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
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
