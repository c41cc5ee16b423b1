//! DCAT-AP documents read back into dataset documents, for harvesting: one page of a catalogue in
//! any of Oxigraph's formats (Turtle, RDF/XML, JSON-LD, N-Triples, …) becomes the datasets it
//! describes and the link to its next page (Hydra's `next` or the older `nextPage`). The inverse of
//! [`super::mapping`]: a page odcat exports reads back to the documents it was made from, but for the
//! read-only fields, the publisher (a harvest source names its own) and the slug (a suggestion from
//! the dataset's IRI).

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{
    Graph, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, TermRef, Triple,
};

use super::vocab::{adms, dcat, dcatap, dcatde, dct, hydra, rdf, rdfs, spdx, vcard};
use crate::catalog::document::{
    ChecksumDocument, ContactPointDocument, DatasetDocument, DistributionDocument, Keywords,
    LangText, Temporal,
};
use crate::catalog::values::{DatasetStatus, DcatDate, DistributionKind, DistributionStatus};
use crate::catalog::vocab as codes;

/// `owl:versionInfo`, which DCAT-AP 2 used for a dataset's version.
const OWL_VERSION_INFO: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/2002/07/owl#versionInfo");
/// `schema:startDate` and `schema:endDate`, DCAT-AP 2's period bounds.
const SCHEMA_START: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://schema.org/startDate");
const SCHEMA_END: NamedNodeRef<'static> = NamedNodeRef::new_unchecked("http://schema.org/endDate");

/// A page that is not RDF of the format it claims.
#[derive(Debug, thiserror::Error)]
#[error("the page is not valid {format}: {message}")]
pub struct ParseError {
    /// The format it was read as.
    pub format: String,
    /// What the parser said.
    pub message: String,
}

/// One dataset of a page.
#[derive(Clone, Debug)]
pub struct ParsedDataset {
    /// The dataset's IRI (`None` for a blank node).
    pub iri: Option<String>,
    /// Its document: status `published`, no publisher, a slug suggested by the IRI or the title.
    pub document: DatasetDocument,
}

/// A page of a catalogue.
#[derive(Clone, Debug, Default)]
pub struct ParsedPage {
    /// The datasets described, in IRI order.
    pub datasets: Vec<ParsedDataset>,
    /// The next page, when the page links one (Hydra `next` or `nextPage`).
    pub next: Option<String>,
}

/// Reads a page: every triple of every graph, then each `dcat:Dataset` as a document.
pub fn parse_page(
    body: &[u8],
    format: RdfFormat,
    base: Option<&str>,
) -> Result<ParsedPage, ParseError> {
    let error = |message: String| ParseError {
        format: format.name().to_owned(),
        message,
    };
    let mut parser = RdfParser::from_format(format);
    if let Some(base) = base {
        parser = parser
            .with_base_iri(base)
            .map_err(|e| error(e.to_string()))?;
    }
    let mut graph = Graph::new();
    for quad in parser.for_slice(body) {
        let quad = quad.map_err(|e| error(e.to_string()))?;
        graph.insert(&Triple::new(quad.subject, quad.predicate, quad.object));
    }
    Ok(read_graph(&graph))
}

/// The datasets and the next-page link of a graph.
pub fn read_graph(graph: &Graph) -> ParsedPage {
    let mut subjects: Vec<NamedOrBlankNode> = graph
        .subjects_for_predicate_object(rdf::TYPE, dcat::DATASET)
        .map(NamedOrBlankNodeRef::into_owned)
        .collect();
    subjects.sort_by_key(ToString::to_string);
    let reader = Reader { graph };
    let datasets = subjects
        .iter()
        .map(|s| ParsedDataset {
            iri: match s {
                NamedOrBlankNode::NamedNode(n) => Some(n.as_str().to_owned()),
                NamedOrBlankNode::BlankNode(_) => None,
            },
            document: reader.dataset(s.as_ref()),
        })
        .collect();
    let next = [hydra::NEXT, hydra::NEXT_PAGE].iter().find_map(|p| {
        graph
            .triples_for_predicate(*p)
            .find_map(|t| match t.object {
                TermRef::NamedNode(n) => Some(n.as_str().to_owned()),
                TermRef::Literal(l) => Some(l.value().to_owned()),
                TermRef::BlankNode(_) => None,
            })
    });
    ParsedPage { datasets, next }
}

struct Reader<'a> {
    graph: &'a Graph,
}

impl<'a> Reader<'a> {
    fn objects(&self, s: NamedOrBlankNodeRef<'_>, p: NamedNodeRef<'_>) -> Vec<TermRef<'a>> {
        self.graph.objects_for_subject_predicate(s, p).collect()
    }

    /// IRIs of `p`, sorted (RDF has no order).
    fn iris(&self, s: NamedOrBlankNodeRef<'_>, p: NamedNodeRef<'_>) -> Vec<String> {
        let mut iris: Vec<String> = self
            .objects(s, p)
            .into_iter()
            .filter_map(|o| match o {
                TermRef::NamedNode(n) => Some(n.as_str().to_owned()),
                _ => None,
            })
            .collect();
        iris.sort();
        iris.dedup();
        iris
    }

    fn iri(&self, s: NamedOrBlankNodeRef<'_>, p: NamedNodeRef<'_>) -> Option<String> {
        self.iris(s, p).into_iter().next()
    }

    /// The lexical value of the first literal of `p` (or of an IRI, for values written either way).
    fn value(&self, s: NamedOrBlankNodeRef<'_>, p: NamedNodeRef<'_>) -> Option<String> {
        let mut values: Vec<String> = self
            .objects(s, p)
            .into_iter()
            .filter_map(|o| match o {
                TermRef::Literal(l) => Some(l.value().to_owned()),
                TermRef::NamedNode(n) => Some(n.as_str().to_owned()),
                TermRef::BlankNode(_) => None,
            })
            .collect();
        values.sort();
        values.into_iter().next()
    }

    /// The value of `p` where it may be a node describing it (DCAT-AP 2's `dct:IMT` with
    /// `rdf:value` or `rdfs:label`): the described value, else the node's IRI, else the literal.
    fn described_value(&self, s: NamedOrBlankNodeRef<'_>, p: NamedNodeRef<'_>) -> Option<String> {
        let described = |node: NamedOrBlankNodeRef<'_>| {
            [rdf::VALUE, rdfs::LABEL].iter().find_map(|q| {
                self.graph
                    .objects_for_subject_predicate(node, *q)
                    .find_map(|o| match o {
                        TermRef::Literal(l) => Some(l.value().to_owned()),
                        _ => None,
                    })
            })
        };
        let mut values: Vec<String> = self
            .objects(s, p)
            .into_iter()
            .filter_map(|o| match o {
                TermRef::Literal(l) => Some(l.value().to_owned()),
                TermRef::NamedNode(n) => {
                    Some(described(n.into()).unwrap_or_else(|| n.as_str().to_owned()))
                }
                TermRef::BlankNode(b) => described(b.into()),
            })
            .collect();
        values.sort();
        values.into_iter().next()
    }

    /// German (tagged `de`, else untagged, else any) and English texts of `p`.
    fn lang_text(&self, s: NamedOrBlankNodeRef<'_>, p: NamedNodeRef<'_>) -> Option<LangText> {
        let mut de = None;
        let mut plain = None;
        let mut other = None;
        let mut en = None;
        for o in self.objects(s, p) {
            let TermRef::Literal(l) = o else { continue };
            let slot = match l.language() {
                Some(lang) if lang.eq_ignore_ascii_case("de") || lang.starts_with("de-") => &mut de,
                Some(lang) if lang.eq_ignore_ascii_case("en") || lang.starts_with("en-") => &mut en,
                None => &mut plain,
                Some(_) => &mut other,
            };
            if slot.is_none() {
                *slot = Some(l.value().to_owned());
            }
        }
        let de = de.or(plain).or(other).or_else(|| en.clone())?;
        let en = en.filter(|e| *e != de);
        Some(LangText { de, en })
    }

    /// `dct:rights`: a literal, or a `dct:RightsStatement` with an `rdfs:label`, or the statement's
    /// IRI as its text.
    fn rights(&self, s: NamedOrBlankNodeRef<'_>) -> Option<LangText> {
        self.lang_text(s, dct::RIGHTS).or_else(|| {
            self.nodes(s, dct::RIGHTS).iter().find_map(|n| {
                self.lang_text(n.as_ref(), rdfs::LABEL).or_else(|| match n {
                    NamedOrBlankNode::NamedNode(iri) => Some(LangText {
                        de: iri.as_str().to_owned(),
                        en: None,
                    }),
                    NamedOrBlankNode::BlankNode(_) => None,
                })
            })
        })
    }

    /// The nodes `p` points to.
    fn nodes(&self, s: NamedOrBlankNodeRef<'_>, p: NamedNodeRef<'_>) -> Vec<NamedOrBlankNode> {
        let mut nodes: Vec<NamedOrBlankNode> = self
            .objects(s, p)
            .into_iter()
            .filter_map(|o| match o {
                TermRef::NamedNode(n) => Some(NamedOrBlankNode::from(n.into_owned())),
                TermRef::BlankNode(b) => Some(NamedOrBlankNode::from(b.into_owned())),
                TermRef::Literal(_) => None,
            })
            .collect();
        nodes.sort_by_key(ToString::to_string);
        nodes
    }

    fn date(&self, s: NamedOrBlankNodeRef<'_>, p: NamedNodeRef<'_>) -> Option<DcatDate> {
        self.value(s, p).and_then(|v| DcatDate::parse(v.trim()))
    }

    fn day(
        &self,
        s: NamedOrBlankNodeRef<'_>,
        ps: &[NamedNodeRef<'_>],
    ) -> Option<chrono::NaiveDate> {
        ps.iter().find_map(|p| {
            self.value(s, *p).and_then(|v| {
                chrono::NaiveDate::parse_from_str(v.get(..10).unwrap_or(&v), "%Y-%m-%d").ok()
            })
        })
    }

    fn dataset(&self, s: NamedOrBlankNodeRef<'_>) -> DatasetDocument {
        let title = self.lang_text(s, dct::TITLE).unwrap_or_default();
        let mut keywords = Keywords::default();
        for o in self.objects(s, dcat::KEYWORD) {
            let TermRef::Literal(l) = o else { continue };
            match l.language() {
                Some(lang) if lang.starts_with("en") => keywords.en.push(l.value().to_owned()),
                _ => keywords.de.push(l.value().to_owned()),
            }
        }
        keywords.de.sort();
        keywords.en.sort();
        let temporal = self.nodes(s, dct::TEMPORAL).first().and_then(|period| {
            let period = period.as_ref();
            let start = self.day(period, &[dcat::START_DATE, SCHEMA_START]);
            let end = self.day(period, &[dcat::END_DATE, SCHEMA_END]);
            (start.is_some() || end.is_some()).then_some(Temporal { start, end })
        });
        let contact_point = self.nodes(s, dcat::CONTACT_POINT).first().and_then(|c| {
            let c = c.as_ref();
            let name = self.value(c, vcard::FN)?;
            Some(ContactPointDocument {
                name,
                email: self
                    .value(c, vcard::HAS_EMAIL)
                    .map(|e| e.trim_start_matches("mailto:").to_owned()),
                url: self.value(c, vcard::HAS_URL),
                telephone: self
                    .value(c, vcard::HAS_TELEPHONE)
                    .map(|t| t.trim_start_matches("tel:").to_owned()),
            })
        });
        let distributions: Vec<DistributionDocument> = self
            .nodes(s, dcat::DISTRIBUTION_PROP)
            .iter()
            .map(|d| self.distribution(d.as_ref()))
            .collect();
        // The licence: the dataset's own (DCAT-AP.de 1), else the first distribution's.
        let license = self
            .iri(s, dct::LICENSE)
            .or_else(|| distributions.iter().find_map(|d| d.license.clone()))
            .unwrap_or_default();
        let license_attribution =
            self.value(s, dcatde::LICENSE_ATTRIBUTION_BY_TEXT)
                .or_else(|| {
                    self.nodes(s, dcat::DISTRIBUTION_PROP)
                        .iter()
                        .find_map(|d| self.value(d.as_ref(), dcatde::LICENSE_ATTRIBUTION_BY_TEXT))
                });
        let iri = match s {
            NamedOrBlankNodeRef::NamedNode(n) => Some(n.as_str()),
            NamedOrBlankNodeRef::BlankNode(_) => None,
        };
        DatasetDocument {
            id: None,
            harvest: None,
            slug: slug_of(iri, &title.de),
            publisher: None,
            status: Some(DatasetStatus::Published),
            description: self.lang_text(s, dct::DESCRIPTION).unwrap_or_default(),
            title,
            keywords,
            themes: self.iris(s, dcat::THEME),
            languages: self.iris(s, dct::LANGUAGE),
            license: license.clone(),
            license_attribution,
            access_rights: self.iri(s, dct::ACCESS_RIGHTS),
            accrual_periodicity: self.iri(s, dct::ACCRUAL_PERIODICITY),
            spatial: self.iri(s, dct::SPATIAL),
            geocoding_level: self.value(s, dcatde::POLITICAL_GEOCODING_LEVEL_URI),
            temporal,
            identifier: self.value(s, dct::IDENTIFIER),
            issued: self.date(s, dct::ISSUED),
            modified: self.date(s, dct::MODIFIED),
            record_modified: None,
            record_created: None,
            availability: self.iri(s, dcatap::AVAILABILITY),
            landing_page: self.iri(s, dcat::LANDING_PAGE),
            conforms_to: self.iris(s, dct::CONFORMS_TO),
            version: self
                .value(s, dcat::VERSION)
                .or_else(|| self.value(s, OWL_VERSION_INFO)),
            contributor_id: self.value(s, dcatde::CONTRIBUTOR_ID),
            contact_point,
            distributions: distributions
                .into_iter()
                .map(|mut d| {
                    // Stated once on the dataset when every distribution has the dataset's.
                    if d.license.as_deref() == Some(license.as_str()) {
                        d.license = None;
                    }
                    d
                })
                .collect(),
            revision: None,
        }
    }

    fn distribution(&self, d: NamedOrBlankNodeRef<'_>) -> DistributionDocument {
        let format = self
            .described_value(d, dct::FORMAT)
            .map(|f| format_iri(&f))
            .unwrap_or_default();
        let media_type = self.described_value(d, dcat::MEDIA_TYPE).map(|m| {
            if m.contains("://") {
                m
            } else {
                format!("{}{}", codes::MEDIA_TYPE, m.trim())
            }
        });
        let checksum = self.nodes(d, spdx::CHECKSUM).first().and_then(|c| {
            let c = c.as_ref();
            let algorithm = self.value(c, spdx::ALGORITHM)?;
            let algorithm = algorithm
                .rsplit_once("checksumAlgorithm_")
                .map_or(algorithm.as_str(), |(_, a)| a)
                .to_owned();
            Some(ChecksumDocument {
                algorithm,
                value: self.value(c, spdx::CHECKSUM_VALUE)?,
            })
        });
        let title = self.lang_text(d, dct::TITLE).unwrap_or_else(|| LangText {
            de: format
                .rsplit('/')
                .next()
                .unwrap_or("Distribution")
                .to_owned(),
            en: None,
        });
        DistributionDocument {
            id: None,
            title,
            description: self.lang_text(d, dct::DESCRIPTION),
            format,
            media_type,
            // Some catalogues write them as literals.
            access_url: self.value(d, dcat::ACCESS_URL),
            download_url: self.value(d, dcat::DOWNLOAD_URL),
            byte_size: self.value(d, dcat::BYTE_SIZE).and_then(|v| {
                let v = v.trim();
                v.parse::<u64>().ok().or_else(|| {
                    v.parse::<f64>()
                        .ok()
                        .filter(|f| *f >= 0.0)
                        .map(|f| f as u64)
                })
            }),
            checksum,
            license: self.iri(d, dct::LICENSE),
            issued: self.date(d, dct::ISSUED),
            modified: None,
            availability: self.iri(d, dcatap::AVAILABILITY),
            rights: self.rights(d),
            kind: DistributionKind::ExternalLink,
            status: match self.iri(d, adms::STATUS) {
                Some(s) if s.ends_with("/WITHDRAWN") || s.ends_with("/withdrawn") => {
                    DistributionStatus::Withdrawn
                }
                _ => DistributionStatus::Active,
            },
            data_table: None,
        }
    }
}

/// An EU file-type IRI of a `dct:format` written as an IRI or as a name (`CSV`).
fn format_iri(value: &str) -> String {
    if value.contains("://") {
        value.to_owned()
    } else {
        format!(
            "{}{}",
            codes::FILE_TYPE,
            value.trim().trim_start_matches('.').to_ascii_uppercase()
        )
    }
}

/// A slug from the last segment of the dataset's IRI (a UUID is left as it is), else from its
/// title: lower case, `a-z0-9` with single hyphens, umlauts spelled out, at most 100 characters.
pub fn slug_of(iri: Option<&str>, title: &str) -> String {
    let segment = iri
        .map(|i| i.trim_end_matches('/'))
        .and_then(|i| i.rsplit(['/', '#']).next())
        .filter(|s| !s.is_empty());
    let source = segment.unwrap_or(title);
    let mut slug = String::new();
    for c in source.chars().flat_map(char::to_lowercase) {
        match c {
            'ä' => slug.push_str("ae"),
            'ö' => slug.push_str("oe"),
            'ü' => slug.push_str("ue"),
            'ß' => slug.push_str("ss"),
            c if c.is_ascii_alphanumeric() => slug.push(c),
            _ if !slug.ends_with('-') && !slug.is_empty() => slug.push('-'),
            _ => {}
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(100).collect();
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.len() < 2 {
        format!("datensatz-{slug}")
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rdf::mapping::{Mapping, RecordDates};

    fn doc() -> DatasetDocument {
        serde_json::from_value(serde_json::json!({
            "id": "6f1c1a2e-0000-4000-8000-000000000001",
            "slug": "haushalt",
            "publisher": "stadt-wuppertal-402",
            "status": "published",
            "title": {"de": "Haushalt", "en": "Budget"},
            "description": {"de": "Der Haushalt der Stadt.", "en": "The city's budget."},
            "keywords": {"de": ["Finanzen", "Haushalt"], "en": ["budget"]},
            "themes": ["http://publications.europa.eu/resource/authority/data-theme/GOVE"],
            "languages": ["http://publications.europa.eu/resource/authority/language/DEU"],
            "license": "http://dcat-ap.de/def/licenses/cc-by/4.0",
            "license_attribution": "Stadt Wuppertal",
            "access_rights": "http://publications.europa.eu/resource/authority/access-right/PUBLIC",
            "accrual_periodicity": "http://publications.europa.eu/resource/authority/frequency/ANNUAL",
            "spatial": "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05124000",
            "geocoding_level": "http://dcat-ap.de/def/politicalGeocoding/Level/municipality",
            "temporal": {"start": "2026-01-01", "end": "2026-12-31"},
            "identifier": "https://daten.example/dataset/haushalt",
            "issued": "2026-01-15",
            "modified": "2026-02-01T10:00:00+01:00",
            "landing_page": "https://www.wuppertal.de/haushalt",
            "conforms_to": ["https://example.org/schema"],
            "version": "2.1",
            "contributor_id": "http://dcat-ap.de/def/contributors/openNRW",
            "contact_point": {"name": "Amt 402", "email": "opendata@stadt.wuppertal.de", "url": "https://www.wuppertal.de/kontakt"},
            "distributions": [
                {"id": "6f1c1a2e-0000-4000-8000-0000000000d1", "title": {"de": "CSV"},
                 "description": {"de": "Die Tabelle"},
                 "format": "http://publications.europa.eu/resource/authority/file-type/CSV",
                 "media_type": "https://www.iana.org/assignments/media-types/text/csv",
                 "access_url": "https://example.org/h.csv", "download_url": "https://example.org/h.csv",
                 "byte_size": 1234, "issued": "2026-01-15",
                 "checksum": {"algorithm": "sha256", "value": "ab12"}}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn an_exported_dataset_reads_back_to_its_document() {
        let original = doc();
        let mapping = Mapping::new("https://odcat.example", None);
        let instant = chrono::DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z").unwrap();
        let quads = mapping.dataset_quads(
            &original,
            RecordDates {
                listed: instant,
                changed: instant,
            },
        );
        for format in [
            RdfFormat::Turtle,
            RdfFormat::RdfXml,
            RdfFormat::NTriples,
            RdfFormat::JsonLd {
                profile: Default::default(),
            },
        ] {
            let mut body = Vec::new();
            let mut writer = oxigraph::io::RdfSerializer::from_format(format).for_writer(&mut body);
            for q in &quads {
                writer
                    .serialize_triple(oxigraph::model::TripleRef::from(q.as_ref()))
                    .unwrap();
            }
            writer.finish().unwrap();
            let page = parse_page(&body, format, None).unwrap();
            assert_eq!(page.datasets.len(), 1, "{format}");
            let parsed = &page.datasets[0];
            assert_eq!(
                parsed.iri.as_deref(),
                Some("https://odcat.example/dataset/6f1c1a2e-0000-4000-8000-000000000001")
            );
            let mut expected = original.clone();
            expected.id = None;
            expected.publisher = None;
            expected.revision = None;
            expected.slug = "6f1c1a2e-0000-4000-8000-000000000001".to_owned();
            for d in &mut expected.distributions {
                d.id = None;
            }
            assert_eq!(parsed.document, expected, "{format}");
        }
    }

    #[test]
    fn hydra_next_links_and_slugs_are_read() {
        let page = r#"
            @prefix hydra: <http://www.w3.org/ns/hydra/core#> .
            @prefix dcat: <http://www.w3.org/ns/dcat#> .
            @prefix dct: <http://purl.org/dc/terms/> .
            <https://x.example/catalog?page=1> hydra:nextPage "https://x.example/catalog?page=2" .
            <https://x.example/dataset/Straßen-Reinigung> a dcat:Dataset ; dct:title "Straßenreinigung" .
            [] a dcat:Dataset ; dct:title "Ohne IRI"@de .
        "#;
        let parsed = parse_page(page.as_bytes(), RdfFormat::Turtle, None).unwrap();
        assert_eq!(
            parsed.next.as_deref(),
            Some("https://x.example/catalog?page=2")
        );
        let slugs: Vec<&str> = parsed
            .datasets
            .iter()
            .map(|d| d.document.slug.as_str())
            .collect();
        assert!(slugs.contains(&"strassen-reinigung"), "{slugs:?}");
        assert!(slugs.contains(&"ohne-iri"), "{slugs:?}");
        assert!(parse_page(b"<a> <b> .", RdfFormat::Turtle, None).is_err());
    }
}

#[cfg(test)]
mod deep_tests {
    use super::*;

    /// Deeply nested input from a hostile source is an error or a page, never a crashed thread
    /// (harvest pages are parsed on a blocking thread with the default 2 MiB stack).
    #[test]
    fn deeply_nested_pages_do_not_overflow_the_stack() {
        let depth = 200_000;
        let ttl = format!(
            "<https://x.example/d> a <http://www.w3.org/ns/dcat#Dataset> ; <https://x.example/p> {}<https://x.example/o>{} .",
            "[ <https://x.example/p> ".repeat(depth),
            " ]".repeat(depth)
        );
        let json = format!(
            "{{\"@id\": \"https://x.example/d\", \"@type\": \"http://www.w3.org/ns/dcat#Dataset\", \"https://x.example/p\": {}1{}}}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let xml = format!(
            "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns:x=\"https://x.example/\">{}{}</rdf:RDF>",
            "<rdf:Description><x:p>".repeat(depth / 10),
            "</x:p></rdf:Description>".repeat(depth / 10)
        );
        for (body, format) in [
            (ttl, RdfFormat::Turtle),
            (
                json,
                RdfFormat::JsonLd {
                    profile: Default::default(),
                },
            ),
            (xml, RdfFormat::RdfXml),
        ] {
            let handle = std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(move || parse_page(body.as_bytes(), format, None).map(|p| p.datasets.len()))
                .unwrap();
            let _ = handle.join().expect("the parser thread survives");
        }
    }
}
