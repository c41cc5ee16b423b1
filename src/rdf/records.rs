//! Withdrawn datasets in `modified_since` listings, the DCAT-AP way: the dataset's
//! `dcat:CatalogRecord` says `adms:status` withdrawn (EU dataset-status authority table), and the
//! catalogue no longer names it with `dcat:dataset`. The record keeps the description the dataset had
//! when it was withdrawn (DCAT-AP 3 requires the record's `foaf:primaryTopic` to be a `dcat:Dataset`),
//! so an incremental harvester learns of the withdrawal from the record's status and its
//! `dct:modified` (the withdrawal).

use oxigraph::model::{GraphName, Literal, NamedNode, NamedNodeRef, Quad, Term};
use uuid::Uuid;

use super::mapping::Mapping;
use super::vocab::{adms, dcat, rdf, skos};

/// The EU dataset-status concept for a withdrawn dataset.
pub const WITHDRAWN: NamedNodeRef<'static> = NamedNodeRef::new_unchecked(
    "http://publications.europa.eu/resource/authority/dataset-status/WITHDRAWN",
);
/// The EU dataset-status authority table.
pub const DATASET_STATUS: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://publications.europa.eu/resource/authority/dataset-status");
const IN_SCHEME: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/2004/02/skos/core#inScheme");

/// Turns the graphs of the datasets in `withdrawn` (among `quads`, mapped like published ones) into
/// withdrawn records: drops the catalogue's `dcat:dataset` link to them and adds `adms:status`
/// withdrawn to their records.
pub fn mark_withdrawn(mapping: &Mapping, quads: Vec<Quad>, withdrawn: &[Uuid]) -> Vec<Quad> {
    if withdrawn.is_empty() {
        return quads;
    }
    let catalog = mapping.catalog_iri();
    let graphs: Vec<NamedNode> = withdrawn
        .iter()
        .map(|id| mapping.dataset_iri(*id))
        .collect();
    let mut out: Vec<Quad> = quads
        .into_iter()
        .filter(|q| {
            !(q.predicate == dcat::DATASET_PROP
                && q.subject == catalog.clone().into()
                && matches!(&q.graph_name, GraphName::NamedNode(g) if graphs.contains(g)))
        })
        .collect();
    for graph in graphs {
        let record = NamedNode::new_unchecked(format!("{}#record", graph.as_str()));
        let name = GraphName::NamedNode(graph);
        let add = |out: &mut Vec<Quad>, s: NamedNodeRef<'_>, p: NamedNodeRef<'_>, o: Term| {
            out.push(Quad::new(s.into_owned(), p.into_owned(), o, name.clone()));
        };
        add(
            &mut out,
            record.as_ref(),
            adms::STATUS,
            WITHDRAWN.into_owned().into(),
        );
        add(
            &mut out,
            WITHDRAWN,
            rdf::TYPE,
            skos::CONCEPT.into_owned().into(),
        );
        add(
            &mut out,
            WITHDRAWN,
            skos::PREF_LABEL,
            Literal::new_language_tagged_literal_unchecked("withdrawn", "en").into(),
        );
        add(
            &mut out,
            WITHDRAWN,
            IN_SCHEME,
            DATASET_STATUS.into_owned().into(),
        );
        add(
            &mut out,
            DATASET_STATUS,
            rdf::TYPE,
            skos::CONCEPT_SCHEME.into_owned().into(),
        );
    }
    out
}
