//! The SPARQL 1.1 Service Description of `/sparql` (answered to `GET /sparql` without a query).

use oxigraph::model::{NamedNode, NamedNodeRef, Triple};

use crate::rdf::vocab::{rdf, sd};

/// The Unique URIs for file formats (<https://www.w3.org/ns/formats/>) of the result formats served.
const FORMATS: [&str; 8] = [
    "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    "http://www.w3.org/ns/formats/Turtle",
    "http://www.w3.org/ns/formats/N-Triples",
    "http://www.w3.org/ns/formats/RDF_XML",
    "http://www.w3.org/ns/formats/JSON-LD",
];

/// The service description: endpoint, language (queries only: no update), result formats, and the
/// default dataset whose default graph is the union of all graphs.
pub fn service_description(base: &str) -> Vec<Triple> {
    let endpoint = NamedNode::new_unchecked(format!("{base}/sparql"));
    let dataset = NamedNode::new_unchecked(format!("{base}/sparql#dataset"));
    let default_graph = NamedNode::new_unchecked(format!("{base}/sparql#default-graph"));
    let t = |s: &NamedNode, p: NamedNodeRef<'_>, o: NamedNodeRef<'_>| {
        Triple::new(s.clone(), p.into_owned(), o.into_owned())
    };
    let mut triples = vec![
        t(&endpoint, rdf::TYPE, sd::SERVICE),
        t(&endpoint, sd::ENDPOINT, endpoint.as_ref()),
        t(&endpoint, sd::SUPPORTED_LANGUAGE, sd::SPARQL11_QUERY),
        t(&endpoint, sd::FEATURE, sd::UNION_DEFAULT_GRAPH),
        t(&endpoint, sd::DEFAULT_DATASET, dataset.as_ref()),
        t(&dataset, rdf::TYPE, sd::DATASET),
        t(&dataset, sd::DEFAULT_GRAPH, default_graph.as_ref()),
        t(&default_graph, rdf::TYPE, sd::GRAPH),
    ];
    for format in FORMATS {
        triples.push(t(
            &endpoint,
            sd::RESULT_FORMAT,
            NamedNodeRef::new_unchecked(format),
        ));
    }
    triples
}
