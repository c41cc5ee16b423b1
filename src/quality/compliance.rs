//! DCAT-AP compliance of one dataset's description (the MQA metric `dcatApCompliance`): the
//! dataset's graph as odcat publishes it, with its publisher's graph, validated against the official
//! DCAT-AP 3.0.1 SHACL shapes (the SEMIC testbed's base shapes and code-list shapes, shipped in
//! `shapes/` with their source) by [`super::shacl`]. Only violations count; the recommended-property
//! shapes are warnings by design and do not.
//!
//! Like the reference validator (`shared/conformance/validate`), the data graph is completed with
//! what the online validators get from imported vocabularies: the code-list membership
//! (`skos:inScheme`) of the vocabulary IRIs it uses, for the lists odcat holds exactly, and by
//! namespace for the other EU authority tables.

use std::sync::{Arc, LazyLock};

use oxigraph::model::{Graph, NamedNode, NamedNodeRef, Term, Triple};

use super::score::{Compliance, Violation};
use super::shacl::{self, Severity, Shapes};
use crate::catalog::Catalog;
use crate::catalog::document::DatasetDocument;
use crate::catalog::vocab::Vocabulary;
use crate::rdf::mapping::{Mapping, RecordDates};

/// The shape files, in the order the reference validator's `ap3` profile reads them.
const SHAPES: [&str; 3] = [
    include_str!("shapes/shapes.ttl"),
    include_str!("shapes/mdr-vocabularies.shape.ttl"),
    include_str!("shapes/deprecateduris.ttl"),
];

const AUTHORITY: &str = "http://publications.europa.eu/resource/authority/";
const IN_SCHEME: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/2004/02/skos/core#inScheme");
const RDF_TYPE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/1999/02/22-rdf-syntax-ns#type");
const CONCEPT_SCHEME: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/2004/02/skos/core#ConceptScheme");
const DCT_TITLE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://purl.org/dc/terms/title");
const SUBCLASS_OF: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/2000/01/rdf-schema#subClassOf");

/// The parsed shapes, once per process.
static PARSED: LazyLock<Result<Arc<Shapes>, String>> = LazyLock::new(|| {
    Shapes::from_turtle(&SHAPES)
        .map(Arc::new)
        .map_err(|e| e.to_string())
});

/// Checks datasets against DCAT-AP 3.
#[derive(Clone)]
pub struct DcatAp {
    catalog: Catalog,
    mapping: Mapping,
    shapes: Arc<Shapes>,
}

impl DcatAp {
    /// A checker that maps datasets with `mapping` and reads their publishers from `catalog`.
    pub fn new(catalog: Catalog, mapping: Mapping) -> anyhow::Result<Self> {
        let shapes = PARSED
            .as_ref()
            .map_err(|e| anyhow::anyhow!("the DCAT-AP shapes do not parse: {e}"))?
            .clone();
        Ok(Self {
            catalog,
            mapping,
            shapes,
        })
    }

    /// The violations of `doc`'s description (validated on a blocking thread).
    pub async fn check(&self, doc: &DatasetDocument) -> Compliance {
        let publisher = match doc.publisher.as_deref() {
            Some(slug) => match self.catalog.publisher_record(slug).await {
                Ok(p) => p,
                Err(error) => {
                    return Compliance::Unchecked(format!("could not read the publisher: {error}"));
                }
            },
            None => None,
        };
        let mut quads = self.mapping.dataset_quads(
            doc,
            RecordDates {
                listed: doc
                    .record_created
                    .unwrap_or_else(|| chrono::Utc::now().fixed_offset()),
                changed: doc
                    .record_modified
                    .unwrap_or_else(|| chrono::Utc::now().fixed_offset()),
            },
        );
        if let Some(p) = publisher {
            quads.extend(self.mapping.publisher_quads(p));
        }
        let shapes = self.shapes.clone();
        let checked = tokio::task::spawn_blocking(move || {
            let mut graph: Graph = quads.into_iter().map(Triple::from).collect();
            complete(&mut graph);
            violations(&shapes, &graph)
        })
        .await;
        match checked {
            Ok(violations) => Compliance::Checked(violations),
            Err(error) => Compliance::Unchecked(format!("the DCAT-AP check failed: {error}")),
        }
    }
}

/// The violations of `graph` (already completed).
pub fn violations(shapes: &Shapes, graph: &Graph) -> Vec<Violation> {
    let mut found: Vec<Violation> = shacl::validate(shapes, graph)
        .into_iter()
        .filter(|r| r.severity == Severity::Violation)
        .map(|r| Violation {
            focus: term_text(&r.focus),
            path: r.path,
            component: r.component.to_owned(),
            message: r
                .message
                .unwrap_or_else(|| format!("{} of shape {}", r.component, r.shape)),
        })
        .collect();
    found.sort_by(|a, b| (&a.focus, &a.path, &a.component).cmp(&(&b.focus, &b.path, &b.component)));
    found.dedup();
    found
}

fn term_text(term: &Term) -> String {
    match term {
        Term::NamedNode(n) => n.as_str().to_owned(),
        other => other.to_string(),
    }
}

/// Adds what the reference validator adds: `skos:inScheme` for vocabulary IRIs and the
/// subclass axioms of vCard and FOAF agents.
pub fn complete(graph: &mut Graph) {
    let objects: Vec<NamedNode> = graph
        .iter()
        .filter_map(|t| match t.object {
            oxigraph::model::TermRef::NamedNode(n) => Some(n.into_owned()),
            _ => None,
        })
        .collect();
    let mut schemes = std::collections::BTreeSet::new();
    for iri in objects {
        if let Some(scheme) = scheme_of(iri.as_str()) {
            graph.insert(&Triple::new(iri.clone(), IN_SCHEME, scheme.clone()));
            schemes.insert(scheme);
        }
    }
    // Some shapes require the list itself to be a titled `skos:ConceptScheme`.
    for scheme in schemes {
        graph.insert(&Triple::new(scheme.clone(), RDF_TYPE, CONCEPT_SCHEME));
        graph.insert(&Triple::new(
            scheme.clone(),
            DCT_TITLE,
            oxigraph::model::Literal::new_simple_literal(scheme.as_str()),
        ));
    }
    for (sub, sup) in [
        (
            "http://www.w3.org/2006/vcard/ns#Organization",
            "http://www.w3.org/2006/vcard/ns#Kind",
        ),
        (
            "http://www.w3.org/2006/vcard/ns#Individual",
            "http://www.w3.org/2006/vcard/ns#Kind",
        ),
        (
            "http://www.w3.org/2006/vcard/ns#Group",
            "http://www.w3.org/2006/vcard/ns#Kind",
        ),
        (
            "http://www.w3.org/2006/vcard/ns#Location",
            "http://www.w3.org/2006/vcard/ns#Kind",
        ),
        (
            "http://xmlns.com/foaf/0.1/Organization",
            "http://xmlns.com/foaf/0.1/Agent",
        ),
        (
            "http://xmlns.com/foaf/0.1/Person",
            "http://xmlns.com/foaf/0.1/Agent",
        ),
        (
            "http://xmlns.com/foaf/0.1/Group",
            "http://xmlns.com/foaf/0.1/Agent",
        ),
    ] {
        graph.insert(&Triple::new(
            NamedNode::new_unchecked(sub),
            SUBCLASS_OF,
            NamedNode::new_unchecked(sup),
        ));
    }
}

/// The code list `iri` is a member of: checked exactly for the lists odcat holds, by namespace for
/// the other EU authority tables and ADMS lists.
fn scheme_of(iri: &str) -> Option<NamedNode> {
    let exact = [
        Vocabulary::DataTheme,
        Vocabulary::AccessRight,
        Vocabulary::FileType,
        Vocabulary::Frequency,
        Vocabulary::Language,
        Vocabulary::PlannedAvailability,
        Vocabulary::PublisherType,
    ];
    for v in exact {
        if iri.starts_with(v.namespace()) {
            let scheme = match v {
                Vocabulary::PublisherType => "http://purl.org/adms/publishertype/1.0".to_owned(),
                _ => v.namespace().trim_end_matches('/').to_owned(),
            };
            return v.contains(iri).then(|| NamedNode::new_unchecked(scheme));
        }
    }
    if let Some(rest) = iri.strip_prefix(AUTHORITY) {
        let (list, code) = rest.split_once('/')?;
        return (!code.is_empty()).then(|| NamedNode::new_unchecked(format!("{AUTHORITY}{list}")));
    }
    if iri.starts_with("http://purl.org/adms/licencetype/") {
        return Some(NamedNode::new_unchecked(
            "http://purl.org/adms/licencetype/1.0",
        ));
    }
    None
}
